"""A restarted kubelet adopts its pods: running shims are followed, exits read, losses reported."""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

from argoapp.localkube import resources as r
from argoapp.localkube.kubelet import Kubelet, KubeletConfig
from argoapp.localkube.kubelet.config import PodPaths
from argoapp.localkube.kubelet.procs import read_handle
from argoapp.localkube.objects import ObjectService
from argoapp.localkube.patching import MERGE

from .conftest import kill_supervisor
from .harness import Obj, finished, gone, logs, phase_in, pod, sh, status_of, until, wait_for

WAIT_FOR_GO = "echo started; while [ ! -e /host/go ]; do sleep 0.05; done; echo done; exit {code}"


def gated(name: str, host: Path, code: int = 0) -> Obj:
    container = sh("main", WAIT_FOR_GO.format(code=code),
                   volumeMounts=[{"name": "host", "mountPath": "/host"}])  # fmt: skip
    return pod(name, container, volumes=[{"name": "host", "hostPath": {"path": str(host)}}])


async def running(service: ObjectService, manifest: Obj) -> Obj:
    created = await service.create(r.PODS, "default", manifest)
    await wait_for(service, created["metadata"]["name"], phase_in("Running"))
    return created


def attempt_dir(data_dir: Path, created: Obj) -> Path:
    return PodPaths(data_dir, created["metadata"]["uid"]).attempt("main", 0)


async def test_running_pod_is_followed_by_the_next_kubelet(
    service: ObjectService, kubelet: Kubelet, data_dir: Path, config: KubeletConfig,
    tmp_path: Path,
) -> None:  # fmt: skip
    created = await running(service, gated("survivor", tmp_path))
    shim = read_handle(attempt_dir(data_dir, created))
    await kubelet.stop()
    assert shim is not None and shim.alive()  # stopping the kubelet left the pod running
    second = Kubelet(service, data_dir=data_dir, config=config)
    await second.start()
    try:
        (tmp_path / "go").touch()
        done = await finished(service, "survivor")
        assert done["status"]["phase"] == "Succeeded"
        assert await logs(second, done) == "started\ndone\n"
        assert status_of(done, "main")["restartCount"] == 0
    finally:
        await second.stop()


async def test_exit_while_the_kubelet_was_down_is_read(
    service: ObjectService, kubelet: Kubelet, data_dir: Path, config: KubeletConfig,
    tmp_path: Path,
) -> None:  # fmt: skip
    created = await running(service, gated("quitter", tmp_path, code=5))
    await kubelet.stop()
    (tmp_path / "go").touch()
    await until((attempt_dir(data_dir, created) / "exit.json").exists)
    second = Kubelet(service, data_dir=data_dir, config=config)
    await second.start()
    try:
        done = await finished(service, "quitter")
        assert done["status"]["phase"] == "Failed"
        assert status_of(done, "main")["state"]["terminated"]["exitCode"] == 5
    finally:
        await second.stop()


async def test_lost_state_dir_fails_the_pod_without_rerunning(
    service: ObjectService, kubelet: Kubelet, data_dir: Path, config: KubeletConfig,
    tmp_path: Path,
) -> None:  # fmt: skip
    created = await running(service, gated("lost", tmp_path))
    await kubelet.stop()
    shim = read_handle(attempt_dir(data_dir, created))
    assert shim is not None
    os.killpg(shim.pid, signal.SIGKILL)
    await until(lambda: not shim.alive())
    shutil.rmtree(PodPaths(data_dir, created["metadata"]["uid"]).base)
    second = Kubelet(service, data_dir=data_dir, config=config)
    await second.start()
    try:
        done = await finished(service, "lost")
        assert done["status"]["phase"] == "Failed"
        terminated = status_of(done, "main")["state"]["terminated"]
        assert terminated["reason"] == "ContainerStatusUnknown"
        assert "missing" in terminated["message"]
        assert not attempt_dir(data_dir, created).exists()  # nothing was started again
    finally:
        await second.stop()


