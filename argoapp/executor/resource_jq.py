"""`valueFrom.jqFilter` of a resource template's outputs: the common subset of jq.

Argo pipes `kubectl get … -o json` into `jq -rc '<filter>'`; `run_jq` evaluates the filter on
the fetched object and prints what `jq -rc` prints (strings raw, everything else compact JSON,
one output per line). Supported:
- paths: `.`, `..`, `.a.b`, `."a-b"`, `.["a"]`, `.[0]`, `.[-1]`, `.[]`, `.[1:3]`, `?` after any;
- literals (numbers, strings, `true`, `false`, `null`), `[…]` arrays, `{a: .b, "c": 1, d}`
  objects, `( … )`;
- operators by jq's precedence: `|`, `,`, `//`, `or`, `and`, `== != < <= > >=`, `+ -`, `* / %`,
  unary `-`, and `if … then … elif … else … end`;
- functions: length, keys, values, has(k), select(f), map(f), map_values(f), empty, not, type,
  tostring, tonumber, tojson, fromjson, add, first, last, first(f), last(f), sort, sort_by(f),
  unique, reverse, min, max, any, all, join(s), split(s), ascii_downcase, ascii_upcase,
  startswith(s), endswith(s), ltrimstr(s), rtrimstr(s), contains(x), test(re), to_entries,
  from_entries, with_entries(f).
Not supported: variables (`as $x`), `reduce`/`foreach`, paths functions, string interpolation,
formats (`@csv`…), assignment operators. The parser is pure Python; no jq program is run.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from argoapp.executor.resource_jq_functions import (
    FUNCTIONS,
    JqError,
    index,
    iterate,
    truthy,
    type_name,
)
from argoapp.executor.resource_jq_functions import binary as _binary

Filter = Callable[[Any], list[Any]]
_TOKEN = re.compile(
    r"""\s*(?:
      (?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
    | (?P<string>"(?:[^"\\]|\\.)*")
    | (?P<field>\.[A-Za-z_][A-Za-z0-9_]*)
    | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<op>\.\.|//|==|!=|<=|>=|[.|,()\[\]{}:;?<>+\-*/%])
    )""",
    re.VERBOSE,
)
_COMPARE = ("==", "!=", "<", "<=", ">", ">=")

__all__ = ["JqError", "run_jq"]


def run_jq(program: str, document: Any) -> str:
    """What `jq -rc PROGRAM` prints for `document`, without the final newline."""
    filt = compile_jq(program)
    return "\n".join(_raw(v) for v in filt(document))


def compile_jq(program: str) -> Filter:
    """The filter a jq program means; `JqError` when it is outside the supported subset."""
    parser = _Parser(_tokens(program), program)
    filt = parser.pipe()
    if parser.peek() is not None:
        raise JqError(f"jq: syntax error, unexpected {parser.peek()!r} in {program!r}")
    return filt


def _raw(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(_plain(value), separators=(",", ":"), ensure_ascii=False)


def _plain(value: Any) -> Any:
    """jq prints integral numbers without a fraction."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _tokens(program: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(program):
        if program[pos:].strip() == "":
            break
        match = _TOKEN.match(program, pos)
        if match is None:
            raise JqError(f"jq: cannot read {program[pos:].strip()!r}")
        kind = match.lastgroup or "op"
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    return tokens


