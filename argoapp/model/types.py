"""Plain JSON objects as they come off the wire."""

from __future__ import annotations

from typing import Any, TypeVar, cast

T = TypeVar("T")

Obj = dict[str, Any]


def copy_json(value: T) -> T:
    """A deep copy of JSON-shaped data (dicts, lists, scalars): several times faster than
    `copy.deepcopy`, which matters when a pass copies a workflow of thousands of nodes."""
    return cast(T, _copy(value))


# The containers JSON has; anything else (scalars, and subclasses) is shared, not copied.
_NESTED = frozenset((dict, list))


def _copy(value: Any) -> Any:
    # The check of each value is inline (a call per scalar leaf was most of the cost), and a
    # list of scalars (a step group's thousands of children) is copied whole, in C.
    kind = type(value)
    if kind is dict:
        return {k: _copy(v) if type(v) in _NESTED else v for k, v in value.items()}
    if kind is list:
        if _NESTED.isdisjoint(map(type, value)):
            return value.copy()
        return [_copy(v) if type(v) in _NESTED else v for v in value]
    return value
