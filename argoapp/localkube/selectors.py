"""Label and field selectors, parsed once and matched against stored objects.

Label selectors take every operator Kubernetes has: `k=v`, `k==v`, `k!=v`, `k in (a,b)`,
`k notin (a,b)`, `k`, `!k`, and `k>n` / `k<n`. Field selectors take `=`, `==` and `!=` on
`metadata.name`, `metadata.namespace` and the few other fields each type supports (pods:
`status.phase`, `spec.nodeName`, …). A selector that cannot be parsed raises `BadRequest`
naming what is wrong, as the real API server does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from argoapp.localkube.errors import BadRequest

_KEY = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")

# Fields each type may be selected on, beyond metadata.name and metadata.namespace.
_FIELDS: dict[str, tuple[str, ...]] = {
    "pods": (
        "status.phase",
        "spec.nodeName",
        "spec.restartPolicy",
        "spec.serviceAccountName",
        "status.podIP",
    ),
    "events": (
        "involvedObject.kind",
        "involvedObject.namespace",
        "involvedObject.name",
        "involvedObject.uid",
        "involvedObject.apiVersion",
        "involvedObject.fieldPath",
        "reason",
        "type",
        "source",
    ),
    "secrets": ("type",),
    "namespaces": ("status.phase",),
}


@dataclass(frozen=True)
class Requirement:
    key: str
    op: str  # "=", "!=", "in", "notin", "exists", "!", ">", "<"
    values: tuple[str, ...] = ()

    def matches(self, labels: dict[str, str]) -> bool:
        present = self.key in labels
        value = labels.get(self.key)
        if self.op in ("=", "in"):
            return present and value in self.values
        if self.op in ("!=", "notin"):
            return not present or value not in self.values
        if self.op == "exists":
            return present
        if self.op == "!":
            return not present
        try:
            number, bound = int(value or ""), int(self.values[0])
        except ValueError:
            return False
        return number > bound if self.op == ">" else number < bound


def _split_top(text: str) -> list[str]:
    """Split on commas that are not inside `( … )`."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


_SET_RE = re.compile(r"^(\S+)\s+(in|notin)\s*\((.*)\)$")
_CMP_RE = re.compile(r"^([^=!<>\s]+)\s*(==|=|!=|>|<)\s*(.*)$")


def _requirement(term: str) -> Requirement:
    if m := _SET_RE.match(term):
        key, op, raw = m.groups()
        values = tuple(v.strip() for v in raw.split(",") if v.strip())
        req = Requirement(key, op, values)
    elif term.startswith("!"):
        req = Requirement(term[1:].strip(), "!")
    elif m := _CMP_RE.match(term):
        key, op, value = m.groups()
        req = Requirement(key, "=" if op == "==" else op, (value.strip(),))
    else:
        req = Requirement(term, "exists")
    if not _KEY.match(req.key) or len(req.key.rsplit("/", 1)[-1]) > 63:
        raise BadRequest(f"unable to parse requirement: invalid label key {req.key!r} in {term!r}")
    for value in req.values:
        if req.op in (">", "<"):
            if not value.lstrip("-").isdigit():
                raise BadRequest(f"unable to parse requirement: {value!r} is not an integer")
        elif not _VALUE.match(value) or len(value) > 63:
            raise BadRequest(f"unable to parse requirement: invalid label value {value!r}")
    return req


def parse_labels(selector: str) -> Callable[[dict[str, str]], bool]:
    """A predicate on a labels dict for a label selector string ("" matches everything)."""
    reqs = [_requirement(term) for term in _split_top(selector or "")]
    return lambda labels: all(r.matches(labels) for r in reqs)


def _field_value(obj: dict[str, Any], path: str) -> str:
    node: Any = obj
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    if node is None:
        return ""
    return str(node).lower() if isinstance(node, bool) else str(node)


def parse_fields(selector: str, plural: str) -> Callable[[dict[str, Any]], bool]:
    """A predicate on a whole object for a field selector string ("" matches everything)."""
    allowed = ("metadata.name", "metadata.namespace", *_FIELDS.get(plural, ()))
    terms: list[tuple[str, bool, str]] = []
    for term in _split_top(selector or ""):
        m = re.match(r"^([^=!]+)(==|=|!=)(.*)$", term)
        if not m:
            raise BadRequest(f"invalid field selector: {term!r}")
        field, op, value = m.group(1).strip(), m.group(2), m.group(3).strip()
        if field not in allowed:
            raise BadRequest(f'field label not supported: "{field}"')
        terms.append((field, op != "!=", value))
    return lambda obj: all((_field_value(obj, f) == v) == eq for f, eq, v in terms)


def object_labels(obj: dict[str, Any]) -> dict[str, str]:
    labels = (obj.get("metadata") or {}).get("labels") or {}
    return labels if isinstance(labels, dict) else {}


def projection(obj: dict[str, Any], plural: str) -> dict[str, Any]:
    """The parts of `obj` any selector can look at: kept with history so replays match."""
    out: dict[str, Any] = {"metadata": {"labels": object_labels(obj)}}
    for path in ("metadata.name", "metadata.namespace", *_FIELDS.get(plural, ())):
        node: Any = obj
        for part in path.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            continue
        target = out
        *parents, last = path.split(".")
        for part in parents:
            target = target.setdefault(part, {})
        target[last] = node
    return out
