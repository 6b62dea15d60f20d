"""assess: a workflow pod in each state, and its task result, read as Argo reads them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from argoapp.engine.podstatus import assess

NOW = datetime(2030, 1, 1, 0, 10, tzinfo=UTC)
TMPL = {"name": "t", "container": {"image": "alpine", "command": ["true"]}}


def term(code: int, reason: str = "", message: str = "", start: str = "00:00:01") -> dict[str, Any]:
    t: dict[str, Any] = {
        "exitCode": code,
        "reason": reason or ("Completed" if code == 0 else "Error"),
        "startedAt": f"2030-01-01T{start}Z",
        "finishedAt": "2030-01-01T00:00:11Z",
    }
    if message:
        t["message"] = message
    return {"terminated": t}


def pod(
    phase: str, *, init: Any = None, wait: Any = None, main: Any = None, **status: Any
) -> dict[str, Any]:
    ctrs = []
    if wait is not None:
        ctrs.append({"name": "wait", "state": wait, "ready": "running" in wait})
    if main is not None:
        ctrs.append({"name": "main", "state": main, "ready": "running" in main})
    st: dict[str, Any] = {
        "phase": phase,
        "containerStatuses": ctrs,
        "startTime": "2030-01-01T00:00:00Z",
    }
    if init is not None:
        st["initContainerStatuses"] = [{"name": "init", "state": init}]
    st.update(status)
    return {
        "metadata": {"name": "p", "annotations": {}},
        "spec": {"nodeName": "localkube", "containers": [{"name": "wait"}, {"name": "main"}]},
        "status": st,
    }


def result(complete: bool, outputs: Any = None, **extra: Any) -> dict[str, Any]:
    label = "true" if complete else "false"
    return {
        "metadata": {"labels": {"workflows.argoproj.io/report-outputs-completed": label}},
        "outputs": outputs or {},
        **extra,
    }


def test_pending_with_waiting_reason() -> None:
    p = pod("Pending", main={"waiting": {"reason": "ContainerCreating"}})
    o = assess(p, None, TMPL, NOW)
    assert o.phase == "Pending" and o.message == "ContainerCreating" and not o.outputs_complete


def test_pending_unschedulable() -> None:
    p = pod(
        "Pending",
        conditions=[{"type": "PodScheduled", "reason": "Unschedulable", "message": "0/1"}],
    )
    assert assess(p, None, TMPL, NOW).message == "Unschedulable: 0/1"


def test_running() -> None:
    o = assess(pod("Running", wait={"running": {}}, main={"running": {}}), None, TMPL, NOW)
    assert o.phase == "Running" and o.exit_code is None and not o.daemoned and o.progress == "0/1"


def test_succeeded_with_outputs() -> None:
    p = pod("Succeeded", init=term(0), wait=term(0), main=term(0))
    r = result(True, {"parameters": [{"name": "x", "value": "1"}], "result": "hi", "exitCode": "9"})
    o = assess(p, r, TMPL, NOW)
    assert o.phase == "Succeeded" and o.message == ""
    assert o.outputs == {
        "parameters": [{"name": "x", "value": "1"}],
        "result": "hi",
        "exitCode": "0",
    }
    assert o.exit_code == "0" and o.outputs_complete and o.progress == "1/1"
    assert o.finished_at == "2030-01-01T00:00:11Z" and o.host_node_name == "localkube"
    assert o.resources_duration == {"cpu": 3, "memory": 30}  # 3 containers x 10 s at defaults


def test_main_failed_message() -> None:
    p = pod("Failed", init=term(0), wait=term(0), main=term(3, message="boom"))
    o = assess(p, result(True), TMPL, NOW)
    assert o.phase == "Failed" and o.message == "Error (exit code 3): boom" and o.exit_code == "3"


def test_oom_killed() -> None:
    p = pod("Failed", init=term(0), wait=term(0), main=term(137, "OOMKilled"))
    assert assess(p, result(True), TMPL, NOW).message == "OOMKilled (exit code 137)"


def test_pod_message_wins() -> None:
    msg = "Pod was active on the node longer than the specified deadline"
    p = pod(
        "Failed", init=term(0), wait=term(0), main=term(137), reason="DeadlineExceeded", message=msg
    )
    o = assess(p, result(True), TMPL, NOW)
    assert o.phase == "Failed" and o.message == msg


def test_init_failure_fails_the_node() -> None:
    # Argo: inferFailedReason says Error, then a failed init container marks the node Failed
    waiting = {"waiting": {"reason": "PodInitializing"}}
    p = pod("Failed", init=term(1, message="no artifact"), wait=waiting, main=waiting)
    o = assess(p, None, TMPL, NOW)
    assert o.phase == "Failed" and o.message == "Error (exit code 1): no artifact"
    assert o.outputs_complete  # wait never ran: no result will come


def test_wait_failure_is_error() -> None:
    p = pod("Failed", init=term(0), wait=term(1, message="open /tmp/x: no such file"), main=term(0))
    o = assess(p, result(True), TMPL, NOW)
    assert o.phase == "Error" and o.message == "Error (exit code 1): open /tmp/x: no such file"


def test_killed_sidecar_is_ignored() -> None:
    p = pod("Failed", init=term(0), wait=term(0), main=term(0))
    p["status"]["containerStatuses"].append({"name": "db", "state": term(137)})
    assert assess(p, result(True), TMPL, NOW).phase == "Succeeded"


def test_finished_pod_with_running_wait_stays_running() -> None:
    p = pod("Running", init=term(0), wait={"running": {}}, main=term(1))
    o = assess(p, None, TMPL, NOW)
    assert o.phase == "Running" and o.exit_code == "1"


def test_outputs_incomplete_until_label() -> None:
    p = pod("Succeeded", init=term(0), wait=term(0), main=term(0))
    now = datetime(2030, 1, 1, 0, 0, 12, tzinfo=UTC)
    assert not assess(p, result(False), TMPL, now).outputs_complete
    assert not assess(p, None, TMPL, now).outputs_complete
    assert assess(p, None, TMPL, NOW.replace(minute=20)).outputs_complete  # Argo's 10 min timeout


def test_result_failure_fails_node() -> None:
    p = pod("Succeeded", init=term(0), wait=term(0), main=term(0))
    r = result(True, phase="Failed", message="missing output")
    o = assess(p, r, TMPL, NOW)
    assert o.phase == "Failed" and o.message == "missing output"


def test_pod_deleted() -> None:
    o = assess(None, None, TMPL, NOW)
    assert o.phase == "Error" and o.message == "pod deleted" and o.outputs_complete


def test_daemon_ready() -> None:
    tmpl = {**TMPL, "daemon": True}
    p = pod("Running", init=term(0), wait={"running": {}}, main={"running": {}}, podIP="10.0.0.5")
    o = assess(p, None, tmpl, NOW)
    assert o.daemoned and o.pod_ip == "10.0.0.5"
    p["status"]["containerStatuses"][1]["ready"] = False
    assert not assess(p, None, tmpl, NOW).daemoned
    failed = pod("Failed", init=term(0), wait=term(0), main=term(143))
    assert assess(failed, None, tmpl, NOW, was_daemoned=True).phase == "Succeeded"


def test_progress_from_result() -> None:
    p = pod("Running", wait={"running": {}}, main={"running": {}})
    assert assess(p, result(False, progress="3/7"), TMPL, NOW).progress == "3/7"
