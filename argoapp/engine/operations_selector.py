"""Node field selectors, as `argo resume|stop|retry|node set --node-field-selector` take them.

The syntax is Kubernetes' field selector: terms joined by `,` (all must hold), each `key=value`,
`key==value` or `key!=value`, with `\\` escaping `,`, `=`, `!` and `\\` in values. The keys a node
offers are Argo's (`SelectorMatchesNode`): `displayName`, `templateName`, `phase`, `name`, `id`,
`templateRef.name`, `templateRef.template` and `inputs.parameters.NAME.value`; a key the node
lacks reads as "". `OperationError`, which `operations` re-exports, lives here so that
`operations_retry` can raise it too. Pure and stdlib-only.
"""

from __future__ import annotations

from dataclasses import dataclass

from argoapp.errors import ArgoappError
from argoapp.model.types import Obj


class OperationError(ArgoappError):
    """An operation that does not apply to the workflow as it is, or a selector that does not
    parse; `code` is the gRPC code name the API server answers with ("InvalidArgument" or
    "FailedPrecondition"). The message is Argo's (or Kubernetes' for selectors)."""

    def __init__(self, message: str, code: str = "InvalidArgument") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Term:
    key: str
    equal: bool
    value: str


@dataclass(frozen=True)
class NodeSelector:
    terms: tuple[Term, ...]

    def matches(self, node: Obj) -> bool:
        """True when every term holds for the node's fields."""
        fields = node_fields(node)
        return all((fields.get(t.key, "") == t.value) == t.equal for t in self.terms)


def node_fields(node: Obj) -> dict[str, str]:
    """The fields a selector can test on one node."""
    ref = node.get("templateRef") or {}
    fields = {
        "displayName": str(node.get("displayName") or ""),
        "templateName": str(ref.get("template") or "")
        if ref
        else str(node.get("templateName") or ""),
        "phase": str(node.get("phase") or ""),
        "name": str(node.get("name") or ""),
        "id": str(node.get("id") or ""),
    }
    if ref:
        fields["templateRef.name"] = str(ref.get("name") or "")
        fields["templateRef.template"] = str(ref.get("template") or "")
    for param in (node.get("inputs") or {}).get("parameters") or []:
        value = param.get("value")
        fields[f"inputs.parameters.{param.get('name', '')}.value"] = (
            "" if value is None else str(value)
        )
    return fields


def parse_node_selector(text: str) -> NodeSelector:
    """Parse a field selector; `OperationError` names the term it cannot understand."""
    terms: list[Term] = []
    for raw in _split_unescaped(text, ","):
        if not raw:
            continue
        terms.append(_parse_term(text, raw))
    return NodeSelector(tuple(terms))


def _parse_term(whole: str, raw: str) -> Term:
    i = 0
    while i < len(raw):
        if raw[i] == "\\":
            i += 2
            continue
        for op in ("!=", "==", "="):
            if raw.startswith(op, i):
                key, value = raw[:i], raw[i + len(op) :]
                return Term(key, op != "!=", _unescape(whole, value))
        i += 1
    raise OperationError(f"invalid selector: '{whole}'; can't understand '{raw}'")


def _split_unescaped(text: str, sep: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            current.append(text[i : i + 2])
            i += 2
            continue
        if ch == sep:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    parts.append("".join(current))
    return parts


def _unescape(whole: str, value: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(value):
        ch = value[i]
        if ch == "\\":
            if i + 1 >= len(value) or value[i + 1] not in "\\,=!":
                raise OperationError(f"invalid field selector: '{whole}': invalid escape sequence")
            out.append(value[i + 1])
            i += 2
            continue
        if ch in ",=!":
            raise OperationError(
                f"invalid field selector: '{whole}': unescaped {ch!r} in value {value!r}"
            )
        out.append(ch)
        i += 1
    return "".join(out)
