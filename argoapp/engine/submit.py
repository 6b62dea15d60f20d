"""Workflows made from other objects: `argo submit --from workflowtemplate/NAME`,
`--from clusterworkflowtemplate/NAME` and `--from cronworkflow/NAME` (the API's
`POST /api/v1/workflows/{ns}/submit`), with the submit options applied as Argo's
`ApplySubmitOpts` does.

The API server calls these after fetching the template or cron workflow; the controller's cron
scheduler may use `from_cron_workflow` too. Pure: no I/O, `now` is an argument. Bad options raise
`OperationError` with Argo's message.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from argoapp.engine.operations import rfc3339
from argoapp.engine.operations_retry import override_parameters
from argoapp.engine.operations_selector import OperationError
from argoapp.model import labels
from argoapp.model.types import Obj

API_VERSION = "argoproj.io/v1alpha1"


def from_workflow_template(tmpl: Obj, *, cluster_scope: bool, options: Obj | None = None) -> Obj:
    """A Workflow that runs the (cluster) workflow template by reference (`workflowTemplateRef`)."""
    name = (tmpl.get("metadata") or {}).get("name", "")
    label = (
        labels.LABEL_CLUSTER_WORKFLOW_TEMPLATE if cluster_scope else labels.LABEL_WORKFLOW_TEMPLATE
    )
    ref: Obj = {"name": name}
    if cluster_scope:
        ref["clusterScope"] = True
    wf: Obj = {
        "apiVersion": API_VERSION,
        "kind": "Workflow",
        "metadata": {"generateName": f"{name}-", "labels": {label: name}},
        "spec": {"workflowTemplateRef": ref},
    }
    apply_submit_options(wf, options or {})
    return wf


def from_cron_workflow(cron: Obj, options: Obj | None = None, *, now: datetime) -> Obj:
    """A Workflow from the cron workflow's `workflowSpec`, owned by it (Argo's
    `ConvertCronWorkflowToWorkflow`), stamped with `now` as its scheduled time."""
    meta = cron.get("metadata") or {}
    spec = cron.get("spec") or {}
    name = meta.get("name", "")
    wf_labels: dict[str, str] = {}
    instance = (meta.get("labels") or {}).get(labels.LABEL_CONTROLLER_INSTANCE_ID)
    if instance is not None:
        wf_labels[labels.LABEL_CONTROLLER_INSTANCE_ID] = instance
    wf_labels[labels.LABEL_CRON_WORKFLOW] = name
    annotations = {labels.ANNOTATION_SCHEDULED_TIME: rfc3339(now)}
    wf_meta: Obj = {"generateName": f"{name}-"}
    extra = spec.get("workflowMetadata") or {}
    wf_labels.update(extra.get("labels") or {})
    annotations.update(extra.get("annotations") or {})
    if extra.get("finalizers"):
        wf_meta["finalizers"] = list(extra["finalizers"])
    wf_meta["labels"] = wf_labels
    wf_meta["annotations"] = annotations
    wf_meta["ownerReferences"] = [
        {
            "apiVersion": API_VERSION,
            "kind": "CronWorkflow",
            "name": name,
            "uid": meta.get("uid", ""),
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]
    wf: Obj = {
        "apiVersion": cron.get("apiVersion") or API_VERSION,
        "kind": "Workflow",
        "metadata": wf_meta,
        "spec": copy.deepcopy(spec.get("workflowSpec") or {}),
    }
    apply_submit_options(wf, options or {})
    return wf


def apply_submit_options(wf: Obj, options: Obj) -> None:
    """Apply Argo's `SubmitOpts` (wire names) to `wf` in place."""
    spec = wf.setdefault("spec", {})
    meta = wf.setdefault("metadata", {})
    entrypoint = options.get("entryPoint") or options.get("entrypoint")
    if entrypoint:
        spec["entrypoint"] = entrypoint
    if options.get("serviceAccount"):
        spec["serviceAccountName"] = options["serviceAccount"]
    if options.get("podPriorityClassName"):
        spec["podPriorityClassName"] = options["podPriorityClassName"]
    if options.get("priority") is not None:
        spec["priority"] = options["priority"]
    for key, what in (("labels", "labels"), ("annotations", "Annotations")):
        if options.get(key):
            parsed = _parse_pairs(str(options[key]), what)
            meta[key] = {**(meta.get(key) or {}), **parsed}
    parameters = options.get("parameters") or []
    if not isinstance(parameters, list):
        raise OperationError("submitOptions.parameters must be a list of NAME=VALUE strings")
    override_parameters(wf, [str(p) for p in parameters])
    if options.get("generateName"):
        meta["generateName"] = options["generateName"]
    if options.get("name"):
        meta["name"] = options["name"]
    owner: Any = options.get("ownerReference")
    if owner:
        meta["ownerReferences"] = [*(meta.get("ownerReferences") or []), owner]


def _parse_pairs(text: str, what: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in text.split(","):
        parts = item.split("=")
        if len(parts) != 2 or not parts[0]:
            raise OperationError(
                f"expected {what} of the form: NAME1=VALUE2,NAME2=VALUE2. Received: {text}: "
                f"unexpected label spec: {item}"
            )
        pairs[parts[0]] = parts[1]
    return pairs
