"""The tokenizer of the expr language (expr-lang/expr as Argo's `{{= }}` tags use it).

`tokenize` turns source text into a list of `Token`s for `expr_parser`. Word operators (`and`,
`in`, `matches`, `let`, …) come out as identifiers; the parser gives them their meaning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from argoapp.template.errors import ExpressionError

NUMBER, STRING, IDENT, OP, EOF = "number", "string", "ident", "op", "eof"


@dataclass(frozen=True, slots=True)
class Token:
    """One token: its kind, its value (a number, a decoded string, a name or an operator)."""

    kind: str
    value: object
    pos: int


_SPACE = re.compile(r"\s+")
_NUMBER = re.compile(
    r"0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+"
    r"|(?:\d[\d_]*(?:\.(?!\.)\d[\d_]*)?|\.\d[\d_]*)(?:[eE][-+]?\d+)?"
)
_IDENT = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*|#[A-Za-z_]*")
_OPERATORS = (
    "?.",
    "??",
    "..",
    "==",
    "!=",
    "<=",
    ">=",
    "&&",
    "||",
    "**",
    "|",
    "!",
    "<",
    ">",
    "+",
    "-",
    "*",
    "/",
    "%",
    "^",
    "?",
    ":",
    ".",
    ",",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ";",
    "=",
)
_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "v": "\v",
    "\\": "\\",
    "'": "'",
    '"': '"',
    "`": "`",
    "0": "\0",
}


def _number(text: str) -> int | float:
    clean = text.replace("_", "")
    lower = clean.lower()
    if lower.startswith(("0x", "0o", "0b")):
        return int(clean, 0)
    if any(c in lower for c in ".e"):
        return float(clean)
    return int(clean, 10)


def _string(source: str, start: int) -> tuple[str, int]:
    """The decoded string literal starting at `start` (its quote) and the index after it."""
    quote = source[start]
    i = start + 1
    out: list[str] = []
    n = len(source)
    while i < n:
        c = source[i]
        if c == quote:
            return "".join(out), i + 1
        if c == "\\" and quote != "`":
            i += 1
            if i >= n:
                break
            e = source[i]
            if e in "xuU":
                width = {"x": 2, "u": 4, "U": 8}[e]
                digits = source[i + 1 : i + 1 + width]
                if len(digits) != width or not all(d in "0123456789abcdefABCDEF" for d in digits):
                    raise ExpressionError(f"invalid escape \\{e}{digits} at position {i}")
                out.append(chr(int(digits, 16)))
                i += 1 + width
                continue
            if e not in _ESCAPES:
                raise ExpressionError(f"invalid escape \\{e} in string at position {i}")
            out.append(_ESCAPES[e])
            i += 1
            continue
        out.append(c)
        i += 1
    raise ExpressionError(f"unterminated string starting at position {start}")


def tokenize(source: str) -> list[Token]:
    """The tokens of `source`, ending with an EOF token."""
    tokens: list[Token] = []
    i = 0
    n = len(source)
    while True:
        space = _SPACE.match(source, i)
        if space:
            i = space.end()
        if i >= n:
            tokens.append(Token(EOF, None, i))
            return tokens
        c = source[i]
        if c in "'\"`":
            value, i_next = _string(source, i)
            tokens.append(Token(STRING, value, i))
            i = i_next
            continue
        if c.isdigit() or (c == "." and source[i + 1 : i + 2].isdigit()):
            match = _NUMBER.match(source, i)
            if match:
                try:
                    tokens.append(Token(NUMBER, _number(match.group(0)), i))
                except ValueError:
                    raise ExpressionError(f"invalid number {match.group(0)!r}") from None
                i = match.end()
                continue
        match = _IDENT.match(source, i)
        if match:
            tokens.append(Token(IDENT, match.group(0), i))
            i = match.end()
            continue
        for op in _OPERATORS:
            if source.startswith(op, i):
                # `a ? .5 : 1` is a ternary, not an optional chain.
                if op == "?." and source[i + 2 : i + 3].isdigit():
                    continue
                tokens.append(Token(OP, op, i))
                i += len(op)
                break
        else:
            raise ExpressionError(f"unexpected character {c!r} at position {i}")
