"""A workflow's bookkeeping around the tree walk: finishing, progress, events, pod GC, TTL.

`finish_workflow` writes the final phase, message, times and conditions and releases locks;
`after_completion` runs on every pass of a finished workflow (pod GC by strategy, the TTL
strategy's deletion); as Argo's TTL controller, the TTL deletes only a workflow whose
completion has been written (never in the pass that finishes it) and not while its archiving
label says `Pending`; `progress` sums finished pods as Argo's `N/M`; `node_events` emits the
Kubernetes Events Argo emits for node transitions, by comparing with the workflow as it came in.
"""

from __future__ import annotations

import operator
from itertools import compress

from argoapp.engine.api import DeleteObject, DeletePod, DeleteWorkflow, Event
from argoapp.engine.state import Pass, parse_time
from argoapp.model.durations import parse_duration
from argoapp.model.labels import LABEL_ARCHIVING_STATUS, selects
from argoapp.model.phases import WORKFLOW_DONE as _WORKFLOW_DONE
from argoapp.model.phases import NodePhase, NodeType, WorkflowPhase, node_done
from argoapp.model.types import Obj

_NODE_REASONS: dict[str, tuple[str, str, str]] = {
    NodePhase.RUNNING: ("Normal", "WorkflowNodeRunning", "Running node"),
    NodePhase.SUCCEEDED: ("Normal", "WorkflowNodeSucceeded", "Succeeded node"),
    NodePhase.FAILED: ("Warning", "WorkflowNodeFailed", "Failed node"),
    NodePhase.ERROR: ("Warning", "WorkflowNodeError", "Error node"),
}


def finish_workflow(p: Pass, phase: str, message: str) -> None:
    status = p.status
    status["phase"] = phase
    if message:
        status["message"] = message
    else:
        status.pop("message", None)
    status["finishedAt"] = p.now_text
    conditions = [c for c in status.get("conditions") or [] if c.get("type") != "Completed"]
    conditions = [c for c in conditions if c.get("type") != "PodRunning"]
    conditions.append({"type": "PodRunning", "status": "False"})
    conditions.append({"type": "Completed", "status": "True"})
    status["conditions"] = conditions
    status["resourcesDuration"] = _resources(p)
    from argoapp.engine import sync

    sync.release_all(p)
    if phase == WorkflowPhase.SUCCEEDED:
        p.act(Event("Normal", "WorkflowSucceeded", "Workflow completed"))
    else:
        p.act(Event("Warning", "WorkflowFailed", message or f"Workflow {phase.lower()}"))
    after_completion(p, persisted=False)


def _resources(p: Pass) -> dict[str, int]:
    total: dict[str, int] = {}
    for node in p.nodes.values():
        if node.get("type") != NodeType.POD:
            continue
        for k, v in (node.get("resourcesDuration") or {}).items():
            total[k] = total.get(k, 0) + int(v)
    return total


# Nodes whose own progress is counted (Argo's "executable" types); the others sum theirs.
_COUNTED = (NodeType.POD, NodeType.CONTAINER, NodeType.HTTP, NodeType.PLUGIN, NodeType.SUSPEND)
_COMPLETE = (NodePhase.SUCCEEDED, NodePhase.SKIPPED, NodePhase.OMITTED)


def progress(p: Pass) -> None:
    """Argo's progress `N/M`: each counted node 0/1 until it succeeds (or is skipped); every
    other node the sum of the counted nodes below it, each once, when there are any (so a
    group that continued past a failure can read 1/2); the workflow the sum of all. It can
    change only when nodes are made or end, so other passes keep what the last one set."""
    if p.created or p.finished or "progress" not in p.status:
        _node_progress(p)
    # newest first: the running pods of a big fan-out are the last made, after thousands done
    running = any(
        n.get("phase") == NodePhase.RUNNING and n.get("type") == NodeType.POD
        for n in reversed(p.nodes.values())
    )
    if p.status.get("phase") == WorkflowPhase.RUNNING:
        conditions = [c for c in p.status.get("conditions") or [] if c.get("type") != "PodRunning"]
        conditions.append({"type": "PodRunning", "status": "True" if running else "False"})
        p.status["conditions"] = conditions


