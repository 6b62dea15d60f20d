"""`model.types.copy_json`, the copy the engine makes of workflow parts: equal, sharing no
dict or list with what it copied, and leaving everything else (scalars, subclasses) shared."""

from __future__ import annotations

import random
from collections import OrderedDict
from typing import Any

from argoapp.model.types import copy_json


def _containers(value: Any) -> list[Any]:
    if type(value) is dict:
        return [value, *(c for v in value.values() for c in _containers(v))]
    if type(value) is list:
        return [value, *(c for v in value for c in _containers(v))]
    return []


def _random_json(rng: random.Random, depth: int = 0) -> Any:
    pick = rng.randrange(7 if depth < 4 else 4)
    if pick == 0:
        return rng.choice(["", "Pod", "héllo", "x" * 300])
    if pick == 1:
        return rng.choice([0, -1, 2**70, 0.5, True, False])
    if pick == 2:
        return None
    if pick == 3:
        return [f"wf-{i}" for i in range(rng.randrange(50))]  # a list of scalars only
    if pick in (4, 5):
        return {f"k{i}": _random_json(rng, depth + 1) for i in range(rng.randrange(6))}
    return [_random_json(rng, depth + 1) for _ in range(rng.randrange(6))]


def test_a_copy_is_equal_and_shares_no_container() -> None:
    rng = random.Random(7)
    for _ in range(500):
        value = _random_json(rng)
        copied = copy_json(value)
        assert copied == value
        assert not {id(c) for c in _containers(copied)} & {id(c) for c in _containers(value)}


def test_what_is_not_a_plain_dict_or_list_is_shared() -> None:
    ordered: OrderedDict[str, Any] = OrderedDict(a=[1])
    tup = ([1], 2)
    value = {"ordered": ordered, "tuple": tup, "list": [ordered, tup, "s"]}
    copied = copy_json(value)
    assert copied["ordered"] is ordered and copied["tuple"] is tup
    assert copied["list"] is not value["list"]
    assert copied["list"][0] is ordered and copied["list"][1] is tup
