"""`pods/NAME/log`: options reach the log source, text streams, and endless logs still end."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from kubernetes_asyncio import client

from argoapp.localkube import resources as r
from argoapp.localkube.handlers import API
from argoapp.localkube.podlogs import LogOptions

from .harness import FakeLogs, KubeServer, StartKube

POD = {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "main", "image": "busybox"}]}}
LOG = "/api/v1/namespaces/default/pods/p/log"


class EndlessLogs:
    """A followed log that never ends by itself (a container that keeps running)."""

    def __init__(self) -> None:
        self.closed = asyncio.Event()

    async def stream(self, pod: dict[str, Any], options: LogOptions) -> AsyncIterator[bytes]:
        try:
            yield b"started\n"
            await asyncio.Event().wait()
            yield b"never\n"
        finally:
            self.closed.set()


async def test_every_log_option_reaches_the_source(kube: KubeServer, logs: FakeLogs) -> None:
    await kube.service.create(r.PODS, "default", POD)
    logs.lines[("p", "main")] = ["a", "b"]
    query = (
        "?container=main&follow=true&tailLines=5&sinceSeconds=10&timestamps=1"
        "&limitBytes=100&previous=false"
    )
    async with (
        kube.session() as session,
        session.get(kube.url + LOG + query, headers=kube.headers()) as resp,
    ):
        assert resp.status == 200
        assert resp.content_type == "text/plain"
        assert await resp.text() == "a\nb\n"
    assert logs.asked == [
        LogOptions(
            container="main",
            follow=True,
            tail_lines=5,
            since_seconds=10,
            timestamps=True,
            limit_bytes=100,
        )
    ]


async def test_kubernetes_asyncio_reads_a_log(
    kube: KubeServer, api: client.ApiClient, logs: FakeLogs
) -> None:
    await kube.service.create(r.PODS, "default", POD)
    logs.lines[("p", "main")] = ["hello", "world"]
    text = await client.CoreV1Api(api).read_namespaced_pod_log("p", "default", tail_lines=1)
    assert text == "world\n"
    assert logs.asked[-1].since_time is None


async def test_an_empty_log_is_an_empty_body(kube: KubeServer) -> None:
    await kube.service.create(r.PODS, "default", POD)
    async with (
        kube.session() as session,
        session.get(kube.url + LOG, headers=kube.headers()) as resp,
    ):
        assert resp.status == 200
        assert await resp.read() == b""


async def test_shutdown_ends_a_followed_log(start_kube: StartKube) -> None:
    source = EndlessLogs()
    kube = await start_kube(logs=source)
    await kube.service.create(r.PODS, "default", POD)
    async with (
        kube.session() as session,
        session.get(kube.url + LOG + "?follow=true", headers=kube.headers()) as resp,
    ):
        assert await resp.content.readline() == b"started\n"
        await kube.runner.cleanup()
        assert await resp.content.read() == b""  # ended cleanly, not cut off
    assert source.closed.is_set()


async def test_a_reader_that_leaves_releases_the_log(start_kube: StartKube) -> None:
    source = EndlessLogs()
    kube = await start_kube(logs=source)
    await kube.service.create(r.PODS, "default", POD)
    async with kube.session() as session:
        resp = await session.get(kube.url + LOG + "?follow=true", headers=kube.headers())
        assert await resp.content.readline() == b"started\n"
        resp.close()
    async with asyncio.timeout(30):
        await source.closed.wait()
    assert len(kube.app[API].streams) == 0
