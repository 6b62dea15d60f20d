"""`{{…}}` substitution: simple `{{name}}` tags and `{{= expr }}` expression tags.

The engine and the executor call `substitute` / `substitute_obj` with a flat scope whose keys are
Argo's dotted variable names (`inputs.parameters.msg`, `steps.a.outputs.result`, `item.color`).
Tags are found the way Argo's fasttemplate finds them: from `{{` to the next `}}` (an expression
tag skips over its quoted strings and balanced braces, so `{{= {a: {b: 1}} }}` works).

Expression tags see the scope expanded into nested maps (`expand_scope`). When a key is both a
value and a prefix of longer keys (`item` = '{"a":1}' and `item.a` = 1), the nested map wins, so
`item.a` and `get(item, 'a')` both work; a dict value at that key is merged with the longer keys.

Nothing here reads the clock or does I/O.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

from argoapp.template.errors import ExpressionError, UnresolvedError
from argoapp.template.expr import env_names, evaluate
from argoapp.template.expr_ops import NilAccessError

# The first segments Argo validates; any other unknown simple tag is left verbatim.
STRICT_PREFIXES = frozenset(
    {
        "item",
        "steps",
        "inputs",
        "outputs",
        "workflow",
        "tasks",
        "pod",
        "retries",
        "node",
        "lastRetry",
        "cronworkflow",
    }
)

_FIRST_SEGMENT = re.compile(r"[^.\[]*")


def render_value(value: Any) -> str:
    """A value as Argo writes it into a string: str as is, the rest as compact JSON."""
    if isinstance(value, str):
        return value
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _render_float(value)
    return json.dumps(_jsonable(value), separators=(",", ":"), ensure_ascii=False)


def _render_float(value: float) -> str:
    if math.isfinite(value) and value == int(value) and abs(value) < 1e21:
        return str(int(value))
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(value)


def _jsonable(value: Any) -> Any:
    """Floats that are whole numbers print as ints, as Go's JSON encoder prints them."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return int(value)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _find_end(text: str, start: int, expression: bool) -> int:
    """The index of the `}}` closing a tag whose body starts at `start`, or -1."""
    if not expression:
        return text.find("}}", start)
    depth = 0
    i = start
    n = len(text)
    while i < n:
        c = text[i]
        if c in "'\"`":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" and c != "`" else 1
            if j >= n:  # an unterminated string: fall back to the plain rule
                return text.find("}}", start)
            i = j + 1
            continue
        if c == "}" and depth == 0 and text.startswith("}}", i):
            return i
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        i += 1
    return text.find("}}", start)


def _split(text: str) -> list[tuple[bool, str]]:
    """The text as (is_tag, piece) pairs; a tag piece is the body between the braces."""
    parts: list[tuple[bool, str]] = []
    pos = 0
    while True:
        open_at = text.find("{{", pos)
        if open_at < 0:
            break
        body = open_at + 2
        end = _find_end(text, body, text.startswith("=", body))
        if end < 0:
            break
        if open_at > pos:
            parts.append((False, text[pos:open_at]))
        parts.append((True, text[body:end]))
        pos = end + 2
    if pos < len(text):
        parts.append((False, text[pos:]))
    return parts


def references(text: str) -> list[str]:
    """The simple tag names in `text`, in order, with repeats removed."""
    names: list[str] = []
    for is_tag, piece in _split(text):
        if is_tag and not piece.startswith("="):
            name = piece.strip()
            if name not in names:
                names.append(name)
    return names


def is_strict(name: str) -> bool:
    """Whether an unresolved tag of this name is an error (its prefix is one Argo validates)."""
    match = _FIRST_SEGMENT.match(name)
    return match is not None and match.group(0) in STRICT_PREFIXES


def expand_scope(scope: Mapping[str, Any]) -> dict[str, Any]:
    """The flat dotted scope as nested maps, for expressions."""
    env: dict[str, Any] = {}
    owned: set[int] = set()  # the dicts made here, safe to add keys to
    # The rules below give the same result in any key order: a scalar met on the way down is
    # replaced by a map, and a scalar arriving where a map already is leaves the map alone.
    for key, value in scope.items():
        if type(value) is not str and isinstance(value, Mapping):
            value = dict(value)
            owned.add(id(value))
        node = env
        parts = key.split(".")
        for part in parts[:-1]:
            child = node.get(part)
            if type(child) is not dict:
                child = {}
                node[part] = child
                owned.add(id(child))
            elif id(child) not in owned:
                child = dict(child)
                node[part] = child
                owned.add(id(child))
            node = child
        leaf = parts[-1]
        existing = node.get(leaf)
        if type(existing) is dict:
            if type(value) is dict:
                merged = {**value, **existing}
                node[leaf] = merged
                owned.add(id(merged))
        else:
            node[leaf] = value
    return env


class _Substituter:
    """One substitution pass: the scope, its expanded env (built once, on demand)."""

    def __init__(self, scope: Mapping[str, Any], allow_unresolved: bool) -> None:
        self.scope = scope
        self.allow_unresolved = allow_unresolved
        self._envs: dict[frozenset[str] | None, dict[str, Any]] = {}

    def env(self, source: str) -> dict[str, Any]:
        """The expanded env for one expression: only the top-level names it reads."""
        names = env_names(source)
        env = self._envs.get(names)
        if env is None:
            scope = self.scope
            if names is not None:
                scope = {k: v for k, v in scope.items() if k.partition(".")[0] in names}
            env = self._envs[names] = expand_scope(scope)
        return env

    def tag(self, body: str) -> tuple[bool, Any]:
        """(resolved, value) for one tag body; unresolved tags stay verbatim."""
        if body.startswith("="):
            try:
                value = evaluate(body[1:], self.env(body[1:]))
            except NilAccessError as err:
                if self.allow_unresolved:
                    return False, None
                raise UnresolvedError(f"failed to resolve {{{{{body}}}}}: {err}") from None
            except ExpressionError:
                # Argo leaves any failing expression verbatim while unresolved tags are allowed.
                if self.allow_unresolved:
                    return False, None
                raise
            if value is None:
                if self.allow_unresolved:
                    return False, None
                raise UnresolvedError(f"failed to resolve {{{{{body}}}}}: expression gave nil")
            return True, value
        name = body.strip()
        if name in self.scope:
            return True, self.scope[name]
        if is_strict(name) and not self.allow_unresolved:
            raise UnresolvedError(f"failed to resolve {{{{{name}}}}}")
        return False, None

    def text(self, text: str) -> str:
        if "{{" not in text:
            return text
        out: list[str] = []
        for is_tag, piece in _split(text):
            if not is_tag:
                out.append(piece)
                continue
            resolved, value = self.tag(piece)
            out.append(render_value(value) if resolved else "{{" + piece + "}}")
        return "".join(out)

    def obj(self, obj: Any) -> Any:
        if isinstance(obj, str):
            return self.text(obj)
        if isinstance(obj, Mapping):
            return {self.text(k) if isinstance(k, str) else k: self.obj(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [self.obj(v) for v in obj]
        return obj


def substitute(text: str, scope: Mapping[str, Any], *, allow_unresolved: bool = False) -> str:
    """`text` with every `{{name}}` and `{{= expr }}` tag replaced by its rendered value."""
    return _Substituter(scope, allow_unresolved).text(text)


def substitute_obj(obj: Any, scope: Mapping[str, Any], *, allow_unresolved: bool = False) -> Any:
    """A copy of `obj` (dicts, lists, scalars) with every string substituted, keys included."""
    return _Substituter(scope, allow_unresolved).obj(obj)
