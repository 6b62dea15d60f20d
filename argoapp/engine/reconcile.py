"""The engine's entry point: one pass over one workflow.

`reconcile(wf, observed, now, settings)` copies the workflow, works out the effective spec
(`workflowTemplateRef` and the controller's `workflowDefaults` merged in), admits it on the
first pass (validation, `Running`, start time), applies stop/terminate and the deadline, walks
the template tree from the entrypoint, runs the exit handler once the tree is done, and settles
the workflow's phase, message, progress and labels. The lifecycle after completion (TTL, pod
GC) is in `lifecycle.py`. The caller performs `Result.actions` and persists `Result.workflow`.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from argoapp.engine import artrepo, lifecycle, sync
from argoapp.engine.api import CreateObject, DeletePod, Event, Observed, Result, Settings
from argoapp.engine.execute import Call, execute
from argoapp.engine.hooks import exit_hook_of, run_expression_hooks
from argoapp.engine.pods import owner_reference
from argoapp.engine.scope import expand, workflow_globals
from argoapp.engine.state import Pass, parse_time
from argoapp.engine.templates import Source, by_name, merge_defaults
from argoapp.engine.validate import ValidationError, validate_workflow
from argoapp.model import labels
from argoapp.model.phases import (
    NODE_DONE,
    NodePhase,
    NodeType,
    WorkflowPhase,
    node_done,
    workflow_done,
)
from argoapp.model.types import Obj, copy_json
from argoapp.template import TemplateError, evaluate


def reconcile(wf: Obj, observed: Observed, now: datetime, settings: Settings) -> Result:
    """One pass over a workflow: the new Workflow object and the actions to perform."""
    # the spec is only read (effective_spec copies it): copy the rest, share the spec
    new = {k: v if k in ("spec", "status") else copy_json(v) for k, v in wf.items()}
    status, shared = _copy_status(wf.get("status") or {})
    new["status"] = status
    spec = effective_spec(new, observed, settings)
    p = Pass(wf=new, spec=spec, observed=observed, settings=settings, now=now, shared=shared)
    if workflow_done(status.get("phase")):
        lifecycle.after_completion(p, persisted=True)
        return _result(p)
    first = not status.get("phase") or status.get("phase") == WorkflowPhase.PENDING
    if first and not _admit(p):
        return _result(p)
    if "artifactRepositoryRef" not in status:  # a workflow admitted before repositories were
        problem = artrepo.resolve_repository(p)
        if problem:
            _fail_admission(p, problem, WorkflowPhase.ERROR)
            return _result(p)
    _prepare(p)
    if not sync.hold_workflow_locks(p):
        return _result(p)
    _shutdown_and_deadline(p)
    root = _run_entrypoint(p)
    if p.ended_after_hold and root is not None and not node_done(root.get("phase")):
        # Something ended after a limit held work back: walk once more (idempotent: nodes are
        # found by name), so that work the ending made possible starts now. No event would
        # bring another pass: our own write does not.
        root = _run_entrypoint(p)
    if root is not None and node_done(root.get("phase")):
        _exit_and_finish(p, root)
    else:
        _run_workflow_hooks(p)
    if not workflow_done(status.get("phase")):  # a finished one had it in after_completion
        lifecycle.pod_gc(p)
    lifecycle.progress(p)
    lifecycle.node_events(p, wf)
    return _result(p)


def _copy_status(status: Obj) -> tuple[Obj, set[str]]:
    """A copy of the status to change, but for the nodes that had ended: those are shared
    (see `Pass.own`), and their ids returned. Copying thousands of ended nodes was most of a
    pass over a big workflow."""
    copied = {k: copy_json(v) for k, v in status.items() if k != "nodes"}
    if "nodes" not in status:
        return copied, set()
    given = status["nodes"]
    nodes = copied["nodes"] = dict(given)  # in C, then the few live nodes replaced by copies
    live = [nid for nid, node in given.items() if node.get("phase") not in NODE_DONE]
    for nid in live:
        nodes[nid] = copy_json(given[nid])
    return copied, set(given).difference(live)


def _result(p: Pass) -> Result:
    return Result(workflow=p.wf, actions=p.actions, requeue_after=p.requeue_after)


def effective_spec(wf: Obj, observed: Observed, settings: Settings) -> Obj:
    """The workflow's spec with its workflowTemplateRef and the controller defaults merged."""
    spec: Obj = copy_json(wf.get("spec") or {})
    status = wf.setdefault("status", {})
    ref = spec.get("workflowTemplateRef")
    if ref:
        stored = status.get("storedWorkflowTemplateSpec")
        if stored is None:
            cluster = bool(ref.get("clusterScope"))
            kind = "ClusterWorkflowTemplate" if cluster else "WorkflowTemplate"
            namespace = "" if cluster else (wf.get("metadata") or {}).get("namespace", "")
            found = observed.objects.get(kind, namespace, str(ref.get("name")))
            if found is not None:
                stored = copy_json(found.get("spec") or {})
                status["storedWorkflowTemplateSpec"] = stored
        if stored is not None:
            spec = _merge_spec(copy_json(stored), spec)
    defaults = settings.workflow_defaults.get("spec") if settings.workflow_defaults else None
    if defaults:
        spec = _merge_spec(copy_json(dict(defaults)), spec)
    return spec


