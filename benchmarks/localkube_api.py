"""localkube's API over HTTPS with kubernetes-asyncio: writes, lists, watch delivery."""

from __future__ import annotations

import asyncio

from kubernetes_asyncio import client, watch

from benchmarks.common import Timer, localkube, max_rss_mib, report

COUNT = 1000


async def run() -> None:
    print(f"-- localkube API (kubernetes-asyncio over HTTPS, {COUNT} objects)")
    async with localkube(kubelet=False) as (_kube, api):
        core = client.CoreV1Api(api)
        with Timer() as t:
            for i in range(COUNT):
                await core.create_namespaced_config_map(
                    "default", {"metadata": {"name": f"cm{i}"}, "data": {"i": str(i)}}
                )
        report("create configmap (sequential)", COUNT, t.seconds)
        with Timer() as t:
            await asyncio.gather(
                *(
                    core.patch_namespaced_config_map(f"cm{i}", "default", {"data": {"p": "1"}})
                    for i in range(COUNT)
                )
            )
        report("strategic-merge patch (concurrent)", COUNT, t.seconds)
        with Timer() as t:
            listed = await core.list_namespaced_config_map("default")
        report("list all configmaps (one call)", len(listed.items), t.seconds)
        with Timer() as t:
            for _ in range(20):
                await core.list_namespaced_config_map("default", limit=50)
        report("list page of 50", 20, t.seconds)
        await _watch_latency(core)
    print(f"max RSS of the benchmark process: {max_rss_mib():.0f} MiB")


async def _watch_latency(core: client.CoreV1Api) -> None:
    rv = (await core.list_namespaced_config_map("default", limit=1)).metadata.resource_version
    seen = 0
    w = watch.Watch()

    async def consume() -> None:
        nonlocal seen
        async for _event in w.stream(
            core.list_namespaced_config_map, "default", resource_version=rv, timeout_seconds=60
        ):
            seen += 1
            if seen == 200:
                w.stop()

    with Timer() as t:
        task = asyncio.create_task(consume())
        for i in range(200):
            await core.patch_namespaced_config_map(f"cm{i}", "default", {"data": {"w": "1"}})
        await task
    report("write → watch event delivered", seen, t.seconds)
