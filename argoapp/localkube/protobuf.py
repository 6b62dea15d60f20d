"""Reading the Kubernetes protobuf encoding of the objects kubectl's `create` commands send.

kubectl's typed commands (`kubectl create namespace|configmap|secret|serviceaccount|role|
rolebinding|clusterrole|clusterrolebinding`) POST `application/vnd.kubernetes.protobuf` with no
JSON fallback, so `params.object_body` hands such bodies here. The envelope is the 4-byte magic
`k8s\\0` and a `runtime.Unknown` holding apiVersion, kind and the object's own message; this
module decodes that message with the field numbers of k8s.io/api's `generated.proto` for these
types only, into the JSON the rest of localkube speaks. Zero-valued singular fields are dropped,
as JSON's `omitempty` would; server-set metadata (timestamps, managedFields) is skipped.

Anything else (another kind, a field not listed, compression) is `UnsupportedMedia` saying to
send JSON, never a silently partial object. Responses are always JSON: every client that sends
protobuf also accepts JSON.
"""

from __future__ import annotations

import base64
from typing import Any

from argoapp.localkube.errors import BadRequest, UnsupportedMedia

MEDIA_TYPE = "application/vnd.kubernetes.protobuf"
_MAGIC = b"k8s\x00"
_SKIP = "-"  # a field the server sets itself: read past it, keep nothing

# message -> field number -> (JSON name, type). Types: string, bytes, int, bool, a message
# name, "[]T" for repeated, "map:string" / "map:bytes" for map<string, T>, or _SKIP.
# fmt: off
_MESSAGES: dict[str, dict[int, tuple[str, str]]] = {
    "TypeMeta": {1: ("apiVersion", "string"), 2: ("kind", "string")},
    "ObjectMeta": {
        1: ("name", "string"), 2: ("generateName", "string"), 3: ("namespace", "string"),
        4: ("selfLink", _SKIP), 5: ("uid", "string"), 6: ("resourceVersion", "string"),
        7: ("generation", "int"), 8: ("creationTimestamp", _SKIP),
        9: ("deletionTimestamp", _SKIP), 10: ("deletionGracePeriodSeconds", _SKIP),
        11: ("labels", "map:string"), 12: ("annotations", "map:string"),
        13: ("ownerReferences", "[]OwnerReference"), 14: ("finalizers", "[]string"),
        17: ("managedFields", _SKIP),
    },
    "OwnerReference": {
        1: ("kind", "string"), 3: ("name", "string"), 4: ("uid", "string"),
        5: ("apiVersion", "string"), 6: ("controller", "bool"),
        7: ("blockOwnerDeletion", "bool"),
    },
    "LabelSelector": {
        1: ("matchLabels", "map:string"), 2: ("matchExpressions", "[]LabelSelectorRequirement"),
    },
    "LabelSelectorRequirement": {
        1: ("key", "string"), 2: ("operator", "string"), 3: ("values", "[]string"),
    },
    "ObjectReference": {
        1: ("kind", "string"), 2: ("namespace", "string"), 3: ("name", "string"),
        4: ("uid", "string"), 5: ("apiVersion", "string"), 6: ("resourceVersion", "string"),
        7: ("fieldPath", "string"),
    },
    "LocalObjectReference": {1: ("name", "string")},
    "Namespace": {1: ("metadata", "ObjectMeta"), 2: ("spec", "NamespaceSpec"),
                  3: ("status", _SKIP)},
    "NamespaceSpec": {1: ("finalizers", "[]string")},
    "ConfigMap": {
        1: ("metadata", "ObjectMeta"), 2: ("data", "map:string"), 3: ("binaryData", "map:bytes"),
        4: ("immutable", "bool"),
    },
    "Secret": {
        1: ("metadata", "ObjectMeta"), 2: ("data", "map:bytes"), 3: ("type", "string"),
        4: ("stringData", "map:string"), 5: ("immutable", "bool"),
    },
    "ServiceAccount": {
        1: ("metadata", "ObjectMeta"), 2: ("secrets", "[]ObjectReference"),
        3: ("imagePullSecrets", "[]LocalObjectReference"),
        4: ("automountServiceAccountToken", "bool"),
    },
    "PolicyRule": {
        1: ("verbs", "[]string"), 2: ("apiGroups", "[]string"), 3: ("resources", "[]string"),
        4: ("resourceNames", "[]string"), 5: ("nonResourceURLs", "[]string"),
    },
    "AggregationRule": {1: ("clusterRoleSelectors", "[]LabelSelector")},
    "Role": {1: ("metadata", "ObjectMeta"), 2: ("rules", "[]PolicyRule")},
    "ClusterRole": {
        1: ("metadata", "ObjectMeta"), 2: ("rules", "[]PolicyRule"),
        3: ("aggregationRule", "AggregationRule"),
    },
    "Subject": {
        1: ("kind", "string"), 2: ("apiGroup", "string"), 3: ("name", "string"),
        4: ("namespace", "string"),
    },
    "RoleRef": {1: ("apiGroup", "string"), 2: ("kind", "string"), 3: ("name", "string")},
    "RoleBinding": {
        1: ("metadata", "ObjectMeta"), 2: ("subjects", "[]Subject"), 3: ("roleRef", "RoleRef"),
    },
    # what `kubectl auth can-i` and `kubectl create token` send (the RBAC module answers them)
    "SelfSubjectAccessReview": {
        1: ("metadata", "ObjectMeta"), 2: ("spec", "SelfSubjectAccessReviewSpec"),
        3: ("status", _SKIP),
    },
    "SelfSubjectAccessReviewSpec": {
        1: ("resourceAttributes", "ResourceAttributes"),
        2: ("nonResourceAttributes", "NonResourceAttributes"),
    },
    "ResourceAttributes": {
        1: ("namespace", "string"), 2: ("verb", "string"), 3: ("group", "string"),
        4: ("version", "string"), 5: ("resource", "string"), 6: ("subresource", "string"),
        7: ("name", "string"), 8: ("fieldSelector", _SKIP), 9: ("labelSelector", _SKIP),
    },
    "NonResourceAttributes": {1: ("path", "string"), 2: ("verb", "string")},
    "TokenRequest": {
        1: ("metadata", "ObjectMeta"), 2: ("spec", "TokenRequestSpec"), 3: ("status", _SKIP),
    },
    "TokenRequestSpec": {
        1: ("audiences", "[]string"), 3: ("boundObjectRef", _SKIP),
        4: ("expirationSeconds", "int"),
    },
}
# fmt: on
_MESSAGES["ClusterRoleBinding"] = _MESSAGES["RoleBinding"]
_RBAC = "rbac.authorization.k8s.io/v1"
# (apiVersion, kind) of the objects read from protobuf -> their message
_KINDS = {
    ("v1", "Namespace"): "Namespace",
    ("v1", "ConfigMap"): "ConfigMap",
    ("v1", "Secret"): "Secret",
    ("v1", "ServiceAccount"): "ServiceAccount",
    (_RBAC, "Role"): "Role",
    (_RBAC, "ClusterRole"): "ClusterRole",
    (_RBAC, "RoleBinding"): "RoleBinding",
    (_RBAC, "ClusterRoleBinding"): "ClusterRoleBinding",
    ("authorization.k8s.io/v1", "SelfSubjectAccessReview"): "SelfSubjectAccessReview",
    ("authentication.k8s.io/v1", "TokenRequest"): "TokenRequest",
}


