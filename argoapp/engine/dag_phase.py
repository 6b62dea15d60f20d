"""A DAG's phase once its tasks have run: Argo's assessDAGPhase.

Walking from the DAG node's children, each branch carries the phase of the last node on it
that completed (an Omitted node inherits its parents'); a target task's branch phase decides.
A Failed or Error target fails the DAG unless the target's `continueOn` covers it; `failFast`
(on by default) stops at the first such target. Any node not yet fulfilled keeps it Running.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import Any

from argoapp.engine.state import Pass
from argoapp.engine.steps import continues_on, fulfilled
from argoapp.model.phases import NodePhase, NodeType, node_done, node_failed
from argoapp.model.types import Obj


def assess(
    p: Pass, dag_node: Obj, targets: Mapping[str, Mapping[str, Any]], fail_fast: bool
) -> str:
    """Running, Succeeded, Failed or Error for the DAG node, given its target tasks."""
    by_id = {p.node_id(f"{dag_node['name']}.{name}"): name for name in targets}
    branch: dict[str, str] = dict.fromkeys(by_id, "")
    queue = deque((cid, str(NodePhase.SUCCEEDED)) for cid in dag_node.get("children") or [])
    seen: set[tuple[str, str]] = set()
    while queue:
        nid, phase = queue.popleft()
        if (nid, phase) in seen:
            continue
        seen.add((nid, phase))
        node = p.node_by_id(nid)
        if node is None:
            continue
        if not fulfilled(node):
            return NodePhase.RUNNING
        if node_done(node.get("phase")) and node.get("phase") != NodePhase.OMITTED:
            phase = str(node["phase"])
        if nid in branch and not node_failed(branch[nid]):
            branch[nid] = phase
        queue.extend((c, phase) for c in _next(p, node))
    result: str = NodePhase.SUCCEEDED
    for tid, name in by_id.items():
        got = branch[tid]
        if not got:
            result = NodePhase.RUNNING
            if not fail_fast:
                break
        elif node_failed(got):
            if continues_on(targets[name], got):
                continue
            result = got
            if fail_fast:
                break
    return result


def _next(p: Pass, node: Obj) -> list[str]:
    """A Retry node ends as its last attempt: the walk goes on from that attempt."""
    if node.get("type") == NodeType.RETRY:
        kids = node.get("children") or []
        last = p.node_by_id(kids[-1]) if kids else None
        return list((last or {}).get("children") or [])
    return list(node.get("children") or [])
