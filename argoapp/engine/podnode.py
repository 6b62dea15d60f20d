"""Nodes that run as a pod (container, script, resource, containerSet) or as an HTTP call.

A pod node is created Pending together with a CreatePod action (its template given the
archive location it needs, `artrepo`; a template that cannot become a pod errors the node
instead). On later passes its phase,
message, outputs and timings come from the observed pod and its WorkflowTaskResult
(`podstatus.assess`); a node whose pod finished waits until the task result says the outputs
are complete. Timeouts (`timeout`, the workflow's deadline) delete the pod and fail the node.
HTTP nodes are run by the controller (RunHttp) and report through a task result as well.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

from argoapp.engine import quiet
from argoapp.engine.api import CreatePod, DeletePod, RunHttp
from argoapp.engine.artrepo import ArchiveLocationError, add_archive_location
from argoapp.engine.execute import Frame, new_node
from argoapp.engine.loops import LOOP_KEYS
from argoapp.engine.podparts import PodBuildError
from argoapp.engine.pods import PodRequest, build_pod
from argoapp.engine.podstatus import PodOutcome, assess
from argoapp.engine.state import Pass, as_int, parse_time, rfc3339
from argoapp.model.durations import parse_duration
from argoapp.model.ids import pod_name
from argoapp.model.phases import NodePhase, NodeType, node_done
from argoapp.model.types import Obj

DEADLINE_MESSAGE = "Step exceeded its deadline"
# how long a pod that finished may wait for its task result before the node ends without it
TASK_RESULT_GRACE = 60.0
# the API server's clock may trail ours a little: only older than this is an earlier run's
CLOCK_SKEW = timedelta(seconds=3)


def may_start(p: Pass, on_exit: bool = False) -> bool:
    """Whether new work may start: not while suspended or shutting down, and within the
    workflow's `parallelism`. Exit handlers still start after a Stop or the deadline."""
    if p.spec.get("suspend") or p.spec.get("shutdown") == "Terminate":
        return False
    if (p.spec.get("shutdown") or p.deadline_passed) and not on_exit:
        return False
    if _workflow_full(p):
        p.held_back += 1
        return False
    return True


def _workflow_full(p: Pass) -> bool:
    limit = as_int(p.spec.get("parallelism"))
    return bool(limit and p.active_pods >= limit)


def held_as_before(p: Pass, loop: Obj, fresh: bool, resolves: Callable[[], bool]) -> bool:
    """Whether a fresh item of a loop step or task waits for a slot as an earlier item did in
    this pass (`note_held`), with the workflow's `parallelism` still full. Thousands of
    waiting items are then passed over without running each one's template on every pass;
    each item's own references are still resolved (`resolves`), so that an item that cannot
    be resolved fails at once, as it would have."""
    held = p.held_loops.get(id(loop)) if fresh else None
    if held is None or not _workflow_full(p):
        return False
    if held[1] and not resolves():  # only a step with references can fail to resolve
        return False
    p.held_back += 1
    return True


def start_item(p: Pass) -> int:
    """Before a fresh item runs: the count of holds that `note_held` compares with."""
    p.plain_hold = False
    return p.held_back


def note_held(p: Pass, loop: Obj, held_before: int, created: bool) -> None:
    """Remember that a fresh item of `loop` was held back by the workflow's `parallelism`
    (nothing created, a hold counted) when every item would be: they share the template
    (validation refuses a templated template name), which neither memoizes (a cached item
    is made without a slot) nor takes a lock (each item queues for it), and have no `when`
    to decide first."""
    if created or p.held_back == held_before or not p.plain_hold or loop.get("when"):
        return
    if _workflow_full(p):
        # the step is kept, so that no other takes its id meanwhile
        fixed = {k: v for k, v in loop.items() if k not in LOOP_KEYS}
        p.held_loops[id(loop)] = (loop, "{{" in json.dumps(fixed, default=str))


def _hold(p: Pass, frame: Frame) -> None:
    """A pod or http node refused by `may_start`: note whether any item would be."""
    p.plain_hold = not frame.tmpl.get("memoize") and not frame.tmpl.get("synchronization")


