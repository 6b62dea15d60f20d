"""Structural type checks of Workflow, WorkflowTemplate and CronWorkflow documents.

Argo decodes every document into Go structs before it validates anything, so a field of the
wrong JSON type (`steps: "x"`, `templates: {…}`, a numeric `command` entry) is refused with Go's
`json: cannot unmarshal <kind> into Go struct field <Struct>.<path> of type <type>`. argoapp
keeps documents as plain dicts, and the checks after this one read a wrong type as empty; so
`validate.py` calls `check_types` first, and the API answers 400 with the same kind of message
(create, lint, submit) while the engine fails such a workflow at admission instead of tripping
over it on every pass.

Only the fields below are checked (the ones the engine walks, and common mistakes); unknown
fields and `null` pass, as Go's decoder lets them. One walk over the document, no lookups.
"""

from __future__ import annotations

from typing import Any

from argoapp.engine.validate_fields import ValidationError

# Field types in Go's spelling: "[]T" a list, "map[string]T" an object of T, a name in
# `_STRUCTS` a checked object, a dotted name ("v1.Volume") an object left unchecked.
_ARGS = {"parameters": "[]Parameter", "artifacts": "[]v1alpha1.Artifact"}
_CALL = {
    "name": "string",
    "template": "string",
    "inline": "Template",
    "arguments": "Arguments",
    "templateRef": "TemplateRef",
    "withItems": "[]v1alpha1.Item",
    "withParam": "string",
    "withSequence": "v1alpha1.Sequence",
    "when": "string",
    "continueOn": "v1alpha1.ContinueOn",
    "onExit": "string",
    "hooks": "map[string]LifecycleHook",
}
_CONTAINER = {
    "name": "string",
    "image": "string",
    "command": "[]string",
    "args": "[]string",
    "workingDir": "string",
    "env": "[]EnvVar",
    "envFrom": "[]v1.EnvFromSource",
    "ports": "[]v1.ContainerPort",
    "volumeMounts": "[]v1.VolumeMount",
    "resources": "v1.ResourceRequirements",
    "imagePullPolicy": "string",
}
_STRUCTS: dict[str, dict[str, str]] = {
    "Workflow": {"metadata": "v1.ObjectMeta", "spec": "WorkflowSpec"},
    "WorkflowTemplate": {"metadata": "v1.ObjectMeta", "spec": "WorkflowSpec"},
    "CronWorkflow": {"metadata": "v1.ObjectMeta", "spec": "CronWorkflowSpec"},
    "CronWorkflowSpec": {
        "workflowSpec": "WorkflowSpec",
        "schedule": "string",
        "schedules": "[]string",
        "concurrencyPolicy": "string",
        "suspend": "bool",
        "startingDeadlineSeconds": "int64",
        "successfulJobsHistoryLimit": "int32",
        "failedJobsHistoryLimit": "int32",
        "timezone": "string",
        "when": "string",
        "workflowMetadata": "v1.ObjectMeta",
    },
    "WorkflowSpec": {
        "templates": "[]Template",
        "entrypoint": "string",
        "arguments": "Arguments",
        "serviceAccountName": "string",
        "volumes": "[]v1.Volume",
        "volumeClaimTemplates": "[]v1.PersistentVolumeClaim",
        "parallelism": "int64",
        "suspend": "bool",
        "nodeSelector": "map[string]string",
        "tolerations": "[]v1.Toleration",
        "onExit": "string",
        "ttlStrategy": "TTLStrategy",
        "activeDeadlineSeconds": "int64",
        "priority": "int32",
        "podGC": "PodGC",
        "workflowTemplateRef": "WorkflowTemplateRef",
        "retryStrategy": "RetryStrategy",
        "templateDefaults": "Template",
        "hooks": "map[string]LifecycleHook",
        "shutdown": "string",
        "podSpecPatch": "string",
        "archiveLogs": "bool",
    },
    "Template": {
        "name": "string",
        "inputs": "Inputs",
        "outputs": "Outputs",
        "steps": "[]ParallelSteps",
        "dag": "DAGTemplate",
        "container": "Container",
        "script": "ScriptTemplate",
        "suspend": "SuspendTemplate",
        "resource": "v1alpha1.ResourceTemplate",
        "containerSet": "v1alpha1.ContainerSetTemplate",
        "data": "v1alpha1.Data",
        "http": "v1alpha1.HTTP",
        "metadata": "v1alpha1.Metadata",
        "nodeSelector": "map[string]string",
        "volumes": "[]v1.Volume",
        "initContainers": "[]v1alpha1.UserContainer",
        "sidecars": "[]v1alpha1.UserContainer",
        "activeDeadlineSeconds": "IntOrString",
        "retryStrategy": "RetryStrategy",
        "parallelism": "int64",
        "failFast": "bool",
        "daemon": "bool",
        "timeout": "string",
        "serviceAccountName": "string",
        "podSpecPatch": "string",
    },
    "Arguments": _ARGS,
    "Inputs": _ARGS,
    "Outputs": {**_ARGS, "result": "string", "exitCode": "string"},
    "Parameter": {
        "name": "string",
        "value": "AnyString",
        "default": "AnyString",
        "enum": "[]AnyString",
        "globalName": "string",
        "valueFrom": "v1alpha1.ValueFrom",
        "description": "AnyString",
    },
    "WorkflowStep": _CALL,
    "DAGTask": {**_CALL, "dependencies": "[]string", "depends": "string"},
    "DAGTemplate": {"target": "string", "tasks": "[]DAGTask", "failFast": "bool"},
    "Container": _CONTAINER,
    "ScriptTemplate": {**_CONTAINER, "source": "string"},
    "EnvVar": {"name": "string", "value": "string", "valueFrom": "v1.EnvVarSource"},
    "SuspendTemplate": {"duration": "string"},
    "TTLStrategy": {
        "secondsAfterCompletion": "int32",
        "secondsAfterSuccess": "int32",
        "secondsAfterFailure": "int32",
    },
    "PodGC": {"strategy": "string", "labelSelector": "v1.LabelSelector"},
    "WorkflowTemplateRef": {"name": "string", "clusterScope": "bool"},
    "TemplateRef": {"name": "string", "template": "string", "clusterScope": "bool"},
    "RetryStrategy": {"limit": "IntOrString", "retryPolicy": "string", "expression": "string"},
    "LifecycleHook": {
        "template": "string",
        "arguments": "Arguments",
        "templateRef": "TemplateRef",
        "expression": "string",
    },
}
_ALIASES = {"ParallelSteps": "[]WorkflowStep"}  # Argo's type for one group of steps
_KUBERNETES = ("Container", "EnvVar")  # structs of k8s.io/api (v1), not Argo's (v1alpha1)


