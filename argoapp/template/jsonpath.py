"""Argo's `jsonpath(jsonText, path)` expression function: a JSONPath subset.

Supported: `$`, `.name`, `['name']`, `[n]` (negative counts from the end), `[a:b]`, `[n,m]`,
`[*]` / `.*`, `..name` (recursive descent) and filters `[?(@.x == 'v' && @.y > 2)]` with
`== != < > <= >=`, `&&`, `||` and bare `@.x` for existence. A path of plain names and indexes
gives one value; any wildcard, slice, union, filter or descent gives a list. Called by
`expr_builtins`; no I/O.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from argoapp.template import expr_ops as ops
from argoapp.template.errors import ExpressionError

Step = Callable[[list[Any]], list[Any]]
_MISSING = object()


def _child(name: str) -> Step:
    def step(nodes: list[Any]) -> list[Any]:
        return [n[name] for n in nodes if isinstance(n, Mapping) and name in n]

    return step


def _wildcard(nodes: list[Any]) -> list[Any]:
    out: list[Any] = []
    for n in nodes:
        if isinstance(n, Mapping):
            out.extend(n.values())
        elif isinstance(n, list):
            out.extend(n)
    return out


def _descend(name: str) -> Step:
    def walk(node: Any, out: list[Any]) -> None:
        if isinstance(node, Mapping):
            if name == "*":
                out.extend(node.values())
            elif name in node:
                out.append(node[name])
            for value in node.values():
                walk(value, out)
        elif isinstance(node, list):
            if name == "*":
                out.extend(node)
            for value in node:
                walk(value, out)

    def step(nodes: list[Any]) -> list[Any]:
        out: list[Any] = []
        for n in nodes:
            walk(n, out)
        return out

    return step


def _indexes(indexes: list[int]) -> Step:
    def step(nodes: list[Any]) -> list[Any]:
        out = []
        for n in nodes:
            if isinstance(n, list):
                for i in indexes:
                    if -len(n) <= i < len(n):
                        out.append(n[i])
        return out

    return step


def _slice(low: int | None, high: int | None, stride: int | None) -> Step:
    return lambda nodes: [x for n in nodes if isinstance(n, list) for x in n[low:high:stride]]


_FILTER_TOKEN = re.compile(
    r"\s*(?:(?P<path>@(?:\.[\w-]+|\[\d+\]|\['[^']*'\]|\[\"[^\"]*\"\])*)"
    r"|(?P<str>'[^']*'|\"[^\"]*\")|(?P<num>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)"
    r"|(?P<word>true|false|null)|(?P<op>==|!=|<=|>=|<|>|&&|\|\||\(|\)))"
)


def _filter_value(kind: str, text: str) -> Callable[[Any], Any]:
    if kind == "path":
        parts = re.findall(r"\.([\w-]+)|\[(\d+)\]|\['([^']*)'\]|\[\"([^\"]*)\"\]", text)

        def get(item: Any) -> Any:
            for name, index, q1, q2 in parts:
                key: Any = int(index) if index else (name or q1 or q2)
                if isinstance(item, Mapping) and not isinstance(key, int):
                    item = item.get(key, _MISSING)
                elif isinstance(item, list) and isinstance(key, int) and key < len(item):
                    item = item[key]
                else:
                    return _MISSING
            return item

        return get
    value = json.loads(text) if kind != "str" else text[1:-1]
    return lambda item: value


def _compile_filter(text: str) -> Callable[[Any], bool]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text.rstrip()):
        match = _FILTER_TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise ExpressionError(f"jsonpath: cannot read filter {text!r}")
        kind = match.lastgroup or "op"
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    tokens.append(("end", ""))
    at = [0]

    def peek() -> tuple[str, str]:
        return tokens[at[0]]

    def operand() -> Callable[[Any], Any]:
        kind, value = tokens[at[0]]
        at[0] += 1
        if (kind, value) == ("op", "("):
            inner = disjunction()
            at[0] += 1
            return inner
        if kind == "op" or kind == "end":
            raise ExpressionError(f"jsonpath: unexpected {value!r} in filter {text!r}")
        return _filter_value(kind, value)

    def comparison() -> Callable[[Any], Any]:
        left = operand()
        kind, op = peek()
        if kind == "op" and op in ("==", "!=", "<", ">", "<=", ">="):
            at[0] += 1
            right = operand()
            return lambda item: _compare(op, left(item), right(item))
        return lambda item: left(item) not in (_MISSING, None, False)

    def conjunction() -> Callable[[Any], Any]:
        parts = [comparison()]
        while peek() == ("op", "&&"):
            at[0] += 1
            parts.append(comparison())
        return lambda item: all(p(item) for p in parts)

    def disjunction() -> Callable[[Any], Any]:
        parts = [conjunction()]
        while peek() == ("op", "||"):
            at[0] += 1
            parts.append(conjunction())
        return lambda item: any(p(item) for p in parts)

    check = disjunction()
    return lambda item: bool(check(item))


def _compare(op: str, a: Any, b: Any) -> bool:
    if a is _MISSING or b is _MISSING:
        return False
    if op == "==":
        return ops.equal(a, b)
    if op == "!=":
        return not ops.equal(a, b)
    try:
        return ops.compare(op, a, b)
    except ExpressionError:
        return False


def _filter(check: Callable[[Any], bool]) -> Step:
    def step(nodes: list[Any]) -> list[Any]:
        out: list[Any] = []
        for n in nodes:
            items = list(n.values()) if isinstance(n, Mapping) else n if isinstance(n, list) else []
            out.extend(item for item in items if check(item))
        return out

    return step


def _bracket(body: str) -> tuple[Step, bool]:
    """A `[...]` step and whether it makes the result a list."""
    body = body.strip()
    if body == "*":
        return _wildcard, True
    if body.startswith("?"):
        inner = body[1:].strip()
        if inner.startswith("(") and inner.endswith(")"):
            inner = inner[1:-1]
        return _filter(_compile_filter(inner)), True
    if body[:1] in "'\"":
        names = [p.strip()[1:-1] for p in body.split(",")]
        if len(names) == 1:
            return _child(names[0]), False
        return (lambda nodes: [x for name in names for x in _child(name)(nodes)]), True
    if ":" in body:
        bounds = [int(p) if p.strip() else None for p in body.split(":")]
        return _slice(*[*bounds, None, None][:3]), True
    try:
        indexes = [int(p) for p in body.split(",")]
    except ValueError:
        raise ExpressionError(f"jsonpath: cannot read [{body}]") from None
    return _indexes(indexes), len(indexes) > 1


def _close(path: str, start: int) -> int:
    """The index of the `]` closing the bracket opened before `start` (quotes skipped)."""
    i, depth, quote = start, 0, ""
    while i < len(path):
        c = path[i]
        if quote:
            quote = "" if c == quote else quote
        elif c in "'\"":
            quote = c
        elif c in "([":
            depth += 1
        elif c in ")]":
            if c == "]" and depth == 0:
                return i
            depth -= 1
        i += 1
    raise ExpressionError(f"jsonpath: unclosed [ in {path!r}")


@lru_cache(maxsize=256)
def _compile(path: str) -> tuple[list[Step], bool]:
    text = path.strip()
    if not text.startswith("$"):
        raise ExpressionError(f"jsonpath: path {path!r} must start with $")
    steps: list[Step] = []
    multi = False
    i = 1
    while i < len(text):
        if text.startswith("..", i):
            match = re.compile(r"[\w-]+|\*").match(text, i + 2)
            if not match:
                raise ExpressionError(f"jsonpath: expected a name after .. in {path!r}")
            steps.append(_descend(match.group(0)))
            multi, i = True, match.end()
        elif text[i] == ".":
            match = re.compile(r"[\w-]+|\*").match(text, i + 1)
            if not match:
                raise ExpressionError(f"jsonpath: expected a name after . in {path!r}")
            name = match.group(0)
            steps.append(_wildcard if name == "*" else _child(name))
            multi, i = multi or name == "*", match.end()
        elif text[i] == "[":
            end = _close(text, i + 1)
            step, many = _bracket(text[i + 1 : end])
            steps.append(step)
            multi, i = multi or many, end + 1
        else:
            raise ExpressionError(f"jsonpath: unexpected {text[i]!r} in {path!r}")
    return steps, multi


def jsonpath(document: Any, path: Any) -> Any:
    """The value(s) at `path` in `document` (a JSON text, or an already-parsed value)."""
    if not isinstance(path, str):
        raise ExpressionError("jsonpath: the path must be a string")
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError as err:
            raise ExpressionError(f"jsonpath: the document is not JSON: {err}") from None
    steps, multi = _compile(path)
    nodes = [document]
    for step in steps:
        nodes = step(nodes)
    if multi:
        return nodes
    if not nodes:
        raise ExpressionError(f"jsonpath: nothing at {path}")
    return nodes[0]
