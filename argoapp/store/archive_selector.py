"""Kubernetes label selector strings, parsed for the workflow archive's SQL.

`parse_selector("app=web,tier in (a,b),!legacy")` gives `Requirement`s with the operators the
archive turns into index lookups: `=` (also `==`), `!=`, `in`, `notin`, `exists` (a bare key)
and `!exists` (`!key`). `archive.py` builds the SQL from them; the API server and the CLI pass
selector text through unchanged. A selector that cannot be read is a `SelectorError` naming the
term, which the API server answers as InvalidArgument. Nothing here touches a database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from argoapp.errors import ArgoappError

_KEY = re.compile(r"^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$")
_SET = re.compile(r"^(\S+)\s+(in|notin)\s*\((.*)\)$")

OPERATORS = ("=", "!=", "in", "notin", "exists", "!exists")


class SelectorError(ArgoappError):
    """A label selector that is not valid Kubernetes selector syntax."""


@dataclass(frozen=True)
class Requirement:
    """One term of a label selector."""

    key: str
    op: str  # one of OPERATORS
    values: tuple[str, ...] = ()

    def matches(self, labels: dict[str, str]) -> bool:
        """Whether an object with `labels` satisfies this term (as Kubernetes decides)."""
        present = self.key in labels
        if self.op == "exists":
            return present
        if self.op == "!exists":
            return not present
        inside = present and labels[self.key] in self.values
        return inside if self.op in ("=", "in") else not inside


def _split_terms(text: str) -> list[str]:
    """Split on the commas outside parentheses."""
    terms, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            terms.append(text[start:i])
            start = i + 1
    terms.append(text[start:])
    return [t.strip() for t in terms if t.strip()]


def _term(term: str) -> Requirement:
    found = _SET.match(term)
    if found:
        values = tuple(v.strip() for v in found.group(3).split(",") if v.strip())
        if not values:
            raise SelectorError(f"unable to parse requirement: {term!r} lists no values")
        req = Requirement(found.group(1), found.group(2), values)
    elif "!=" in term:
        key, _, value = term.partition("!=")
        req = Requirement(key.strip(), "!=", (value.strip(),))
    elif "==" in term:
        key, _, value = term.partition("==")
        req = Requirement(key.strip(), "=", (value.strip(),))
    elif "=" in term:
        key, _, value = term.partition("=")
        req = Requirement(key.strip(), "=", (value.strip(),))
    elif term.startswith("!"):
        req = Requirement(term[1:].strip(), "!exists")
    else:
        req = Requirement(term, "exists")
    if not _KEY.match(req.key) or len(req.key.rsplit("/", 1)[-1]) > 63:
        raise SelectorError(f"unable to parse requirement: invalid label key {req.key!r}")
    for value in req.values:
        if not _VALUE.match(value) or len(value) > 63:
            raise SelectorError(f"unable to parse requirement: invalid label value {value!r}")
    return req


def parse_selector(text: str) -> list[Requirement]:
    """The requirements of a label selector string ("" selects everything)."""
    return [_term(t) for t in _split_terms(text or "")]
