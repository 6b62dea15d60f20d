"""Artifact GC decisions, as pure functions of the workflow: which artifacts, when, and what
the workflow says afterwards.

Argo's rules: an output artifact's strategy is its own `artifactGC.strategy`, else the one its
template declares for it, else the workflow's `spec.artifactGC.strategy`, else none; `Never`
keeps it. `OnWorkflowCompletion` artifacts go once the workflow is done (or is being deleted),
`OnWorkflowDeletion` ones once it is being deleted. A workflow that has any strategy set carries
the finalizer `workflows.argoproj.io/artifact-gc` from its first pass, so it cannot vanish before
its artifacts do; the finalizer goes when every artifact with a strategy is marked `deleted`
(or, with `spec.artifactGC.forceFinalizerRemoval`, after a failed attempt). Processed strategies
are recorded in `status.artifactGCStatus.strategiesProcessed`; failures in the condition
`ArtifactGCError`.

Who calls: `artifact_gc.ArtifactCollector`. No I/O here.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass

from argoapp.model.phases import workflow_done
from argoapp.model.types import Obj

FINALIZER = "workflows.argoproj.io/artifact-gc"
ON_COMPLETION = "OnWorkflowCompletion"
ON_DELETION = "OnWorkflowDeletion"
NEVER = "Never"
CONDITION = "ArtifactGCError"
MESSAGE_LIMIT = 2000  # a condition's message, however many artifacts failed


@dataclass(frozen=True)
class Target:
    """One output artifact of one pod node, due for deletion."""

    node_id: str
    template: Obj  # the node's template ({} when not found): its archiveLocation may place it
    artifact: Obj


@dataclass(frozen=True)
class Report:
    """What one GC attempt did, to be written into the workflow by the next pass."""

    uid: str
    strategies: frozenset[str]  # the strategies attempted
    deleted: frozenset[tuple[str, str]]  # (node id, artifact name) now gone
    errors: tuple[str, ...]  # one line per artifact that could not be deleted


def _spec(wf: Obj) -> Obj:
    return wf.get("spec") or {}


def _gc_status(wf: Obj) -> Obj:
    return (wf.get("status") or {}).get("artifactGCStatus") or {}


def _workflow_gc(wf: Obj, field: str) -> object:
    """A `spec.artifactGC` field: the workflow's own, else its stored WorkflowTemplate's."""
    own = (_spec(wf).get("artifactGC") or {}).get(field)
    if own is not None:
        return own
    stored = (wf.get("status") or {}).get("storedWorkflowTemplateSpec") or {}
    return (stored.get("artifactGC") or {}).get(field)


def workflow_strategy(wf: Obj) -> str:
    """The workflow-level strategy ("" for none)."""
    return str(_workflow_gc(wf, "strategy") or "")


def force_removal(wf: Obj) -> bool:
    """`spec.artifactGC.forceFinalizerRemoval`."""
    return bool(_workflow_gc(wf, "forceFinalizerRemoval"))


def _templates(wf: Obj) -> Iterator[Obj]:
    status = wf.get("status") or {}
    yield from _spec(wf).get("templates") or []
    yield from (status.get("storedWorkflowTemplateSpec") or {}).get("templates") or []
    yield from (status.get("storedTemplates") or {}).values()


def template_of(wf: Obj, node: Obj) -> Obj:
    """The template a node ran, by name ({} when it cannot be found)."""
    name = node.get("templateName") or (node.get("templateRef") or {}).get("template")
    for template in _templates(wf):
        if template.get("name") == name:
            return template
    return {}


def strategy(wf: Obj, artifact: Obj, template: Obj | None = None) -> str:
    """The artifact's effective strategy ("" for none)."""
    own = (artifact.get("artifactGC") or {}).get("strategy")
    if own:
        return str(own)
    for declared in ((template or {}).get("outputs") or {}).get("artifacts") or []:
        found = (declared.get("artifactGC") or {}).get("strategy")
        if found and declared.get("name") == artifact.get("name"):
            return str(found)
    return workflow_strategy(wf)


def _collected(name: str) -> bool:
    # Only the strategies argoapp carries out hold the finalizer: another name (a newer Argo's
    # or a typo the validator let through) must not keep a workflow from being deleted.
    return name in (ON_COMPLETION, ON_DELETION)


