"""The functions an expr expression can call: expr-lang's builtins and Argo's additions.

`BUILTINS` maps a name to a plain function of its argument values; `PREDICATES` are the builtins
taking a closure (`filter(list, {# > 1})`), run by `call_predicate`; `GLOBALS` holds names that
resolve when the env lacks them (`sprig`). Argo adds `asInt`, `asFloat`, `toJson` and `jsonpath`.
`now()` is handled by the parser: it comes from the env, never from a clock.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Callable, Mapping
from typing import Any

from argoapp.template import expr_ops as ops
from argoapp.template.errors import ExpressionError
from argoapp.template.jsonpath import jsonpath
from argoapp.template.sprig import SPRIG, go_string

Scope = dict[str, Any]


def _expect(name: str, value: Any, *kinds: type) -> None:
    if isinstance(value, bool) and bool not in kinds:
        raise ExpressionError(f"{name}: unexpected argument of type bool")
    if not isinstance(value, kinds):
        raise ExpressionError(f"{name}: unexpected argument of type {ops.type_name(value)}")


def _len(value: Any) -> int:
    _expect("len", value, str, list, tuple, Mapping)
    return len(value)


def _int(value: Any) -> int:
    if isinstance(value, bool):
        raise ExpressionError("int: cannot convert bool to int")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ExpressionError(f"int: cannot convert {value} to int")
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            raise ExpressionError(f"int: invalid integer {value!r}") from None
    raise ExpressionError(f"int: cannot convert {ops.type_name(value)} to int")


def _float(value: Any) -> float:
    if isinstance(value, bool):
        raise ExpressionError("float: cannot convert bool to float")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            raise ExpressionError(f"float: invalid number {value!r}") from None
    raise ExpressionError(f"float: cannot convert {ops.type_name(value)} to float")


def as_int(value: Any) -> int:
    """Argo's asInt: an integer from an int, a whole float or a decimal string."""
    if isinstance(value, str):
        try:
            return int(value.strip(), 10)
        except ValueError:
            raise ExpressionError(f"asInt: cannot convert {value!r} to int") from None
    if isinstance(value, float) and not value.is_integer():
        raise ExpressionError(f"asInt: {value} is not a whole number")
    return _int(value)


def _to_json_indented(value: Any) -> str:
    """expr's toJSON: JSON indented by two spaces."""
    return json.dumps(ops.plain(value), indent=2, ensure_ascii=False)


def from_json(text: Any) -> Any:
    """fromJSON: a JSON text to a value."""
    _expect("fromJSON", text, str)
    try:
        return json.loads(text)
    except ValueError as err:
        raise ExpressionError(f"fromJSON: invalid JSON: {err}") from None


def _from_base64(text: Any) -> str:
    _expect("fromBase64", text, str)
    try:
        return base64.b64decode(text, validate=True).decode("utf-8", errors="replace")
    except (binascii.Error, ValueError) as err:
        raise ExpressionError(f"fromBase64: {err}") from None


def _numbers(name: str, args: tuple[Any, ...]) -> list[Any]:
    values = list(args[0]) if len(args) == 1 and isinstance(args[0], list | tuple) else list(args)
    for value in values:
        if not ops.is_number(value):
            raise ExpressionError(f"{name}: unexpected argument of type {ops.type_name(value)}")
    return values


def _min(*args: Any) -> Any:
    values = _numbers("min", args)
    return min(values) if values else None


def _max(*args: Any) -> Any:
    values = _numbers("max", args)
    return max(values) if values else None


def _mean(*args: Any) -> float:
    values = _numbers("mean", args)
    return float(sum(values)) / len(values) if values else 0.0


def _median(*args: Any) -> float:
    values = sorted(_numbers("median", args))
    if not values:
        return 0.0
    mid = len(values) // 2
    return float(values[mid]) if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def _get(obj: Any, key: Any) -> Any:
    try:
        return ops.member(obj, key, "value", optional=True)
    except ExpressionError:
        return None


