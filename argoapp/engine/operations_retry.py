"""Retrying a failed workflow in place: which nodes to reset, which to drop, which pods to delete.

This is Argo's `FormulateRetryWorkflow`. The failed execution nodes (and any the person picked with
a node field selector when restarting successful ones) are dropped with everything below them,
so the controller runs them again; the nodes above them (steps, step groups, DAGs, task groups,
retry nodes, the pod of a failed container) go back to Running; everything else keeps its
result. The workflow's phase is cleared so the controller starts it again as it does a new one
(re-creating PVCs and global state) while keeping the nodes that stay.

A node that is run again keeps its name, so its id, its pod's name and its WorkflowTaskResult's
name (the node id) are those of the run before. The pods go with the retry; so must the task
results (`dropped_task_results`): the new run's wait container would otherwise find the old one,
patch it, and leave it dated before the node started, which the engine takes for a leftover and
waits out (a minute per attempt, and the outputs lost), as Argo avoids by deleting a workflow's
task results once it completes.

`operations.retry` checks the phase and calls `formulate_retry`; `override_parameters` is shared
with resubmit. Pure: no I/O, `now` comes in as an RFC 3339 string.
"""

from __future__ import annotations

import copy
from collections import deque

from argoapp.engine.operations_selector import NodeSelector, OperationError
from argoapp.model import labels
from argoapp.model.ids import pod_name
from argoapp.model.phases import NodePhase, NodeType, node_failed
from argoapp.model.types import Obj

_GROUPS = frozenset({NodeType.DAG, NodeType.TASK_GROUP, NodeType.STEP_GROUP, NodeType.STEPS})
_EXECUTION = frozenset({NodeType.CONTAINER, NodeType.POD, NodeType.HTTP, NodeType.PLUGIN})
# the nodes whose outcome comes back as a WorkflowTaskResult named after the node
_REPORTING = frozenset({NodeType.POD, NodeType.HTTP, NodeType.PLUGIN})


def override_parameters(wf: Obj, parameters: list[str]) -> None:
    """Put `NAME=VALUE` parameters first in `spec.arguments.parameters`, replacing same names."""
    if not parameters:
        return
    given: list[Obj] = []
    for text in parameters:
        name, sep, value = text.partition("=")
        if not sep:
            raise OperationError(f"expected parameter of the form: NAME=VALUE. Received: {text}")
        given.append({"name": name, "value": value})
    names = {p["name"] for p in given}
    arguments = wf.setdefault("spec", {}).setdefault("arguments", {})
    kept = [p for p in arguments.get("parameters") or [] if p.get("name") not in names]
    arguments["parameters"] = given + kept
    stored = (wf.get("status") or {}).get("storedWorkflowTemplateSpec")
    if isinstance(stored, dict):
        stored.setdefault("arguments", {})["parameters"] = copy.deepcopy(given + kept)


class _Dag:
    """The node tree: each node's parent (one, as Argo picks it) and its children."""

    def __init__(self, wf_name: str, nodes: dict[str, Obj]) -> None:
        self.nodes = nodes
        self.parent: dict[str, str] = {}
        for nid in sorted(nodes):
            for child in nodes[nid].get("children") or []:
                if child not in nodes:
                    raise OperationError(f"couldn't obtain child {child}")
                self.parent[child] = nid
        for nid, node in nodes.items():
            name = node.get("name", "")
            if (
                nid not in self.parent
                and name != wf_name
                and not name.startswith(f"{wf_name}.onExit")
            ):
                raise OperationError(f"couldn't find parent node for {nid}")
        root = next((nid for nid, n in nodes.items() if n.get("name") == wf_name), None)
        if root is None:
            raise OperationError("couldn't find root node")
        self.root = root

    def type(self, nid: str) -> str:
        return str(self.nodes[nid].get("type") or "")

    def children(self, nid: str) -> list[str]:
        return list(self.nodes[nid].get("children") or [])

    def breadth_first(self) -> list[str]:
        """Every node reachable from the root, parents before children (exit handlers left out)."""
        order, seen, queue = [], {self.root}, deque([self.root])
        while queue:
            nid = queue.popleft()
            order.append(nid)
            for child in self.children(nid):
                if child not in seen:
                    seen.add(child)
                    queue.append(child)
        return order

    def descendants(self, nid: str) -> set[str]:
        found: set[str] = set()
        queue = deque(self.children(nid))
        while queue:
            child = queue.popleft()
            if child not in found:
                found.add(child)
                queue.extend(self.children(child))
        return found