def _node_progress(p: Pass) -> None:
    """Every node's progress and the workflow's, in one loop when no node has two parents
    (steps, loops and DAGs without joins: most workflows); otherwise `_node_progress_walked`.
    Walking each node's descendants instead costs the square of a chain's length on every
    pass. Nodes are made after their parents, so in the engine's own order one loop from the
    last node back sees every child before its parent; a status in another order (one
    restored from the store, or written by someone else) takes the walk."""
    nodes = p.nodes
    done = total = 0
    sums: dict[str, tuple[int, int]] = {}  # each node's counted nodes, itself included
    claimed: set[str] = set()
    # every node, every pass that made or ended one: one loop, kept tight
    for nid, node in reversed(nodes.items()):
        n = m = 0
        for cid in node.get("children") or ():
            below = sums.get(cid)
            if below is None and cid not in nodes:
                continue
            if below is None or cid in claimed:  # nodes not in the engine's order, or a join
                _node_progress_walked(p)
                return
            claimed.add(cid)
            n, m = n + below[0], m + below[1]
        if node.get("type") in _COUNTED:
            total += 1
            complete = node.get("phase") in _COMPLETE
            done += complete
            sums[nid] = (n + complete, m + 1)
            value = "1/1" if complete else "0/1"
        else:
            sums[nid] = (n, m)
            if m == 0:
                continue
            value = f"{n}/{m}"
        if node.get("progress") != value:
            p.own(node)["progress"] = value
    p.status["progress"] = f"{done}/{total}"


def _node_progress_walked(p: Pass) -> None:
    """`_node_progress` for nodes with a join or in another order than the engine's."""
    done = total = 0
    for node in p.nodes.values():
        if node.get("type") in _COUNTED:
            total += 1
            if node.get("phase") in _COMPLETE:
                done += 1
                if node.get("progress") != "1/1":
                    p.own(node)["progress"] = "1/1"
            elif node.get("progress") != "0/1":
                p.own(node)["progress"] = "0/1"
    p.status["progress"] = f"{done}/{total}"
    sums = _walked_sums(p)
    for nid, node in p.nodes.items():
        if node.get("type") not in _COUNTED:
            n, m = sums[nid] if sums is not None else _sum_progress(p, node)
            if m > 0:
                _set_progress(p, node, f"{n}/{m}")


def _set_progress(p: Pass, node: Obj, value: str) -> None:
    if node.get("progress") != value:
        p.own(node)["progress"] = value


def _own_progress(node: Obj) -> tuple[int, int]:
    """A counted node's own progress, as `progress` has just set it."""
    if node.get("type") not in _COUNTED:
        return 0, 0
    return (1, 1) if node.get("phase") in _COMPLETE else (0, 1)


def _walked_sums(p: Pass) -> dict[str, tuple[int, int]] | None:
    """Every node's sums for nodes in any order: a depth-first walk from each node; None when
    a node has two parents."""
    nodes = p.nodes
    parents: set[str] = set()
    for node in nodes.values():
        for cid in node.get("children") or []:
            if cid in parents:
                return None
            parents.add(cid)
    sums: dict[str, tuple[int, int]] = {}
    entered: set[str] = set()  # a malformed status with a cycle must not loop for ever
    for root in nodes:
        stack: list[tuple[str, bool]] = [(root, False)]
        while stack:
            nid, expanded = stack.pop()
            if expanded:
                n = m = 0
                for cid in nodes[nid].get("children") or []:
                    if cid in nodes:
                        cn, cm = sums.get(cid, (0, 0))
                        on, om = _own_progress(nodes[cid])
                        n, m = n + cn + on, m + cm + om
                sums[nid] = (n, m)
            elif nid not in entered:
                entered.add(nid)
                stack.append((nid, True))
                stack.extend((c, False) for c in nodes[nid].get("children") or [] if c in nodes)
    return sums


def _sum_progress(p: Pass, node: Obj) -> tuple[int, int]:
    """The progress of the counted nodes below `node`, each once (a DAG task is reached
    through each task it depends on). A walk, not a recursion: chains run thousands deep."""
    n = m = 0
    seen: set[str] = set()
    stack = list(node.get("children") or [])
    while stack:
        cid = stack.pop()
        if cid in seen:
            continue
        seen.add(cid)
        child = p.nodes.get(cid)
        if child is None:
            continue
        stack.extend(child.get("children") or [])
        own_n, own_m = _own_progress(child)
        n, m = n + own_n, m + own_m
    return n, m


def node_events(p: Pass, before: Obj) -> None:
    """Events for nodes whose phase changed in this pass."""
    old_nodes = (before.get("status") or {}).get("nodes") or {}
    nodes = p.nodes
    # The nodes the pass shares with `before` (most of a big workflow) are passed over in C.
    replaced = map(operator.is_not, nodes.values(), map(old_nodes.get, nodes))
    for nid, node in compress(nodes.items(), replaced):
        phase = node.get("phase")
        old = old_nodes.get(nid)
        if old is not None and old.get("phase") == phase:
            continue
        found = _NODE_REASONS.get(str(phase))
        if found is None or node.get("type") in (NodeType.STEP_GROUP, NodeType.TASK_GROUP):
            continue
        kind, reason, verb = found
        message = f"{verb} {node['name']}"
        if node.get("message") and phase in (NodePhase.FAILED, NodePhase.ERROR):
            message += f": {node['message']}"
        p.act(Event(kind, reason, message, node_name=str(node["name"])))


