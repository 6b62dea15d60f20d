"""`argoapp exec wait`: wait for the main container(s), then report the outputs as a task result.

Run as the pod's `wait` container (localkube's kubelet may call `begin` and `finish` in-process
instead, with its own `TaskResults`). Following Argo's `wait` (`postmain.go`):
1. `begin`: create the WorkflowTaskResult named `<nodeID>` (labels `workflows.argoproj.io/workflow`
   and `report-outputs-completed=false`, owned by the Workflow), tolerating one that exists;
2. `wait_for_mains`: block until every main container has written its `exitcode`; meanwhile
   enforce ARGO_DEADLINE by writing "Step exceeded its deadline" to the termination log, `15` to
   each main's `signal` file and, after the grace period, `9`. A SIGTERM to wait does the same
   at once (the pod is being stopped);
3. `finish`: collect `outputs` (parameters, the script result), upload the output artifacts and
   archived logs (`artifact_outputs`), and merge-patch them all into the task result in one
   request with `report-outputs-completed=true`. An output that cannot be read or saved (a
   missing file without a default, a failed upload) is reported as the result's phase `Error`
   with the message, written to the termination log, and the container exits 1: the node
   fails with it, as in Argo.
"""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from argoapp.executor import outputs
from argoapp.executor.env import NO_DEADLINE, ExecEnv, Obj, main_names
from argoapp.kube.errors import AlreadyExists, Unavailable

if TYPE_CHECKING:
    from argoapp.executor.artifact_access import ArtifactAccess
    from argoapp.kube.lite import LiteKube

PREFIX = "workflows.argoproj.io"
LABEL_WORKFLOW = f"{PREFIX}/workflow"
LABEL_COMPLETED = f"{PREFIX}/report-outputs-completed"
DEADLINE_MESSAGE = "Step exceeded its deadline"
POLL = 0.02  # a stat of a few files: cheap, and it bounds how late outputs are reported


class TaskResults(Protocol):
    """Where WorkflowTaskResults go: the API server (`LiteTaskResults`) or the kubelet."""

    def create(self, body: Obj) -> None:
        """Create the result; an existing one is fine."""
        ...

    def patch(self, name: str, patch: Obj) -> None:
        """Merge-patch the result."""
        ...


def task_result(env: ExecEnv) -> Obj:
    """The empty WorkflowTaskResult that wait creates first."""
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "WorkflowTaskResult",
        "metadata": {
            "name": env.node_id,
            "labels": {LABEL_WORKFLOW: env.workflow_name, LABEL_COMPLETED: "false"},
            "ownerReferences": [
                {
                    "apiVersion": "argoproj.io/v1alpha1",
                    "kind": "Workflow",
                    "name": env.workflow_name,
                    "uid": env.workflow_uid,
                }
            ],
        },
    }


def run_wait(env: ExecEnv, results: TaskResults, access: ArtifactAccess | None = None) -> int:
    """The whole wait container; its exit code."""
    begin(env, results)
    template = env.read_template()
    wait_for_mains(env, template)
    return finish(env, template, results, access)


def begin(env: ExecEnv, results: TaskResults) -> None:
    """Create the (still incomplete) task result."""
    results.create(task_result(env))


def finish(
    env: ExecEnv, template: Obj, results: TaskResults, access: ArtifactAccess | None = None
) -> int:
    """Collect, save and report the outputs; 0, or 1 when an output could not be read or saved."""
    found, error = outputs.collect(env, template)
    if saves_artifacts(template):
        from argoapp.executor.artifact_outputs import save_outputs

        saved, failed = save_outputs(env, template, access)
        if saved:
            found["artifacts"] = saved
        error = "; ".join(e for e in (error, failed) if e)
    patch: Obj = {"metadata": {"labels": {LABEL_COMPLETED: "true"}}}
    if found:
        patch["outputs"] = found
    if error:
        patch["phase"] = "Error"
        patch["message"] = error
        terminate_message(env, error)
    results.patch(env.node_id, patch)
    return 1 if error else 0


def saves_artifacts(template: Obj) -> bool:
    """Whether wait has artifacts to upload: outputs with a path, or logs to archive."""
    declared = (template.get("outputs") or {}).get("artifacts") or []
    logs = bool((template.get("archiveLocation") or {}).get("archiveLogs"))
    return logs or any(a.get("path") for a in declared)


def terminate_message(env: ExecEnv, message: str) -> None:
    """Write the container's termination message (best effort)."""
    try:
        env.termination_log.write_text(message)
    except OSError:
        print(message, file=sys.stderr, flush=True)


def signal_mains(env: ExecEnv, template: Obj, signum: int) -> None:
    """Ask every running main container's emissary to send `signum` to its command."""
    for name in main_names(template):
        ctr = env.ctr_dir(name)
        if (ctr / "exitcode").exists():
            continue
        ctr.mkdir(parents=True, exist_ok=True)
        (ctr / "signal").write_text(str(signum))


def wait_for_mains(env: ExecEnv, template: Obj) -> None:
    """Block until every main container has an exitcode, enforcing the deadline meanwhile."""
    deadline = _deadline(env.deadline)
    stopping: list[float] = []  # when SIGTERM went to the mains (monotonic)

    def stop(_signum: int = 0, _frame: object = None) -> None:
        if not stopping:
            signal_mains(env, template, signal.SIGTERM)
            stopping.append(time.monotonic())

    signal.signal(signal.SIGTERM, stop)
    names = main_names(template)
    while not all((env.ctr_dir(n) / "exitcode").exists() for n in names):
        if deadline is not None and not stopping and datetime.now(UTC) >= deadline:
            terminate_message(env, DEADLINE_MESSAGE)
            stop()
        if stopping and time.monotonic() - stopping[0] >= env.grace_seconds:
            signal_mains(env, template, signal.SIGKILL)
            stopping[0] = float("inf")
        time.sleep(POLL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _deadline(text: str) -> datetime | None:
    if not text or text == NO_DEADLINE:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# How long a task result write keeps trying while the API is unreachable (e.g. the
# controller's host restarting): losing the report would lose the step's outputs.
REPORT_PATIENCE = 120.0


class LiteTaskResults:
    """Task results over the Kubernetes API with the executor's stdlib client."""

    def __init__(self, kube: LiteKube, patience: float = REPORT_PATIENCE) -> None:
        self.kube = kube
        self.patience = patience

    def create(self, body: Obj) -> None:
        try:
            self._persist(lambda: self.kube.create("WorkflowTaskResult", body))
        except AlreadyExists:
            pass  # a wait container that restarted, or a retried create that had succeeded

    def patch(self, name: str, patch: Obj) -> None:
        self._persist(lambda: self.kube.patch("WorkflowTaskResult", name, patch))

    def _persist(self, write: Callable[[], object]) -> None:
        give_up = time.monotonic() + self.patience
        delay = 0.5
        while True:
            try:
                write()
                return
            except Unavailable:
                if time.monotonic() + delay > give_up:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 5.0)