def check_types(doc: Any, kind: str) -> None:
    """Raise `ValidationError` (Go's decoding message) at the first field of a wrong type."""
    _check(doc, kind, kind, "")


def _check(value: Any, typ: str, struct: str, path: str) -> None:
    """`value` against Go type `typ`; `struct` and `path` name the field for the message."""
    if value is None:
        return
    if typ.startswith("[]"):
        if not isinstance(value, list):
            _refuse(value, typ, struct, path)
        for item in value:
            _check(item, typ[2:], struct, path)
    elif typ.startswith("map[string]"):
        if not isinstance(value, dict):
            _refuse(value, typ, struct, path)
        for item in value.values():
            _check(item, typ[len("map[string]") :], struct, path)
    elif typ in _ALIASES:
        if not isinstance(value, list):
            _refuse(value, typ, struct, path)
        _check(value, _ALIASES[typ], struct, path)
    elif typ in _STRUCTS:
        if not isinstance(value, dict):
            _refuse(value, typ, struct, path)
        fields = _STRUCTS[typ]
        for key, item in value.items():
            field = fields.get(key)
            if field is not None:
                _check(item, field, typ, f"{path}.{key}" if path else key)
    elif not _scalar_ok(value, typ):
        _refuse(value, typ, struct, path)


def _scalar_ok(value: Any, typ: str) -> bool:
    if typ == "string":
        return isinstance(value, str)
    if typ == "bool":
        return isinstance(value, bool)
    if typ in ("int32", "int64"):
        return _whole(value)
    if typ == "AnyString":  # Argo's AnyString decodes anything (a map or list as ""):
        return True  # refusing what Argo runs would break workflows that run there
    if typ == "IntOrString":
        return isinstance(value, str) or _whole(value)
    if typ == "v1alpha1.Item":  # a loop item: any JSON
        return True
    return isinstance(value, dict)  # a struct this module does not look into


def _whole(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return isinstance(value, int) or value.is_integer()


def _refuse(value: Any, typ: str, struct: str, path: str) -> None:
    raise ValidationError(
        f"json: cannot unmarshal {_json_kind(value)} into Go struct field "
        f"{struct}.{path} of type {_go_name(typ)}"
    )


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, float) and not value.is_integer():
        return f"number {value}"
    return "number"


def _go_name(typ: str) -> str:
    """`typ` as Go prints it: Argo's structs in package v1alpha1, Kubernetes' in v1."""
    for prefix in ("[]", "map[string]"):
        if typ.startswith(prefix):
            return prefix + _go_name(typ[len(prefix) :])
    if typ in _STRUCTS or typ in _ALIASES or typ in ("AnyString",):
        return ("v1." if typ in _KUBERNETES else "v1alpha1.") + typ
    if typ == "IntOrString":
        return "intstr.IntOrString"
    return typ
