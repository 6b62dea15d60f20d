"""Pod status as a kubelet reports it: phases, conditions, container statuses (pure)."""

from __future__ import annotations

from pathlib import Path

from argoapp.localkube import resources as r
from argoapp.localkube.kubelet import Kubelet, KubeletConfig
from argoapp.localkube.kubelet.status import (
    ContainerState,
    PodOutcome,
    phase,
    pod_status,
)
from argoapp.localkube.objects import ObjectService
from argoapp.localkube.patching import MERGE

from .harness import finished, phase_in, pod, sh, status_of, wait_for

NOW = "2024-01-01T00:00:00Z"


def st(state: str = "waiting", code: int | None = None, last: bool = False) -> ContainerState:
    c = ContainerState("c", "img", state=state, exit_code=code)
    if last:
        c.last_terminated = {"exitCode": 1}
    return c


def test_phase_rules() -> None:
    done, failed = st("terminated", 0), st("terminated", 2)
    assert phase("Never", [], [st()]) == "Pending"
    assert phase("Never", [st("running")], [st()]) == "Pending"
    assert phase("Never", [failed], [st()]) == "Failed"
    assert phase("OnFailure", [failed], [st()]) == "Pending"
    assert phase("Never", [done], [st("running"), done]) == "Running"
    assert phase("Never", [], [done, done]) == "Succeeded"
    assert phase("Never", [], [done, failed]) == "Failed"
    assert phase("OnFailure", [], [done, failed]) == "Running"
    assert phase("OnFailure", [], [st("waiting", last=True)]) == "Running"
    assert phase("Always", [], [done]) == "Running"


def test_conditions_and_outcome() -> None:
    manifest = {"metadata": {"name": "p"}, "spec": {"restartPolicy": "Never"}}
    running = pod_status(manifest, [], [st("running")], now=NOW, start_time=NOW,
                         host_ip="h", pod_ip="i")  # fmt: skip
    conditions = {c["type"]: c for c in running["conditions"]}
    assert running["phase"] == "Running"
    assert conditions["Ready"]["status"] == "True"
    assert conditions["PodScheduled"]["status"] == "True"
    assert running["podIPs"] == [{"ip": "i"}] and running["hostIP"] == "h"
    failed = pod_status(
        manifest,
        [],
        [st("running")],
        now=NOW,
        start_time=NOW,
        host_ip="h",
        pod_ip="i",
        outcome=PodOutcome("Failed", "DeadlineExceeded", "late"),
    )
    assert (failed["phase"], failed["reason"]) == ("Failed", "DeadlineExceeded")
    ready = {c["type"]: c for c in failed["conditions"]}["Ready"]
    assert ready["reason"] == "PodCompleted"


def test_transition_times_are_kept_while_the_status_stays() -> None:
    manifest = {"metadata": {"name": "p"}, "spec": {}}
    first = pod_status(manifest, [], [st("running")], now=NOW, start_time=NOW,
                       host_ip="h", pod_ip="i")  # fmt: skip
    later = pod_status(
        {**manifest, "status": first},
        [],
        [st("running")],
        now="2024-01-01T00:05:00Z",
        start_time=NOW,
        host_ip="h",
        pod_ip="i",
    )
    assert [c["lastTransitionTime"] for c in later["conditions"]] == [NOW] * 5


def test_a_stored_status_is_restored_as_it_was() -> None:
    manifest = {"metadata": {"name": "p"}, "spec": {"restartPolicy": "Never"}}
    done = ContainerState("a", "img", "terminated", "Error", "boom", 2, 3, NOW, NOW,
                          {"exitCode": 1, "startedAt": NOW}, "localkube://x")  # fmt: skip
    waiting = ContainerState("b", "img", reason="CreateContainerConfigError", message="no")
    running = ContainerState("c", "img", "running", started_at=NOW, container_id="localkube://y")
    first = pod_status(manifest, [done], [waiting, running], now=NOW, start_time=NOW,
                       host_ip="h", pod_ip="i")  # fmt: skip
    records = [ContainerState(n, "img") for n in ("a", "b", "c")]
    stored = [*first["initContainerStatuses"], *first["containerStatuses"]]
    for record, cs in zip(records, stored, strict=True):
        record.restore(cs)
    again = pod_status({**manifest, "status": first}, records[:1], records[1:], now=NOW,
                       start_time=NOW, host_ip="h", pod_ip="i")  # fmt: skip
    assert again == first
    assert records == [done, waiting, running]