def _flatten(value: Any) -> list[Any]:
    _expect("flatten", value, list, tuple)
    out: list[Any] = []
    for item in value:
        out.extend(_flatten(item) if isinstance(item, list | tuple) else [item])
    return out


def _uniq(value: Any) -> list[Any]:
    _expect("uniq", value, list, tuple)
    out: list[Any] = []
    for item in value:
        if not any(ops.equal(item, seen) for seen in out):
            out.append(item)
    return out


def _concat(*lists: Any) -> list[Any]:
    out: list[Any] = []
    for value in lists:
        _expect("concat", value, list, tuple)
        out.extend(value)
    return out


def _split(text: Any, sep: Any, n: int = -1) -> list[str]:
    _expect("split", text, str)
    if sep == "":
        parts = list(text)
    else:
        parts = text.split(sep) if n < 0 else text.split(sep, n - 1) if n > 0 else []
    return parts


def _join(items: Any, sep: str = "") -> str:
    _expect("join", items, list, tuple)
    return sep.join(go_string(item) for item in items)


def _trim(text: Any, chars: str | None = None) -> str:
    _expect("trim", text, str)
    return str(text.strip(chars) if chars is not None else text.strip())


def _sort(items: Any, order: str = "asc") -> list[Any]:
    _expect("sort", items, list, tuple)
    return sorted(items, reverse=order == "desc")


def _abs(value: Any) -> Any:
    if not ops.is_number(value):
        raise ExpressionError(f"abs: unexpected argument of type {ops.type_name(value)}")
    return abs(value)


BUILTINS: dict[str, Callable[..., Any]] = {
    "len": _len,
    "abs": _abs,
    "ceil": lambda x: float(math.ceil(_float(x))),
    "floor": lambda x: float(math.floor(_float(x))),
    "round": lambda x: float(math.floor(_float(x) + 0.5)),
    "int": _int,
    "float": _float,
    "string": go_string,
    "trim": _trim,
    "trimPrefix": lambda s, p=" ": s.removeprefix(p),
    "trimSuffix": lambda s, p=" ": s.removesuffix(p),
    "upper": lambda s: s.upper(),
    "lower": lambda s: s.lower(),
    "split": _split,
    "splitAfter": lambda s, sep: [p + sep for p in s.split(sep)[:-1]] + [s.split(sep)[-1]],
    "join": _join,
    "replace": lambda s, old, new: s.replace(old, new),
    "repeat": lambda s, n: s * n,
    "indexOf": lambda s, sub: s.find(sub),
    "lastIndexOf": lambda s, sub: s.rfind(sub),
    "hasPrefix": lambda s, p: s.startswith(p),
    "hasSuffix": lambda s, p: s.endswith(p),
    "keys": lambda m: list(m.keys()),
    "values": lambda m: list(m.values()),
    "first": lambda xs: xs[0] if xs else None,
    "last": lambda xs: xs[-1] if xs else None,
    "take": lambda xs, n: list(xs[:n]),
    "min": _min,
    "max": _max,
    "mean": _mean,
    "median": _median,
    "toJSON": _to_json_indented,
    "fromJSON": from_json,
    "toBase64": lambda s: base64.b64encode(s.encode()).decode(),
    "fromBase64": _from_base64,
    "type": ops.type_name,
    "get": _get,
    "flatten": _flatten,
    "uniq": _uniq,
    "concat": _concat,
    "reverse": lambda xs: list(reversed(xs)),
    "sort": _sort,
    # Argo's additions (util/expr/env).
    "asInt": as_int,
    "asFloat": _float,
    "toJson": ops.json_compact,
    "jsonpath": jsonpath,
}

GLOBALS: dict[str, Any] = {"sprig": SPRIG}

PREDICATES = frozenset(
    {
        "all",
        "any",
        "none",
        "one",
        "filter",
        "map",
        "count",
        "find",
        "findIndex",
        "findLast",
        "findLastIndex",
        "groupBy",
        "sortBy",
        "reduce",
        "sum",
    }
)


