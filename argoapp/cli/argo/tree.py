"""The node tree `argo get` prints under a workflow: STEP TEMPLATE PODNAME DURATION MESSAGE.

Argo's nodes form a graph (a DAG task lists its dependents as children, a step lists the next
step group); the tree shown is the containment one instead: a Steps node shows its step groups
(a group of one as `├───`, a wider group as `├─┬─` then `│ ├─`), a DAG node every node inside
its boundary, a Retry or TaskGroup node its own children. Nodes outside the main tree (an exit
handler) follow as their own roots. `NodeFilter` keeps the rows of `get --status` and
`--node-field-selector` (the tree is still walked through the nodes it hides); `ascii` draws
with 7-bit characters (`--no-utf8`). Called by `show.workflow_text`; pure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from argoapp.cli.argo.render import colour, short_duration, span, table
from argoapp.errors import ArgoappError
from argoapp.model.ids import pod_name

Node = dict[str, Any]

_ICONS = {
    "Pending": ("◷", "yellow"),
    "Running": ("●", "cyan"),
    "Succeeded": ("✔", "green"),
    "Skipped": ("○", "white"),
    "Omitted": ("○", "white"),
    "Error": ("⚠", "red"),
    "Failed": ("✖", "red"),
}
_BOUNDARIES = ("Steps", "DAG")
_CONTAINERS = ("Retry", "TaskGroup")
HEADER = ("STEP", "TEMPLATE", "PODNAME", "DURATION", "MESSAGE")
_ASCII = str.maketrans(
    {"├": "|", "└": "`", "│": "|", "┬": "+", "─": "-", "◷": "o", "●": "*", "✔": "+"}
    | {"○": "-", "⚠": "!", "✖": "x", "ǁ": "="}
)


@dataclass(frozen=True)
class NodeFilter:
    """Which nodes `get` shows: phases (`--status`) and `key=value`/`key!=value` terms
    (`--node-field-selector`: displayName, name, id, phase, type, templateName,
    templateRef.name, templateRef.template, inputs.parameters.NAME.value)."""

    phases: frozenset[str] = frozenset()
    terms: tuple[tuple[str, str, bool], ...] = field(default=())

    @classmethod
    def parse(cls, status: str = "", selector: str = "") -> NodeFilter:
        """The filter of the flags; a term without `=` is an error."""
        phases = frozenset(p.strip() for p in status.split(",") if p.strip())
        terms = []
        for term in (t.strip() for t in selector.split(",")):
            if not term:
                continue
            key, sep, value = term.partition("!=")
            if not sep:
                key, sep, value = term.partition("==")
            if not sep:
                key, sep, value = term.partition("=")
            if not sep:
                raise ArgoappError(f"node field selector {term!r} is not KEY=VALUE")
            terms.append((key.strip(), value.strip(), sep == "!="))
        return cls(phases, tuple(terms))

    def shows(self, node: Node) -> bool:
        """Whether the node's row is printed."""
        if self.phases and str(node.get("phase") or "") not in self.phases:
            return False
        return all((_field(node, key) == value) != negated for key, value, negated in self.terms)


def _field(node: Node, key: str) -> str:
    if key.startswith("inputs.parameters.") and key.endswith(".value"):
        name = key.removeprefix("inputs.parameters.").removesuffix(".value")
        params = (node.get("inputs") or {}).get("parameters") or []
        return next((str(p.get("value", "")) for p in params if p.get("name") == name), "")
    value: Any = node
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return "" if value is None else str(value)


def icon(node: Node, colours: bool) -> str:
    """The status symbol of a node (a suspended node waiting shows ǁ)."""
    phase = str(node.get("phase") or "Pending")
    if node.get("type") == "Suspend" and phase == "Running":
        return colour("ǁ", "cyan", colours)
    symbol, fg = _ICONS.get(phase, ("◷", "yellow"))
    return colour(symbol, fg, colours)