def wants_gc(wf: Obj) -> bool:
    """Whether any output artifact of the workflow has a strategy that deletes it."""
    if _collected(workflow_strategy(wf)):
        return True  # logs archived as artifacts have no declaration of their own
    return any(
        _collected(strategy(wf, declared, template))
        for template in _templates(wf)
        for declared in (template.get("outputs") or {}).get("artifacts") or []
    )


def being_deleted(wf: Obj) -> bool:
    return bool((wf.get("metadata") or {}).get("deletionTimestamp"))


def has_finalizer(wf: Obj) -> bool:
    return FINALIZER in ((wf.get("metadata") or {}).get("finalizers") or [])


def with_finalizer(wf: Obj) -> Obj:
    """`wf` carrying the GC finalizer when it needs one and never had it (else `wf` itself)."""
    if has_finalizer(wf) or being_deleted(wf) or _gc_status(wf).get("strategiesProcessed"):
        return wf
    if not wants_gc(wf):
        return wf
    meta = wf.get("metadata") or {}
    return {**wf, "metadata": {**meta, "finalizers": [*(meta.get("finalizers") or []), FINALIZER]}}


def ready_strategies(wf: Obj) -> frozenset[str]:
    """The strategies whose time has come and that are not processed yet."""
    if not has_finalizer(wf):
        return frozenset()
    done = _gc_status(wf).get("strategiesProcessed") or {}
    ready = set()
    if workflow_done((wf.get("status") or {}).get("phase")) or being_deleted(wf):
        ready.add(ON_COMPLETION)
    if being_deleted(wf):
        ready.add(ON_DELETION)
    return frozenset(s for s in ready if not done.get(s))


def targets(wf: Obj, strategies: frozenset[str]) -> list[Target]:
    """Every pod node's output artifact of those strategies not yet deleted."""
    found = []
    for node_id, node in ((wf.get("status") or {}).get("nodes") or {}).items():
        if node.get("type") != "Pod":
            continue
        artifacts = (node.get("outputs") or {}).get("artifacts") or []
        if not artifacts:
            continue
        template = template_of(wf, node)
        for artifact in artifacts:
            if not artifact.get("deleted") and strategy(wf, artifact, template) in strategies:
                found.append(Target(str(node_id), template, artifact))
    return found


def _all_deleted(wf: Obj) -> bool:
    """Whether no artifact waits for GC: each one with a strategy is marked deleted, or its
    strategy has been carried out (so a pass that rewrote a node's outputs cannot hold the
    finalizer for ever)."""
    processed = _gc_status(wf).get("strategiesProcessed") or {}
    for node in ((wf.get("status") or {}).get("nodes") or {}).values():
        if node.get("type") != "Pod":
            continue
        template: Obj | None = None
        for artifact in (node.get("outputs") or {}).get("artifacts") or []:
            if artifact.get("deleted"):
                continue
            template = template if template is not None else template_of(wf, node)
            name = strategy(wf, artifact, template)
            if _collected(name) and not processed.get(name):
                return False
    return True


def applied(wf: Obj, report: Report) -> Obj:
    """`wf` as it stands after `report`: marks, processed strategies, condition, finalizer."""
    wf = copy.deepcopy(wf)
    status = wf.setdefault("status", {})
    for node_id, node in (status.get("nodes") or {}).items():
        for artifact in (node.get("outputs") or {}).get("artifacts") or []:
            if (node_id, artifact.get("name")) in report.deleted:
                artifact["deleted"] = True
    failed = bool(report.errors)
    force = force_removal(wf)
    if not failed or force:
        gc = status.setdefault("artifactGCStatus", {})
        processed = gc.setdefault("strategiesProcessed", {})
        processed.update(dict.fromkeys(sorted(report.strategies), True))
    if failed:
        _upsert_condition(status, "; ".join(report.errors)[:MESSAGE_LIMIT])
    if (failed and force) or (not failed and _all_deleted(wf)):
        meta = wf.setdefault("metadata", {})
        meta["finalizers"] = [f for f in meta.get("finalizers") or [] if f != FINALIZER]
    return wf


def _upsert_condition(status: Obj, message: str) -> None:
    conditions = [c for c in status.get("conditions") or [] if c.get("type") != CONDITION]
    conditions.append({"type": CONDITION, "status": "True", "message": message})
    status["conditions"] = conditions
