"""`valueFrom.jsonPath` of a resource template's outputs: a Kubernetes JSONPath template.

Argo runs `kubectl get … -o jsonpath=<template>`; this renders the same template over the object
already fetched. A template is text with `{…}` actions:
- `{.a.b}`, `{.items[*].metadata.name}`, `{.status.conditions[?(@.type=="Ready")].status}`,
  `{$.kind}`, `{@.name}`: JSONPath (the subset of `argoapp.template.jsonpath`: names, indexes,
  slices, unions, `*`, `..`, filters), relative to the current object;
- `{range .items[*]}…{end}`: the text between, once per value, each value the current object;
- `{"text"}`: a literal (with `\\n`, `\\t` escapes).
Several values are joined with a space; strings print raw, numbers and booleans as JSON, maps
and lists as compact JSON. A missing key prints nothing, as kubectl (which allows missing keys
for `-o jsonpath`) does. Called by `executor.resource`; pure, no I/O.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from argoapp.errors import ArgoappError
from argoapp.template.errors import ExpressionError
from argoapp.template.jsonpath import jsonpath


class JsonPathError(ArgoappError):
    """A template that does not parse or cannot be evaluated."""


@dataclass
class _Node:
    kind: str  # "text", "path", "range"
    text: str = ""
    body: list[_Node] = field(default_factory=list)


def render_jsonpath(template: str, obj: Any) -> str:
    """The text `kubectl get -o jsonpath=<template>` prints for `obj`."""
    nodes, rest = _parse(_lex(template), 0, inside_range=False)
    if rest is not None:
        raise JsonPathError(f"unexpected {{end}} in jsonpath {template!r}")
    return "".join(_render(nodes, obj, obj))


def _lex(template: str) -> list[tuple[str, str]]:
    """[(kind, text)]: kind "text" for literal text, "action" for what is inside `{…}`."""
    parts: list[tuple[str, str]] = []
    pos = 0
    while pos < len(template):
        start = template.find("{", pos)
        if start < 0:
            parts.append(("text", template[pos:]))
            break
        if start > pos:
            parts.append(("text", template[pos:start]))
        end = _closing(template, start)
        parts.append(("action", template[start + 1 : end].strip()))
        pos = end + 1
    return parts


def _closing(template: str, start: int) -> int:
    depth, quote = 0, ""
    for i in range(start, len(template)):
        char = template[i]
        if quote:
            quote = "" if char == quote and template[i - 1] != "\\" else quote
        elif char in "\"'":
            quote = char
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return i
    raise JsonPathError(f"unclosed action in jsonpath {template!r}")


def _parse(
    parts: list[tuple[str, str]], pos: int, *, inside_range: bool
) -> tuple[list[_Node], int | None]:
    """Nodes up to the end (None) or up to a matching `{end}` (its index + 1)."""
    nodes: list[_Node] = []
    while pos < len(parts):
        kind, text = parts[pos]
        pos += 1
        if kind == "text":
            nodes.append(_Node("text", text))
        elif text == "end":
            return nodes, pos
        elif text.startswith("range ") or text == "range":
            body, after = _parse(parts, pos, inside_range=True)
            if after is None:
                raise JsonPathError("{range} without a matching {end} in jsonpath")
            nodes.append(_Node("range", text[5:].strip(), body))
            pos = after
        elif text[:1] in "\"'" and text[-1:] == text[:1] and len(text) >= 2:
            nodes.append(_Node("text", _unescape(text[1:-1])))
        else:
            nodes.append(_Node("path", text))
    return nodes, None


def _unescape(text: str) -> str:
    return text.replace("\\n", "\n").replace("\\t", "\t").replace("\\r", "\r")


def _render(nodes: list[_Node], current: Any, root: Any) -> list[str]:
    out: list[str] = []
    for node in nodes:
        if node.kind == "text":
            out.append(node.text)
        elif node.kind == "path":
            out.append(" ".join(format_value(v) for v in _values(node.text, current, root)))
        else:
            for value in _values(node.text, current, root):
                out.extend(_render(node.body, value, root))
    return out


def _values(path: str, current: Any, root: Any) -> list[Any]:
    """Every value `path` selects; `$` starts at the object, `.`/`@` at the current value."""
    if not path:
        raise JsonPathError("empty jsonpath action {}")
    base = root if path.startswith("$") else current
    if path.startswith(("$", "@")):
        path = path[1:]
    if path and not path.startswith((".", "[")):
        path = "." + path
    # Starting from `[base]` and `[*]` makes every path a multi-valued one, so the answer is
    # always the list of what it selects: empty for a missing key, never spread by accident.
    try:
        found = jsonpath([base], "$[*]" + path)
    except ExpressionError as e:
        raise JsonPathError(str(e)) from None
    return list(found)


def format_value(value: Any) -> str:
    """One value as kubectl's jsonpath printer writes it."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
