"""Pod status as a real kubelet reports it, computed from what the worker knows of its containers.

Called by the pod worker on every transition; pure functions, no I/O, the clock passed in.
`ContainerState` is the worker's record of one container; `pod_status` turns the records into
the Pod's `.status`: phase (the kubelet's `getPhase` rules), conditions with their transition
times kept from the previous status, container statuses with state and lastState, IPs
and startTime. `qosClass` is left out: the API server sets it once at creation, as Kubernetes
does, and a merge patch without it keeps it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from argoapp.localkube.kubelet.specs import count

Obj = dict[str, Any]
TERMINAL = ("Succeeded", "Failed")


@dataclass
class ContainerState:
    """The worker's record of one container."""

    name: str
    image: str
    state: str = "waiting"  # waiting | running | terminated
    reason: str = ""
    message: str = ""
    restart_count: int = 0
    exit_code: int | None = None
    started_at: str | None = None
    finished_at: str | None = None
    last_terminated: Obj | None = None
    container_id: str = ""

    def restore(self, cs: Obj) -> None:
        """Take back what a stored container status (`to_status`'s output) says."""
        state, last_state = _dict(cs.get("state")), _dict(cs.get("lastState"))
        last = last_state.get("terminated")
        self.restart_count = count(cs.get("restartCount"))
        self.container_id = str(cs.get("containerID") or "")
        self.last_terminated = dict(last) if isinstance(last, dict) else None
        if isinstance(state.get("terminated"), dict):
            done = state["terminated"]
            self.state, self.exit_code = "terminated", count(done.get("exitCode"))
            self.reason, self.message = (
                str(done.get("reason") or ""),
                str(done.get("message") or ""),
            )
            self.started_at, self.finished_at = done.get("startedAt"), done.get("finishedAt")
            self.container_id = str(done.get("containerID") or self.container_id)
        elif isinstance(state.get("running"), dict):
            self.state, self.reason, self.message = "running", "", ""
            self.started_at = state["running"].get("startedAt")
        elif isinstance(state.get("waiting"), dict):
            waiting = state["waiting"]
            self.state = "waiting"
            self.reason = str(waiting.get("reason") or "")
            self.message = str(waiting.get("message") or "")

    def terminated_obj(self) -> Obj:
        out: Obj = {"exitCode": self.exit_code if self.exit_code is not None else 0}
        if self.reason:
            out["reason"] = self.reason
        if self.message:
            out["message"] = self.message
        out["startedAt"] = self.started_at
        out["finishedAt"] = self.finished_at
        if self.container_id:
            out["containerID"] = self.container_id
        return out

    def succeeded(self) -> bool:
        return self.state == "terminated" and self.exit_code == 0

    def to_status(self) -> Obj:
        if self.state == "running":
            state: Obj = {"running": {"startedAt": self.started_at}}
        elif self.state == "terminated":
            state = {"terminated": self.terminated_obj()}
        else:
            state = {"waiting": {"reason": self.reason or "ContainerCreating"}}
            if self.message:
                state["waiting"]["message"] = self.message
        out: Obj = {
            "name": self.name,
            "state": state,
            "lastState": {"terminated": self.last_terminated} if self.last_terminated else {},
            "ready": self.state == "running",
            "restartCount": self.restart_count,
            "image": self.image,
            "imageID": f"localkube://{self.image}" if self.container_id else "",
            "started": self.state == "running",
        }
        if self.container_id:
            out["containerID"] = self.container_id
        return out


def _dict(value: Any) -> Obj:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def container_id(uid: str, name: str, restart_count: int) -> str:
    digest = hashlib.sha256(f"{uid}/{name}/{restart_count}".encode()).hexdigest()
    return f"localkube://{digest}"


def phase(
    restart_policy: str, inits: Sequence[ContainerState], mains: Sequence[ContainerState]
) -> str:
    """The pod phase from its containers, by the kubelet's `getPhase` rules."""
    for init in inits:
        if init.succeeded():
            continue
        if init.state == "terminated" and restart_policy == "Never":
            return "Failed"
        return "Pending"
    running = waiting = stopped = succeeded = 0
    for c in mains:
        if c.state == "running":
            running += 1
        elif c.state == "terminated":
            stopped += 1
            succeeded += c.exit_code == 0
        elif c.last_terminated is not None:
            stopped += 1
        else:
            waiting += 1
    if waiting:
        return "Pending"
    if running:
        return "Running"
    if not stopped:
        return "Pending"
    if restart_policy == "Always":
        return "Running"
    if stopped == succeeded:
        return "Succeeded"
    return "Failed" if restart_policy == "Never" else "Running"