class _Parser:
    """Recursive descent over the tokens; each method returns a `Filter`."""

    def __init__(self, tokens: list[tuple[str, str]], program: str) -> None:
        self.tokens = tokens
        self.pos = 0
        self.program = program

    def peek(self) -> str | None:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.pos >= len(self.tokens):
            raise JqError(f"jq: unexpected end of {self.program!r}")
        token = self.tokens[self.pos]
        if expected is not None and token[1] != expected:
            raise JqError(f"jq: expected {expected!r}, found {token[1]!r} in {self.program!r}")
        self.pos += 1
        return token

    def pipe(self) -> Filter:
        left = self.comma()
        while self.peek() == "|":
            self.take()
            left = _compose(left, self.comma())
        return left

    def comma(self) -> Filter:
        left = self.alternative()
        while self.peek() == ",":
            self.take()
            right = self.alternative()
            left = (lambda a, b: lambda x: [*a(x), *b(x)])(left, right)
        return left

    def alternative(self) -> Filter:
        left = self.boolean("or")
        if self.peek() == "//":
            self.take()
            right = self.alternative()
            return _alternative(left, right)
        return left

    def boolean(self, word: str) -> Filter:
        left = self.boolean("and") if word == "or" else self.comparison()
        while self.peek() == word:
            self.take()
            right = self.boolean("and") if word == "or" else self.comparison()
            left = _logic(word, left, right)
        return left

    def comparison(self) -> Filter:
        left = self.additive()
        if self.peek() in _COMPARE:
            op = self.take()[1]
            left = _operator(op, left, self.additive())
        return left

    def additive(self) -> Filter:
        left = self.multiplicative()
        while self.peek() in ("+", "-"):
            op = self.take()[1]
            left = _operator(op, left, self.multiplicative())
        return left

    def multiplicative(self) -> Filter:
        left = self.postfix()
        while self.peek() in ("*", "/", "%"):
            op = self.take()[1]
            left = _operator(op, left, self.postfix())
        return left

    def postfix(self) -> Filter:
        filt = self.term()
        while True:
            token = self.peek()
            if token is None:
                return filt
            kind = self.tokens[self.pos][0]
            if kind == "field":
                name = self.take()[1][1:]
                filt = _compose(filt, _field(name))
            elif token == "." and self._next_is("["):
                self.take()  # `.a.[0]`: the bracket follows on the next turn
            elif token == "." and self._next_is('"'):
                self.take()
                filt = _compose(filt, _field(self._string()))
            elif token == "[":
                filt = self.bracket(filt)
            elif token == "?":
                self.take()
                filt = _try(filt)
            else:
                return filt

    def _next_is(self, *values: str) -> bool:
        if self.pos + 1 >= len(self.tokens):
            return False
        kind, text = self.tokens[self.pos + 1]
        return text in values or (kind == "string" and '"' in values)

    def _string(self) -> str:
        kind, text = self.take()
        if kind != "string":
            raise JqError(f"jq: unexpected {text!r} after '.' in {self.program!r}")
        return str(json.loads(text))

    def bracket(self, base: Filter) -> Filter:
        """`base[…]`: the index and slice bounds are evaluated on the input of `base`, as in jq."""
        self.take("[")
        if self.peek() == "]":
            self.take()
            return _compose(base, iterate)
        low = None if self.peek() == ":" else self.pipe()
        if self.peek() == ":":
            self.take()
            high = None if self.peek() == "]" else self.pipe()
            self.take("]")
            return _slice(base, low, high)
        self.take("]")
        assert low is not None
        key = low
        return lambda x: [index(v, k) for k in key(x) for v in base(x)]

    def term(self) -> Filter:
        kind, text = self.take()
        if kind == "field":
            return _field(text[1:])
        if kind == "number":
            number = float(text) if any(c in text for c in ".eE") else int(text)
            return lambda _x: [number]
        if kind == "string":
            literal = json.loads(text)
            return lambda _x: [literal]
        if text == ".":
            if self.peek() is not None and self.tokens[self.pos][0] == "string":
                return _field(self._string())
            return lambda x: [x]
        if text == "..":
            return lambda x: list(_recurse(x))
        if text == "(":
            inner = self.pipe()
            self.take(")")
            return inner
        if text == "[":
            return self._array()
        if text == "{":
            return self._object()
        if text == "-":
            operand = self.postfix()
            return lambda x: [_binary("-", 0, v) for v in operand(x)]
        if kind == "ident":
            return self._word(text)
        raise JqError(f"jq: syntax error, unexpected {text!r} in {self.program!r}")

    def _array(self) -> Filter:
        if self.peek() == "]":
            self.take()
            return lambda _x: [[]]
        inner = self.pipe()
        self.take("]")
        return lambda x: [inner(x)]

    def _object(self) -> Filter:
        entries: list[tuple[Filter, Filter]] = []
        while self.peek() != "}":
            kind, text = self.take()
            if kind in ("ident", "field") or kind == "string":
                name = json.loads(text) if kind == "string" else text.lstrip(".")
                key: Filter = (lambda n: lambda _x: [n])(name)
                value: Filter = _field(name)
            elif text == "(":
                key = self.pipe()
                self.take(")")
                self.take(":")
                value = self.alternative()
                entries.append((key, value))
                self._object_separator()
                continue
            else:
                raise JqError(f"jq: unexpected {text!r} in an object in {self.program!r}")
            if self.peek() == ":":
                self.take()
                value = self.alternative()
            entries.append((key, value))
            self._object_separator()
        self.take("}")
        return lambda x: _build_objects(entries, x)

    def _object_separator(self) -> None:
        if self.peek() == ",":
            self.take()
        elif self.peek() != "}":
            raise JqError(f"jq: expected ',' or '}}' in {self.program!r}")

    def _word(self, word: str) -> Filter:
        if word in ("true", "false", "null"):
            literal = {"true": True, "false": False, "null": None}[word]
            return lambda _x: [literal]
        if word == "if":
            return self._if()
        args: list[Filter] = []
        if self.peek() == "(":
            self.take()
            args.append(self.pipe())
            while self.peek() == ";":
                self.take()
                args.append(self.pipe())
            self.take(")")
        make = FUNCTIONS.get((word, len(args)))
        if make is None:
            raise JqError(f"jq: error: {word}/{len(args)} is not defined")
        return make(*args)

    def _if(self) -> Filter:
        cond = self.pipe()
        self.take("then")
        then = self.pipe()
        if self.peek() == "elif":
            self.take()
            other = self._if()
            return _branch(cond, then, other)
        otherwise: Filter = lambda x: [x]  # noqa: E731 - jq's `if` without `else` yields `.`
        if self.peek() == "else":
            self.take()
            otherwise = self.pipe()
        self.take("end")
        return _branch(cond, then, otherwise)


