"""Read a workflow pod's outcome: Argo's `assessNodeStatus` and its task-result handling.

The engine calls `assess(pod, task_result, template, now)` for every pod node on each pass and
copies the `PodOutcome` into the node. Pure: `now` is passed in, nothing is fetched.

Phase comes from the pod, as in Argo: Pending (with the waiting reason or the scheduler's
`Unschedulable` message), Running (a daemon template whose containers are all ready is
`daemoned`), Succeeded, or Failed, whose message is taken from the pod's own message (for
example "Pod was active on the node longer than the specified deadline") or else from the first
failed container in Argo's order: init containers, main, wait, sidecars, worded
"<reason> (exit code N): <termination message>". A failed init or wait container makes the node
`Error`, a failed main `Failed`; a sidecar killed with 137/143 is ignored. A pod that is gone
while its node still runs is `Error` "pod deleted". While `wait` still runs, a finished pod stays
Running: wait may still be saving outputs.

`outputs` are the task result's (parameters, result, artifacts) plus `exitCode` from the main
container's status, never from the result. `outputs_complete` says whether the node may be
finished: the task result carries `report-outputs-completed=true`; or no result can come any
more (the pod is gone, `wait` never ran, or it ended abnormally: it exited non-zero and
`RESULT_GRACE` passed); or `wait` ended `TASK_RESULT_TIMEOUT` ago (Argo's 10 minutes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from argoapp.engine.podresources import resources_duration
from argoapp.model import labels as L
from argoapp.model.phases import NodePhase
from argoapp.model.types import Obj

WAIT = "wait"
INIT = "init"
POD_DELETED = "pod deleted"
PROGRESS_DEFAULT = "0/1"
TASK_RESULT_TIMEOUT = timedelta(minutes=10)
RESULT_GRACE = timedelta(seconds=5)
_IGNORED_SIDECAR_CODES = (137, 143)  # killed by the executor once main was done


@dataclass(frozen=True)
class PodOutcome:
    """What a pod says about its node."""

    phase: str  # a NodePhase value
    message: str = ""
    started_at: str | None = None
    finished_at: str | None = None
    exit_code: str | None = None
    outputs: Obj | None = None
    host_node_name: str = ""
    pod_ip: str = ""
    daemoned: bool = False
    outputs_complete: bool = False
    progress: str = PROGRESS_DEFAULT
    resources_duration: dict[str, int] = field(default_factory=dict)


def assess(
    pod: Obj | None,
    task_result: Obj | None,
    template: Obj,
    now: datetime,
    *,
    was_daemoned: bool = False,
) -> PodOutcome:
    """The outcome of a pod node from its pod (None: the pod is gone) and its task result.

    `was_daemoned`: the node was already daemoned, so its pod failing (being stopped once its
    scope ended) counts as success, as in Argo."""
    if pod is None:
        return PodOutcome(
            phase=NodePhase.ERROR,
            message=POD_DELETED,
            outputs=_outputs(task_result, None),
            outputs_complete=True,
            progress=_progress(task_result, None),
        )
    status = pod.get("status") or {}
    inits = list(status.get("initContainerStatuses") or [])
    ctrs = list(status.get("containerStatuses") or [])
    phase, message = _phase(pod, template, inits, ctrs)
    phase, message = _result_failure(phase, message, task_result)
    if was_daemoned and phase in (NodePhase.FAILED, NodePhase.ERROR):
        phase, message = NodePhase.SUCCEEDED, ""
    if phase in (NodePhase.SUCCEEDED, NodePhase.FAILED, NodePhase.ERROR) and _running(ctrs, WAIT):
        phase, message = NodePhase.RUNNING, ""  # wait may still be saving outputs
    daemoned = (
        phase == NodePhase.RUNNING
        and bool(template.get("daemon"))
        and bool(ctrs)
        and all(c.get("ready") for c in ctrs)
    )
    done = phase in (NodePhase.SUCCEEDED, NodePhase.FAILED, NodePhase.ERROR)
    exit_code = _main_exit_code(ctrs)
    return PodOutcome(
        phase=phase,
        message=message,
        started_at=status.get("startTime"),
        finished_at=_latest_finish(inits + ctrs) if done else None,
        exit_code=exit_code,
        outputs=_outputs(task_result, exit_code),
        host_node_name=str((pod.get("spec") or {}).get("nodeName") or ""),
        pod_ip=str(status.get("podIP") or "") if daemoned else "",
        daemoned=daemoned,
        outputs_complete=_complete(task_result, pod, ctrs, now),
        progress=_progress(task_result, pod, done=phase == NodePhase.SUCCEEDED),
        resources_duration=resources_duration(pod) if done else {},
    )


def _phase(pod: Obj, template: Obj, inits: list[Obj], ctrs: list[Obj]) -> tuple[str, str]:
    status = pod.get("status") or {}
    pod_phase = status.get("phase") or "Pending"
    if pod_phase == "Pending":
        return NodePhase.PENDING, _pending_reason(status)
    if pod_phase == "Running":
        phase: str = NodePhase.RUNNING
        message = ""
    elif pod_phase == "Succeeded":
        phase, message = NodePhase.SUCCEEDED, ""
    elif pod_phase == "Failed":
        phase, message = _failed_reason(status, template, inits, ctrs)
    else:
        name = (pod.get("metadata") or {}).get("name", "")
        return NodePhase.ERROR, f"Unexpected pod phase for {name}: {pod_phase}"
    if any(_exit(c) not in (None, 0) for c in inits):
        phase = NodePhase.FAILED
    return phase, message


def _pending_reason(status: Obj) -> str:
    for c in status.get("containerStatuses") or []:
        waiting = (c.get("state") or {}).get("waiting")
        if waiting is not None:
            reason, msg = waiting.get("reason") or "", waiting.get("message") or ""
            return f"{reason}: {msg}" if msg else reason
    for cond in status.get("conditions") or []:
        if cond.get("reason") == "Unschedulable":
            msg = cond.get("message") or ""
            return f"Unschedulable: {msg}" if msg else "Unschedulable"
    return ""


def main_names(template: Obj) -> set[str]:
    """The names of the template's main containers (a containerSet's are the user's names)."""
    cset = template.get("containerSet")
    if cset is not None:
        return {str(c.get("name")) for c in cset.get("containers") or []}
    name = (template.get("container") or template.get("script") or {}).get("name")
    return {str(name or "main")}