def _reset_until(dag: _Dag, start: str | None, wanted: str, by_type: bool, reset: set[str]) -> str:
    curr = start
    while curr is not None:
        if (dag.type(curr) if by_type else curr) == wanted:
            reset.add(curr)
            return curr
        curr = dag.parent.get(curr)
    raise OperationError("was seeking node but ran out of nodes to explore")


def _reset_boundaries(dag: _Dag, start: str, reset: set[str]) -> str | None:
    curr: str | None = start
    for _ in range(4 * len(dag.nodes) + 4):
        if curr is None:
            return None
        parent = dag.parent.get(curr)
        if parent is not None and dag.type(parent) == NodeType.RETRY:
            reset.add(parent)
            curr = parent
            parent = dag.parent.get(curr)
        if parent is not None and dag.type(parent) in (NodeType.STEP_GROUP, NodeType.TASK_GROUP):
            reset.add(parent)
        boundary = dag.nodes[curr].get("boundaryID") or ""
        if not boundary:
            return parent
        curr = _reset_until(dag, curr, boundary, False, reset)
    raise OperationError(f"node boundaries above {start} form a cycle")


def _reset_path(dag: _Dag, start: str) -> tuple[set[str], set[str]]:
    """The nodes to reset above `start` and the ones to drop (`start` and all below it)."""
    delete = dag.descendants(start) | {start}
    reset: set[str] = set()
    if start == dag.root:
        return reset, delete
    curr: str | None = start
    while curr is not None:
        kind = dag.type(curr)
        if kind in _GROUPS:
            reset.add(curr)
            curr = _reset_boundaries(dag, curr, reset)
            continue
        if kind == NodeType.RETRY and node_failed(dag.nodes[curr].get("phase")):
            reset.add(curr)
        elif kind == NodeType.CONTAINER:
            curr = _reset_until(dag, curr, NodeType.POD, True, reset)
            delete |= dag.descendants(curr) | {curr}
        curr = dag.parent.get(curr)
    return reset, delete


def _descendant_succeeded(nodes: dict[str, Obj], node: Obj, excluded: set[str]) -> bool:
    for child_id in node.get("children") or []:
        child = nodes.get(child_id) or {}
        if (child_id not in excluded and child.get("phase") == NodePhase.SUCCEEDED) or (
            _descendant_succeeded(nodes, child, excluded)
        ):
            return True
    return False


def _retry_parent(nodes: dict[str, Obj], child_id: str) -> Obj | None:
    for node in nodes.values():
        if node.get("type") == NodeType.RETRY and child_id in (node.get("children") or []):
            return node
    return None


def _failed_execution_nodes(nodes: dict[str, Obj], excluded: set[str]) -> set[str]:
    failed: set[str] = set()
    for nid, node in nodes.items():
        if not (node_failed(node.get("phase")) and node.get("type") in _EXECUTION):
            continue
        probe = node
        if (node.get("nodeFlag") or {}).get("retried"):
            probe = _retry_parent(nodes, nid) or node
        if not _descendant_succeeded(nodes, probe, excluded):
            failed.add(nid)
    return failed


def _reset_node(node: Obj, now: str) -> Obj:
    if node.get("type") == NodeType.SUSPEND and isinstance(node.get("outputs"), dict):
        node["outputs"]["parameters"] = [
            {"name": p.get("name", ""), "valueFrom": {"supplied": {}}}
            for p in node["outputs"].get("parameters") or []
        ]
    if node.get("phase") != NodePhase.SKIPPED:
        node["phase"] = NodePhase.RUNNING.value
    node.pop("message", None)
    node.pop("finishedAt", None)
    node["startedAt"] = now
    return node


