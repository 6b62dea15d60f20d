"""`evaluate_when`: a step's or task's `when`, evaluated the way Argo's govaluate call does.

The engine substitutes the `when` text first, then calls this. As in Argo, every bare word is a
string (`heads == heads` is true), numbers are floats, `true`/`false` are booleans, and strings
may be quoted with '…' or "…". Operators, loosest first: `?:` `??`, `||`, `&&`, comparisons
(`== != < > <= >= =~ !~ in`), `+ -`, `* / %`, `**`, prefix `! -`. `in` takes a parenthesised
list: `x in ("a", "b")`. Errors carry Argo's wording (`Invalid 'when' expression …`,
`Expected boolean evaluation for …`). No I/O; results are cached per text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from argoapp.template.errors import ExpressionError
from argoapp.template.expr_ops import compare, regex
from argoapp.template.sprig import go_string

Thunk = Callable[[], Any]


class _WhenError(Exception):
    """A parse or type problem; `invalid_token` asks for Argo's quoting hint."""

    def __init__(self, message: str, invalid_token: bool = False) -> None:
        super().__init__(message)
        self.invalid_token = invalid_token


_TOKEN = re.compile(
    r"\s*(?:(?P<num>0x[0-9a-fA-F]+|[0-9.]+)(?![\w.])"
    r"|(?P<word>[^\W\d][\w.]*|[0-9][\w.]*)"
    r"|(?P<str>'(?:\\.|[^'\\])*'|\"(?:\\.|[^\"\\])*\")"
    r"|(?P<op>\*\*|==|!=|>=|<=|=~|!~|&&|\|\||\?\?|<<|>>|[-+*/%<>!?:(),&|^~]))"
)
_PRECEDENCE = {
    "?": 1, ":": 1, "??": 1,
    "||": 2, "&&": 3,
    "==": 4, "!=": 4, "<": 4, ">": 4, "<=": 4, ">=": 4, "=~": 4, "!~": 4, "in": 4,
    "+": 6, "-": 6, "*": 7, "/": 7, "%": 7, "**": 8,
}  # fmt: skip


def _tokens(text: str) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    pos = 0
    end = len(text.rstrip())
    while pos < end:
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            bad = text[pos:].lstrip()[:1]
            raise _WhenError(f"Invalid token: '{bad}'", invalid_token=True)
        kind = match.lastgroup or "op"
        raw = match.group(kind)
        pos = match.end()
        if kind == "num":
            try:
                out.append(("value", float(int(raw, 16)) if raw.startswith("0x") else float(raw)))
            except ValueError:
                raise _WhenError(f"Unable to parse numeric value '{raw}'") from None
        elif kind == "str":
            out.append(("value", re.sub(r"\\(.)", r"\1", raw[1:-1])))
        elif kind == "word":
            word: Any = {"true": True, "false": False}.get(raw, raw)
            out.append(("op", "in") if raw == "in" else ("value", word))
        else:
            out.append(("op", raw))
    out.append(("end", None))
    return out


def _num(op: str, value: Any) -> float:
    if isinstance(value, float):
        return value
    raise _WhenError(
        f"Value '{go_string(value)}' cannot be used with the modifier '{op}', it is not a number"
    )