def _merge_spec(base: Obj, over: Obj) -> Obj:
    """Argo's spec merge: the workflow's own fields win; arguments merge by parameter name."""
    for key, value in over.items():
        if key == "workflowTemplateRef":
            continue
        if key == "arguments":
            base["arguments"] = _merge_arguments(base.get("arguments") or {}, value or {})
        elif isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = merge_defaults(base[key], value)
        else:
            base[key] = value
    return base


def _merge_arguments(base: Obj, over: Obj) -> Obj:
    out = dict(base)
    for kind in ("parameters", "artifacts"):
        merged = {p.get("name"): p for p in base.get(kind) or []}
        for prm in over.get(kind) or []:
            merged[prm.get("name")] = {**merged.get(prm.get("name"), {}), **prm}
        if merged:
            out[kind] = list(merged.values())
    return out


def _admit(p: Pass) -> bool:
    """First pass: validate and mark Running; False when the workflow failed validation."""
    status = p.status
    ref = p.wf.get("spec", {}).get("workflowTemplateRef")
    if ref and "storedWorkflowTemplateSpec" not in status:
        kind = "ClusterWorkflowTemplate" if ref.get("clusterScope") else "WorkflowTemplate"
        return _fail_admission(p, f'{kind}.argoproj.io "{ref.get("name")}" not found')
    try:
        validate_workflow({**p.wf, "spec": p.spec}, p.observed.objects)
    except ValidationError as e:
        return _fail_admission(p, f"invalid spec: {e}")
    problem = _workflow_metadata(p)
    if problem:
        return _fail_admission(p, problem)
    problem = artrepo.resolve_repository(p)
    if problem:
        return _fail_admission(p, problem, WorkflowPhase.ERROR)
    status["phase"] = WorkflowPhase.RUNNING
    status["startedAt"] = p.now_text
    status.setdefault("progress", "0/0")
    _set_labels(p, WorkflowPhase.RUNNING)
    p.act(Event("Normal", "WorkflowRunning", "Workflow Running"))
    return True


def _workflow_metadata(p: Pass) -> str:
    """`spec.workflowMetadata`: labels and annotations put on the workflow, and labels whose
    values come from expressions over the workflow's variables; "" or what went wrong."""
    md = p.spec.get("workflowMetadata") or {}
    if not md:
        return ""
    meta = p.wf.setdefault("metadata", {})
    scope = workflow_globals(p.wf, p.spec)
    for kind in ("labels", "annotations"):
        for name, value in (md.get(kind) or {}).items():
            meta.setdefault(kind, {})[name] = str(value)
            scope[f"workflow.{kind}.{name}"] = str(value)
    for name, source in (md.get("labelsFrom") or {}).items():
        expression = str((source or {}).get("expression") or "")
        try:
            value = evaluate(expression, expand(scope))
        except TemplateError as e:
            return f"failed to evaluate label {name!r} expression {expression!r}: {e}"
        if not isinstance(value, str):
            return (
                f"failed to evaluate label {name!r} expression {expression!r} evaluated to "
                f"{type(value).__name__} but must be a string"
            )
        meta.setdefault("labels", {})[name] = value
        scope[f"workflow.labels.{name}"] = value
    return ""


