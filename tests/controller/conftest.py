"""A real localkube (no kubelet), a real `Kube` client and `Store`, and a controller around them.

The controller's tests check the shell, not the engine: each test gives the controller a small
scripted engine (a plain function with the engine's signature) that stands in for the real
`reconcile`. Everything else is real: the API over HTTPS, informers, watches, SQLite.
`run_controller(engine, **options)` starts one and stops it (drained) at the end of the test.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

import pytest

from argoapp.controller.controller import Controller, Reconcile
from argoapp.engine.api import Settings
from argoapp.kube.client import Kube
from argoapp.model.types import Obj
from argoapp.store import Store

RunController = Callable[..., Awaitable[Controller]]


@pytest.fixture
async def run_controller(kube: Kube, store: Store) -> AsyncIterator[RunController]:
    async with AsyncExitStack() as stack:

        async def start(engine: Reconcile, **options: Any) -> Controller:
            settings = options.pop("settings", Settings())
            controller = Controller(kube, store, settings, reconcile=engine, **options)
            task = asyncio.create_task(controller.run())

            async def finish() -> None:
                controller.stop()
                await task

            stack.push_async_callback(finish)
            async with asyncio.timeout(30):
                await controller.wait_ready()
            return controller

        yield start


async def eventually(check: Callable[[], Awaitable[Any]], timeout: float = 30) -> Any:
    """Poll `check` until it returns something truthy (a deadline, not a timing assertion)."""
    async with asyncio.timeout(timeout):
        while True:
            value = await check()
            if value:
                return value
            await asyncio.sleep(0.02)


def workflow(name: str, **spec: Any) -> Obj:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"entrypoint": "main", "templates": [{"name": "main"}], **spec},
    }


def pod(name: str, workflow_name: str) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": "default",
            "labels": {"workflows.argoproj.io/workflow": workflow_name},
        },
        "spec": {
            "restartPolicy": "Never",
            "containers": [{"name": "main", "image": "busybox", "command": ["true"]}],
        },
    }


def with_status(wf: Obj, **status: Any) -> Obj:
    """A copy of `wf` with these status fields set (what a scripted engine returns)."""
    return {**wf, "status": {**(wf.get("status") or {}), **status}}
