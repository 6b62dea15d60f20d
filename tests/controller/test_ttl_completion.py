"""A zero TTL through the real controller and engine over localkube: the final status is
written (and watched) before the workflow is deleted, the archive has it when archiving is on,
a failed archive write keeps the workflow until a retry archives it, and a CLI waiting on the
workflow (`argoapp submit --wait`'s code) reads Succeeded."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from argoapp.cli.argo import watching
from argoapp.cli.argo.client import ArgoClient, Connection
from argoapp.controller.controller import Controller
from argoapp.engine.api import Settings
from argoapp.kube.client import Kube
from argoapp.model.types import Obj
from argoapp.server.app import build_app
from argoapp.store import Store

from .conftest import eventually

ON = Settings(persistence={"archive": True})


def ttl_zero(name: str, template: Obj) -> Obj:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "entrypoint": "main",
            "ttlStrategy": {"secondsAfterCompletion": 0},
            "templates": [{"name": "main", **template}],
        },
    }


# A suspend of no time: the workflow succeeds in its first pass, with no pod (no kubelet here).
INSTANT = {"suspend": {"duration": "0"}}


async def start(
    kube: Kube, store: Any, settings: Settings
) -> tuple[Controller, asyncio.Task[None]]:
    """The real controller (the engine's own reconcile), started and ready."""
    controller = Controller(kube, store, settings)
    task = asyncio.create_task(controller.run())
    async with asyncio.timeout(30):
        await controller.wait_ready()
    return controller, task


async def stop(controller: Controller, task: asyncio.Task[None]) -> None:
    controller.stop()
    await task


async def phases_until_deleted(kube: Kube, name: str, created: asyncio.Event) -> list[str]:
    """The workflow's phases as a watch sees them, until its DELETED event."""
    listed = await kube.list("Workflow", "default")
    rv = str(listed["metadata"]["resourceVersion"])
    seen: list[str] = []
    stream = kube.watch(
        "Workflow", "default", field_selector=f"metadata.name={name}", resource_version=rv
    )
    created.set()
    async for kind, obj in stream:
        if kind == "BOOKMARK":
            continue
        seen.append(str((obj.get("status") or {}).get("phase") or ""))
        if kind == "DELETED":
            await stream.aclose()
            return seen
    return seen


async def watch_and_create(kube: Kube, wf: Obj) -> tuple[list[str], Obj]:
    ready = asyncio.Event()
    watcher = asyncio.create_task(phases_until_deleted(kube, wf["metadata"]["name"], ready))
    await ready.wait()
    created = await kube.create("Workflow", wf)
    async with asyncio.timeout(30):
        return await watcher, created


@pytest.mark.parametrize("settings", [Settings(), ON], ids=["archive-off", "archive-on"])
async def test_zero_ttl_writes_the_final_phase_before_deleting(
    kube: Kube, store: Store, settings: Settings
) -> None:
    controller, task = await start(kube, store, settings)
    try:
        phases, created = await watch_and_create(kube, ttl_zero("gone", INSTANT))
    finally:
        await stop(controller, task)
    assert "Succeeded" in phases
    archived = await store.archive_get(created["metadata"]["uid"])
    if settings is ON:
        assert archived is not None and archived["status"]["phase"] == "Succeeded"
        assert archived["status"]["finishedAt"]
    else:
        assert archived is None


class FailingOnce:
    """The real store, but its first archive write fails as a full disk would (this cannot be
    made to happen for real under the test); everything else goes to the store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.failures = 0

    async def archive_put(self, wf: Obj) -> None:
        if self.failures == 0:
            self.failures += 1
            raise OSError("disk full")
        await self.store.archive_put(wf)

    async def archive_expire(self, before: datetime) -> int:
        return await self.store.archive_expire(before)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


async def test_a_failed_archive_keeps_the_workflow_until_it_is_archived(
    kube: Kube, store: Store
) -> None:
    failing = FailingOnce(store)
    controller, task = await start(kube, failing, ON)
    controller.archiver.retry_seconds = 0.2
    try:
        phases, created = await watch_and_create(kube, ttl_zero("kept", INSTANT))
    finally:
        await stop(controller, task)
    assert failing.failures == 1 and controller.archiver.failed == 1
    assert "Succeeded" in phases
    archived = await store.archive_get(created["metadata"]["uid"])
    assert archived is not None and archived["status"]["phase"] == "Succeeded"


@pytest.fixture
async def served(kube: Kube, store: Store) -> AsyncIterator[ArgoClient]:
    """The controller and the Argo API over localkube; a CLI client of that API."""
    controller, task = await start(kube, store, ON)
    server = TestServer(build_app(kube=kube, store=store, controller=controller))
    await server.start_server()
    try:
        yield ArgoClient(Connection(url=str(server.make_url("")).rstrip("/")))
    finally:
        await server.close()
        await stop(controller, task)


async def test_a_cli_waiting_on_a_zero_ttl_workflow_reads_succeeded(
    kube: Kube, served: ArgoClient
) -> None:
    await kube.create("Workflow", ttl_zero("waited", {"suspend": {}}))

    async def running() -> bool:
        wf = await kube.get("Workflow", "waited", "default")
        return (wf.get("status") or {}).get("phase") == "Running"

    await eventually(running)
    states = watching.follow(served, "default", "waited")
    first = await asyncio.to_thread(next, states)  # what `--wait` read first: still running
    assert not watching.done(first)
    resume = "/api/v1/workflows/default/waited/resume"
    await asyncio.to_thread(lambda: served.request("PUT", resume, body={}))
    last = await asyncio.to_thread(lambda: [first, *states][-1])
    assert last["status"]["phase"] == "Succeeded"
    await eventually(lambda: gone(kube, "waited"))


async def gone(kube: Kube, name: str) -> bool:
    listed = await kube.list("Workflow", "default", field_selector=f"metadata.name={name}")
    return not listed.get("items")