def call_predicate(
    name: str,
    env: Mapping[str, Any],
    scope: Scope,
    body: Callable[[Mapping[str, Any], Scope], Any] | None,
    args: list[Any],
) -> Any:
    """Run a closure builtin: `args[0]` is the collection, `body` the closure (`#` is the item)."""
    items = args[0]
    if items is None:
        items = []
    if isinstance(items, Mapping):
        items = list(items.values())
    if not isinstance(items, list | tuple):
        raise ExpressionError(f"{name}: cannot iterate over {ops.type_name(items)}")
    if body is None:
        if name == "sum":
            return sum(_numbers("sum", (items,)))
        raise ExpressionError(f"{name}() needs a predicate")

    def run(item: Any, index: int, acc: Any = None) -> Any:
        return body(env, {**scope, "#": item, "#index": index, "#acc": acc})

    def test(item: Any, index: int) -> bool:
        return ops.to_bool(name, run(item, index))

    return _PREDICATE_IMPLS[name](items, run, test, args[1:])


def _reduce(items: Any, run: Any, args: list[Any]) -> Any:
    if args:
        acc, start = args[0], 0
    elif items:
        acc, start = items[0], 1
    else:
        raise ExpressionError("reduce of an empty array with no initial value")
    for index in range(start, len(items)):
        acc = run(items[index], index, acc)
    return acc


def _find(items: Any, test: Any, last: bool, index: bool) -> Any:
    order = range(len(items) - 1, -1, -1) if last else range(len(items))
    for i in order:
        if test(items[i], i):
            return i if index else items[i]
    return -1 if index else None


def _group_by(items: Any, run: Any) -> dict[Any, list[Any]]:
    groups: dict[Any, list[Any]] = {}
    for i, item in enumerate(items):
        groups.setdefault(run(item, i), []).append(item)
    return groups


def _sort_by(items: Any, run: Any, args: list[Any]) -> list[Any]:
    keyed = [(run(item, i), item) for i, item in enumerate(items)]
    keys = [k for k, _ in keyed]
    if not (all(ops.is_number(k) for k in keys) or all(isinstance(k, str) for k in keys)):
        raise ExpressionError("sortBy: keys must all be numbers or all strings")
    keyed.sort(key=lambda pair: pair[0], reverse=bool(args) and args[0] == "desc")
    return [item for _, item in keyed]


_PREDICATE_IMPLS: dict[str, Callable[[Any, Any, Any, list[Any]], Any]] = {
    "all": lambda xs, run, test, a: all(test(x, i) for i, x in enumerate(xs)),
    "any": lambda xs, run, test, a: any(test(x, i) for i, x in enumerate(xs)),
    "none": lambda xs, run, test, a: not any(test(x, i) for i, x in enumerate(xs)),
    "one": lambda xs, run, test, a: sum(1 for i, x in enumerate(xs) if test(x, i)) == 1,
    "filter": lambda xs, run, test, a: [x for i, x in enumerate(xs) if test(x, i)],
    "map": lambda xs, run, test, a: [run(x, i) for i, x in enumerate(xs)],
    "count": lambda xs, run, test, a: sum(1 for i, x in enumerate(xs) if test(x, i)),
    "find": lambda xs, run, test, a: _find(xs, test, last=False, index=False),
    "findIndex": lambda xs, run, test, a: _find(xs, test, last=False, index=True),
    "findLast": lambda xs, run, test, a: _find(xs, test, last=True, index=False),
    "findLastIndex": lambda xs, run, test, a: _find(xs, test, last=True, index=True),
    "groupBy": lambda xs, run, test, a: _group_by(xs, run),
    "sortBy": lambda xs, run, test, a: _sort_by(xs, run, a),
    "reduce": lambda xs, run, test, a: _reduce(xs, run, a),
    "sum": lambda xs, run, test, a: sum(_numbers("sum", ([run(x, i) for i, x in enumerate(xs)],))),
}