def _bool(op: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise _WhenError(
        f"Value '{go_string(value)}' cannot be used with the logical operator "
        f"'{op}', it is not a bool"
    )


def _equal(a: Any, b: Any) -> bool:
    return type(a) is type(b) and bool(a == b)


def _apply(op: str, a: Any, b: Any) -> Any:
    """A binary operator over two evaluated operands (not the lazy ones)."""
    if op == "==":
        return _equal(a, b)
    if op == "!=":
        return not _equal(a, b)
    if op in ("<", ">", "<=", ">="):
        try:
            return compare(op, a, b)
        except ExpressionError:
            raise _WhenError(
                f"Value '{go_string(a)}' cannot be used with the comparator '{op}', "
                "it is not a number"
            ) from None
    if op in ("=~", "!~"):
        if not (isinstance(a, str) and isinstance(b, str)):
            raise _WhenError(
                f"Value '{go_string(b)}' cannot be used with the comparator "
                f"'{op}', it is not a string"
            )
        found = regex(b).search(a) is not None
        return found if op == "=~" else not found
    if op == "in":
        if not isinstance(b, list):
            raise _WhenError(
                f"Value '{go_string(b)}' cannot be used with the comparator "
                "'in', it is not an array"
            )
        return any(_equal(a, x) for x in b)
    if op == "+" and (isinstance(a, str) or isinstance(b, str)):
        return go_string(a) + go_string(b)
    x, y = _num(op, a), _num(op, b)
    if op == "+":
        return x + y
    if op == "-":
        return x - y
    if op == "*":
        return x * y
    if op == "/":
        return x / y if y else (math.nan if x == 0 else math.copysign(math.inf, x))
    if op == "%":
        return math.fmod(x, y) if y else math.nan
    return math.pow(x, y)


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.pos = 0

    def peek(self) -> tuple[str, Any]:
        return self.tokens[self.pos]

    def take(self) -> tuple[str, Any]:
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def parse(self) -> Thunk:
        node = self.expression(0)
        kind, value = self.peek()
        if kind != "end":
            raise _WhenError(
                f"Unexpected token '{go_string(value)}'"
                if value != ")"
                else "Unbalanced parenthesis"
            )
        return node

    def expression(self, min_prec: int) -> Thunk:
        left = self.unary()
        while True:
            kind, op = self.peek()
            if kind != "op" or op not in _PRECEDENCE or _PRECEDENCE[op] <= min_prec:
                return left
            self.take()
            prec = _PRECEDENCE[op]
            if op == "?":
                left = self.ternary(left)
                continue
            right = self.expression(prec if op != "**" else prec - 1)
            left = self.binary(op, left, right)

    def ternary(self, cond: Thunk) -> Thunk:
        yes = self.expression(1)
        no: Thunk = lambda: None  # noqa: E731  (govaluate: `a ? b` alone yields nil when false)
        if self.peek() == ("op", ":"):
            self.take()
            no = self.expression(1)
        return lambda: yes() if _bool("?", cond()) else no()

    def binary(self, op: str, left: Thunk, right: Thunk) -> Thunk:
        if op == "&&":
            return lambda: _bool(op, left()) and _bool(op, right())
        if op == "||":
            return lambda: _bool(op, left()) or _bool(op, right())
        if op == "??":
            return lambda: (lambda v: right() if v is None else v)(left())
        if op == ":":
            raise _WhenError("Unexpected ':' without a matching '?'")
        return lambda: _apply(op, left(), right())

    def unary(self) -> Thunk:
        kind, value = self.take()
        if kind == "value":
            return lambda: value
        if kind == "op" and value == "(":
            items = [self.expression(0)]
            while self.peek() == ("op", ","):
                self.take()
                items.append(self.expression(0))
            if self.take() != ("op", ")"):
                raise _WhenError("Unbalanced parenthesis")
            if len(items) == 1:
                return items[0]
            return lambda: [item() for item in items]
        if kind == "op" and value in ("!", "-"):
            operand = self.expression(8)
            if value == "!":
                return lambda: not _bool("!", operand())
            return lambda: -_num("-", operand())
        if kind == "end":
            raise _WhenError("Unexpected end of expression")
        raise _WhenError(f"Unexpected token '{value}'", invalid_token=value in "&|^~<>")


@lru_cache(maxsize=4096)
def _evaluate(text: str) -> tuple[Any, str | None]:
    """(result, None) or (None, error message) for one `when` text."""
    try:
        result = _Parser(text).parse()()
    except _WhenError as err:
        hint = ' (hint: try wrapping the affected expression in quotes ("))'
        return None, f"Invalid 'when' expression '{text}': {err}{hint if err.invalid_token else ''}"
    except (re.error, ExpressionError, RecursionError) as err:
        return None, f"Invalid 'when' expression '{text}': {err}"
    if not isinstance(result, bool):
        return None, f"Expected boolean evaluation for '{text}'. Got {go_string(result)}"
    return result, None


def evaluate_when(text: str) -> bool:
    """Whether a step or task with this (substituted) `when` runs; an empty `when` is true."""
    if not text.strip():
        return True
    result, error = _evaluate(text)
    if error is not None:
        raise ExpressionError(error)
    return bool(result)