def _fail_admission(p: Pass, message: str, phase: str = WorkflowPhase.FAILED) -> bool:
    status = p.status
    status["phase"] = phase
    status["message"] = message
    status.setdefault("startedAt", p.now_text)
    status["finishedAt"] = p.now_text
    status["progress"] = "0/0"
    _set_labels(p, phase, completed=True)
    p.act(Event("Warning", "WorkflowFailed", message))
    lifecycle.after_completion(p)
    return False


def _set_labels(p: Pass, phase: str, completed: bool = False) -> None:
    meta_labels = p.wf.setdefault("metadata", {}).setdefault("labels", {})
    meta_labels[labels.LABEL_PHASE] = phase
    meta_labels[labels.LABEL_COMPLETED] = "true" if completed else "false"


def _prepare(p: Pass) -> None:
    p.globals = workflow_globals(p.wf, p.spec)
    _volume_claims(p)
    p.init_counters()
    ads = p.spec.get("activeDeadlineSeconds")
    started = parse_time(p.status.get("startedAt"))
    if ads is not None and started is not None:
        try:
            p.deadline = started + timedelta(seconds=int(ads))
        except (TypeError, ValueError):
            p.deadline = None
    p.wants_result = "outputs.result" in json.dumps(p.spec) or "result" in json.dumps(
        p.spec.get("templates") or []
    )


def _volume_claims(p: Pass) -> None:
    """PVCs from `volumeClaimTemplates`, made once per workflow and named `<wf>-<name>`."""
    templates = p.spec.get("volumeClaimTemplates") or []
    claims = p.status.get("persistentVolumeClaims")
    if templates and claims is None:
        claims = []
        for vct in templates:
            short = str((vct.get("metadata") or {}).get("name") or "")
            pvc = copy_json(vct)
            pvc["apiVersion"], pvc["kind"] = "v1", "PersistentVolumeClaim"
            meta = pvc.setdefault("metadata", {})
            meta["name"] = f"{p.name}-{short}"
            meta["namespace"] = p.namespace
            meta["ownerReferences"] = [owner_reference(p.wf)]
            p.act(CreateObject("PersistentVolumeClaim", pvc))
            claims.append({"name": short, "persistentVolumeClaim": {"claimName": meta["name"]}})
        p.status["persistentVolumeClaims"] = claims
    p.volume_claims = list(claims or [])


def _shutdown_and_deadline(p: Pass) -> None:
    strategy = p.spec.get("shutdown")
    if p.deadline is not None:
        left = (p.deadline - p.now).total_seconds()
        if left <= 0:
            p.deadline_passed = True
            strategy = strategy or "Terminate"
        else:
            p.requeue(left)
    if not strategy:
        return
    message = (
        "Step exceeded its deadline"
        if p.deadline_passed and not p.spec.get("shutdown")
        else f"Stopped with strategy '{strategy}'"
    )
    for node in list(p.nodes.values()):
        if node_done(node.get("phase")) or node.get("type") not in (
            NodeType.POD,
            NodeType.SUSPEND,
            NodeType.HTTP,
        ):
            continue
        if p.spec.get("shutdown") != "Terminate" and _is_exit_node(p, node):
            continue  # Stop and the deadline leave exit handlers running
        if node.get("podName"):
            p.act(DeletePod(node["podName"]))
        p.finish(node, NodePhase.FAILED, message)
        sync.release_node(p, str(node["id"]))