def _compose(first: Filter, then: Filter) -> Filter:
    return lambda x: [out for mid in first(x) for out in then(mid)]


def _field(name: str) -> Filter:
    return lambda x: [index(x, name)]


def _try(filt: Filter) -> Filter:
    def run(x: Any) -> list[Any]:
        try:
            return filt(x)
        except JqError:
            return []

    return run


def _slice(base: Filter, low: Filter | None, high: Filter | None) -> Filter:
    def run(x: Any) -> list[Any]:
        out: list[Any] = []
        for value in base(x):
            if value is None:
                out.append(None)
                continue
            if not isinstance(value, list | str):
                raise JqError(f"jq: error: Cannot index {type_name(value)} with object")
            for a in low(x) if low else [None]:
                out.extend(value[_int(a) : _int(b)] for b in (high(x) if high else [None]))
        return out

    return run


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _alternative(left: Filter, right: Filter) -> Filter:
    def run(x: Any) -> list[Any]:
        try:
            found = [v for v in left(x) if truthy(v)]
        except JqError:
            found = []
        return found or right(x)

    return run


def _logic(word: str, left: Filter, right: Filter) -> Filter:
    def run(x: Any) -> list[Any]:
        out: list[Any] = []
        for a in left(x):
            if word == "and" and not truthy(a):
                out.append(False)
            elif word == "or" and truthy(a):
                out.append(True)
            else:
                out.extend(truthy(b) for b in right(x))
        return out

    return run


def _operator(op: str, left: Filter, right: Filter) -> Filter:
    return lambda x: [_binary(op, a, b) for b in right(x) for a in left(x)]


def _branch(cond: Filter, then: Filter, otherwise: Filter) -> Filter:
    return lambda x: [out for c in cond(x) for out in (then if truthy(c) else otherwise)(x)]


def _build_objects(entries: list[tuple[Filter, Filter]], x: Any) -> list[Any]:
    objects: list[dict[str, Any]] = [{}]
    for key_filter, value_filter in entries:
        grown: list[dict[str, Any]] = []
        for obj in objects:
            for key in key_filter(x):
                if not isinstance(key, str):
                    raise JqError("jq: error: Object keys must be strings")
                for value in value_filter(x):
                    grown.append({**obj, key: value})
        objects = grown
    return list(objects)


def _recurse(x: Any) -> Any:
    yield x
    if isinstance(x, dict):
        for v in x.values():
            yield from _recurse(v)
    elif isinstance(x, list):
        for v in x:
            yield from _recurse(v)
