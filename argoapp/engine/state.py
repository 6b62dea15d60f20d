"""The state of one reconcile pass: the workflow being rebuilt, its nodes, and what to do.

`Pass` is created by `reconcile` and handed to every template executor. It owns the new
`status.nodes` (a copy, mutated in place during the pass), collects actions and the earliest
requeue time, and offers the small node vocabulary every executor uses: find a node by name,
create one with Argo's fields, move it to a phase. Nothing here reads the clock: `now` is given.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from argoapp.engine.api import Action, Observed, Settings
from argoapp.engine.templates import Resolved
from argoapp.model.ids import node_id
from argoapp.model.phases import NodePhase, NodeType, node_done
from argoapp.model.types import Obj, copy_json


def as_int(value: Any, default: int = 0) -> int:
    """An integer setting as given (a number or a numeric string); `default` otherwise, so a
    malformed value never raises out of a pass."""
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


def rfc3339(t: datetime) -> str:
    """Kubernetes' timestamp format (second precision, UTC, `Z`)."""
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


@dataclass
class Pass:
    """One reconcile of one workflow."""

    wf: Obj  # the new Workflow object (a deep copy; status rebuilt in place)
    spec: Obj  # the effective spec: workflowTemplateRef and workflowDefaults merged in
    observed: Observed
    settings: Settings
    now: datetime
    actions: list[Action] = field(default_factory=list)
    requeue_after: float | None = None
    pods_asked: set[str] = field(default_factory=set)  # pods this pass asked to create
    # scope values every template sees: workflow.* and global parameters
    globals: dict[str, Any] = field(default_factory=dict)
    deadline: datetime | None = None  # from the workflow's activeDeadlineSeconds
    deadline_passed: bool = False
    active_pods: int = 0  # pod nodes Pending or Running (the workflow's `parallelism`)
    wants_result: bool = False  # some template reads `outputs.result`: capture stdout
    volume_claims: list[Obj] = field(default_factory=list)
    source: Any = None  # the workflow's own templates (a templates.Source)
    _daemons: list[Obj] | None = None
    _nodes: dict[str, Obj] | None = None  # status.nodes, looked up thousands of times a pass
    created: int = 0  # nodes made in this pass
    finished: int = 0  # nodes that reached a final phase in this pass
    held_back: int = 0  # work not started in this pass because a limit was reached
    # a node ended after something was held back: the walk may have passed over work the
    # ending made possible (work held back after an ending saw the freed slot already)
    ended_after_hold: bool = False
    # ids of the nodes shared with the workflow the pass was given (see `own`)
    shared: set[str] = field(default_factory=set)
    # loop steps and tasks (by id) whose fresh items the workflow's `parallelism` held back,
    # and whether the last hold was of a template any item of its loop would be held at
    held_loops: dict[int, tuple[Obj, bool]] = field(default_factory=dict)
    plain_hold: bool = False
    quiet: Any = None  # this workflow's `quiet._Table`, found once per pass

    def init_counters(self) -> None:
        """Count what the pass needs to know up front (one scan of the nodes)."""
        active = 0
        daemons = []
        for node in self.nodes.values():
            if node_done(node.get("phase")):
                continue
            if node.get("type") == "Pod":
                active += 1
            if node.get("daemoned"):
                daemons.append(node)
        self.active_pods = active
        self._daemons = daemons

    def daemons(self) -> list[Obj]:
        if self._daemons is None:
            self.init_counters()
        return list(self._daemons or [])

    def pod_finished(self, node: Obj) -> None:
        """A pod node just ended from its pod's outcome: its global outputs."""
        from argoapp.engine.outputs import export_globals

        export_globals(self, node)

    def outputs_settled(self) -> bool:
        return True

    # ---- identity ----------------------------------------------------------------------
    @functools.cached_property  # asked for with every node looked up by name
    def name(self) -> str:
        return str(self.wf["metadata"].get("name", ""))

    @property
    def namespace(self) -> str:
        return str(self.wf["metadata"].get("namespace", "default"))

    @property
    def status(self) -> Obj:
        status: Obj = self.wf.setdefault("status", {})
        return status

    @property
    def nodes(self) -> dict[str, Obj]:
        if self._nodes is None:
            self._nodes = self.status.setdefault("nodes", {})
        return self._nodes

    @property
    def now_text(self) -> str:
        return rfc3339(self.now)

    # ---- timers and actions ------------------------------------------------------------
    def requeue(self, seconds: float) -> None:
        """Ask for another pass within `seconds` (the earliest request wins)."""
        seconds = max(seconds, 0.0)
        if self.requeue_after is None or seconds < self.requeue_after:
            self.requeue_after = seconds

    def act(self, action: Action) -> None:
        self.actions.append(action)

    def seconds_since(self, text: str | None) -> float:
        t = parse_time(text)
        return 0.0 if t is None else (self.now - t).total_seconds()

    # ---- nodes -------------------------------------------------------------------------
    def own(self, node: Obj) -> Obj:
        """The node itself, to change. A node that had ended before the pass is shared with
        the workflow the pass was given (ended nodes are most of a big workflow and never
        change again, but for new children), so it is copied first; callers change what
        this returns, never a reference they held before."""
        nid = node["id"]
        if nid in self.shared:
            self.shared.discard(nid)
            self.nodes[nid] = copy_json(self.nodes[nid])
        return self.nodes.get(nid, node)

    def node_id(self, name: str) -> str:
        return node_id(self.name, name)

    def node(self, name: str) -> Obj | None:
        return self.nodes.get(self.node_id(name))

    def node_by_id(self, nid: str) -> Obj | None:
        return self.nodes.get(nid)

    def children(self, node: Obj) -> Iterator[Obj]:
        for cid in node.get("children") or []:
            child = self.nodes.get(cid)
            if child is not None:
                yield child

    def create_node(
        self,
        name: str,
        node_type: str,
        *,
        display_name: str,
        template: Resolved | None,
        boundary_id: str,
        phase: str = NodePhase.RUNNING,
        message: str = "",
        parent: Obj | None = None,
    ) -> Obj:
        """A new node with Argo's fields, linked under `parent` (if any)."""
        nid = self.node_id(name)
        node: Obj = {
            "id": nid,
            "name": name,
            "displayName": display_name,
            "type": node_type,
            "phase": phase,
            "startedAt": self.now_text,
        }
        if template is not None:
            if template.ref:
                node["templateRef"] = dict(template.ref)
            elif template.tmpl.get("name"):
                node["templateName"] = template.tmpl["name"]
            node["templateScope"] = template.scope
        if boundary_id:
            node["boundaryID"] = boundary_id
        if message:
            node["message"] = message
        if node_done(phase):
            node["finishedAt"] = self.now_text
        self.nodes[nid] = node
        self.created += 1
        if parent is not None:
            link(self, parent, node, fresh=True)
        return node

    def finish(self, node: Obj, phase: str, message: str = "") -> Obj:
        """Move a node to a final phase (a finished node never changes again)."""
        if node_done(node.get("phase")):
            return node
        node["phase"] = phase
        if message:
            node["message"] = message
        node["finishedAt"] = self.now_text
        self.finished += 1
        if node.get("type") == NodeType.POD:  # however it ended: its pod, a deadline, a stop
            self.active_pods = max(0, self.active_pods - 1)  # no longer against `parallelism`
        if self.held_back:
            self.ended_after_hold = True
        return node

    def set_phase(self, node: Obj, phase: str, message: str | None = None) -> Obj:
        if phase in (NodePhase.PENDING, NodePhase.RUNNING):
            if not node_done(node.get("phase")):
                node["phase"] = phase
                if message is not None:
                    if message:
                        node["message"] = message
                    else:
                        node.pop("message", None)
            return node
        return self.finish(node, phase, message or "")


def link(p: Pass, parent: Obj, child: Obj, *, fresh: bool = False) -> None:
    """Make `child` a child of `parent` (once). `fresh`: the child was created in this pass,
    so it cannot be there already — no scan of a parent with thousands of children. A node
    that has ended still gains children (a DAG task's dependents, a step's exit hook)."""
    children: list[str] = parent.get("children") or []
    if fresh:
        if children and children[-1] == child["id"]:
            return
    elif child["id"] in children:
        return
    p.own(parent).setdefault("children", []).append(child["id"])