def pod_gc(p: Pass) -> None:
    """`podGC`: delete the pods its strategy and `labelSelector` pick, `deleteDelayDuration`
    (else the controller's `podGCDeleteDelayDuration`, 5 s) after each became due: its pod's
    end (OnPodCompletion, OnPodSuccess) or the workflow's (OnWorkflowCompletion,
    OnWorkflowSuccess). Runs every pass; a pod already being deleted is left to it."""
    gc = p.spec.get("podGC") or {}
    strategy = gc.get("strategy")
    phase = p.status.get("phase")
    per_pod = strategy in ("OnPodCompletion", "OnPodSuccess")
    at_end = (strategy == "OnWorkflowCompletion" and phase in _WORKFLOW_DONE) or (
        strategy == "OnWorkflowSuccess" and phase == WorkflowPhase.SUCCEEDED
    )
    if not (per_pod or at_end):
        return
    delay = _gc_delay(p, gc)
    ended = parse_time(p.status.get("finishedAt"))
    seen: set[str] = set()
    for node in p.nodes.values():
        name = node.get("podName")
        if not name or name in seen or node.get("type") != NodeType.POD:
            continue
        seen.add(name)
        pod = p.observed.pods.get(name)
        if pod is None or (pod.get("metadata") or {}).get("deletionTimestamp"):
            continue
        if per_pod:
            if not node_done(node.get("phase")):
                continue
            if strategy == "OnPodSuccess" and node.get("phase") != NodePhase.SUCCEEDED:
                continue
            due = parse_time(node.get("finishedAt"))
        else:
            due = ended
        labels = (pod.get("metadata") or {}).get("labels") or {}
        if due is None or not selects(gc.get("labelSelector"), labels):
            continue
        left = delay - (p.now - due).total_seconds()
        if left <= 0:
            p.act(DeletePod(str(name)))
        else:
            p.requeue(left)


def _gc_delay(p: Pass, gc: Obj) -> float:
    own = gc.get("deleteDelayDuration")
    if own is not None:
        try:
            return float(parse_duration(str(own)))
        except ValueError:
            pass  # validation reports it; the controller's delay stands
    return p.settings.pod_gc_delete_delay


def after_completion(p: Pass, *, persisted: bool = False) -> None:
    """Pod GC, PVC GC and the TTL strategy (runs on every pass once finished). `persisted`:
    the workflow came in finished (not so in the pass that finishes it)."""
    status = p.status
    phase = status.get("phase")
    pod_gc(p)
    for claim in status.get("persistentVolumeClaims") or []:
        gc_claims = (p.spec.get("volumeClaimGC") or {}).get("strategy", "OnWorkflowCompletion")
        if gc_claims == "OnWorkflowCompletion" or phase == WorkflowPhase.SUCCEEDED:
            name = (claim.get("persistentVolumeClaim") or {}).get("claimName")
            if name:
                p.act(DeleteObject("PersistentVolumeClaim", p.namespace, str(name)))
    _ttl(p, persisted)


def _ttl(p: Pass, persisted: bool) -> None:
    ttl = p.spec.get("ttlStrategy") or {}
    phase = p.status.get("phase")
    seconds = ttl.get("secondsAfterCompletion")
    if phase == WorkflowPhase.SUCCEEDED and ttl.get("secondsAfterSuccess") is not None:
        seconds = ttl["secondsAfterSuccess"]
    if phase in (WorkflowPhase.FAILED, WorkflowPhase.ERROR) and (
        ttl.get("secondsAfterFailure") is not None
    ):
        seconds = ttl["secondsAfterFailure"]
    if seconds is None:
        return
    finished = parse_time(p.status.get("finishedAt"))
    if finished is None:
        return
    try:
        left = float(parse_duration(str(seconds))) - (p.now - finished).total_seconds()
    except ValueError:
        return
    if left > 0:
        p.requeue(left)
    elif not persisted:
        # Deleting now would lose the final status (the write is skipped for a deleted
        # workflow) and the archive's copy: write it, and delete on the next pass.
        p.requeue(0)
    elif (p.wf.get("metadata") or {}).get("labels", {}).get(LABEL_ARCHIVING_STATUS) != "Pending":
        # While `Pending` the archive has no copy yet; its `Archived` label brings a pass.
        p.act(DeleteWorkflow())


def all_done(nodes: dict[str, Obj]) -> bool:
    return all(node_done(n.get("phase")) for n in nodes.values())