def _failed_reason(
    status: Obj, template: Obj, inits: list[Obj], ctrs: list[Obj]
) -> tuple[str, str]:
    if status.get("message"):
        return NodePhase.FAILED, str(status["message"])
    mains = main_names(template)

    def order(c: Obj) -> int:
        return 1 if c.get("name") in mains else 2 if c.get("name") == WAIT else 3

    for c in [*inits, *sorted(ctrs, key=order)]:
        state = c.get("state") or {}
        name = c.get("name")
        if state.get("waiting") is not None:
            w = state["waiting"]
            return NodePhase.ERROR, (
                f"Pod failed before {name} container starts due to "
                f"{w.get('reason', '')}: {w.get('message', '')}"
            )
        t = state.get("terminated")
        if t is None or not t.get("exitCode"):
            continue
        code = int(t["exitCode"])
        msg = f"{t.get('reason', '')} (exit code {code})"
        if t.get("message"):
            msg = f"{msg}: {t['message']}"
        if c in inits or name == WAIT:
            return NodePhase.ERROR, msg
        if name in mains or code not in _IGNORED_SIDECAR_CODES:
            return NodePhase.FAILED, msg
    return NodePhase.SUCCEEDED, ""


def _result_failure(phase: str, message: str, result: Obj | None) -> tuple[str, str]:
    """A task result the executor marked Failed/Error (outputs it could not save) fails the node."""
    if result is None or phase != NodePhase.SUCCEEDED:
        return phase, message
    reported = result.get("phase")
    if reported in (NodePhase.FAILED, NodePhase.ERROR):
        return reported, str(result.get("message") or "")
    return phase, message