def _is_exit_node(p: Pass, node: Obj) -> bool:
    name = str(node.get("name", ""))
    return ".onExit" in name or ".hooks." in name


def _run_entrypoint(p: Pass) -> Obj | None:
    source = Source(
        by_name(p.spec.get("templates")),
        f"local/{p.name}",
        p.spec.get("templateDefaults") or {},
    )
    p.source = source
    entry = p.spec.get("entrypoint", "")
    holder = {"template": entry, "arguments": p.spec.get("arguments") or {}}
    return execute(p, Call(node_name=p.name, display_name=p.name, holder=holder, source=source))


def _exit_and_finish(p: Pass, root: Obj) -> None:
    phase = str(root.get("phase"))
    outcomes: dict[str, str] = {
        NodePhase.SUCCEEDED: WorkflowPhase.SUCCEEDED,
        NodePhase.SKIPPED: WorkflowPhase.SUCCEEDED,
        NodePhase.OMITTED: WorkflowPhase.SUCCEEDED,
        NodePhase.ERROR: WorkflowPhase.ERROR,
    }
    wf_phase = outcomes.get(phase, WorkflowPhase.FAILED)
    message = str(root.get("message") or "")
    if p.deadline_passed and not p.spec.get("shutdown"):
        wf_phase, message = WorkflowPhase.FAILED, "Step exceeded its deadline"
    elif p.spec.get("shutdown"):
        wf_phase = WorkflowPhase.FAILED
        message = f"Stopped with strategy '{p.spec['shutdown']}'"
    exit_node = _run_exit_handler(p, wf_phase)
    if exit_node is None and _has_exit_handler(p):
        return  # it cannot start yet (a lock, a limit): the workflow waits for it
    if exit_node is not None and not node_done(exit_node.get("phase")):
        return
    exit_failed = exit_node is not None and exit_node.get("phase") in (
        NodePhase.FAILED,
        NodePhase.ERROR,
    )
    if exit_failed and wf_phase == WorkflowPhase.SUCCEEDED and exit_node is not None:
        wf_phase = WorkflowPhase.FAILED
        message = str(exit_node.get("message") or "")
    if not p.outputs_settled():
        p.requeue(5)
        return
    lifecycle.finish_workflow(p, wf_phase, message)
    _set_labels(p, wf_phase, completed=True)


def _has_exit_handler(p: Pass) -> bool:
    return exit_hook_of(p.spec) is not None and p.spec.get("shutdown") != "Terminate"


def _run_exit_handler(p: Pass, wf_phase: str) -> Obj | None:
    hook = exit_hook_of(p.spec)
    if hook is None or p.spec.get("shutdown") == "Terminate":
        return None
    p.globals["workflow.status"] = wf_phase
    p.globals["workflow.failures"] = json.dumps(_failures(p), separators=(",", ":"))
    p.globals["workflow.duration"] = str(p.seconds_since(p.status.get("startedAt")))
    call = Call(
        node_name=f"{p.name}.onExit",
        display_name=f"{p.name}.onExit",
        holder=hook,
        source=p.source,
        on_exit=True,
    )
    return execute(p, call)


def _failures(p: Pass) -> list[dict[str, Any]]:
    out = []
    for node in p.nodes.values():
        if node.get("phase") in (NodePhase.FAILED, NodePhase.ERROR) and node.get("type") in (
            NodeType.POD,
            NodeType.SUSPEND,
            NodeType.HTTP,
        ):
            out.append(
                {
                    "displayName": node.get("displayName"),
                    "message": node.get("message", ""),
                    "templateName": node.get("templateName", ""),
                    "phase": node.get("phase"),
                    "podName": node.get("podName", node.get("id")),
                    "finishedAt": node.get("finishedAt", ""),
                }
            )
    return out


def _run_workflow_hooks(p: Pass) -> None:
    hooks = p.spec.get("hooks") or {}
    if not any(k != "exit" for k in hooks):
        return
    root = p.node(p.name)
    if root is None:
        return
    run_expression_hooks(p, None, root, p.spec, p.globals, p.source)
