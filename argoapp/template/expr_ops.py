"""The value semantics of the expr language: equality, ordering, arithmetic, member access.

Values are Python's JSON types: None (nil), bool, int, float, str, list, dict. Integers and
floats stay distinct as in expr (`7 / 2` is 3.5, `7 + 2` is 9, `%` needs ints); bool is never a
number. Used by `expr_parser` (operators) and `expr_builtins` (functions). No I/O.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from argoapp.template.errors import ExpressionError


class NilAccessError(ExpressionError):
    """A member or index of nil was read without `?.`; `??` turns it into nil."""


def type_name(value: Any) -> str:
    """The expr name of a value's type (as `type()` returns it)."""
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, Mapping):
        return "map"
    if callable(value):
        return "func"
    return type(value).__name__


def is_number(value: Any) -> bool:
    """int or float, never bool."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def equal(a: Any, b: Any) -> bool:
    """expr's `==`: numbers compare by value across int/float, containers deeply."""
    if is_number(a) and is_number(b):
        return bool(a == b)
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(equal(a[k], b[k]) for k in a)
    if type_name(a) != type_name(b):
        return False
    return bool(a == b)


def _mismatch(op: str, a: Any, b: Any) -> ExpressionError:
    return ExpressionError(
        f"invalid operation: {op} (mismatched types {type_name(a)} and {type_name(b)})"
    )


def compare(op: str, a: Any, b: Any) -> bool:
    """`<`, `>`, `<=`, `>=` over two numbers or two strings."""
    if not ((is_number(a) and is_number(b)) or (isinstance(a, str) and isinstance(b, str))):
        raise _mismatch(op, a, b)
    if op == "<":
        return bool(a < b)
    if op == ">":
        return bool(a > b)
    if op == "<=":
        return bool(a <= b)
    return bool(a >= b)


def add(a: Any, b: Any) -> Any:
    """`+`: numbers, string concatenation, array concatenation."""
    if is_number(a) and is_number(b):
        return a + b
    if isinstance(a, str) and isinstance(b, str):
        return a + b
    if isinstance(a, list) and isinstance(b, list):
        return a + b
    raise _mismatch("+", a, b)


def arith(op: str, a: Any, b: Any) -> Any:
    """`-`, `*`, `/`, `%`, `**` over numbers."""
    if not (is_number(a) and is_number(b)):
        raise _mismatch(op, a, b)
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        if b == 0:
            return math.nan if a == 0 else math.copysign(math.inf, a)
        return a / b
    if op == "%":
        if not (isinstance(a, int) and isinstance(b, int)):
            raise ExpressionError(
                f"invalid operation: % (mismatched types {type_name(a)} and "
                f"{type_name(b)}): needs integers"
            )
        if b == 0:
            raise ExpressionError("integer divide by zero")
        # Go's % truncates toward zero: the result takes the dividend's sign.
        result = abs(a) % abs(b)
        return -result if a < 0 else result
    try:
        return math.pow(a, b)
    except (ValueError, OverflowError):
        return math.nan


def negate(value: Any) -> Any:
    """Unary `-`."""
    if not is_number(value):
        raise ExpressionError(f"invalid operation: - ({type_name(value)})")
    return -value


def to_bool(op: str, value: Any) -> bool:
    """An operand that must be a bool (for `and`, `or`, `not`, `?:`)."""
    if isinstance(value, bool):
        return value
    raise ExpressionError(f"invalid operation: {op} on {type_name(value)} (needs a bool)")


def member(obj: Any, name: Any, desc: str, optional: bool) -> Any:
    """`obj.name` / `obj[name]`: a missing map key is nil; nil itself fails unless optional."""
    if isinstance(obj, Mapping):
        return obj.get(name)
    if obj is None:
        if optional:
            return None
        raise NilAccessError(f"cannot fetch {name} from {desc}: {desc} is nil")
    if isinstance(obj, list | tuple | str):
        if isinstance(name, bool) or not isinstance(name, int | float):
            raise ExpressionError(f"cannot fetch {name} from {desc} ({type_name(obj)})")
        index = int(name)
        if index != name:
            raise ExpressionError(f"non-integer index {name} into {desc}")
        size = len(obj)
        if index < 0:
            index += size
        if not 0 <= index < size:
            raise ExpressionError(f"index out of range: {name} (array length {size}) in {desc}")
        return obj[index]
    raise ExpressionError(f"cannot fetch {name} from {desc} ({type_name(obj)})")


def slice_of(obj: Any, low: Any, high: Any, desc: str) -> Any:
    """`obj[low:high]` on an array or a string; bounds are clamped, negatives count from the end."""
    if not isinstance(obj, list | tuple | str):
        raise ExpressionError(f"cannot slice {desc} ({type_name(obj)})")
    for bound in (low, high):
        if bound is not None and (isinstance(bound, bool) or not isinstance(bound, int)):
            raise ExpressionError(f"non-integer slice bound {bound!r}")
    return obj[low:high]


def contains(container: Any, item: Any) -> bool:
    """`item in container` over arrays (by `==`) and maps (by key)."""
    if isinstance(container, Mapping):
        return item in container if _hashable(item) else False
    if isinstance(container, list | tuple):
        return any(equal(item, x) for x in container)
    if container is None:
        return False
    raise ExpressionError(
        f"invalid operation: in (mismatched types {type_name(item)} and {type_name(container)})"
    )


def _hashable(value: Any) -> bool:
    return isinstance(value, str | int | float | bool) or value is None


def string_op(op: str, a: Any, b: Any) -> bool:
    """`contains`, `startsWith`, `endsWith`, `matches` over two strings."""
    if not (isinstance(a, str) and isinstance(b, str)):
        raise _mismatch(op, a, b)
    if op == "contains":
        return b in a
    if op == "startsWith":
        return a.startswith(b)
    if op == "endsWith":
        return a.endswith(b)
    return regex(b).search(a) is not None


@lru_cache(maxsize=512)
def regex(pattern: str) -> re.Pattern[str]:
    """A compiled regular expression (RE2 syntax is close to Python's for what people write)."""
    try:
        return re.compile(pattern)
    except re.error as err:
        raise ExpressionError(f"invalid regular expression {pattern!r}: {err}") from None


def int_range(a: Any, b: Any) -> list[int]:
    """`a..b`: the integers from a to b inclusive."""
    if (
        not (isinstance(a, int) and isinstance(b, int))
        or isinstance(a, bool)
        or isinstance(b, bool)
    ):
        raise _mismatch("..", a, b)
    return list(range(a, b + 1))


def plain(value: Any) -> Any:
    """A value ready for JSON: whole floats print as ints, as Go's encoder prints them."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return int(value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if callable(value):
        raise ExpressionError("cannot encode a function as JSON")
    return value


def json_compact(value: Any) -> str:
    """Compact JSON (Argo's `toJson`, sprig's `toJson`)."""
    return json.dumps(plain(value), separators=(",", ":"), ensure_ascii=False)
