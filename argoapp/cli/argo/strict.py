"""`argo lint --strict` (on by default): manifests with fields Argo does not know are refused.

Argo's CLI decodes each file strictly before linting it, so a misspelt field (`entrypiont`,
`tempaltes`, `dependecies`) fails with `strict decoding error: unknown field "<path>"` instead of
being dropped. `unknown_field` does the same walk over the documents' plain dicts for the parts
people write by hand: the object, its metadata, the (cron) workflow spec, templates, steps, DAG
tasks, inputs, outputs and arguments. Container and pod fields (Kubernetes' own types) are left
to the server. Pure; called by `lint.lint_documents`.
"""

from __future__ import annotations

from typing import Any

_META = (
    "annotations creationTimestamp deletionGracePeriodSeconds deletionTimestamp finalizers "
    "generateName generation labels managedFields name namespace ownerReferences "
    "resourceVersion selfLink uid"
)
_WORKFLOW_SPEC = (
    "activeDeadlineSeconds affinity archiveLogs arguments artifactGC artifactRepositoryRef "
    "automountServiceAccountToken dnsConfig dnsPolicy entrypoint executor hooks hostAliases "
    "hostNetwork imagePullSecrets metrics nodeSelector onExit parallelism podDisruptionBudget "
    "podGC podMetadata podPriority podPriorityClassName podSpecPatch priority retryStrategy "
    "schedulerName securityContext serviceAccountName shutdown suspend synchronization "
    "templateDefaults templates tolerations ttlStrategy volumeClaimGC volumeClaimTemplates "
    "volumes workflowMetadata workflowTemplateRef"
)
_CRON_SPEC = (
    "concurrencyPolicy failedJobsHistoryLimit schedule schedules startingDeadlineSeconds "
    "stopStrategy successfulJobsHistoryLimit suspend timezone when workflowMetadata workflowSpec"
)
_TEMPLATE = (
    "activeDeadlineSeconds affinity annotations archiveLocation automountServiceAccountToken "
    "container containerSet daemon dag data executor failFast hostAliases http initContainers "
    "inputs memoize metadata metrics name nodeSelector outputs parallelism plugin podSpecPatch "
    "priority priorityClassName resource retryStrategy schedulerName script securityContext "
    "serviceAccountName sidecars steps suspend synchronization timeout tolerations volumes"
)
_STEP = (
    "arguments continueOn hooks inline name onExit template templateRef when withItems "
    "withParam withSequence"
)
_FIELDS: dict[str, frozenset[str]] = {
    "meta": frozenset(_META.split()),
    "workflow_spec": frozenset(_WORKFLOW_SPEC.split()),
    "cron_spec": frozenset(_CRON_SPEC.split()),
    "template": frozenset(_TEMPLATE.split()),
    "step": frozenset(_STEP.split()),
    "task": frozenset([*_STEP.split(), "dependencies", "depends"]),
    "dag": frozenset(["failFast", "target", "tasks"]),
    "inputs": frozenset(["artifacts", "parameters"]),
    "outputs": frozenset(["artifacts", "exitCode", "parameters", "result"]),
    "arguments": frozenset(["artifacts", "parameters"]),
    "parameter": frozenset(
        ["default", "description", "enum", "globalName", "name", "value", "valueFrom"]
    ),
}
_OBJECT = frozenset(["apiVersion", "kind", "metadata", "spec", "status"])


def unknown_field(doc: dict[str, Any]) -> str:
    """The path of the first field Argo would not decode in `doc`, or "" when none."""
    found = _keys(doc, _OBJECT, "")
    found = found or _struct(doc.get("metadata"), "meta", "metadata")
    spec = doc.get("spec")
    if doc.get("kind") == "CronWorkflow":
        found = found or _struct(spec, "cron_spec", "spec")
        spec = spec.get("workflowSpec") if isinstance(spec, dict) else None
        return found or _workflow_spec(spec, "spec.workflowSpec")
    return found or _workflow_spec(spec, "spec")


def _keys(obj: Any, allowed: frozenset[str], path: str) -> str:
    if not isinstance(obj, dict):
        return ""  # wrong types are the server's (and validate_types') to report
    for key in obj:
        if key not in allowed:
            return f"{path}.{key}" if path else str(key)
    return ""


def _struct(obj: Any, kind: str, path: str) -> str:
    return _keys(obj, _FIELDS[kind], path)


def _workflow_spec(spec: Any, path: str) -> str:
    found = _struct(spec, "workflow_spec", path)
    if found or not isinstance(spec, dict):
        return found
    found = _arguments(spec.get("arguments"), f"{path}.arguments")
    for i, tmpl in enumerate(_list(spec.get("templates"))):
        found = found or _template(tmpl, f"{path}.templates[{i}]")
    return found


def _template(tmpl: Any, path: str) -> str:
    found = _struct(tmpl, "template", path)
    if found or not isinstance(tmpl, dict):
        return found
    for part in ("inputs", "outputs"):
        found = found or _struct(tmpl.get(part), part, f"{path}.{part}")
        params = (
            (tmpl.get(part) or {}).get("parameters") if isinstance(tmpl.get(part), dict) else []
        )
        found = found or _parameters(params, f"{path}.{part}.parameters")
    for g, group in enumerate(_list(tmpl.get("steps"))):
        for s, step in enumerate(_list(group)):
            found = found or _call(step, "step", f"{path}.steps[{g}][{s}]")
    dag = tmpl.get("dag")
    found = found or _struct(dag, "dag", f"{path}.dag")
    tasks = dag.get("tasks") if isinstance(dag, dict) else []
    for t, task in enumerate(_list(tasks)):
        found = found or _call(task, "task", f"{path}.dag.tasks[{t}]")
    return found


def _call(step: Any, kind: str, path: str) -> str:
    found = _struct(step, kind, path)
    if found or not isinstance(step, dict):
        return found
    found = _arguments(step.get("arguments"), f"{path}.arguments")
    return found or (_template(step["inline"], f"{path}.inline") if "inline" in step else "")


def _arguments(args: Any, path: str) -> str:
    found = _struct(args, "arguments", path)
    params = args.get("parameters") if isinstance(args, dict) else []
    return found or _parameters(params, f"{path}.parameters")


def _parameters(params: Any, path: str) -> str:
    for i, param in enumerate(_list(params)):
        found = _struct(param, "parameter", f"{path}[{i}]")
        if found:
            return found
    return ""


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
