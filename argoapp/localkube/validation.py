"""What localkube refuses before storing an object, with the real API server's messages.

Names (DNS-1123 subdomain, or label for namespaces), metadata types, labels and annotations,
and the few per-type rules clients rely on: a pod needs containers with names and images and
keeps its spec once created; ConfigMap data is strings; Secret data is base64 (and `stringData`
folds into it). Each failure is an `Invalid` (422) naming the field, or `BadRequest` (400) when
the body is not even the right shape.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from argoapp.localkube.errors import BadRequest, Invalid
from argoapp.localkube.resources import Resource

Obj = dict[str, Any]

_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_QUALIFIED = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_CONFIG_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")

# Name rules that are DNS-1123 labels rather than subdomains.
_LABEL_NAMED = {"namespaces", "services"}
# Pod spec fields that may change after creation (the rest is immutable, as in Kubernetes).
_POD_MUTABLE = ("activeDeadlineSeconds", "tolerations", "terminationGracePeriodSeconds")


def invalid(kind: str, name: str, field: str, problem: str) -> Invalid:
    """A 422 with the shape of the real one: `Kind "name" is invalid: field: problem`."""
    return Invalid(
        f'{kind} "{name}" is invalid: {field}: {problem}',
        details={"name": name, "kind": kind, "causes": [{"field": field, "message": problem}]},
    )


def check_name(res: Resource, name: str) -> None:
    """The name rule of `res`, or a 422 saying which rule it breaks."""
    if res.plural in _LABEL_NAMED:
        ok, rule, limit = _LABEL.match(name), "RFC 1123 label", 63
    else:
        ok, rule, limit = _SUBDOMAIN.match(name), "RFC 1123 subdomain", 253
    if not ok or len(name) > limit:
        raise invalid(
            res.kind,
            name,
            "metadata.name",
            f'Invalid value: "{name}": a lowercase {rule} must consist of lower case '
            f"alphanumeric characters, '-' or '.', start and end with an alphanumeric "
            f"character, and be at most {limit} characters",
        )


def _check_string_map(kind: str, name: str, field: str, value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise BadRequest(
            f'{kind} in version "v1" cannot be handled: {field} must be a map '
            f"of string keys to string values"
        )


# Keys and label values found valid: every pod of a workflow carries the same few, and each
# create checked them with regular expressions again. Bounded: cleared when full.
_VALID_KEYS: set[str] = set()
_VALID_VALUES: set[str] = set()
_VALID_MAX = 10_000


def _check_qualified_key(kind: str, name: str, field: str, key: str) -> None:
    if key in _VALID_KEYS:
        return
    prefix, _, local = key.rpartition("/")
    if (prefix and not _SUBDOMAIN.match(prefix)) or not _QUALIFIED.match(local) or len(local) > 63:
        raise invalid(kind, name, field, f'Invalid value: "{key}": not a valid qualified name')
    _remember(_VALID_KEYS, key)


def _check_label_value(kind: str, name: str, value: str) -> None:
    if value in _VALID_VALUES:
        return
    if len(value) > 63 or not _LABEL_VALUE.match(value):
        raise invalid(
            kind,
            name,
            "metadata.labels",
            f'Invalid value: "{value}": a valid label value must be 63 '
            f"characters or less, alphanumeric, '-', '_' or '.'",
        )
    _remember(_VALID_VALUES, value)


def _remember(valid: set[str], text: str) -> None:
    if len(valid) >= _VALID_MAX:
        valid.clear()
    valid.add(text)


def check_metadata(res: Resource, obj: Obj) -> None:
    """Types and syntax of metadata: labels, annotations, finalizers, ownerReferences."""
    meta = obj["metadata"]
    name = str(meta.get("name", ""))
    _check_string_map(res.kind, name, "metadata.labels", meta.get("labels"))
    _check_string_map(res.kind, name, "metadata.annotations", meta.get("annotations"))
    for key, value in (meta.get("labels") or {}).items():
        _check_qualified_key(res.kind, name, "metadata.labels", key)
        _check_label_value(res.kind, name, value)
    for key in meta.get("annotations") or {}:
        _check_qualified_key(res.kind, name, "metadata.annotations", key)
    for field in ("finalizers", "ownerReferences"):
        if meta.get(field) is not None and not isinstance(meta[field], list):
            raise BadRequest(f"metadata.{field} must be a list")
    if not all(isinstance(f, str) and f for f in meta.get("finalizers") or []):
        raise BadRequest("metadata.finalizers must be a list of non-empty strings")
    for ref in meta.get("ownerReferences") or []:
        if not isinstance(ref, dict) or not all(
            isinstance(ref.get(k), str) and ref.get(k)
            for k in ("apiVersion", "kind", "name", "uid")
        ):
            raise invalid(
                res.kind,
                name,
                "metadata.ownerReferences",
                "Required value: apiVersion, kind, name and uid must be set",
            )


def check_object(res: Resource, obj: Obj) -> None:
    """Per-type rules on a whole new object (after defaults)."""
    checker = _CHECKS.get(res.key)
    if checker:
        checker(obj)


def _check_pod(obj: Obj) -> None:
    name = obj["metadata"]["name"]
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        raise invalid("Pod", name, "spec", "Required value")
    containers = spec.get("containers")
    if not isinstance(containers, list) or not containers:
        raise invalid("Pod", name, "spec.containers", "Required value")
    seen: set[str] = set()
    for field in ("initContainers", "containers"):
        items = spec.get(field) or []
        if not isinstance(items, list):
            raise BadRequest(f"spec.{field} must be a list")
        for i, c in enumerate(items):
            where = f"spec.{field}[{i}]"
            if not isinstance(c, dict):
                raise BadRequest(f"{where} must be an object")
            cname = c.get("name")
            if not isinstance(cname, str) or not _LABEL.match(cname):
                raise invalid("Pod", name, f"{where}.name", f"Invalid value: {cname!r}")
            if cname in seen:
                raise invalid("Pod", name, f"{where}.name", f'Duplicate value: "{cname}"')
            seen.add(cname)
            if not isinstance(c.get("image"), str) or not c["image"]:
                raise invalid("Pod", name, f"{where}.image", "Required value")
            for key in ("command", "args"):
                value = c.get(key)
                if value is not None and not (
                    isinstance(value, list) and all(isinstance(v, str) for v in value)
                ):
                    raise BadRequest(f"{where}.{key} must be a list of strings")


def check_pod_update(old: Obj, new: Obj) -> None:
    """A pod's spec is immutable but for a few fields, and nodeName may be set once."""
    before, after = dict(old.get("spec") or {}), dict(new.get("spec") or {})
    for field in _POD_MUTABLE:
        before.pop(field, None)
        after.pop(field, None)
    if not before.get("nodeName"):
        before.pop("nodeName", None)
        after.pop("nodeName", None)
    for spec in (before, after):  # a container's image may change, nothing else of it
        spec["containers"] = [
            c | {"image": ""} if isinstance(c, dict) else c for c in spec.get("containers") or []
        ]
    if before != after:
        raise invalid(
            "Pod",
            new["metadata"]["name"],
            "spec",
            "Forbidden: pod updates may not change fields other than "
            "`spec.containers[*].image`, `spec.activeDeadlineSeconds` or "
            "`spec.tolerations`",
        )