def _condition(kind: str, ok: bool, reason: str = "", message: str = "") -> Obj:
    out: Obj = {"type": kind, "status": "True" if ok else "False", "lastProbeTime": None}
    if reason:
        out["reason"] = reason
    if message:
        out["message"] = message
    return out


def conditions(
    pod_phase: str, inits: Sequence[ContainerState], mains: Sequence[ContainerState], started: bool
) -> list[Obj]:
    """PodReadyToStartContainers, Initialized, Ready, ContainersReady, PodScheduled."""
    done = pod_phase in TERMINAL
    pending_inits = [c.name for c in inits if not c.succeeded()]
    if not pending_inits:
        initialized = _condition("Initialized", True)
    elif done:
        initialized = _condition("Initialized", False, "PodCompleted")
    else:
        initialized = _condition(
            "Initialized", False, "ContainersNotInitialized",
            f"containers with incomplete status: [{' '.join(pending_inits)}]",
        )  # fmt: skip
    unready = [c.name for c in mains if c.state != "running"]
    if done:
        ready = [_condition(k, False, "PodCompleted") for k in ("Ready", "ContainersReady")]
    elif unready:
        message = f"containers with unready status: [{' '.join(unready)}]"
        ready = [
            _condition(k, False, "ContainersNotReady", message)
            for k in ("Ready", "ContainersReady")
        ]
    else:
        ready = [_condition(k, True) for k in ("Ready", "ContainersReady")]
    sandbox = _condition("PodReadyToStartContainers", started and not done)
    return [sandbox, initialized, *ready, _condition("PodScheduled", True)]


def keep_transition_times(new: list[Obj], old: Any, now: str) -> list[Obj]:
    """Each condition's lastTransitionTime: kept while its status stays, else `now`."""
    before = {c.get("type"): c for c in _list(old) if isinstance(c, dict)}
    for cond in new:
        prev = before.get(cond["type"])
        same = prev is not None and prev.get("status") == cond["status"]
        cond["lastTransitionTime"] = (prev or {}).get("lastTransitionTime") if same else now
        cond["lastTransitionTime"] = cond["lastTransitionTime"] or now
    return new


@dataclass
class PodOutcome:
    """A pod-level result that overrides the computed phase (deadline, lost containers)."""

    phase: str
    reason: str = ""
    message: str = ""


def pod_phase(
    pod: Obj,
    inits: Sequence[ContainerState],
    mains: Sequence[ContainerState],
    outcome: PodOutcome | None = None,
) -> str:
    """The phase `pod_status` reports: a stored final phase stays, an outcome overrides."""
    old = _dict(pod.get("status")).get("phase")
    if old in TERMINAL:
        return str(old)
    if outcome is not None:
        return outcome.phase
    return phase(str((pod.get("spec") or {}).get("restartPolicy") or "Always"), inits, mains)


def pod_status(
    pod: Obj,
    inits: Sequence[ContainerState],
    mains: Sequence[ContainerState],
    *,
    now: str,
    start_time: str,
    host_ip: str,
    pod_ip: str,
    outcome: PodOutcome | None = None,
    started: bool = True,
) -> Obj:
    """The whole `.status` of `pod` (None values clear old keys under a merge patch)."""
    old = _dict(pod.get("status"))
    computed = pod_phase(pod, inits, mains, outcome)
    status: Obj = {
        "phase": computed,
        "conditions": keep_transition_times(
            conditions(computed, inits, mains, started), old.get("conditions"), now
        ),
        "hostIP": host_ip,
        "hostIPs": [{"ip": host_ip}],
        "podIP": pod_ip,
        "podIPs": [{"ip": pod_ip}],
        "startTime": start_time,
        "containerStatuses": [c.to_status() for c in mains],
        "reason": outcome.reason if outcome and outcome.reason else old.get("reason"),
        "message": outcome.message if outcome and outcome.message else old.get("message"),
    }
    if inits:
        status["initContainerStatuses"] = [c.to_status() for c in inits]
    return status
