"""restartPolicy: OnFailure restarts failed containers, Always restarts every exit; deadlines."""

from __future__ import annotations

from argoapp.localkube import resources as r
from argoapp.localkube.kubelet import Kubelet
from argoapp.localkube.objects import ObjectService

from .harness import Obj, finished, pod, sh, status_of, wait_for

KEEP = [{"name": "keep", "emptyDir": {}}]
MOUNT = [{"name": "keep", "mountPath": "/keep"}]
# Fails on the first two runs, succeeds on the third.
FLAKY = "echo x >> /keep/runs; test $(wc -l < /keep/runs) -ge 3"


async def test_on_failure_restarts_until_success(service: ObjectService, kubelet: Kubelet) -> None:
    manifest = pod("flaky", sh("main", FLAKY, volumeMounts=MOUNT), restartPolicy="OnFailure",
                   volumes=KEEP)  # fmt: skip
    await service.create(r.PODS, "default", manifest)
    done = await finished(service, "flaky")
    assert done["status"]["phase"] == "Succeeded"
    main = status_of(done, "main")
    assert main["restartCount"] == 2
    assert main["state"]["terminated"]["exitCode"] == 0
    assert main["lastState"]["terminated"]["exitCode"] == 1
    assert main["containerID"] != main["lastState"]["terminated"]["containerID"]


async def test_never_does_not_restart(service: ObjectService, kubelet: Kubelet) -> None:
    manifest = pod("once", sh("main", FLAKY, volumeMounts=MOUNT), volumes=KEEP)
    await service.create(r.PODS, "default", manifest)
    done = await finished(service, "once")
    assert done["status"]["phase"] == "Failed"
    assert status_of(done, "main")["restartCount"] == 0


async def test_always_restarts_after_success(service: ObjectService, kubelet: Kubelet) -> None:
    manifest = pod("forever", sh("main", "echo x >> /keep/runs", volumeMounts=MOUNT),
                   restartPolicy="Always", volumes=KEEP)  # fmt: skip
    await service.create(r.PODS, "default", manifest)

    def restarted_twice(p: Obj) -> bool:
        statuses = (p.get("status") or {}).get("containerStatuses") or []
        return bool(statuses) and statuses[0]["restartCount"] >= 2

    p = await wait_for(service, "forever", restarted_twice)
    assert p["status"]["phase"] == "Running"
    await service.delete(r.PODS, "default", "forever", grace_period_seconds=0)


async def test_active_deadline_fails_the_pod(service: ObjectService, kubelet: Kubelet) -> None:
    manifest = pod("late", sh("main", "sleep 60"), activeDeadlineSeconds=1,
                   terminationGracePeriodSeconds=1)  # fmt: skip
    await service.create(r.PODS, "default", manifest)
    done = await finished(service, "late")
    assert done["status"]["phase"] == "Failed"
    assert done["status"]["reason"] == "DeadlineExceeded"
    assert "deadline" in done["status"]["message"]
    assert status_of(done, "main")["state"]["terminated"]["exitCode"] in (137, 143)


async def test_shortened_deadline_applies(service: ObjectService, kubelet: Kubelet) -> None:
    manifest = pod("shortened", sh("main", "sleep 60"), activeDeadlineSeconds=3600)
    await service.create(r.PODS, "default", manifest)
    await wait_for(service, "shortened", lambda p: p["status"].get("phase") == "Running")
    await service.patch(
        r.PODS, "default", "shortened", "application/merge-patch+json",
        {"spec": {"activeDeadlineSeconds": 1}},
    )  # fmt: skip
    done = await finished(service, "shortened")
    assert done["status"]["reason"] == "DeadlineExceeded"
