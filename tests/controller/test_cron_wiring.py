"""The workflow controller runs the cron controller in its lifetime: a cron's run becomes a
workflow the controller's passes see, and its end is counted in the cron's status. The engine
is scripted (as in the other controller tests); the clock is the test's."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from argoapp.controller.controller import Controller
from argoapp.engine.api import Observed, Result, Settings
from argoapp.kube.client import Kube
from argoapp.model.types import Obj
from argoapp.store import Store

from .conftest import with_status
from .cron_fixtures import T0, FakeClock, child_names, cron_workflow, eventually, status_of


async def test_the_controller_schedules_crons_and_runs_their_workflows(
    kube: Kube, store: Store
) -> None:
    passed: list[str] = []

    def engine(wf: Obj, observed: Observed, now: datetime, settings: Settings) -> Result:
        passed.append(wf["metadata"]["name"])
        return Result(with_status(wf, phase="Succeeded", finishedAt="2024-01-01T00:01:05Z"))

    controller = Controller(kube, store, Settings(), reconcile=engine)
    clock = FakeClock(T0)
    clock.controller = controller.cron
    controller.cron.clock = clock
    controller.cron.sync_seconds = 0.05
    await kube.create("CronWorkflow", cron_workflow("wired"))
    task = asyncio.create_task(controller.run())
    try:
        async with asyncio.timeout(30):
            await controller.wait_ready()
            await controller.cron.wait_ready()
        clock.set(datetime(2024, 1, 1, 0, 1, tzinfo=UTC))
        (name,) = await eventually(lambda: child_names(kube, "wired"))
        await eventually(lambda: _succeeded(kube, "wired"))
        assert name in passed
    finally:
        controller.stop()
        await task


async def _succeeded(kube: Kube, name: str) -> bool:
    status = await status_of(kube, name)
    return status.get("succeeded") == 1 and status.get("active") == []


async def test_with_the_wall_clock_a_due_run_is_made_without_any_nudge(
    kube: Kube, store: Store
) -> None:
    def engine(wf: Obj, observed: Observed, now: datetime, settings: Settings) -> Result:
        return Result(wf)

    controller = Controller(kube, store, Settings(), reconcile=engine)
    await kube.create("CronWorkflow", cron_workflow("ticking", "@every 1s"))
    task = asyncio.create_task(controller.run())
    try:
        async with asyncio.timeout(30):
            await controller.wait_ready()
        (name,) = (await eventually(lambda: child_names(kube, "ticking")))[:1]
        assert name.startswith("ticking-")
    finally:
        controller.stop()
        await task