@dataclass
class _Tree:
    wf_name: str
    nodes: dict[str, Node]
    at: datetime
    colours: bool
    rows: list[list[str]]
    only: NodeFilter | None = None

    def children(self, node: Node) -> list[Node]:
        kind = node.get("type")
        if kind in _BOUNDARIES:
            inside = [n for n in self.nodes.values() if n.get("boundaryID") == node.get("id")]
            if kind == "Steps":
                return _by_start([n for n in inside if n.get("type") == "StepGroup"])
            held = {c for n in inside if n.get("type") in _CONTAINERS for c in _ids(n)}
            members = [n for n in inside if n.get("id") not in held]
            return _by_start([n for n in members if n.get("type") != "StepGroup"])
        if kind in _CONTAINERS:
            return _by_start([self.nodes[c] for c in _ids(node) if c in self.nodes])
        return []

    def row(self, lead: str, node: Node) -> None:
        if self.only is not None and not self.only.shows(node):
            return
        template = str(node.get("templateName") or "")
        ref = node.get("templateRef") or {}
        if not template and ref:
            template = f"{ref.get('name', '')}/{ref.get('template', '')}"
        pod = ""
        if node.get("type") == "Pod":
            pod = pod_name(self.wf_name, str(node.get("name") or ""), template if not ref else "")
        seconds = span(node.get("startedAt"), node.get("finishedAt"), self.at)
        name = f"{lead}{icon(node, self.colours)} {node.get('displayName') or node.get('name')}"
        duration = short_duration(seconds) if seconds is not None and pod else ""
        self.rows.append([name, template, pod, duration, str(node.get("message") or "")])

    def walk(self, node: Node, prefix: str) -> None:
        kids = self.children(node)
        if node.get("type") == "Steps":
            self._groups(kids, prefix)
            return
        for i, kid in enumerate(kids):
            last = i == len(kids) - 1
            self.row(prefix + ("└─" if last else "├─"), kid)
            self.walk(kid, prefix + ("  " if last else "│ "))

    def _groups(self, groups: list[Node], prefix: str) -> None:
        for g, group in enumerate(groups):
            last_group = g == len(groups) - 1
            steps = _by_start(
                [
                    self.nodes[c]
                    for c in _ids(group)
                    if c in self.nodes and self.nodes[c].get("type") != "StepGroup"
                ]
            )
            bar = "  " if last_group else "│ "
            for s, step in enumerate(steps):
                if s == 0:
                    lead = ("└─" if last_group else "├─") + ("┬─" if len(steps) > 1 else "──")
                    below = bar + ("│ " if len(steps) > 1 else "  ")
                else:
                    last = s == len(steps) - 1
                    lead = bar + ("└─" if last else "├─")
                    below = bar + ("  " if last else "│ ")
                self.row(prefix + lead, step)
                self.walk(step, prefix + below)


def _ids(node: Node) -> list[str]:
    return [str(c) for c in node.get("children") or []]


def _by_start(nodes: list[Node]) -> list[Node]:
    return sorted(nodes, key=lambda n: (n.get("startedAt") or "~", str(n.get("name") or "")))


def render(
    wf: dict[str, Any],
    at: datetime,
    *,
    colours: bool = False,
    only: NodeFilter | None = None,
    ascii: bool = False,
) -> str:
    """The tree table of a workflow's nodes; empty when it has none yet."""
    name = str((wf.get("metadata") or {}).get("name") or "")
    nodes: dict[str, Node] = dict((wf.get("status") or {}).get("nodes") or {})
    if not nodes:
        return ""
    tree = _Tree(name, nodes, at, colours, [], only)
    root = nodes.get(name) or next(iter(nodes.values()))
    referenced = {c for n in nodes.values() for c in _ids(n)}
    others = [
        n
        for n in nodes.values()
        if n is not root and not n.get("boundaryID") and n.get("id") not in referenced
    ]
    for top in [root, *_by_start(others)]:
        tree.row(" ", top)
        tree.walk(top, " ")
    text = table(HEADER, tree.rows, gap=2)
    return text.translate(_ASCII) if ascii else text