def refused(p: Pass, on_exit: bool) -> str:
    """Why a node that has not started never will (Argo fails it at once), or ""."""
    shutdown = p.spec.get("shutdown")
    if p.spec.get("suspend"):
        return ""  # a suspended workflow waits, even when asked to shut down
    if shutdown == "Terminate" or (shutdown and not on_exit):
        return f"Stopped with strategy '{shutdown}'"
    return DEADLINE_MESSAGE if p.deadline_passed and not on_exit else ""


def execute_pod(p: Pass, frame: Frame, inputs: list[Obj]) -> Obj | None:
    node = p.node(frame.node_name)
    name = pod_name(p.name, frame.node_name, frame.resolved.name)
    if node is None:
        if why := refused(p, frame.call.on_exit):
            return new_node(p, frame, NodeType.POD, inputs, phase=NodePhase.FAILED, message=why)
        if not may_start(p, frame.call.on_exit):
            _hold(p, frame)
            return None
        node = new_node(p, frame, NodeType.POD, inputs, phase=NodePhase.PENDING)
        p.active_pods += 1  # (a pod made again for a node already counted is not counted)
        _create_pod(p, frame, node, name)
        if frame.tmpl.get("containerSet"):
            _container_nodes(p, frame, node)
        _check_timeout(p, frame, node, name)  # a pass at the deadline, even if the pod is quiet
        return node
    pod = _current(p.observed.pods.get(name), node)
    if pod is None:
        return _pod_missing(p, frame, node, name)
    result = p.observed.task_results.get(node["id"])
    before = quiet.watch(p, frame.tmpl, frame.retry_attempt, node, pod)
    outcome = assess(pod, _current(result, node), frame.tmpl, p.now)
    # A daemon stopped because its scope ended was already finished Succeeded by
    # hooks.kill_daemons; one that dies while its scope runs has failed (and may retry).
    _apply(p, node, outcome)
    _check_timeout(p, frame, node, name)
    if frame.tmpl.get("containerSet"):
        _update_container_nodes(p, node, pod)
    quiet.settle(p, before, node, name, pod, result)
    return node


def _current(obj: Obj | None, node: Obj) -> Obj | None:
    """The pod (or task result) of this node's run: one made before the node started is left
    over from an earlier run of the same node (`argo retry` keeps node names), and one being
    deleted is on its way out; neither speaks for the node."""
    if obj is None:
        return None
    meta = obj.get("metadata") or {}
    if meta.get("deletionTimestamp"):
        return None
    made, started = parse_time(meta.get("creationTimestamp")), parse_time(node.get("startedAt"))
    if made is not None and started is not None and made < started - CLOCK_SKEW:
        return None
    return obj


def _create_pod(p: Pass, frame: Frame, node: Obj, name: str) -> None:
    node["podName"] = name
    if name in p.pods_asked:
        return  # asked already in this pass (a second walk)
    p.pods_asked.add(name)
    tmpl = dict(frame.tmpl)
    try:
        add_archive_location(p, tmpl, name)
    except ArchiveLocationError as e:
        _not_made(p, node, str(e))
        return
    req = PodRequest(
        workflow=p.wf,
        spec=p.spec,
        node_id=node["id"],
        node_name=frame.node_name,
        pod_name=name,
        template=tmpl,
        include_script_output=p.wants_result,
        deadline=_deadline(p, frame, node),
        on_exit=frame.call.on_exit,
        retry_attempt=frame.retry_attempt,
        volume_claims=p.volume_claims,
    )
    try:
        pod = build_pod(req, p.settings)
    except PodBuildError as e:
        _not_made(p, node, str(e))
        return
    p.act(CreatePod(pod))


def _not_made(p: Pass, node: Obj, message: str) -> None:
    """A pod that cannot be made: its node errors at once, as Argo's does."""
    node.pop("podName", None)
    p.finish(node, NodePhase.ERROR, message)


def _deadline(p: Pass, frame: Frame, node: Obj) -> str | None:
    times = []
    if p.deadline is not None and not frame.call.on_exit:  # exit handlers outlive it
        times.append(p.deadline)
    timeout = frame.tmpl.get("timeout")
    started = parse_time(node.get("startedAt"))
    if timeout and started is not None:
        try:
            times.append(started + timedelta(seconds=parse_duration(str(timeout))))
        except ValueError:
            pass
    return rfc3339(min(times)) if times else None