async def test_dead_supervisor_without_exit_code_is_unknown(
    service: ObjectService, kubelet: Kubelet, data_dir: Path, config: KubeletConfig,
    tmp_path: Path,
) -> None:  # fmt: skip
    created = await running(service, gated("killed", tmp_path))
    await kubelet.stop()
    shim = read_handle(attempt_dir(data_dir, created))
    assert shim is not None
    kill_supervisor(data_dir)  # the sandboxes die with it, and nothing records their exits
    await until(lambda: not shim.alive())
    second = Kubelet(service, data_dir=data_dir, config=config)
    await second.start()
    try:
        done = await finished(service, "killed")
        assert done["status"]["phase"] == "Failed"
        terminated = status_of(done, "main")["state"]["terminated"]
        assert terminated["reason"] == "ContainerStatusUnknown"
        assert terminated["exitCode"] == 137
    finally:
        await second.stop()


async def test_deletion_while_down_is_finished_by_the_next_kubelet(
    service: ObjectService, kubelet: Kubelet, data_dir: Path, config: KubeletConfig,
    tmp_path: Path,
) -> None:  # fmt: skip
    created = await running(service, gated("doomed", tmp_path))
    await kubelet.stop()
    shim = read_handle(attempt_dir(data_dir, created))
    await service.delete(r.PODS, "default", "doomed", grace_period_seconds=1)
    second = Kubelet(service, data_dir=data_dir, config=config)
    await second.start()
    try:
        await gone(service, "doomed")
        assert shim is not None and not shim.alive()
    finally:
        await second.stop()


async def test_pods_removed_while_down_are_killed_and_cleaned(
    service: ObjectService, kubelet: Kubelet, data_dir: Path, config: KubeletConfig,
    tmp_path: Path,
) -> None:  # fmt: skip
    created = await running(service, gated("orphan", tmp_path))
    await kubelet.stop()
    shim = read_handle(attempt_dir(data_dir, created))
    await service.delete(r.PODS, "default", "orphan", grace_period_seconds=0)
    second = Kubelet(service, data_dir=data_dir, config=config)
    await second.start()
    try:
        assert shim is not None and not shim.alive()
        assert not PodPaths(data_dir, created["metadata"]["uid"]).base.exists()
    finally:
        await second.stop()


async def test_attempt_prepared_but_never_started_is_started(
    service: ObjectService, kubelet: Kubelet, data_dir: Path, config: KubeletConfig,
    tmp_path: Path,
) -> None:  # fmt: skip
    await kubelet.stop()
    created = await service.create(r.PODS, "default", gated("half", tmp_path))
    # What a kubelet stopped between preparing an attempt and starting its shim leaves behind.
    state = attempt_dir(data_dir, created)
    state.mkdir(parents=True)
    (state / "spec.json").write_text("{}")
    (tmp_path / "go").touch()
    second = Kubelet(service, data_dir=data_dir, config=config)
    await second.start()
    try:
        done = await finished(service, "half")
        assert done["status"]["phase"] == "Succeeded"
        assert status_of(done, "main")["restartCount"] == 0
    finally:
        await second.stop()


async def test_finished_pod_keeps_its_exit_codes_when_deleted_after_a_restart(
    service: ObjectService, kubelet: Kubelet, data_dir: Path, config: KubeletConfig
) -> None:
    manifest = pod("kept", sh("main", "exit 3"))
    manifest["metadata"]["finalizers"] = ["example.com/hold"]
    created = await service.create(r.PODS, "default", manifest)
    done = await finished(service, "kept")
    assert status_of(done, "main")["state"]["terminated"]["exitCode"] == 3
    await kubelet.stop()
    area = PodPaths(data_dir, created["metadata"]["uid"]).base
    for _ in range(2):  # deleted after a restart, then once more with its area already gone
        again = Kubelet(service, data_dir=data_dir, config=config)
        await again.start()
        try:
            await service.delete(r.PODS, "default", "kept")
            await until(lambda k=again: not k.workers)
        finally:
            await again.stop()
        held = await service.get(r.PODS, "default", "kept")
        assert held["metadata"]["deletionTimestamp"] and not area.exists()
        assert held["status"]["phase"] == "Failed"
        terminated = status_of(held, "main")["state"]["terminated"]
        assert (terminated["exitCode"], terminated["reason"]) == (3, "Error")
    await service.patch(r.PODS, "default", "kept", MERGE, {"metadata": {"finalizers": None}})
    await gone(service, "kept")
