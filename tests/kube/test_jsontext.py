"""`kube.jsontext`: orjson's text reads back as `json.dumps`' would, the size check is exact
wherever it can decide, and a copy is equal and shares nothing (pure functions: no server
needed)."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from argoapp.kube.jsontext import copy, encode, encoded_size

VALUES: list[Any] = [
    {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "labels": {"a": "b"}}},
    {"text": "héllo ✓ \n\t\x01\x7f", "quote": '"\\/'},
    {"floats": [0.1, 1e-7, 1e-05, 1e16, 1e22, -0.0, 5e-324, 1.7976931348623157e308]},
    {"ints": [0, -1, 2**63 - 1, -(2**63), 2**70]},  # over 64 bits: json writes it
    {"surrogate": "\ud800"},  # orjson refuses it: json writes it
    {1: "a key that is not a string"},
    [None, True, False, [], {}, ""],
]


@pytest.mark.parametrize("value", VALUES)
def test_encode_reads_back_as_json_writes(value: Any) -> None:
    assert json.loads(encode(value)) == json.loads(json.dumps(value, separators=(",", ":")))


@pytest.mark.parametrize("value", VALUES)
def test_encoded_size_is_exact_where_it_matters(value: Any) -> None:
    exact = len(json.dumps(value, separators=(",", ":")))
    for under in (1, exact - 1, exact, exact + 1, exact + 2):
        size = encoded_size(value, under=under)
        assert size == exact or (size < under and exact < under)
    assert encoded_size(value, under=exact) == exact  # near the limit it counts as json does


@pytest.mark.parametrize("bad", [math.nan, [math.inf], {"x": -math.inf}])
def test_encoded_size_refuses_nan_and_infinity(bad: Any) -> None:
    with pytest.raises(ValueError):
        encoded_size(bad, under=10**9)


def _containers(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [value, *(c for v in value.values() for c in _containers(v))]
    if isinstance(value, list):
        return [value, *(c for v in value for c in _containers(v))]
    return []


@pytest.mark.parametrize("value", VALUES)
def test_copy_is_equal_and_shares_no_container(value: Any) -> None:
    copied = copy(value)
    assert copied == value
    assert json.dumps(copied, sort_keys=True) == json.dumps(value, sort_keys=True)
    assert not {id(c) for c in _containers(copied)} & {id(c) for c in _containers(value)}