def _pod_missing(p: Pass, frame: Frame, node: Obj, name: str) -> Obj:
    young = p.seconds_since(node.get("startedAt")) < 30
    if node.get("phase") == NodePhase.PENDING and young and not p.spec.get("shutdown"):
        # not seen yet (informer lag) or lost before it ran: creating again is idempotent
        _create_pod(p, frame, node, name)
        p.requeue(5)
        return node
    message = "pod deleted"
    if p.spec.get("shutdown"):
        message = f"Stopped with strategy '{p.spec['shutdown']}'"
    return p.finish(
        node, NodePhase.ERROR if not p.spec.get("shutdown") else NodePhase.FAILED, message
    )


def _apply(p: Pass, node: Obj, o: PodOutcome) -> None:
    """Copy what the pod says into its node."""
    for value, key in ((o.host_node_name, "hostNodeName"), (o.pod_ip, "podIP")):
        if value:
            node[key] = value
    if o.resources_duration:
        node["resourcesDuration"] = dict(o.resources_duration)
    if o.outputs is not None:
        node["outputs"] = o.outputs
    if o.daemoned and not node_done(node.get("phase")):
        node["daemoned"] = True
    if not node_done(o.phase):
        p.set_phase(node, o.phase, o.message)
        return
    if not o.outputs_complete:
        waited = p.seconds_since(o.finished_at)
        if waited < TASK_RESULT_GRACE:
            p.set_phase(node, NodePhase.RUNNING)
            p.requeue(TASK_RESULT_GRACE - waited)
            return
    if not o.message:
        node.pop("message", None)  # a waiting reason like PodInitializing is over
    p.finish(node, o.phase, o.message)
    if o.finished_at:
        node["finishedAt"] = o.finished_at
    p.pod_finished(node)


def _check_timeout(p: Pass, frame: Frame, node: Obj, name: str) -> None:
    if node_done(node.get("phase")):
        return
    deadline = _deadline(p, frame, node)
    when = parse_time(deadline)
    if when is None:
        return
    left = (when - p.now).total_seconds()
    if left > 0:
        p.requeue(left)
        return
    p.act(DeletePod(name))
    p.finish(node, NodePhase.FAILED, DEADLINE_MESSAGE)


def _container_nodes(p: Pass, frame: Frame, node: Obj) -> None:
    for ctr in (frame.tmpl.get("containerSet") or {}).get("containers") or []:
        child = p.create_node(
            f"{frame.node_name}.{ctr['name']}",
            NodeType.CONTAINER,
            display_name=ctr["name"],
            template=frame.resolved,
            boundary_id=frame.call.boundary_id,
            phase=NodePhase.PENDING,
            parent=node,
        )
        child.pop("templateName", None)


def _update_container_nodes(p: Pass, node: Obj, pod: Obj) -> None:
    states = {
        s.get("name"): s.get("state") or {}
        for s in (pod.get("status") or {}).get("containerStatuses") or []
    }
    for child in p.children(node):
        if child.get("type") != NodeType.CONTAINER or node_done(child.get("phase")):
            continue
        state = states.get(child["displayName"]) or {}
        if "terminated" in state:
            code = state["terminated"].get("exitCode", 0)
            phase = NodePhase.SUCCEEDED if code == 0 else NodePhase.FAILED
            p.finish(child, phase, "" if code == 0 else f"Error (exit code {code})")
        elif "running" in state:
            p.set_phase(child, NodePhase.RUNNING)
        elif node_done(node.get("phase")):
            p.finish(child, node["phase"], node.get("message", ""))


def execute_http(p: Pass, frame: Frame, inputs: list[Obj]) -> Obj | None:
    node = p.node(frame.node_name)
    if node is None:
        if why := refused(p, frame.call.on_exit):
            return new_node(p, frame, NodeType.HTTP, inputs, phase=NodePhase.FAILED, message=why)
        if not may_start(p, frame.call.on_exit):
            _hold(p, frame)
            return None
        node = new_node(p, frame, NodeType.HTTP, inputs, phase=NodePhase.RUNNING)
    result = _current(p.observed.task_results.get(node["id"]), node)
    if result is None:
        p.act(RunHttp(node["id"], dict(frame.tmpl)))
        return node
    phase = result.get("phase") or NodePhase.SUCCEEDED
    if result.get("outputs") is not None:
        node["outputs"] = result["outputs"]
    if node_done(phase):
        p.finish(node, phase, result.get("message", ""))
    return node
