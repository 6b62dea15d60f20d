"""The values side of the jq subset: indexing, arithmetic, ordering and the built-in functions.

`resource_jq` parses a filter into closures and calls these for what jq does to values: `index`
(`.a`, `.[0]`), `iterate` (`.[]`), `binary` (operators, with jq's rules for null, strings,
arrays and objects), `truthy`, and `FUNCTIONS`, keyed by (name, arity), each taking the filters
of its arguments and returning a filter. Errors are `JqError` with jq's wording. Pure, no I/O.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import cmp_to_key
from typing import Any

from argoapp.errors import ArgoappError

Filter = Callable[[Any], list[Any]]


class JqError(ArgoappError):
    """A jq filter that does not parse, or fails on the object."""


def type_name(value: Any) -> str:
    """jq's name for a value's type."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def truthy(value: Any) -> bool:
    """Everything but `false` and `null` is true in jq."""
    return value is not None and value is not False


def index(value: Any, key: Any) -> Any:
    """`value[key]`: null on null or a missing key; an error on a wrong type."""
    if value is None:
        return None
    if isinstance(value, dict) and isinstance(key, str):
        return value.get(key)
    if isinstance(value, list) and isinstance(key, int | float) and not isinstance(key, bool):
        i = int(key)
        return value[i] if -len(value) <= i < len(value) else None
    shown = json.dumps(key) if isinstance(key, str) else type_name(key)
    raise JqError(f"jq: error: Cannot index {type_name(value)} with {shown}")


def iterate(value: Any) -> list[Any]:
    """`.[]`: the values of an array or object."""
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return list(value.values())
    raise JqError(f"jq: error: Cannot iterate over {type_name(value)}")


_ORDER = ("null", "boolean", "number", "string", "array", "object")


def compare(a: Any, b: Any) -> int:
    """jq's total order: null < false < true < numbers < strings < arrays < objects."""
    ta, tb = _ORDER.index(type_name(a)), _ORDER.index(type_name(b))
    if ta != tb:
        return -1 if ta < tb else 1
    if isinstance(a, list):
        for x, y in zip(a, b, strict=False):
            if c := compare(x, y):
                return c
        return (len(a) > len(b)) - (len(a) < len(b))
    if isinstance(a, dict):
        keys = compare(sorted(a), sorted(b))
        if keys:
            return keys
        return compare([a[k] for k in sorted(a)], [b[k] for k in sorted(b)])
    return int(a > b) - int(a < b)


_SORT_KEY = cmp_to_key(compare)


def binary(op: str, a: Any, b: Any) -> Any:
    """`a op b` with jq's rules."""
    if op in ("==", "!=", "<", "<=", ">", ">="):
        c = compare(a, b)
        return {"==": c == 0, "!=": c != 0, "<": c < 0, "<=": c <= 0, ">": c > 0, ">=": c >= 0}[op]
    if op == "+":
        if a is None:
            return b
        if b is None:
            return a
        if isinstance(a, dict) and isinstance(b, dict):
            return {**a, **b}
    if op == "-" and isinstance(a, list) and isinstance(b, list):
        return [x for x in a if all(compare(x, y) for y in b)]
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (a, b))
    same = type(a) is type(b) and isinstance(a, str | list)
    try:
        if op == "+" and (numbers or same):
            return a + b
        if numbers and op in ("-", "*"):
            return a - b if op == "-" else a * b
        if numbers and op == "/":
            return a / b
        if numbers and op == "%":
            return int(a) % int(b)
        if op == "/" and isinstance(a, str) and isinstance(b, str):
            return a.split(b)
    except ZeroDivisionError:
        raise JqError(
            f"jq: error: {a} and {b} cannot be divided because the divisor is zero"
        ) from None
    raise JqError(
        f"jq: error: {type_name(a)} and {type_name(b)} cannot be {_VERBS.get(op, 'combined')}"
    )


_VERBS = {"+": "added", "-": "subtracted", "*": "multiplied", "/": "divided", "%": "divided"}


def _length(x: Any) -> Any:
    if x is None:
        return 0
    if isinstance(x, bool):
        raise JqError("jq: error: boolean has no length")
    if isinstance(x, int | float):
        return abs(x)
    return len(x)


def _keys(x: Any) -> list[Any]:
    if isinstance(x, dict):
        return sorted(x)
    if isinstance(x, list):
        return list(range(len(x)))
    raise JqError(f"jq: error: {type_name(x)} has no keys")


def _tostring(x: Any) -> str:
    return x if isinstance(x, str) else json.dumps(x, separators=(",", ":"))


def _tonumber(x: Any) -> Any:
    if isinstance(x, int | float) and not isinstance(x, bool):
        return x
    try:
        text = str(x)
        return float(text) if any(c in text for c in ".eE") else int(text)
    except ValueError:
        raise JqError(f"jq: error: Cannot parse {json.dumps(x)} as a number") from None


def _add(x: Any) -> Any:
    total = None
    for item in iterate(x):
        total = binary("+", total, item)
    return total


def _entries(x: Any) -> list[Any]:
    if not isinstance(x, dict):
        raise JqError(f"jq: error: {type_name(x)} has no keys")
    return [{"key": k, "value": v} for k, v in x.items()]