def _new_retry_workflow(wf: Obj, parameters: list[str] | None, now: str) -> Obj:
    new = copy.deepcopy(wf)
    meta_labels = (new.get("metadata") or {}).get("labels") or {}
    meta_labels.pop(labels.LABEL_COMPLETED, None)
    meta_labels.pop(labels.LABEL_ARCHIVING_STATUS, None)
    status = new.setdefault("status", {})
    conditions = [c for c in status.get("conditions") or [] if c.get("type") != "Completed"]
    status["conditions"] = [*conditions, {"status": "False", "type": "Completed"}]
    for key in ("phase", "message", "finishedAt", "persistentVolumeClaims"):
        status.pop(key, None)
    status["nodes"] = {}
    status["startedAt"] = now
    stored = status.get("storedWorkflowTemplateSpec")
    if isinstance(stored, dict):
        stored.pop("shutdown", None)
    spec = new.setdefault("spec", {})
    spec.pop("shutdown", None)
    if spec.get("activeDeadlineSeconds") == 0:
        del spec["activeDeadlineSeconds"]  # it was terminated: the retry runs unbounded
    if parameters:
        override_parameters(new, parameters)
    return new


def _pod_of(wf: Obj, node: Obj) -> str:
    meta = wf.get("metadata") or {}
    if (meta.get("annotations") or {}).get(labels.ANNOTATION_POD_NAME_FORMAT) == "v1":
        return str(node.get("id", ""))
    ref = node.get("templateRef") or {}
    template = ref.get("template") if ref else node.get("templateName")
    return pod_name(meta.get("name", ""), node.get("name", ""), str(template or ""))


def formulate_retry(
    wf: Obj, selector: NodeSelector | None, parameters: list[str] | None, now: str
) -> tuple[Obj, list[str]]:
    """The retried workflow and the names of the pods to delete before storing it."""
    name = (wf.get("metadata") or {}).get("name", "")
    on_exit = f"{name}.onExit"
    nodes: dict[str, Obj] = (wf.get("status") or {}).get("nodes") or {}
    new = _new_retry_workflow(wf, parameters, now)
    restart = {nid for nid, n in nodes.items() if selector is not None and selector.matches(n)}
    restart |= _failed_execution_nodes(nodes, restart)
    dag = _Dag(name, nodes)
    to_reset: set[str] = set()
    to_delete: set[str] = set()
    for nid in dag.breadth_first():
        if nid in restart and nid not in to_delete:
            reset, delete = _reset_path(dag, nid)
            to_reset |= reset
            to_delete |= delete
    if parameters:
        # Groups re-expand their children with the new values.
        for nid in to_reset - to_delete:
            if dag.type(nid) in (NodeType.TASK_GROUP, NodeType.STEP_GROUP):
                to_delete |= dag.descendants(nid)
    new_nodes = {nid: _reset_node(copy.deepcopy(nodes[nid]), now) for nid in to_reset - to_delete}
    pods = {_pod_of(wf, nodes[nid]) for nid in to_delete if nodes[nid].get("type") == NodeType.POD}
    for nid, node in nodes.items():
        node_name = node.get("name", "")
        if nid not in new_nodes and nid not in to_delete and not node_name.startswith(on_exit):
            new_nodes[nid] = copy.deepcopy(node)
        if node_name == on_exit:
            for exit_id in {nid} | dag.descendants(nid):
                if nodes[exit_id].get("type") == NodeType.POD:
                    pods.add(_pod_of(wf, nodes[exit_id]))
    for nid, node in new_nodes.items():
        for key in ("children", "outboundNodes"):
            kept = [i for i in nodes[nid].get(key) or [] if i not in to_delete]
            if kept:
                node[key] = kept
            else:
                node.pop(key, None)
    new["status"]["nodes"] = new_nodes
    return new, sorted(pods)


def dropped_task_results(before: Obj, after: Obj) -> list[str]:
    """The WorkflowTaskResults to delete with a change from `before` to `after`: those of the
    nodes it dropped, which will run again under the same ids."""
    old: dict[str, Obj] = (before.get("status") or {}).get("nodes") or {}
    kept: dict[str, Obj] = (after.get("status") or {}).get("nodes") or {}
    return sorted(nid for nid, n in old.items() if nid not in kept and n.get("type") in _REPORTING)
