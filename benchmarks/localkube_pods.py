"""The kubelet: how fast a pod goes from created to Succeeded, one at a time and in parallel."""

from __future__ import annotations

import asyncio

from kubernetes_asyncio import client

from benchmarks.common import Timer, localkube, report

POD = {
    "metadata": {"generateName": "bench-"},
    "spec": {
        "restartPolicy": "Never",
        "containers": [{"name": "main", "image": "busybox", "command": ["true"]}],
    },
}


async def _until_done(core: client.CoreV1Api, name: str) -> str:
    while True:
        pod = await core.read_namespaced_pod(name, "default")
        if pod.status.phase in ("Succeeded", "Failed"):
            return str(pod.status.phase)
        await asyncio.sleep(0.02)


async def _one(core: client.CoreV1Api) -> str:
    made = await core.create_namespaced_pod("default", POD)
    return await _until_done(core, made.metadata.name)


async def run() -> None:
    print("-- localkube kubelet (pods under bubblewrap)")
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
