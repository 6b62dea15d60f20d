"""Loops: `withItems`, `withParam` and `withSequence` expanded into one step or task per item.

An expanded copy is named `name(i:item)` as Argo names it (a map item shows its sorted
`key:value` pairs) and carries `_item_scope`, the `item` / `item.KEY` variables its own
substitution uses. `aggregate` gives a loop's outputs as JSON lists for the steps after it.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Any

from argoapp.engine.scope import aggregate_outputs, as_text
from argoapp.model.types import Obj
from argoapp.template import substitute, substitute_obj

LOOP_KEYS = ("withItems", "withParam", "withSequence")


class LoopError(Exception):
    """A loop whose items cannot be worked out; the message is Argo's."""


def is_loop(step: Mapping[str, Any]) -> bool:
    return any(step.get(k) is not None for k in LOOP_KEYS)


# The last expansions, by the step and its loop's source after substitution: every pass walks
# every loop again, and building thousands of item steps each time would cost more than the
# rest of the pass. Callers only read what `expand` returns, so a cached expansion is handed
# out as it is.
_EXPANDED: OrderedDict[tuple[str, str, str], list[Obj]] = OrderedDict()
_EXPANDED_ITEMS = 50_000  # items kept in all, so the cache stays a few MB


def expand(step: Obj, scope: Mapping[str, Any]) -> list[Obj] | None:
    """The steps a looping step stands for (None when it does not loop)."""
    source = _source(step, scope)
    if source is None:
        return None
    kind, value = source
    base = {k: v for k, v in step.items() if k not in LOOP_KEYS}
    try:
        # not sorted: an item map's key order shows in its `{{item}}`
        text = value if isinstance(value, str) else json.dumps(value)
        key: tuple[str, str, str] | None = (json.dumps(base, sort_keys=True), kind, text)
    except (TypeError, ValueError):
        key = None
    if key is not None and (cached := _EXPANDED.get(key)) is not None:
        _EXPANDED.move_to_end(key)
        return cached
    items = _items(kind, value)
    name = step["name"]
    out = []
    for i, item in enumerate(items):
        label, item_scope = _describe(item)
        out.append({**base, "name": f"{name}({i}:{label})", "_item_scope": item_scope})
    if key is not None and len(out) <= _EXPANDED_ITEMS:
        _EXPANDED[key] = out
        while sum(len(v) for v in _EXPANDED.values()) > _EXPANDED_ITEMS:
            _EXPANDED.popitem(last=False)
    return out


def _source(step: Mapping[str, Any], scope: Mapping[str, Any]) -> tuple[str, Any] | None:
    """The loop's field and its value after substitution (cheap: no items are built)."""
    if step.get("withItems") is not None:
        return "withItems", substitute_obj(step["withItems"], scope, allow_unresolved=True)
    if step.get("withParam") is not None:
        raw = step["withParam"]
        return "withParam", substitute(raw, scope) if isinstance(raw, str) else json.dumps(raw)
    if step.get("withSequence") is not None:
        return "withSequence", substitute_obj(step["withSequence"], scope)
    return None


def _items(kind: str, value: Any) -> list[Any]:
    if kind == "withItems":
        return list(value) if isinstance(value, list) else [value]
    if kind == "withParam":
        try:
            parsed = json.loads(value)
        except ValueError:
            raise LoopError(
                f"withParam value could not be parsed as a JSON list: {value.strip()}"
            ) from None
        if not isinstance(parsed, list):
            raise LoopError(f"withParam value could not be parsed as a JSON list: {value.strip()}")
        return parsed
    return _sequence(value)


def _sequence(seq: Mapping[str, Any]) -> list[str]:
    try:
        if seq.get("count") is not None and seq.get("end") is not None:
            raise LoopError("only one of count or end can be defined in withSequence")
        start = int(str(seq.get("start") or 0))
        if seq.get("count") is not None:
            count = int(str(seq["count"]))
            numbers: Iterable[int] = range(start, start + count)
        elif seq.get("end") is not None:
            end = int(str(seq["end"]))
            numbers = range(start, end + 1) if end >= start else range(start, end - 1, -1)
        else:
            raise LoopError("either count or end must be defined in withSequence")
    except ValueError as e:
        raise LoopError(f"withSequence: {e}") from None
    fmt = seq.get("format")
    return [_printf(str(fmt), n) if fmt else str(n) for n in numbers]


def _printf(fmt: str, n: int) -> str:
    try:
        return fmt % n
    except (TypeError, ValueError):
        return fmt


def _describe(item: Any) -> tuple[str, dict[str, Any]]:
    """The item's part of the node name, and the variables it defines."""
    if isinstance(item, Mapping):
        pairs = sorted(f"{k}:{_plain(v)}" for k, v in item.items())
        scope = {f"item.{k}": _plain(v) for k, v in item.items()}
        scope["item"] = json.dumps(item, separators=(",", ":"))
        return ",".join(pairs), scope
    if isinstance(item, list):
        text = json.dumps(item, separators=(",", ":"))
        return text, {"item": text}
    text = as_text(item) if item is not None else ""
    return text, {"item": text}


def _plain(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return as_text(value) if value is not None else ""


def aggregate(prefix: str, children: Iterable[Obj]) -> dict[str, Any]:
    return aggregate_outputs(prefix, children)