def _check_configmap(obj: Obj) -> None:
    name = obj["metadata"]["name"]
    data, binary = obj.get("data") or {}, obj.get("binaryData") or {}
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise BadRequest(f'ConfigMap "{name}": data must be a map of strings')
    if not isinstance(binary, dict):
        raise BadRequest(f'ConfigMap "{name}": binaryData must be a map')
    for key in (*data, *binary):
        if not _CONFIG_KEY.match(key):
            raise invalid(
                "ConfigMap",
                name,
                f"data[{key}]",
                "Invalid value: a valid config key must consist of alphanumeric "
                "characters, '-', '_' or '.'",
            )
    for key, value in binary.items():
        _b64(name, "ConfigMap", f"binaryData[{key}]", value)


def _b64(name: str, kind: str, field: str, value: Any) -> None:
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, TypeError, ValueError):
        raise BadRequest(f'{kind} "{name}": {field} is not valid base64') from None


def _check_secret(obj: Obj) -> None:
    name = obj["metadata"]["name"]
    data = obj.get("data") or {}
    if not isinstance(data, dict):
        raise BadRequest(f'Secret "{name}": data must be a map')
    for key, value in data.items():
        if not _CONFIG_KEY.match(key):
            raise invalid("Secret", name, f"data[{key}]", "Invalid value: not a valid key")
        _b64(name, "Secret", f"data[{key}]", value)


def fold_string_data(obj: Obj) -> None:
    """A Secret's `stringData` is write-only: it lands base64-encoded in `data`."""
    string_data = obj.pop("stringData", None)
    if string_data is None:
        return
    if not isinstance(string_data, dict) or not all(
        isinstance(v, str) for v in string_data.values()
    ):
        raise BadRequest("stringData must be a map of strings")
    data = dict(obj.get("data") or {})  # a copy: `data` may be the stored object's
    for key, value in string_data.items():
        data[key] = base64.b64encode(value.encode()).decode()
    obj["data"] = data


def _check_spec_object(kind: str) -> Any:
    def check(obj: Obj) -> None:
        if "spec" in obj and not isinstance(obj["spec"], dict):
            raise BadRequest(f'{kind} "{obj["metadata"]["name"]}": spec must be an object')

    return check


_CHECKS = {
    "pods": _check_pod,
    "configmaps": _check_configmap,
    "secrets": _check_secret,
    "workflows.argoproj.io": _check_spec_object("Workflow"),
    "workflowtemplates.argoproj.io": _check_spec_object("WorkflowTemplate"),
    "clusterworkflowtemplates.argoproj.io": _check_spec_object("ClusterWorkflowTemplate"),
    "cronworkflows.argoproj.io": _check_spec_object("CronWorkflow"),
}
