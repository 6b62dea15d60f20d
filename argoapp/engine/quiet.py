"""Pod nodes a pass may pass over: running them again is known to change nothing.

A pass walks every unfinished item of a loop, and a 2,000-item fan-out at parallelism 50 has
fifty running pods on each of its hundreds of passes; most of them did not change since the
last pass, and running one (its step resolved, its template substituted, its pod assessed)
was most of the pass. `podnode.execute_pod` calls `watch` before and `settle` after running a
pod node again; when the run depends on nothing but the node, its pod and its task result,
asked for nothing (no action, no timer) and the pod has not ended, the node it left is
remembered as quiet: a fixed point of running it (see `settle`), as long as those inputs stay
the same. `steps` asks `unchanged` before running an item, and passes over one that is quiet.

Trusted because of what is compared: the pod and task result must be the very objects seen
(an informer never changes a cached object in place, a new version is a new object, and the
entry holds them so their ids are not reused), the node equal (`==`) to the fixed point, and
the effective spec equal to the one of the pass that remembered it (templates, retry,
deadline, shutdown and suspend all live there). Nodes that depend on the clock (a timeout, the
workflow's deadline), or on more than their own pod (retries, locks, memoization, daemons,
container sets) are never quiet. A caller that builds its `Observed` afresh for each pass
never finds a quiet node: its objects are new each time.

Pure as the engine is: no I/O, no clock; the memory is a bounded module-level table (by
workflow uid), forgotten when it cannot be trusted.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from argoapp.engine.state import Pass
from argoapp.model.phases import node_done
from argoapp.model.types import Obj, copy_json

_WORKFLOWS_MAX = 64  # workflows remembered (least recently passed over forgotten first)
_ENDED = ("Succeeded", "Failed")


@dataclass
class _Table:
    """One workflow's quiet nodes, valid for one effective spec."""

    spec: Obj
    # node id -> (its pod's name, the pod, its task result, the node as running it leaves it)
    nodes: dict[str, tuple[str, Obj, Obj | None, Obj]] = field(default_factory=dict)


_TABLES: OrderedDict[tuple[str, str, str], _Table] = OrderedDict()


@dataclass
class Watched:
    """What a node's run started from, to tell afterwards whether it asked for anything."""

    actions: int
    requeue_after: float | None


def _table(p: Pass) -> _Table:
    """This workflow's table, emptied when the effective spec changed (once per pass)."""
    if p.quiet is not None:
        return p.quiet  # type: ignore[no-any-return]
    meta = p.wf.get("metadata") or {}
    key = (str(meta.get("namespace", "")), p.name, str(meta.get("uid", "")))
    table = _TABLES.get(key)
    if table is None or table.spec != p.spec:
        table = _TABLES[key] = _Table(p.spec)
    _TABLES.move_to_end(key)
    while len(_TABLES) > _WORKFLOWS_MAX:
        _TABLES.popitem(last=False)
    p.quiet = table
    return table


def _independent(p: Pass, tmpl: Obj, retry_attempt: int | None) -> bool:
    """Whether a pod node's run depends only on its node, pod and task result."""
    if retry_attempt is not None or p.deadline is not None or p.deadline_passed:
        return False
    return not any(
        k in tmpl for k in ("timeout", "synchronization", "memoize", "daemon", "containerSet")
    )


def watch(p: Pass, tmpl: Obj, retry_attempt: int | None, node: Obj, pod: Obj) -> Watched | None:
    """Before running an existing pod node: its state, when it may turn out quiet."""
    if (pod.get("status") or {}).get("phase") in _ENDED or not _independent(p, tmpl, retry_attempt):
        _table(p).nodes.pop(node["id"], None)
        return None
    return Watched(len(p.actions), p.requeue_after)


def settle(
    p: Pass, before: Watched | None, node: Obj, name: str, pod: Obj, result: Obj | None
) -> None:
    """After running it: remember the node as quiet when the run asked for nothing and left
    the node unfinished. Running a pod node copies what its pod says into it (phase,
    message, host): a second run over what the first left, with the same pod, task result
    and template, sets the same values again, so what the run left is a fixed point."""
    if before is None:
        return
    table = _table(p)
    if (
        not node_done(node.get("phase"))
        and len(p.actions) == before.actions
        and p.requeue_after == before.requeue_after
    ):
        table.nodes[node["id"]] = (name, pod, result, copy_json(node))
    else:
        table.nodes.pop(node["id"], None)


def unchanged(p: Pass, node: Obj) -> bool:
    """Whether running this node again would change nothing (see the module docstring)."""
    known = _table(p).nodes.get(node["id"])
    if known is None or p.deadline is not None or p.deadline_passed:
        return False
    name, pod, result, fixed = known
    return (
        p.observed.pods.get(name) is pod
        and p.observed.task_results.get(node["id"]) is result
        and node == fixed
    )