async def test_qos_class_is_the_one_the_pod_was_given(
    service: ObjectService, data_dir: Path, config: KubeletConfig
) -> None:
    # Kubernetes sets qosClass once, at creation; the kubelet reports it and never recomputes
    # it. A class that differs from what the containers' resources give shows which one wins.
    created = await service.create(r.PODS, "default", pod("qos", sh("main", "true")))
    assert created["status"]["qosClass"] == "BestEffort"
    await service.patch(
        r.PODS, "default", "qos", MERGE, {"status": {"qosClass": "Guaranteed"}},
        subresource="status",
    )  # fmt: skip
    kubelet = Kubelet(service, data_dir=data_dir, config=config)
    await kubelet.start()
    try:
        done = await finished(service, "qos")
    finally:
        await kubelet.stop()
    assert done["status"]["phase"] == "Succeeded"
    assert done["status"]["qosClass"] == "Guaranteed"


async def test_status_of_a_real_pod(service: ObjectService, kubelet: Kubelet) -> None:
    await service.create(
        r.PODS,
        "default",
        pod(
            "full",
            sh("main", "true"),
            nodeSelector={"a": "b"},
            tolerations=[{"operator": "Exists"}],
        ),
    )
    done = await finished(service, "full")
    status = done["status"]
    assert status["phase"] == "Succeeded"
    assert status["podIP"] == "127.0.0.1" and status["hostIP"] == "127.0.0.1"
    assert status["startTime"].endswith("Z")
    main = status_of(done, "main")
    assert main["containerID"].startswith("localkube://")
    assert main["image"] == "busybox" and main["ready"] is False and main["started"] is False
    terminated = main["state"]["terminated"]
    assert terminated["startedAt"] <= terminated["finishedAt"]
    assert {c["type"] for c in status["conditions"]} == {
        "PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled",
    }  # fmt: skip


async def test_termination_message_is_reported(service: ObjectService, kubelet: Kubelet) -> None:
    container = sh("main", "echo bye > /dev/termination-log; echo out; exit 2")
    fallback = sh("logs", "echo last words; exit 1",
                  terminationMessagePolicy="FallbackToLogsOnError")  # fmt: skip
    await service.create(r.PODS, "default", pod("messages", container, fallback))
    done = await finished(service, "messages")
    assert status_of(done, "main")["state"]["terminated"]["message"] == "bye\n"
    assert status_of(done, "logs")["state"]["terminated"]["message"] == "last words"


async def test_fallback_message_of_a_big_log_is_its_last_lines(
    service: ObjectService, kubelet: Kubelet
) -> None:
    container = sh("main", "seq 1 100000; exit 1", terminationMessagePolicy="FallbackToLogsOnError")
    await service.create(r.PODS, "default", pod("loud", container))
    done = await finished(service, "loud")
    message = status_of(done, "main")["state"]["terminated"]["message"]
    assert message == "\n".join(str(i) for i in range(100000 - 79, 100001))


async def test_a_status_held_back_for_later_changes_is_still_written(
    service: ObjectService, kubelet: Kubelet
) -> None:
    """Statuses that are not final wait a moment for the next change (a short pod's start
    and end make one write); a container that keeps running is still reported Running soon,
    and the final status follows at once when it ends."""
    await service.create(r.PODS, "default", pod("slow", sh("main", "sleep 3")))
    running = await wait_for(service, "slow", phase_in("Running"), timeout=2.5)
    assert status_of(running, "main")["state"].get("running")
    done = await finished(service, "slow")
    assert done["status"]["phase"] == "Succeeded"
    assert int(done["metadata"]["resourceVersion"]) > int(running["metadata"]["resourceVersion"])
