"""A `CronController` over a real localkube (no kubelet: workflows are made, nothing runs) with
a fake clock the test moves, so no test waits for a minute to pass.

`start_cron(now)` starts the controller (and a Workflow informer, as the workflow controller
would share) with the clock at `now`; `env.clock.set(t)` moves the clock and wakes the
scheduler. Children's phases are set by patching their status, standing in for the engine.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from argoapp.controller.cron import CronController
from argoapp.engine.api import EmptyLookup
from argoapp.kube.client import Kube
from argoapp.kube.informer import Informer
from argoapp.model.types import Obj

NS = "default"
T0 = datetime(2024, 1, 1, 0, 0, 30, tzinfo=UTC)


class FakeClock:
    """The scheduler's `now`, moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.controller: CronController | None = None

    def __call__(self) -> datetime:
        return self.now

    def set(self, now: datetime) -> None:
        self.now = now
        if self.controller is not None:
            self.controller.wake()


@dataclass
class CronEnv:
    kube: Kube
    cron: CronController
    clock: FakeClock


StartCron = Callable[..., Awaitable[CronEnv]]


@pytest.fixture(name="start_cron")
async def start_cron_fixture(kube: Kube) -> AsyncIterator[StartCron]:
    tasks: list[asyncio.Task[None]] = []

    async def start(now: datetime = T0, **options: Any) -> CronEnv:
        workflows = Informer(kube, "Workflow")
        clock = FakeClock(now)
        cron = CronController(
            kube, workflows, EmptyLookup(), clock=clock, sync_seconds=0.05, **options
        )
        clock.controller = cron
        tasks.append(asyncio.create_task(workflows.run()))
        tasks.append(asyncio.create_task(cron.run()))
        async with asyncio.timeout(30):
            await cron.wait_ready()
        return CronEnv(kube, cron, clock)

    yield start
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def cron_workflow(name: str, *schedules: str, **spec: Any) -> Obj:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "CronWorkflow",
        "metadata": {"name": name, "namespace": NS},
        "spec": {
            "schedules": list(schedules) or ["* * * * *"],
            # Without a timezone a cron runs in the machine's zone (as Argo's): pin it.
            "timezone": "UTC",
            "workflowSpec": {
                "entrypoint": "main",
                "templates": [
                    {"name": "main", "container": {"image": "busybox", "command": ["true"]}}
                ],
            },
            **spec,
        },
    }


async def eventually(check: Callable[[], Awaitable[Any]], timeout: float = 30) -> Any:
    """Poll `check` until it returns something truthy (a deadline, not a timing assertion)."""
    async with asyncio.timeout(timeout):
        while True:
            value = await check()
            if value:
                return value
            await asyncio.sleep(0.02)


async def children(kube: Kube, cron_name: str) -> list[Obj]:
    listed = await kube.list(
        "Workflow", NS, label_selector=f"workflows.argoproj.io/cron-workflow={cron_name}"
    )
    return sorted(listed.get("items") or [], key=lambda w: w["metadata"]["name"])


async def child_names(kube: Kube, cron_name: str) -> list[str]:
    return [w["metadata"]["name"] for w in await children(kube, cron_name)]


async def status_of(kube: Kube, name: str) -> Obj:
    return (await kube.get("CronWorkflow", name, NS)).get("status") or {}


async def finish(kube: Kube, name: str, phase: str, finished_at: str) -> None:
    """Stand in for the engine: the child workflow ends in `phase`."""
    await kube.patch(
        "Workflow",
        name,
        {"status": {"phase": phase, "finishedAt": finished_at}},
        NS,
    )
