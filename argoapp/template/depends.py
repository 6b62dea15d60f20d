"""A DAG task's `depends`: which tasks it names, and whether it holds.

`depends` is a boolean formula over task results (docs/enhanced-depends-logic.md):
`A && (B.Failed || !C.Succeeded)`. A bare `A` means `A.Succeeded || A.Skipped || A.Daemoned`.
The engine asks `depends_tasks` what to wait for, then `evaluate_depends` with a callback that
answers `result(task, attribute)` from the node statuses. A plain `dependencies` list is the
formula `dependencies_to_depends` returns. Parsed formulas are cached; no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from argoapp.template.errors import ExpressionError

ATTRIBUTES = frozenset(
    {
        "Succeeded",
        "Failed",
        "Errored",
        "Skipped",
        "Omitted",
        "Daemoned",
        "AnySucceeded",
        "AllFailed",
    }
)
BARE = ("Succeeded", "Skipped", "Daemoned")  # what a bare task name stands for

Result = Callable[[str, str], bool]
Formula = Callable[[Result], bool]

_TOKEN = re.compile(r"\s*(?:(?P<op>&&|\|\||!|\(|\))|(?P<ref>[A-Za-z0-9_][A-Za-z0-9_-]*(?:\.\w+)?))")


def _tokens(expr: str) -> list[str]:
    out: list[str] = []
    pos = 0
    end = len(expr.rstrip())
    while pos < end:
        match = _TOKEN.match(expr, pos)
        if not match:
            bad = expr[pos:].lstrip()[:10]
            raise ExpressionError(f"invalid depends {expr!r}: unexpected {bad!r}")
        out.append(match.group("op") or match.group("ref"))
        pos = match.end()
    return out


class _Parser:
    """Recursive descent over `||` < `&&` < `!` < (…) / task[.Attribute]."""

    def __init__(self, expr: str) -> None:
        self.expr = expr
        self.tokens = _tokens(expr)
        self.pos = 0
        self.refs: list[str] = []

    def error(self, what: str) -> ExpressionError:
        return ExpressionError(f"invalid depends {self.expr!r}: {what}")

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def parse(self) -> Formula:
        if not self.tokens:
            raise self.error("empty")
        formula = self.disjunction()
        if self.peek() is not None:
            raise self.error(f"unexpected {self.peek()!r}")
        return formula

    def disjunction(self) -> Formula:
        parts = [self.conjunction()]
        while self.peek() == "||":
            self.pos += 1
            parts.append(self.conjunction())
        if len(parts) == 1:
            return parts[0]
        return lambda result: any(p(result) for p in parts)

    def conjunction(self) -> Formula:
        parts = [self.negation()]
        while self.peek() == "&&":
            self.pos += 1
            parts.append(self.negation())
        if len(parts) == 1:
            return parts[0]
        return lambda result: all(p(result) for p in parts)

    def negation(self) -> Formula:
        if self.peek() == "!":
            self.pos += 1
            inner = self.negation()
            return lambda result: not inner(result)
        return self.atom()

    def atom(self) -> Formula:
        token = self.peek()
        if token is None:
            raise self.error("unexpected end")
        self.pos += 1
        if token == "(":
            inner = self.disjunction()
            if self.peek() != ")":
                raise self.error("missing )")
            self.pos += 1
            return inner
        if token in ("&&", "||", ")"):
            raise self.error(f"unexpected {token!r}")
        task, _, attribute = token.partition(".")
        if attribute and attribute not in ATTRIBUTES:
            raise self.error(
                f"unknown result {attribute!r} for task {task!r} "
                f"(one of {', '.join(sorted(ATTRIBUTES))})"
            )
        if task not in self.refs:
            self.refs.append(task)
        if attribute:
            return lambda result: bool(result(task, attribute))
        return lambda result: any(result(task, a) for a in BARE)


@lru_cache(maxsize=2048)
def _compile(expr: str) -> tuple[Formula, tuple[str, ...]]:
    parser = _Parser(expr)
    formula = parser.parse()
    return formula, tuple(parser.refs)


def depends_tasks(expr: str) -> list[str]:
    """The task names `expr` refers to, in order, without repeats."""
    return list(_compile(expr)[1])


def evaluate_depends(expr: str, result: Result) -> bool:
    """Whether `expr` holds, given `result(task, attribute)` for each task it names."""
    return _compile(expr)[0](result)


def dependencies_to_depends(deps: list[str]) -> str:
    """The `depends` formula equivalent to a `dependencies` list (all of them, bare)."""
    return " && ".join(deps)
