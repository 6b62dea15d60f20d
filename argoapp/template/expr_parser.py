"""A Pratt parser for the expr language that compiles straight to Python closures.

`compile_expr(source)` returns a function `(env, scope) -> value`; `expr.evaluate` caches it per
source text, so a tag evaluated thousands of times is parsed once. `env` is the variables map,
`scope` holds closure variables (`#`, `#index`, `#acc`) and `let` bindings.

Precedence follows expr-lang: `|` (pipe) < `?:` < `or ||` < `and &&` < comparisons, `in`,
`matches`, `contains`, `startsWith`, `endsWith` < `..` < `+ -` < `* / %` < `not !` < unary `- +`
< `** ^` (right-associative) < `??`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from argoapp.template import expr_ops as ops
from argoapp.template.errors import ExpressionError
from argoapp.template.expr_builtins import BUILTINS, GLOBALS, PREDICATES, call_predicate
from argoapp.template.expr_lexer import EOF, IDENT, NUMBER, OP, STRING, Token, tokenize

Env = Mapping[str, Any]
Scope = dict[str, Any]
Fn = Callable[[Env, Scope], Any]

_BINARY: dict[str, int] = {
    "|": 1,
    "or": 10,
    "||": 10,
    "and": 15,
    "&&": 15,
    "==": 20,
    "!=": 20,
    "<": 20,
    ">": 20,
    "<=": 20,
    ">=": 20,
    "in": 20,
    "matches": 20,
    "contains": 20,
    "startsWith": 20,
    "endsWith": 20,
    "..": 25,
    "+": 30,
    "-": 30,
    "*": 60,
    "/": 60,
    "%": 60,
    "**": 100,
    "^": 100,
    "??": 500,
}
_UNARY = {"not": 50, "!": 50, "-": 90, "+": 90}
_NEGATABLE = {"in", "matches", "contains", "startsWith", "endsWith"}
_LITERALS = {"true": True, "false": False, "nil": None}


class _NilChain(Exception):
    """Raised by `?.` on nil and caught where its member chain ends, which then yields nil."""


class Node:
    """A compiled sub-expression and a short description of it for error messages."""

    __slots__ = ("desc", "fn")

    def __init__(self, fn: Fn, desc: str = "expression") -> None:
        self.fn = fn
        self.desc = desc


def _const(value: Any, desc: str) -> Node:
    return Node(lambda env, scope: value, desc)


def _binary(op: str, left: Fn, right: Fn) -> Fn:
    """The closure for a binary operator (short-circuiting `and`, `or`, `??`)."""
    if op in ("and", "&&"):
        return lambda e, s: ops.to_bool(op, left(e, s)) and ops.to_bool(op, right(e, s))
    if op in ("or", "||"):
        return lambda e, s: ops.to_bool(op, left(e, s)) or ops.to_bool(op, right(e, s))
    if op == "??":

        def coalesce(e: Env, s: Scope) -> Any:
            try:
                value = left(e, s)
            except ops.NilAccessError:
                value = None
            return right(e, s) if value is None else value

        return coalesce
    if op == "==":
        return lambda e, s: ops.equal(left(e, s), right(e, s))
    if op == "!=":
        return lambda e, s: not ops.equal(left(e, s), right(e, s))
    if op in ("<", ">", "<=", ">="):
        return lambda e, s: ops.compare(op, left(e, s), right(e, s))
    if op == "in":
        return lambda e, s: ops.contains(right(e, s), left(e, s))
    if op in ("matches", "contains", "startsWith", "endsWith"):
        return lambda e, s: ops.string_op(op, left(e, s), right(e, s))
    if op == "..":
        return lambda e, s: ops.int_range(left(e, s), right(e, s))
    if op == "+":
        return lambda e, s: ops.add(left(e, s), right(e, s))
    name = "**" if op == "^" else op
    return lambda e, s: ops.arith(name, left(e, s), right(e, s))


def _negated(fn: Fn) -> Fn:
    return lambda e, s: not fn(e, s)


def _lookup(name: str) -> Fn:
    if name == "$env":
        return lambda env, scope: env

    def lookup(env: Env, scope: Scope) -> Any:
        if name in scope:
            return scope[name]
        if name in env:
            return env[name]
        return GLOBALS.get(name)

    return lookup


class Parser:
    """One parse of one source text."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = tokenize(source)
        self.pos = 0
        self.names: set[str] = set()  # every env name the expression may read

    # ---- token helpers --------------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.tokens[self.pos]

    def at(self, kind: str, value: object = None) -> bool:
        tok = self.tokens[self.pos]
        return tok.kind == kind and (value is None or tok.value == value)

    def next(self) -> Token:
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def expect(self, value: str) -> None:
        if not self.at(OP, value):
            raise self.error(f"expected {value!r}")
        self.pos += 1

    def error(self, what: str) -> ExpressionError:
        tok = self.tok
        found = "end of expression" if tok.kind == EOF else repr(tok.value)
        return ExpressionError(f"{what} but found {found} at position {tok.pos}")

    def _binary_op(self) -> str | None:
        tok = self.tok
        if tok.kind == OP and tok.value in _BINARY:
            return str(tok.value)
        if tok.kind == IDENT and tok.value in _BINARY:
            return str(tok.value)
        if tok.kind == IDENT and tok.value == "not":
            after = self.tokens[self.pos + 1]
            if after.kind == IDENT and after.value in _NEGATABLE:
                return "not " + str(after.value)
        return None

    # ---- expressions ----------------------------------------------------------------------
    def parse(self) -> Node:
        node = self.expression(0)
        if not self.at(EOF):
            raise self.error("unexpected token")
        return node

    def expression(self, min_prec: int) -> Node:
        if min_prec == 0 and self.at(IDENT, "let"):
            return self.let()
        node = self.unary()
        while True:
            op = self._binary_op()
            if op is None:
                break
            prec = _BINARY[op.removeprefix("not ")]
            if prec <= min_prec and not (op in ("**", "^") and prec == min_prec):
                break
            self.pos += 2 if op.startswith("not ") else 1
            if op == "|":
                node = self.pipe(node)
                continue
            right = self.expression(prec)
            fn = _binary(op.removeprefix("not "), node.fn, right.fn)
            if op.startswith("not "):
                fn = _negated(fn)
            node = Node(fn)
        if min_prec == 0 and self.at(OP, "?"):
            node = self.ternary(node)
        return node

    def ternary(self, cond: Node) -> Node:
        self.next()
        yes = self.expression(0)
        self.expect(":")
        no = self.expression(0)
        c, y, n = cond.fn, yes.fn, no.fn
        return Node(lambda e, s: y(e, s) if ops.to_bool("?:", c(e, s)) else n(e, s))

    def let(self) -> Node:
        self.next()
        if not self.at(IDENT):
            raise self.error("expected a variable name after let")
        name = str(self.next().value)
        self.expect("=")
        value = self.expression(0).fn
        self.expect(";")
        body = self.expression(0).fn

        def let_fn(e: Env, s: Scope) -> Any:
            return body(e, {**s, name: value(e, s)})

        return Node(let_fn)

    def unary(self) -> Node:
        tok = self.tok
        if (
            tok.value in _UNARY
            and tok.kind in (OP, IDENT)
            and (tok.kind == OP or tok.value == "not")
        ):
            self.next()
            operand = self.expression(_UNARY[str(tok.value)]).fn
            if tok.value in ("not", "!"):
                return Node(lambda e, s: not ops.to_bool("not", operand(e, s)))
            if tok.value == "-":
                return Node(lambda e, s: ops.negate(operand(e, s)))
            return Node(lambda e, s: ops.negate(ops.negate(operand(e, s))))
        return self.postfix(self.primary())

    def pipe(self, left: Node) -> Node:
        if not self.at(IDENT):
            raise self.error("expected a function call after |")
        name = str(self.next().value)
        if self.at(OP, "("):
            return self.call(name, left)
        return self.call_node(name, [left], [])

    # ---- primaries ------------------------------------------------------------------------
    def primary(self) -> Node:
        tok = self.next()
        if tok.kind in (NUMBER, STRING):
            return _const(tok.value, repr(tok.value))
        if tok.kind == IDENT:
            name = str(tok.value)
            if name in _LITERALS:
                return _const(_LITERALS[name], name)
            if self.at(OP, "("):
                return self.call(name, None)
            self.names.add(name)
            return Node(_lookup(name), name)
        if tok.kind == OP:
            if tok.value == "(":
                node = self.expression(0)
                self.expect(")")
                return node
            if tok.value == "[":
                return self.array()
            if tok.value == "{":
                return self.map_literal()
            if tok.value == "." and self.at(IDENT):
                # `.field` inside a closure is `#.field`.
                self.pos -= 1
                return Node(_lookup("#"), "#")
        self.pos -= 1
        raise self.error("unexpected token")

    def array(self) -> Node:
        items: list[Fn] = []
        while not self.at(OP, "]"):
            items.append(self.expression(0).fn)
            if not self.at(OP, ","):
                break
            self.next()
        self.expect("]")
        return Node(lambda e, s: [item(e, s) for item in items], "array")

    def map_literal(self) -> Node:
        entries: list[tuple[Any, Fn]] = []
        while not self.at(OP, "}"):
            tok = self.next()
            if tok.kind in (IDENT, STRING, NUMBER):
                key: Any = tok.value
            else:
                self.pos -= 1
                raise self.error("expected a map key")
            self.expect(":")
            entries.append((key, self.expression(0).fn))
            if not self.at(OP, ","):
                break
            self.next()
        self.expect("}")
        return Node(lambda e, s: {k: v(e, s) for k, v in entries}, "map")

    def postfix(self, node: Node) -> Node:
        """Member, index, slice and call suffixes; a nil before `?.` ends the chain as nil."""
        start = self.pos
        node = self._suffixes(node)
        if any(t.kind == OP and t.value == "?." for t in self.tokens[start : self.pos]):
            chain = node.fn

            def guarded(e: Env, s: Scope) -> Any:
                try:
                    return chain(e, s)
                except _NilChain:
                    return None

            return Node(guarded, node.desc)
        return node

    def _suffixes(self, node: Node) -> Node:
        while True:
            if self.at(OP, ".") or self.at(OP, "?."):
                optional = self.next().value == "?."
                if optional and self.at(OP, "["):
                    self.next()
                    node = self.index(node, optional=True)
                    continue
                if not self.at(IDENT):
                    raise self.error("expected a field name")
                name = str(self.next().value)
                node = self.member(node, _const(name, name).fn, f"{node.desc}.{name}", optional)
            elif self.at(OP, "["):
                self.next()
                node = self.index(node, optional=False)
            elif self.at(OP, "(") and node.desc != "expression":
                node = self.method_call(node)
            else:
                return node

    def member(self, obj: Node, key: Fn, desc: str, optional: bool) -> Node:
        of, od = obj.fn, obj.desc
        if not optional:
            return Node(lambda e, s: ops.member(of(e, s), key(e, s), od, False), desc)

        def optional_member(e: Env, s: Scope) -> Any:
            value = of(e, s)
            if value is None:
                raise _NilChain
            return ops.member(value, key(e, s), od, False)

        return Node(optional_member, desc)

    def index(self, obj: Node, optional: bool) -> Node:
        low: Fn | None = None
        if not self.at(OP, ":"):
            key = self.expression(0)
            if self.at(OP, "]"):
                self.next()
                return self.member(obj, key.fn, f"{obj.desc}[{key.desc}]", optional)
            low = key.fn
        self.expect(":")
        high = None if self.at(OP, "]") else self.expression(0).fn
        self.expect("]")
        of, od = obj.fn, obj.desc

        def slice_fn(e: Env, s: Scope) -> Any:
            lo = low(e, s) if low else None
            hi = high(e, s) if high else None
            return ops.slice_of(of(e, s), lo, hi, od)

        return Node(slice_fn, od + "[:]")

    # ---- calls ----------------------------------------------------------------------------
    def arguments(self, name: str, first_closure_at: int) -> list[Node]:
        """Call arguments up to `)`; the one at `first_closure_at` is a closure for predicates."""
        self.expect("(")
        args: list[Node] = []
        while not self.at(OP, ")"):
            if len(args) == first_closure_at and name in PREDICATES:
                args.append(self.closure())
            else:
                args.append(self.expression(0))
            if not self.at(OP, ","):
                break
            self.next()
        self.expect(")")
        return args

    def closure(self) -> Node:
        if self.at(OP, "{"):
            self.next()
            body = self.expression(0)
            self.expect("}")
        else:
            body = self.expression(0)
        return Node(body.fn, "closure")

    def call(self, name: str, piped: Node | None) -> Node:
        args = self.arguments(name, 0 if piped is not None else 1)
        return self.call_node(name, [piped] if piped is not None else [], args)

    def call_node(self, name: str, piped: list[Node], args: list[Node]) -> Node:
        self.names.add(name)
        all_args = [a.fn for a in piped + args]
        if name in PREDICATES:
            body = all_args[1] if len(all_args) > 1 else None
            rest = [all_args[0], *all_args[2:]]
            return Node(lambda e, s: call_predicate(name, e, s, body, [f(e, s) for f in rest]))
        if name == "now":
            return Node(lambda e, s: _now(e))

        def call_fn(e: Env, s: Scope) -> Any:
            values = [f(e, s) for f in all_args]
            target = s.get(name, e.get(name))
            if callable(target):
                return target(*values)
            builtin = BUILTINS.get(name)
            if builtin is None:
                raise ExpressionError(f"unknown function {name}()")
            return builtin(*values)

        return Node(call_fn, name + "()")

    def method_call(self, node: Node) -> Node:
        args = [a.fn for a in self.arguments("", -1)]
        target_fn, desc = node.fn, node.desc

        def call_fn(e: Env, s: Scope) -> Any:
            try:
                target = target_fn(e, s)
            except ops.NilAccessError:
                target = None
            if not callable(target):
                raise ExpressionError(f"unknown function {desc}()")
            return target(*[f(e, s) for f in args])

        return Node(call_fn, desc + "()")


def _now(env: Env) -> Any:
    if "now" not in env:
        raise ExpressionError("now() has no clock here: the caller must supply `now` in the env")
    value = env["now"]
    return value() if callable(value) else value


def compile_expr(source: str) -> tuple[Fn, frozenset[str] | None]:
    """The closure for `source` and the top-level env names it reads (None: possibly all).

    Raises ExpressionError on bad syntax.
    """
    parser = Parser(source)
    fn = parser.parse().fn
    return fn, None if "$env" in parser.names else frozenset(parser.names)
