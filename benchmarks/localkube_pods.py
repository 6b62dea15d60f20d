"""The kubelet: how fast a pod goes from created to Succeeded, one at a time and in parallel.

Plain one-container pods go through the HTTPS API with kubernetes-asyncio. Argo-layout pods
(built by `engine.pods.build_pod`: init, wait, main wrapped by the emissary) are created and
followed on the object service directly, with a watch, so that the figures are the kubelet's:
with the executor roles in the kubelet (`executor_in_process`, the default) and as
`argoapp exec` processes. `ARGO_BENCH_PODS` (default 400) sets the size of the parallel run.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from kubernetes_asyncio import client

from argoapp.engine.api import Settings
from argoapp.engine.pods import PodRequest, build_pod
from argoapp.localkube import resources as r
from argoapp.localkube.cluster import LocalKube, LocalKubeSettings
from benchmarks.common import Timer, localkube, report

POD = {
    "metadata": {"generateName": "bench-"},
    "spec": {
        "restartPolicy": "Never",
        "containers": [{"name": "main", "image": "busybox", "command": ["true"]}],
    },
}
TEMPLATE = {"name": "step", "container": {"image": "busybox", "command": ["true"]}}
WORKFLOW = {"name": "bench", "namespace": "default", "uid": "00000000-0000-0000-0000-000000000001"}
Obj = dict[str, Any]


async def _until_done(core: client.CoreV1Api, name: str) -> str:
    while True:
        pod = await core.read_namespaced_pod(name, "default")
        if pod.status.phase in ("Succeeded", "Failed"):
            return str(pod.status.phase)
        await asyncio.sleep(0.02)


async def _one(core: client.CoreV1Api) -> str:
    made = await core.create_namespaced_pod("default", POD)
    return await _until_done(core, made.metadata.name)


async def plain_pods() -> None:
    async with localkube(kubelet=True) as (_kube, api):
        core = client.CoreV1Api(api)
        await _one(core)  # warm-up
        with Timer() as t:
            phases = [await _one(core) for _ in range(10)]
        report(
            "pod create → Succeeded (sequential)",
            len(phases),
            t.seconds,
            f"{t.seconds / len(phases) * 1000:.0f} ms/pod",
        )
        with Timer() as t:
            phases = await asyncio.gather(*(_one(core) for _ in range(20)))
        report(
            "pod create → Succeeded (20 in parallel)",
            len(phases),
            t.seconds,
            f"failed: {sum(p != 'Succeeded' for p in phases)}",
        )


def argo_pod(index: int) -> Obj:
    """An Argo-layout pod for one step of a chain of `true`."""
    req = PodRequest(
        workflow={"metadata": WORKFLOW},
        spec={},
        node_id=f"bench-{index}",
        node_name=f"bench[{index}]",
        pod_name=f"bench-{index}",
        template=TEMPLATE,
    )
    return build_pod(req, Settings())


class Finishes:
    """Pod name -> a future resolved with its final phase, fed by one watch."""

    def __init__(self, kube: LocalKube) -> None:
        self.kube = kube
        self.waiting: dict[str, asyncio.Future[str]] = {}

    def expect(self, name: str) -> asyncio.Future[str]:
        future = asyncio.get_running_loop().create_future()
        self.waiting[name] = future
        return future

    async def run(self) -> None:
        watch = self.kube.service.watch(r.PODS, "default")
        try:
            async for event in watch:
                obj = event["object"]
                phase = (obj.get("status") or {}).get("phase")
                future = self.waiting.get(obj["metadata"]["name"])
                if future is not None and not future.done() and phase in ("Succeeded", "Failed"):
                    future.set_result(phase)
        finally:
            watch.close()


@contextlib.asynccontextmanager
async def argo_kube(in_process: bool) -> AsyncIterator[tuple[LocalKube, Finishes]]:
    with tempfile.TemporaryDirectory() as tmp:
        kube = LocalKube(
            LocalKubeSettings(
                data_dir=Path(tmp), port=0, executor_in_process=in_process,
                extra_path=(os.path.dirname(sys.executable),),
            )
        )  # fmt: skip
        await kube.start()
        finishes = Finishes(kube)
        task = asyncio.create_task(finishes.run())
        try:
            yield kube, finishes
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await kube.stop()


async def _argo_one(kube: LocalKube, finishes: Finishes, index: int) -> str:
    pod = argo_pod(index)
    done = finishes.expect(pod["metadata"]["name"])
    await kube.service.create(r.PODS, "default", pod)
    phase = await done
    await kube.service.delete(r.PODS, "default", pod["metadata"]["name"])
    return phase


async def argo_pods(in_process: bool, sequential: int, parallel: int, width: int) -> None:
    mode = "in-process roles" if in_process else "argoapp exec roles"
    async with argo_kube(in_process) as (kube, finishes):
        await _argo_one(kube, finishes, 0)  # warm-up
        with Timer() as t:
            phases = [await _argo_one(kube, finishes, i) for i in range(1, sequential + 1)]
        per_pod = t.seconds / len(phases) * 1000
        report(f"Argo pod, {mode} (sequential)", len(phases), t.seconds, f"{per_pod:.1f} ms/pod")
        gate = asyncio.Semaphore(width)

        async def limited(index: int) -> str:
            async with gate:
                return await _argo_one(kube, finishes, index)

        base = sequential + 1
        with Timer() as t:
            phases = await asyncio.gather(*(limited(base + i) for i in range(parallel)))
        failed = sum(p != "Succeeded" for p in phases)
        report(f"Argo pod, {mode} ({width} at once)", len(phases), t.seconds, f"failed: {failed}")


async def run() -> None:
    print("-- localkube kubelet (pods under bubblewrap)")
    await plain_pods()
    parallel = int(os.environ.get("ARGO_BENCH_PODS") or 400)
    await argo_pods(True, 50, parallel, 50)
    await argo_pods(False, 20, min(parallel, 100), 50)


if __name__ == "__main__":
    asyncio.run(run())
