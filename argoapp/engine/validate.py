"""Workflow validation with Argo's rules and messages (Argo's workflow/validate).

The engine calls `validate_workflow` on a workflow's first pass (with its effective spec, the
workflowTemplateRef already merged) and fails the workflow with `invalid spec: <message>`;
the API server calls it, `validate_workflow_template`, `validate_cluster_workflow_template`
and `validate_cron_workflow` on create and lint and answers 400 with the message.

First `validate_types.check_types` refuses fields of the wrong JSON type, as Argo's decoding
does. The walk then follows Argo's ValidateWorkflow: template names, `spec.arguments`, the global
variables, the entrypoint (with the workflow's arguments), the exit handler, hooks, podGC, and
then every template on its own. Referenced templates come from the `Lookup` (no I/O here).
Every failure is a `ValidationError`; nothing else escapes, whatever the document holds.
"""

from __future__ import annotations

import copy
from typing import Any

from argoapp.engine.api import Lookup
from argoapp.engine.validate_fields import (
    ValidationError,
    as_dict,
    as_list,
    check_names,
    text,
    validate_arguments,
)
from argoapp.engine.validate_graph import check_hooks
from argoapp.engine.validate_scope import add_outputs
from argoapp.engine.validate_templates import FAKE, Base, Checker
from argoapp.engine.validate_types import check_types
from argoapp.model.types import Obj

__all__ = [
    "ValidationError",
    "validate_cluster_workflow_template",
    "validate_cron_workflow",
    "validate_workflow",
    "validate_workflow_template",
]

_MAX_NAME = 63
_POD_GC_STRATEGIES = (
    "",
    "OnPodCompletion",
    "OnPodSuccess",
    "OnWorkflowCompletion",
    "OnWorkflowSuccess",
)
_ARTIFACT_GC_STRATEGIES = ("", "OnWorkflowCompletion", "OnWorkflowDeletion", "Never")
_ALWAYS_GLOBAL = (
    "workflow.name",
    "workflow.namespace",
    "workflow.mainEntrypoint",
    "workflow.serviceAccountName",
    "workflow.uid",
    "workflow.annotations",
    "workflow.annotations.json",
    "workflow.labels",
    "workflow.labels.json",
    "workflow.status",
    # Argo adds this only while validating the exit handler; templates it shares with the
    # main graph would otherwise be rejected depending on the walk's order.
    "workflow.failures",
)


def validate_workflow(wf: Obj, lookup: Lookup, *, lint: bool = False) -> None:
    """Raise `ValidationError` when `wf` cannot run. `lint`: arguments may lack values."""

    def run() -> None:
        check_types(wf, "Workflow")
        _validate(wf, lookup, lint=lint, template_validation=False)

    _guarded(run)


def validate_workflow_template(tmpl: Obj, lookup: Lookup) -> None:
    """Validate a WorkflowTemplate (its entrypoint and arguments may be left to submit time)."""
    _validate_template_kind(tmpl, lookup, "workflow template")


def validate_cluster_workflow_template(tmpl: Obj, lookup: Lookup) -> None:
    """Validate a ClusterWorkflowTemplate, as a WorkflowTemplate."""
    _validate_template_kind(tmpl, lookup, "cluster workflow template")


def validate_cron_workflow(cron: Obj, lookup: Lookup) -> None:
    """Validate a CronWorkflow: schedules, policy, and its workflowSpec as a Workflow."""
    from argoapp.engine.validate_cron import check_cron

    def run() -> None:
        check_types(cron, "CronWorkflow")
        wf = check_cron(cron)
        try:
            _validate(wf, lookup, lint=False, template_validation=False)
        except ValidationError as e:
            raise ValidationError(f"cannot validate Workflow: {e}") from None

    _guarded(run)


def _validate_template_kind(tmpl: Obj, lookup: Lookup, what: str) -> None:
    def run() -> None:
        check_types(tmpl, "WorkflowTemplate")
        meta = as_dict(tmpl.get("metadata"))
        name = text(meta.get("name"))
        if len(name) > _MAX_NAME:
            raise ValidationError(
                f'{what} name "{name}" must not be more than 63 characters long '
                f"(currently {len(name)})"
            )
        wf = {
            "metadata": {
                "namespace": meta.get("namespace", ""),
                "labels": meta.get("labels") or {},
                "annotations": meta.get("annotations") or {},
            },
            "spec": as_dict(tmpl.get("spec")),
        }
        _validate(wf, lookup, lint=False, template_validation=True)

    _guarded(run)


def _guarded(run: object) -> None:
    """Run a validation; a document too malformed for the checks is still a ValidationError."""
    assert callable(run)
    try:
        run()
    except ValidationError:
        raise
    except RecursionError:
        raise ValidationError("workflow is nested too deeply to validate") from None
    except (TypeError, ValueError, KeyError, AttributeError, IndexError) as e:
        raise ValidationError(f"malformed workflow: {type(e).__name__}: {e}") from None


