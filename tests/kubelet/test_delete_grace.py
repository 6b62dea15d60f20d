"""Deleting a running pod: SIGTERM, SIGKILL after the grace period, area removed, pod gone."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from argoapp.localkube import resources as r
from argoapp.localkube.kubelet import Kubelet
from argoapp.localkube.kubelet.config import PodPaths
from argoapp.localkube.objects import ObjectService

from .harness import Obj, finished, gone, logs, phase_in, pod, sh, until, wait_for

TRAP = "trap 'echo got-term > /host/{name}; exit 0' TERM; echo ready > /host/ready-{name}; " \
    "while true; do sleep 0.1; done"  # fmt: skip
IGNORE = "trap '' TERM; echo ready > /host/ready-{name}; while true; do sleep 0.1; done"


def hosted(name: str, script: str, host: Path, **spec: object) -> Obj:
    container = sh("main", script.format(name=name),
                   volumeMounts=[{"name": "host", "mountPath": "/host"}])  # fmt: skip
    return pod(name, container, volumes=[{"name": "host", "hostPath": {"path": str(host)}}],
               **spec)  # fmt: skip


async def until_exists(path: Path) -> None:
    await until(path.exists)


async def test_sigterm_lets_the_pod_finish_its_work(
    service: ObjectService, kubelet: Kubelet, tmp_path: Path, data_dir: Path
) -> None:
    created = await service.create(r.PODS, "default", hosted("trapper", TRAP, tmp_path))
    await wait_for(service, "trapper", phase_in("Running"))
    await until_exists(tmp_path / "ready-trapper")
    marked = await service.delete(r.PODS, "default", "trapper", grace_period_seconds=30)
    assert marked["metadata"]["deletionTimestamp"]
    await gone(service, "trapper")
    assert (tmp_path / "trapper").read_text() == "got-term\n"
    assert not PodPaths(data_dir, created["metadata"]["uid"]).base.exists()


async def test_sigkill_after_the_grace_period(
    service: ObjectService, kubelet: Kubelet, tmp_path: Path
) -> None:
    await service.create(r.PODS, "default", hosted("stubborn", IGNORE, tmp_path))
    await wait_for(service, "stubborn", phase_in("Running"))
    await until_exists(tmp_path / "ready-stubborn")
    began = time.monotonic()
    await service.delete(r.PODS, "default", "stubborn", grace_period_seconds=1)
    await gone(service, "stubborn")
    assert time.monotonic() - began >= 1.0  # SIGTERM alone did not end it


async def test_final_status_is_reported_before_removal(
    service: ObjectService, kubelet: Kubelet, tmp_path: Path
) -> None:
    watch = service.watch(r.PODS, "default")
    await service.create(r.PODS, "default", hosted("watched", IGNORE, tmp_path))
    await wait_for(service, "watched", phase_in("Running"))
    await until_exists(tmp_path / "ready-watched")
    await service.delete(r.PODS, "default", "watched", grace_period_seconds=1)
    last: Obj = {}
    async with asyncio.timeout(30):
        async for event in watch:
            if event["type"] == "DELETED":
                break
            last = event["object"]
    watch.close()
    terminated = last["status"]["containerStatuses"][0]["state"]["terminated"]
    assert terminated["exitCode"] == 137
    assert last["status"]["phase"] == "Failed"


async def test_pending_pod_with_no_processes_is_removed(
    service: ObjectService, kubelet: Kubelet
) -> None:
    volumes = [{"name": "cfg", "configMap": {"name": "never-made"}}]
    container = sh("main", "true", volumeMounts=[{"name": "cfg", "mountPath": "/cfg"}])
    await service.create(r.PODS, "default", pod("never", container, volumes=volumes))
    await wait_for(service, "never", lambda p: bool(p["spec"].get("nodeName")))
    await service.delete(r.PODS, "default", "never")
    await gone(service, "never")


async def test_forced_deletion_kills_at_once(
    service: ObjectService, kubelet: Kubelet, tmp_path: Path, data_dir: Path
) -> None:
    created = await service.create(r.PODS, "default", hosted("forced", IGNORE, tmp_path))
    await wait_for(service, "forced", phase_in("Running"))
    await until_exists(tmp_path / "ready-forced")
    await service.delete(r.PODS, "default", "forced", grace_period_seconds=0)
    area = PodPaths(data_dir, created["metadata"]["uid"]).base
    await until(lambda: not area.exists())


async def test_finished_pod_keeps_no_worker_and_is_still_deleted_and_cleaned(
    service: ObjectService, kubelet: Kubelet, data_dir: Path
) -> None:
    created = await service.create(r.PODS, "default", pod("done", sh("main", "echo bye")))
    uid = created["metadata"]["uid"]
    done = await finished(service, "done")
    assert done["status"]["phase"] == "Succeeded"
    await until(lambda: uid not in kubelet.workers)  # nothing runs: no worker holds it
    area = PodPaths(data_dir, uid).base
    assert area.exists() and await logs(kubelet, done) == "bye\n"  # logs outlive the worker
    await service.delete(r.PODS, "default", "done", grace_period_seconds=30)
    await gone(service, "done")  # a worker came back for the deletion and finished it
    await until(lambda: not area.exists())


async def test_a_pod_whose_init_failed_leaves_no_area_behind(
    service: ObjectService, kubelet: Kubelet, data_dir: Path
) -> None:
    """Main containers are prepared while the init runs; when the init fails at once, those
    preparations finish before the pod's area is removed, so nothing is left behind."""
    mounts = [{"name": f"v{i}", "mountPath": f"/v{i}"} for i in range(20)]
    volumes = [{"name": f"v{i}", "emptyDir": {}} for i in range(20)]
    uids = []
    for i in range(5):
        manifest = pod(
            f"initfail{i}", sh("main", "true", volumeMounts=mounts), sh("side", "true"),
            init=[sh("init", "exit 1")], volumes=volumes, restartPolicy="Never",
        )  # fmt: skip
        uids.append((await service.create(r.PODS, "default", manifest))["metadata"]["uid"])
    for i in range(5):
        assert (await finished(service, f"initfail{i}"))["status"]["phase"] == "Failed"
        await service.delete(r.PODS, "default", f"initfail{i}", grace_period_seconds=0)
    for i, uid in enumerate(uids):
        await gone(service, f"initfail{i}")
        area = PodPaths(data_dir, uid).base
        await until(lambda area=area: not area.exists())
