"""A resource template's `successCondition` / `failureCondition`: label-selector syntax over JSON.

Argo parses these with Kubernetes' label selector parser and looks each key up as a path in the
object's JSON (gjson), so `status.succeeded > 0, metadata.name == x` means two requirements
whose keys are JSON paths. `parse_condition` turns the text into `Requirement`s; `lookup` reads
a key from an object the way gjson does for the paths people write (`a.b`, `a.0.b` for a list
element, `a.#` for a list's length); `Requirement.matches` is Kubernetes' matching rule.

Grammar (Kubernetes `labels.Parse`): requirements separated by `,`, each one of
`key`, `!key`, `key = v`, `key == v`, `key != v`, `key in (v1, v2)`, `key notin (v1, v2)`,
`key > N`, `key < N` (N an integer). Called by `executor.resource`; pure, no I/O.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from argoapp.errors import ArgoappError

EXISTS, NOT_EXISTS = "exists", "!"
_OPERATORS = ("==", "!=", "=", ">", "<", "in", "notin")
_TOKEN = re.compile(r"\s*(==|!=|=|>|<|!|\(|\)|,|[^\s,()=!<>]+)")


class ConditionError(ArgoappError):
    """A condition that does not parse."""


@dataclass(frozen=True)
class Requirement:
    """One `key op values` term of a condition."""

    key: str
    operator: str
    values: tuple[str, ...] = ()

    def matches(self, obj: Any) -> bool:
        """Whether the object satisfies this requirement (Kubernetes' rules)."""
        found, value = lookup(obj, self.key)
        if self.operator in ("=", "==", "in"):
            return found and value in self.values
        if self.operator in ("!=", "notin"):
            return not found or value not in self.values
        if self.operator == EXISTS:
            return found
        if self.operator == NOT_EXISTS:
            return not found
        if not found:
            return False
        try:
            number = int(value)
        except ValueError:
            return False
        bound = int(self.values[0])
        return number > bound if self.operator == ">" else number < bound

    def __str__(self) -> str:
        """As Kubernetes prints a requirement: `a.b>0`, `status.phase in (Error,Failed)`."""
        if self.operator == EXISTS:
            return self.key
        if self.operator == NOT_EXISTS:
            return "!" + self.key
        if self.operator in ("in", "notin"):
            return f"{self.key} {self.operator} ({','.join(sorted(self.values))})"
        return f"{self.key}{self.operator}{self.values[0]}"


def parse_condition(text: str) -> list[Requirement]:
    """The requirements of a condition; `ConditionError` when it does not parse."""
    tokens = _tokens(text)
    requirements: list[Requirement] = []
    pos = 0
    while pos < len(tokens):
        requirement, pos = _requirement(tokens, pos)
        requirements.append(requirement)
        if pos < len(tokens):
            if tokens[pos] != ",":
                raise ConditionError(f"found '{tokens[pos]}', expected: ',' or end of string")
            pos += 1
            if pos == len(tokens):
                raise ConditionError("found '', expected: identifier after ','")
    return requirements


def _tokens(text: str) -> list[str]:
    tokens: list[str] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            break  # only trailing whitespace is left
        tokens.append(match.group(1))
        pos = match.end()
    return tokens


def _requirement(tokens: list[str], pos: int) -> tuple[Requirement, int]:
    negated = tokens[pos] == "!"
    if negated:
        pos += 1
    if pos >= len(tokens) or not _is_word(tokens[pos]) or tokens[pos] in ("in", "notin"):
        found = tokens[pos] if pos < len(tokens) else ""
        raise ConditionError(f"found '{found}', expected: identifier")
    key = tokens[pos]
    pos += 1
    if negated:
        return Requirement(key, NOT_EXISTS), pos
    if pos >= len(tokens) or tokens[pos] == ",":
        return Requirement(key, EXISTS), pos
    operator = tokens[pos]
    if operator not in _OPERATORS:
        raise ConditionError(f"found '{operator}', expected: {', '.join(_OPERATORS)}")
    pos += 1
    if operator in ("in", "notin"):
        values, pos = _value_set(tokens, pos)
        return Requirement(key, operator, values), pos
    value = tokens[pos] if pos < len(tokens) and _is_word(tokens[pos]) else ""
    if value:
        pos += 1
    if operator in (">", "<") and not re.fullmatch(r"[+-]?\d+", value):
        raise ConditionError(f"for 'Gt', 'Lt' operators, the value must be an integer: {value!r}")
    return Requirement(key, operator, (value,)), pos


def _value_set(tokens: list[str], pos: int) -> tuple[tuple[str, ...], int]:
    if pos >= len(tokens) or tokens[pos] != "(":
        found = tokens[pos] if pos < len(tokens) else ""
        raise ConditionError(f"found '{found}', expected: '('")
    pos += 1
    values: list[str] = []
    while True:
        if pos < len(tokens) and _is_word(tokens[pos]):
            values.append(tokens[pos])
            pos += 1
        else:
            values.append("")  # `in (a,)` holds an empty value, as in Kubernetes
        if pos >= len(tokens):
            raise ConditionError("found '', expected: ')'")
        if tokens[pos] == ")":
            return tuple(values), pos + 1
        if tokens[pos] != ",":
            raise ConditionError(f"found '{tokens[pos]}', expected: ',' or ')'")
        pos += 1


def _is_word(token: str) -> bool:
    return token not in ("==", "!=", "=", ">", "<", "!", "(", ")", ",")


def lookup(obj: Any, path: str) -> tuple[bool, str]:
    """(found, value as text) at a dotted JSON path, as gjson reads it."""
    node = obj
    for part in _split_path(path):
        if isinstance(node, dict):
            if part not in node:
                return False, ""
            node = node[part]
        elif isinstance(node, list):
            if part == "#":
                node = len(node)
            elif part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                return False, ""
        else:
            return False, ""
    return True, as_text(node)


def _split_path(path: str) -> list[str]:
    """`a.b\\.c.d` -> [a, b.c, d]: gjson's escaped dots let a key hold a dot."""
    parts, current, escaped = [], "", False
    for char in path:
        if escaped:
            current, escaped = current + char, False
        elif char == "\\":
            escaped = True
        elif char == ".":
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return parts


def as_text(value: Any) -> str:
    """A JSON value as gjson's `String()`: strings raw, null empty, the rest as JSON."""
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
    return json.dumps(value, separators=(",", ":"))
