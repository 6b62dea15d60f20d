"""/healthz reports the controller: ok while it runs (whatever its backlog), 503 saying why once
an informer has stopped or the controller itself has ended without being stopped."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from argoapp.controller.controller import Controller
from argoapp.engine.api import Settings
from argoapp.kube.client import Kube
from argoapp.server.app import build_app
from argoapp.store import Store


@dataclass
class Served:
    controller: Controller
    task: asyncio.Task[None]
    api: TestClient[Any, Any]

    async def healthz(self) -> tuple[int, str]:
        resp = await self.api.get("/healthz")
        return resp.status, await resp.text()


@pytest.fixture
async def served(kube: Kube, store: Store) -> AsyncIterator[Served]:
    controller = Controller(kube, store, Settings())
    app = build_app(kube=kube, store=store, controller=controller, health=controller.health)
    api: TestClient[Any, Any] = TestClient(TestServer(app))
    await api.start_server()
    task = asyncio.create_task(controller.run())
    try:
        async with asyncio.timeout(30):
            await controller.wait_ready()
        yield Served(controller, task, api)
    finally:
        controller.stop()
        await asyncio.gather(task, return_exceptions=True)
        await api.close()


async def test_ok_while_the_controller_runs_even_with_a_long_backlog(served: Served) -> None:
    assert await served.healthz() == (200, "ok")
    for i in range(5000):
        served.controller.queue.add(f"default/nothing-{i}")
    assert len(served.controller.queue) > 1000
    assert served.controller.health() is None  # the backlog is not looked at
    assert await served.healthz() == (200, "ok")


async def test_a_stopped_informer_fails_healthz(served: Served) -> None:
    informer = served.controller._essential["Pod informer"]
    informer.cancel()
    await asyncio.gather(informer, return_exceptions=True)
    assert await served.healthz() == (503, "the workflow controller's Pod informer has stopped")


async def test_a_controller_that_ended_by_itself_fails_healthz(kube: Kube, store: Store) -> None:
    controller = Controller(kube, store, Settings())

    def broken() -> None:
        # A bug in start-up cannot be provoked for real: this stands in for one.
        raise RuntimeError("boom")

    controller._start_up = broken  # type: ignore[method-assign]
    app = build_app(kube=kube, store=store, controller=controller, health=controller.health)
    api: TestClient[Any, Any] = TestClient(TestServer(app))
    await api.start_server()
    try:
        with pytest.raises(ExceptionGroup):
            await controller.run()
        resp = await api.get("/healthz")
        assert resp.status == 503
        assert await resp.text() == "the workflow controller failed: RuntimeError: boom"
    finally:
        await api.close()


async def test_without_a_controller_healthz_says_ok(kube: Kube) -> None:
    api: TestClient[Any, Any] = TestClient(TestServer(build_app()))
    await api.start_server()
    try:
        resp = await api.get("/healthz")
        assert resp.status == 200 and await resp.text() == "ok"
    finally:
        await api.close()