def decode_object(body: bytes) -> dict[str, Any]:
    """The JSON form of one protobuf-encoded object of a kind in `_KINDS`."""
    if not body.startswith(_MAGIC):
        raise BadRequest("the protobuf body does not start with the Kubernetes magic 'k8s\\0'")
    type_meta: dict[str, Any] = {}
    raw, encoding = b"", b""
    for number, _, value in _fields(body[len(_MAGIC) :]):  # a runtime.Unknown
        if number == 1 and isinstance(value, bytes):
            type_meta = _message(value, "TypeMeta")
        elif number == 2 and isinstance(value, bytes):
            raw = value
        elif number == 3 and isinstance(value, bytes):
            encoding = value
    if encoding:
        raise UnsupportedMedia("compressed protobuf bodies are not supported; send JSON")
    api_version, kind = type_meta.get("apiVersion", ""), type_meta.get("kind", "")
    name = _KINDS.get((api_version, kind))
    if name is None:
        raise UnsupportedMedia(
            f"{api_version} {kind} cannot be sent as protobuf here; send it as JSON or YAML "
            f"(for example with kubectl create -f)"
        )
    return {"apiVersion": api_version, "kind": kind, **_message(raw, name)}


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        if pos >= len(data) or shift > 63:
            raise BadRequest("the protobuf body is truncated or malformed")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, pos


def _fields(data: bytes) -> list[tuple[int, int, int | bytes]]:
    """(field number, wire type, value) in order; values are ints or byte strings."""
    out: list[tuple[int, int, int | bytes]] = []
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        value: int | bytes
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 2:
            size, pos = _varint(data, pos)
            if pos + size > len(data):
                raise BadRequest("the protobuf body is truncated")
            value, pos = data[pos : pos + size], pos + size
        elif wire in (1, 5):
            width = 8 if wire == 1 else 4
            value, pos = data[pos : pos + width], pos + width
        else:
            raise BadRequest(f"the protobuf body has an unknown wire type {wire}")
        out.append((number, wire, value))
    return out


def _scalar(kind: str, value: int | bytes, where: str) -> Any:
    if kind in ("int", "bool"):
        if not isinstance(value, int):
            raise BadRequest(f"protobuf field {where} should be a varint")
        if kind == "bool":
            return value != 0
        return value - (1 << 64) if value >= 1 << 63 else value
    if not isinstance(value, bytes):
        raise BadRequest(f"protobuf field {where} should be length-delimited")
    if kind == "string":
        try:
            return value.decode()
        except UnicodeDecodeError:
            raise BadRequest(f"protobuf field {where} is not UTF-8") from None
    if kind == "bytes":
        return base64.b64encode(value).decode()
    return _message(value, kind)


def _map_entry(kind: str, value: int | bytes, where: str) -> tuple[str, Any]:
    if not isinstance(value, bytes):
        raise BadRequest(f"protobuf map field {where} should be length-delimited")
    entry: dict[int, int | bytes] = {1: b"", 2: b""}  # absent key or value: the empty one
    for number, _, item in _fields(value):
        entry[number] = item
    return _scalar("string", entry[1], where), _scalar(kind, entry[2], where)


def _message(data: bytes, name: str) -> dict[str, Any]:
    schema = _MESSAGES[name]
    out: dict[str, Any] = {}
    for number, _, value in _fields(data):
        if number not in schema:
            raise UnsupportedMedia(
                f"field {number} of {name} cannot be read from protobuf here; send JSON"
            )
        field, kind = schema[number]
        where = f"{name}.{field}"
        if kind == _SKIP:
            continue
        if kind.startswith("map:"):
            key, item = _map_entry(kind[4:], value, where)
            out.setdefault(field, {})[key] = item
        elif kind.startswith("[]"):
            out.setdefault(field, []).append(_scalar(kind[2:], value, where))
        else:
            decoded = _scalar(kind, value, where)
            if decoded in ("", 0, False, {}):
                out.pop(field, None)  # omitempty: a zero value is no value
            else:
                out[field] = decoded
    return out
