"""How a pod worker's container records change: resume from disk, start, exit, back-off.

Called only by `worker.PodWorker`; these functions change the worker's `ContainerState`s and,
for failures the pod cannot recover from, its outcome. They do not write status or wait: the
worker publishes after each change.

Adoption rules (`resume`), per container, from its attempt directories:
- the latest attempt has an exit record: it ended (while the kubelet was down, perhaps);
- its shim is alive (same pid, start time and boot): it is running, and is followed again;
- it is a wait the kubelet ran in-process (`inprocess.json`) with no exit record: it runs
  again in the same attempt (an init cut short left no record: its attempt did not count, and
  it runs again in the same directory);
- its shim is gone without an exit record, or the container's status says it started but no
  attempt directory is left: it ends `ContainerStatusUnknown` and the pod fails. Nothing is ever
  re-run on a guess.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from argoapp.localkube.kubelet import specs
from argoapp.localkube.kubelet.commands import RUN_ERROR, CommandError
from argoapp.localkube.kubelet.config import KubeletConfig
from argoapp.localkube.kubelet.runtime import (
    IN_PROCESS_MARK,
    UNKNOWN_REASON,
    Attempt,
    Exit,
    Running,
    attempts_on_disk,
    inspect,
    read_exit,
    unknown_exit,
)
from argoapp.localkube.kubelet.status import TERMINAL, ContainerState, container_id
from argoapp.localkube.lifecycle import now_rfc3339

if TYPE_CHECKING:
    from argoapp.localkube.kubelet.worker import PodWorker

Obj = dict[str, Any]
_PERMANENT = (UNKNOWN_REASON, RUN_ERROR)


def seconds(stamp: str | None) -> str | None:
    """An RFC 3339 time at the API's precision (seconds)."""
    return stamp[:19] + "Z" if stamp and len(stamp) >= 19 else stamp


def _fallback_to_logs(worker: PodWorker, name: str) -> bool:
    spec = worker.pod.get("spec") or {}
    for c in (*(spec.get("initContainers") or []), *(spec.get("containers") or [])):
        if c.get("name") == name:
            return bool(c.get("terminationMessagePolicy") == "FallbackToLogsOnError")
    return False


def resume(worker: PodWorker) -> None:
    """Pick up each container where the disk (or the stored status) says it is.

    A pod already Succeeded or Failed starts from its stored container statuses, so that what
    is left of it (its area is removed once it is deleted, finalizers may keep it longer) never
    replaces an exit code with less; its disk, when still there, only adds to them.
    """
    status = worker.pod.get("status") or {}
    terminal = status.get("phase") in TERMINAL
    stored = {
        cs.get("name"): cs
        for cs in (*(status.get("initContainerStatuses") or []),
                   *(status.get("containerStatuses") or []))
        if isinstance(cs, dict)
    }  # fmt: skip
    for st in (*worker.inits, *worker.mains):
        if terminal and st.name in stored:
            st.restore(stored[st.name])
        attempts = attempts_on_disk(worker.paths, st.name)
        if attempts:
            _resume_attempt(worker, st, attempts)
        elif terminal and st.state == "terminated":
            continue
        elif _was_started(stored.get(st.name)):
            st.restart_count = specs.count(stored[st.name].get("restartCount"))
            record_exit(worker, st, unknown_exit(
                message="The container's state directory is missing: it cannot be followed "
                "after a kubelet restart",
            ))  # fmt: skip


def _was_started(cs: Obj | None) -> bool:
    if not cs:
        return False
    state = cs.get("state")
    if not isinstance(state, dict):
        state = {}
    return bool(state.get("running") or state.get("terminated") or cs.get("restartCount"))


def _resume_attempt(worker: PodWorker, st: ContainerState, attempts: list[int]) -> None:
    latest = attempts[-1]
    state = worker.paths.attempt(st.name, latest)
    if (state / IN_PROCESS_MARK).exists() and not (state / "exit.json").exists():
        # An executor role the kubelet ran itself, cut short by its stop: run it again, in the
        # same attempt (init and wait can be repeated without harm).
        worker.next_attempt[st.name] = latest
        st.restart_count = latest
        st.state, st.reason, st.message = "waiting", "PodInitializing", ""
        return
    fallback = _fallback_to_logs(worker, st.name)
    worker.next_attempt[st.name] = latest + 1
    st.restart_count = latest
    st.container_id = container_id(worker.uid, st.name, latest)
    if len(attempts) > 1:
        previous = read_exit(worker.paths.attempt(st.name, attempts[-2]), fallback)
        if previous is not None:
            cid = container_id(worker.uid, st.name, attempts[-2])
            st.last_terminated = _terminated(previous, cid)
    found = inspect(worker.paths.attempt(st.name, latest), fallback, worker.runtime.supervisor)
    if isinstance(found, Attempt):
        st.state, st.reason, st.message = "running", "", ""
        st.started_at = seconds(found.started_at)
        worker.attempts[st.name] = found
    else:
        record_exit(worker, st, found)


def _terminated(ended: Exit, cid: str) -> Obj:
    out: Obj = {"exitCode": ended.exit_code, "reason": ended.reason}
    if ended.message:
        out["message"] = ended.message
    out["startedAt"] = seconds(ended.started_at)
    out["finishedAt"] = seconds(ended.finished_at)
    out["containerID"] = cid
    return out


def permanent(st: ContainerState) -> bool:
    """Ended in a way no restart can mend."""
    return st.state == "terminated" and st.reason in _PERMANENT


def backoff(config: KubeletConfig, restarts: int) -> float:
    """CrashLoopBackOff before the next start: none for the first restart, then doubling."""
    if restarts <= 0:
        return 0.0
    return float(min(config.restart_backoff * 2 ** (restarts - 1), config.max_restart_backoff))


def start_failed(worker: PodWorker, st: ContainerState, error: CommandError) -> None:
    """The container could not be built: wait and retry, or (no command) fail the pod."""
    if error.reason == RUN_ERROR:
        st.state, st.exit_code = "terminated", 128
        st.reason, st.message = RUN_ERROR, error.message
        st.started_at = st.finished_at = now_rfc3339()
        worker.fail_pod()
        return
    st.state, st.reason, st.message = "waiting", error.reason, error.message


def started(worker: PodWorker, st: ContainerState, attempt: Running) -> None:
    st.restart_count = attempt.restart_count
    st.container_id = container_id(worker.uid, st.name, attempt.restart_count)
    st.exit_code = None
    st.finished_at = None
    if attempt.started_at is not None:
        st.state, st.reason, st.message = "running", "", ""
        st.started_at = seconds(attempt.started_at)


def record_exit(worker: PodWorker, st: ContainerState, ended: Exit) -> None:
    st.state, st.exit_code = "terminated", ended.exit_code
    st.reason, st.message = ended.reason, ended.message
    st.started_at = seconds(ended.started_at) or st.started_at
    st.finished_at = seconds(ended.finished_at) or now_rfc3339()
    if ended.reason == UNKNOWN_REASON:
        worker.fail_pod()