def _from_entries(x: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for e in iterate(x):
        key = next((e[k] for k in ("key", "k", "name", "Name", "Key", "K") if k in e), None)
        value = next((e[k] for k in ("value", "v", "Value", "V") if k in e), None)
        out[key if isinstance(key, str) else json.dumps(key)] = value
    return out


def _strings(name: str, fn: Callable[[str, str], Any]) -> Callable[[Filter], Filter]:
    def make(arg: Filter) -> Filter:
        def run(x: Any) -> list[Any]:
            out = []
            for a in arg(x):
                if not isinstance(x, str) or not isinstance(a, str):
                    raise JqError(f"jq: error: {name}() requires string inputs")
                out.append(fn(x, a))
            return out

        return run

    return make


def _simple(fn: Callable[[Any], Any]) -> Callable[[], Filter]:
    return lambda: lambda x: [fn(x)]


def _select(f: Filter) -> Filter:
    return lambda x: [x for c in f(x) if truthy(c)]


def _map(f: Filter) -> Filter:
    return lambda x: [[out for item in iterate(x) for out in f(item)]]


def _map_values(f: Filter) -> Filter:
    def run(x: Any) -> list[Any]:
        if isinstance(x, dict):
            return [{k: f(v)[0] for k, v in x.items() if f(v)}]
        return [[f(v)[0] for v in iterate(x) if f(v)]]

    return run


def _sort_by(f: Filter) -> Filter:
    return lambda x: [sorted(iterate(x), key=lambda item: _SORT_KEY(f(item)))]


def _with_entries(f: Filter) -> Filter:
    return lambda x: [_from_entries([out for e in _entries(x) for out in f(e)])]


def _contains(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return all(k in a and _contains(a[k], v) for k, v in b.items())
    if isinstance(a, list) and isinstance(b, list):
        return all(any(_contains(x, y) for x in a) for y in b)
    if isinstance(a, str) and isinstance(b, str):
        return b in a
    return bool(compare(a, b) == 0)


def _unique(x: Any) -> list[Any]:
    out: list[Any] = []
    for item in sorted(iterate(x), key=_SORT_KEY):
        if not out or compare(out[-1], item):
            out.append(item)
    return out


FUNCTIONS: dict[tuple[str, int], Callable[..., Filter]] = {
    ("length", 0): _simple(_length),
    ("keys", 0): _simple(_keys),
    ("values", 0): lambda: _select(lambda x: [x is not None]),
    ("type", 0): _simple(type_name),
    ("not", 0): _simple(lambda x: not truthy(x)),
    ("empty", 0): lambda: lambda _x: [],
    ("tostring", 0): _simple(_tostring),
    ("tonumber", 0): _simple(_tonumber),
    ("tojson", 0): _simple(lambda x: json.dumps(x, separators=(",", ":"))),
    ("fromjson", 0): _simple(lambda x: json.loads(x)),
    ("add", 0): _simple(_add),
    ("first", 0): _simple(lambda x: index(x, 0)),
    ("last", 0): _simple(lambda x: index(x, -1)),
    ("first", 1): lambda f: lambda x: f(x)[:1],
    ("last", 1): lambda f: lambda x: f(x)[-1:],
    ("sort", 0): _simple(lambda x: sorted(iterate(x), key=_SORT_KEY)),
    ("sort_by", 1): _sort_by,
    ("unique", 0): _simple(_unique),
    ("reverse", 0): _simple(lambda x: [] if x is None else x[::-1]),
    ("min", 0): _simple(lambda x: min(iterate(x), key=_SORT_KEY, default=None)),
    ("max", 0): _simple(lambda x: max(iterate(x), key=_SORT_KEY, default=None)),
    ("any", 0): _simple(lambda x: any(truthy(v) for v in iterate(x))),
    ("all", 0): _simple(lambda x: all(truthy(v) for v in iterate(x))),
    ("to_entries", 0): _simple(_entries),
    ("from_entries", 0): _simple(_from_entries),
    ("with_entries", 1): _with_entries,
    ("ascii_downcase", 0): _simple(lambda x: str(x).lower()),
    ("ascii_upcase", 0): _simple(lambda x: str(x).upper()),
    ("select", 1): _select,
    ("map", 1): _map,
    ("map_values", 1): _map_values,
    ("has", 1): lambda f: (
        lambda x: [(k in x) if isinstance(x, dict) else (0 <= int(k) < len(x)) for k in f(x)]
    ),
    ("contains", 1): lambda f: lambda x: [_contains(x, b) for b in f(x)],
    ("join", 1): lambda f: (
        lambda x: [sep.join("" if v is None else _tostring(v) for v in iterate(x)) for sep in f(x)]
    ),
    ("split", 1): _strings("split", lambda x, a: x.split(a)),
    ("startswith", 1): _strings("startswith", lambda x, a: x.startswith(a)),
    ("endswith", 1): _strings("endswith", lambda x, a: x.endswith(a)),
    ("ltrimstr", 1): _strings("ltrimstr", lambda x, a: x.removeprefix(a)),
    ("rtrimstr", 1): _strings("rtrimstr", lambda x, a: x.removesuffix(a)),
    ("test", 1): _strings("test", lambda x, a: re.search(a, x) is not None),
}
