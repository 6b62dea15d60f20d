"""Plain JSON objects as they come off the wire."""

from __future__ import annotations

from typing import Any

Obj = dict[str, Any]


def copy_json(value: Any) -> Any:
    """A deep copy of JSON-shaped data (dicts, lists, scalars): several times faster than
    `copy.deepcopy`, which matters when a pass copies a workflow of thousands of nodes."""
    kind = type(value)
    if kind is dict:
        return {k: copy_json(v) for k, v in value.items()}
    if kind is list:
        return [copy_json(v) for v in value]
    return value