def _exit(c: Obj) -> int | None:
    t = (c.get("state") or {}).get("terminated")
    return None if t is None else int(t.get("exitCode") or 0)


def _running(ctrs: list[Obj], name: str) -> bool:
    return any(c.get("name") == name and (c.get("state") or {}).get("running") for c in ctrs)


def _main_exit_code(ctrs: list[Obj]) -> str | None:
    for c in ctrs:
        if c.get("name") == "main":
            code = _exit(c)
            return None if code is None else str(code)
    return None


def _latest_finish(statuses: list[Obj]) -> str | None:
    ends = [
        str(t["finishedAt"])
        for c in statuses
        if (t := (c.get("state") or {}).get("terminated")) and t.get("finishedAt")
    ]
    return max(ends) if ends else None  # RFC 3339 in UTC, as kubelets write it, sorts as text


def _outputs(result: Obj | None, exit_code: str | None) -> Obj | None:
    outputs: Obj = {}
    for key, value in ((result or {}).get("outputs") or {}).items():
        if key != "exitCode" and value not in (None, [], {}):
            outputs[key] = value
    if exit_code is not None:
        outputs["exitCode"] = exit_code
    return outputs or None


def _complete(result: Obj | None, pod: Obj, ctrs: list[Obj], now: datetime) -> bool:
    labels = ((result or {}).get("metadata") or {}).get("labels") or {}
    if labels.get(L.LABEL_REPORT_OUTPUTS_COMPLETED) == "true":
        return True
    if (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed"):
        return False
    spec_names = {c.get("name") for c in (pod.get("spec") or {}).get("containers") or []}
    if WAIT not in spec_names:
        return True  # resource and data pods: their executor reports before it exits
    wait = next((c for c in ctrs if c.get("name") == WAIT), None)
    t = ((wait or {}).get("state") or {}).get("terminated")
    if t is None or not t.get("startedAt"):
        return True  # wait never ran, so no result will come
    ended = _parse(str(t.get("finishedAt") or ""))
    if ended is None:
        return True
    elapsed = now - ended
    if int(t.get("exitCode") or 0) != 0 and elapsed >= RESULT_GRACE:
        return True
    return elapsed >= TASK_RESULT_TIMEOUT


def _progress(result: Obj | None, pod: Obj | None, *, done: bool = False) -> str:
    value = str((result or {}).get("progress") or "")
    if not value and pod is not None:
        value = str(
            ((pod.get("metadata") or {}).get("annotations") or {}).get(L.ANNOTATION_PROGRESS) or ""
        )
    if not _valid_progress(value):
        value = PROGRESS_DEFAULT
    if done:
        total = value.split("/")[1]
        return f"{total}/{total}"
    return value


def _valid_progress(value: str) -> bool:
    parts = value.split("/")
    return (
        len(parts) == 2
        and all(p.isdigit() for p in parts)
        and int(parts[0]) <= int(parts[1])
        and int(parts[1]) > 0
    )


def _parse(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def observed_pod(pod: Obj) -> Obj:
    """What the engine reads of a pod: its metadata and status, and of its spec the node and
    each container's name and resources. A controller keeps every workflow pod in memory, and
    the rest (commands, environments with the whole template, volumes) was most of each."""
    spec = pod.get("spec") or {}
    kept: Obj = {}
    if "nodeName" in spec:
        kept["nodeName"] = spec["nodeName"]
    for key in ("initContainers", "containers"):
        if key in spec:
            kept[key] = [
                {k: c[k] for k in ("name", "resources") if k in c}
                for c in spec[key] or []
                if isinstance(c, dict)
            ]
    return {k: v for k, v in pod.items() if k != "spec"} | {"spec": kept}