def _merge_template_ref(wf: Obj, spec: Obj, lookup: Lookup) -> Obj:
    """The spec of a workflow that names a workflowTemplateRef, with the template merged in."""
    if as_list(spec.get("templates")):
        raise ValidationError(
            "Templates is invalid field in spec if workflow referred WorkflowTemplate reference"
        )
    ref = as_dict(spec.get("workflowTemplateRef"))
    cluster = ref.get("clusterScope") is True
    kind = "ClusterWorkflowTemplate" if cluster else "WorkflowTemplate"
    namespace = "" if cluster else text(as_dict(wf.get("metadata")).get("namespace"))
    found = lookup.get(kind, namespace, text(ref.get("name")))
    if not isinstance(found, dict):
        plural = "clusterworkflowtemplates" if cluster else "workflowtemplates"
        raise ValidationError(f'{plural}.argoproj.io "{text(ref.get("name"))}" not found')
    check_types(found, "WorkflowTemplate")  # stored behind the API's back, maybe
    merged = copy.deepcopy(as_dict(found.get("spec")))
    for key, value in spec.items():
        if key == "workflowTemplateRef":
            continue
        if key == "arguments":
            merged["arguments"] = _merge_arguments(as_dict(merged.get("arguments")), as_dict(value))
        else:
            merged[key] = value
    return merged


def _merge_arguments(base: Obj, over: Obj) -> Obj:
    out = dict(base)
    for kind in ("parameters", "artifacts"):
        by_name = {text(as_dict(p).get("name")): as_dict(p) for p in as_list(base.get(kind))}
        for raw in as_list(over.get(kind)):
            item = as_dict(raw)
            by_name[text(item.get("name"))] = item
        if by_name:
            out[kind] = list(by_name.values())
    return out


def _globals(wf: Obj, spec: Obj, args: Obj) -> set[str]:
    found = set(_ALWAYS_GLOBAL)
    params = as_list(args.get("parameters"))
    if params:
        found.update(("workflow.parameters", "workflow.parameters.json"))
    for raw in params:
        name = text(as_dict(raw).get("name"))
        if name:
            found.add(f"workflow.parameters.{name}")
    meta = as_dict(wf.get("metadata"))
    wf_meta = as_dict(spec.get("workflowMetadata"))
    for source in (meta.get("annotations"), wf_meta.get("annotations")):
        found.update(f"workflow.annotations.{k}" for k in as_dict(source))
    for source in (meta.get("labels"), wf_meta.get("labels"), wf_meta.get("labelsFrom")):
        found.update(f"workflow.labels.{k}" for k in as_dict(source))
    if spec.get("priority") is not None:
        found.add("workflow.priority")
    return found


def _validate(wf: Obj, lookup: Lookup, *, lint: bool, template_validation: bool) -> None:
    spec = wf.get("spec")
    if not isinstance(spec, dict):
        raise ValidationError("spec is missing")
    meta = as_dict(wf.get("metadata"))
    name = text(meta.get("name"))
    if len(name) > _MAX_NAME:
        raise ValidationError(
            f'workflow name "{name}" must not be more than 63 characters long '
            f"(currently {len(name)})"
        )
    if spec.get("workflowTemplateRef") is not None:
        spec = _merge_template_ref(wf, spec, lookup)
    templates = as_list(spec.get("templates"))
    err = check_names(templates, False)
    if err:
        raise ValidationError(f"spec.templates{err}")
    args = as_dict(spec.get("arguments"))
    validate_arguments("spec.arguments.", args, lint or template_validation)
    checker = Checker(
        lookup=lookup,
        namespace=text(meta.get("namespace")),
        globals=_globals(wf, spec, args),
        template_validation=template_validation,
    )
    base = Base.of("Workflow", name, spec)
    _declare_global_outputs(checker, base)
    entrypoint = text(spec.get("entrypoint"))
    if not entrypoint and not template_validation:
        raise ValidationError("spec.entrypoint is required")
    if entrypoint:
        entry_args = FAKE if template_validation else args
        checker.validate_holder({"template": entrypoint}, base, entry_args)
    on_exit = text(spec.get("onExit"))
    if on_exit:
        checker.validate_holder({"template": on_exit}, base, as_dict(spec.get("arguments")))
    check_hooks(checker, spec, base, "hooks")
    strategy = text(as_dict(spec.get("podGC")).get("strategy"))
    if strategy not in _POD_GC_STRATEGIES:
        raise ValidationError(f"podGC.strategy unknown strategy '{strategy}'")
    _check_artifact_gc(spec, templates)
    for raw in templates:
        tmpl_name = text(as_dict(raw).get("name"))
        try:
            checker.validate_holder({"template": tmpl_name}, base, FAKE)
        except ValidationError as e:
            raise ValidationError(f"templates.{tmpl_name} {e}") from None


def _check_artifact_gc(spec: Obj, templates: list[Any]) -> None:
    """`artifactGC.strategy` of the workflow and of each output artifact: one of Argo's
    (its CRD's enum; the controller would otherwise never collect them)."""
    places = [("artifactGC.strategy", as_dict(spec.get("artifactGC")))]
    for raw in templates:
        tmpl = as_dict(raw)
        for art in as_list(as_dict(tmpl.get("outputs")).get("artifacts")):
            where = (
                f"templates.{text(tmpl.get('name'))}.outputs.artifacts."
                f"{text(as_dict(art).get('name'))}.artifactGC.strategy"
            )
            places.append((where, as_dict(as_dict(art).get("artifactGC"))))
    for where, gc in places:
        strategy = text(gc.get("strategy"))
        if strategy not in _ARTIFACT_GC_STRATEGIES:
            raise ValidationError(f"{where} unknown strategy '{strategy}'")


def _declare_global_outputs(checker: Checker, base: Base) -> None:
    """Make every `globalName` output known up front, so the order of the walk never decides
    whether `{{workflow.outputs.…}}` resolves (Argo learns them as it goes)."""
    scratch: set[str] = set()
    for tmpl in base.templates.values():
        add_outputs(tmpl, "_", scratch, checker.globals, False, False)
    for magic in ("workflow.outputs.parameters.*", "workflow.outputs.artifacts.*"):
        if magic in scratch:
            checker.globals.add(magic)
