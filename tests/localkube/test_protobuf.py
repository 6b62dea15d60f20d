"""The protobuf reader for kubectl's typed create commands, on hand-built messages."""

from __future__ import annotations

import pytest

from argoapp.localkube.errors import BadRequest, UnsupportedMedia
from argoapp.localkube.protobuf import decode_object


def varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def field(number: int, value: bytes | str | int) -> bytes:
    if isinstance(value, int):
        return varint(number << 3) + varint(value)
    data = value.encode() if isinstance(value, str) else value
    return varint(number << 3 | 2) + varint(len(data)) + data


def envelope(api_version: str, kind: str, raw: bytes, encoding: str = "") -> bytes:
    type_meta = field(1, api_version) + field(2, kind)
    return b"k8s\x00" + field(1, type_meta) + field(2, raw) + field(3, encoding)


def meta(name: str) -> bytes:
    # Go's encoder writes every non-pointer field, empty ones included
    return field(1, name) + field(2, "") + field(3, "") + field(7, 0) + field(8, b"")


def test_a_configmap_with_labels_data_and_binary_data() -> None:
    labels = field(11, field(1, "app") + field(2, "x"))
    raw = (
        field(1, meta("c") + labels)
        + field(2, field(1, "k") + field(2, "v"))
        + field(2, field(1, "empty"))
        + field(3, field(1, "bin") + field(2, b"\x00\xff"))
    )
    assert decode_object(envelope("v1", "ConfigMap", raw)) == {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "c", "labels": {"app": "x"}},
        "data": {"k": "v", "empty": ""},
        "binaryData": {"bin": "AP8="},
    }


def test_repeated_strings_keep_empty_entries() -> None:
    rule = field(1, "get") + field(2, "") + field(3, "pods")
    raw = field(1, meta("r")) + field(2, rule)
    decoded = decode_object(envelope("rbac.authorization.k8s.io/v1", "Role", raw))
    assert decoded["rules"] == [{"verbs": ["get"], "apiGroups": [""], "resources": ["pods"]}]


def test_other_kinds_and_unknown_fields_are_415() -> None:
    with pytest.raises(UnsupportedMedia, match="apps/v1 Deployment"):
        decode_object(envelope("apps/v1", "Deployment", field(1, meta("d"))))
    with pytest.raises(UnsupportedMedia, match="field 99 of ConfigMap"):
        decode_object(envelope("v1", "ConfigMap", field(1, meta("c")) + field(99, "x")))
    with pytest.raises(UnsupportedMedia, match="compressed"):
        decode_object(envelope("v1", "ConfigMap", b"", encoding="gzip"))


def test_malformed_bodies_are_400() -> None:
    with pytest.raises(BadRequest, match="magic"):
        decode_object(b"{}")
    with pytest.raises(BadRequest, match="truncated"):
        decode_object(envelope("v1", "ConfigMap", field(1, meta("c")))[:-3])
    with pytest.raises(BadRequest):
        decode_object(b"k8s\x00\x0f")
