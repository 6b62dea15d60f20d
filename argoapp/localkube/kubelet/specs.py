"""The pod spec fields the kubelet reads, checked for type before any of them is used.

The API server checks what clients rely on (containers, names, images, command and args) and
stores the rest as sent, so a pod may reach this node with `fieldRef: "oops"` or
`activeDeadlineSeconds: "soon"`. The pod worker calls `check` before it prepares a container;
a wrong field raises `CommandError` with reason `RunContainerError` naming the field
(`spec.containers[0].env[1].valueFrom.fieldRef: must be an object, not a string`), which
fails the pod: its spec cannot change, so retrying could never help. `number` and `count` read
numeric fields for code that must not fail (deadlines, grace periods, stored restart counts).

Pure; the schema lists only the fields the kubelet reads, and unknown fields are left alone.
A null value counts as absent, as it does everywhere in the kubelet.
"""

from __future__ import annotations

from typing import Any

from argoapp.localkube.kubelet.commands import RUN_ERROR, CommandError

Obj = dict[str, Any]
RESTART_POLICIES = ("Always", "OnFailure", "Never")


class Number:
    """A JSON number (an int or a float, never a boolean)."""


Schema = Any  # a type, Number, a tuple of those, an object's fields {key: Schema}, or [Schema]

_KEY_REF = {"name": str, "key": str, "optional": bool}
_FIELD_REF = {"fieldPath": str, "apiVersion": str}
_RESOURCE_REF = {"containerName": str, "resource": str, "divisor": (str, Number)}
_OBJECT_REF = {"name": str, "optional": bool}
_ENV = {
    "name": str,
    "value": str,
    "valueFrom": {
        "fieldRef": _FIELD_REF,
        "resourceFieldRef": _RESOURCE_REF,
        "configMapKeyRef": _KEY_REF,
        "secretKeyRef": _KEY_REF,
    },
}
_ENV_FROM = {"prefix": str, "configMapRef": _OBJECT_REF, "secretRef": _OBJECT_REF}
_MOUNT = {"name": str, "mountPath": str, "subPath": str, "subPathExpr": str, "readOnly": bool}
_CONTAINER = {
    "name": str,
    "image": str,
    "command": [str],
    "args": [str],
    "workingDir": str,
    "env": [_ENV],
    "envFrom": [_ENV_FROM],
    "volumeMounts": [_MOUNT],
    "resources": {"limits": dict, "requests": dict},
    "terminationMessagePath": str,
    "terminationMessagePolicy": str,
}
_ITEMS = [{"key": str, "path": str, "mode": int}]
_KEYS = {"name": str, "secretName": str, "items": _ITEMS, "defaultMode": int, "optional": bool}
_DOWNWARD = {
    "items": [{"path": str, "fieldRef": _FIELD_REF, "resourceFieldRef": _RESOURCE_REF,
               "mode": int}],
    "defaultMode": int,
}  # fmt: skip
_VOLUME = {
    "name": str,
    "emptyDir": dict,
    "persistentVolumeClaim": {"claimName": str, "readOnly": bool},
    "hostPath": {"path": str, "type": str},
    "configMap": _KEYS,
    "secret": _KEYS,
    "downwardAPI": _DOWNWARD,
    "projected": {
        "sources": [
            {
                "configMap": _KEYS,
                "secret": _KEYS,
                "downwardAPI": _DOWNWARD,
                "serviceAccountToken": {"path": str},
            }
        ],
        "defaultMode": int,
    },
}
_POD = {
    "activeDeadlineSeconds": Number,
    "terminationGracePeriodSeconds": Number,
    "restartPolicy": str,
    "hostname": str,
    "automountServiceAccountToken": bool,
    "volumes": [_VOLUME],
}


def check(pod: Obj, container: Obj) -> None:
    """Raise `CommandError` when a field the kubelet reads for `container` is malformed."""
    spec = pod.get("spec") or {}
    _check(spec, _POD, "spec")
    check_container(pod, container)
    _check_values(spec)


def check_container(pod: Obj, container: Obj) -> None:
    """`check` of the container's own fields only (the pod's were checked already)."""
    spec = pod.get("spec") or {}
    _check(container, _CONTAINER, _where(spec, container))


def _check_values(spec: Obj) -> None:
    policy = spec.get("restartPolicy")
    if policy is not None and policy not in RESTART_POLICIES:
        raise _invalid("spec.restartPolicy", f"unsupported value {policy!r}, "
                       f"must be one of {', '.join(RESTART_POLICIES)}")  # fmt: skip
    deadline = spec.get("activeDeadlineSeconds")
    if deadline is not None and deadline <= 0:
        raise _invalid("spec.activeDeadlineSeconds", "must be greater than 0")
    grace = spec.get("terminationGracePeriodSeconds")
    if grace is not None and grace < 0:
        raise _invalid("spec.terminationGracePeriodSeconds", "must be 0 or more")


def number(value: Any) -> float | None:
    """A numeric field's value, or None when it is absent or not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def count(value: Any) -> int:
    """A count read back from a stored status: 0 when it is not a whole number."""
    found = number(value)
    return int(found) if found is not None and found >= 0 else 0


def _where(spec: Obj, container: Obj) -> str:
    for field in ("initContainers", "containers"):
        items = spec.get(field)
        for i, c in enumerate(items if isinstance(items, list) else []):
            if c is container:
                return f"spec.{field}[{i}]"
    return f"container {container.get('name')!r}"


def _check(value: Any, schema: Schema, where: str) -> None:
    if value is None:
        return
    if isinstance(schema, dict):
        if not isinstance(value, dict):
            raise _wrong(where, dict, value)
        for key, sub in schema.items():
            found = value.get(key)
            if found is not None:  # most fields are absent: no path built for them
                _check(found, sub, f"{where}.{key}")
    elif isinstance(schema, list):
        if not isinstance(value, list):
            raise _wrong(where, list, value)
        for i, item in enumerate(value):
            _check(item, schema[0], f"{where}[{i}]")
    elif not _fits(value, schema):
        raise _wrong(where, schema, value)


def _fits(value: Any, schema: Any) -> bool:
    if schema is str or schema is dict:  # most leaves: no generator, no loop
        return isinstance(value, schema)
    return any(_is(value, kind) for kind in (schema if isinstance(schema, tuple) else (schema,)))


def _is(value: Any, kind: Any) -> bool:
    if kind is Number:
        return number(value) is not None
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)


_NAMES = {str: "a string", int: "an integer", Number: "a number", bool: "a boolean",
          dict: "an object", list: "a list", float: "a number"}  # fmt: skip


def _wrong(where: str, schema: Any, value: Any) -> CommandError:
    kinds = schema if isinstance(schema, tuple) else (schema,)
    wanted = " or ".join(_NAMES.get(k, str(k)) for k in kinds)
    got = "a number" if type(value) is int else _NAMES.get(type(value), type(value).__name__)
    return _invalid(where, f"must be {wanted}, not {got}")


def _invalid(where: str, problem: str) -> CommandError:
    return CommandError(RUN_ERROR, f"invalid pod spec: {where}: {problem}")
