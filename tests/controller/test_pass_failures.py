"""A workflow the engine keeps raising over ends `Error` after five passes in a row, with one
traceback in the log; a failure that goes away leaves no trace; and the audit's badly typed
workflow, stored behind the API's back, ends at its first pass through the real engine."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

import pytest

from argoapp.controller.controller import Controller
from argoapp.engine.api import Observed, Result, Settings
from argoapp.kube.client import Kube
from argoapp.model.types import Obj
from argoapp.store import Store

from .conftest import RunController, eventually, with_status, workflow


async def _true(value: bool) -> bool:
    return value


async def status_of(kube: Kube, name: str) -> Obj:
    return dict((await kube.get("Workflow", name, "default")).get("status") or {})


async def test_a_pass_that_keeps_raising_ends_the_workflow_error(
    kube: Kube, run_controller: RunController, caplog: pytest.LogCaptureFixture
) -> None:
    tries: list[int] = []

    def broken(wf: Obj, observed: Observed, now: datetime, settings: Settings) -> Result:
        tries.append(1)
        return wf["spec"]["templates"][0]["steps"].get("x")  # type: ignore[no-any-return]

    caplog.set_level(logging.WARNING, "argoapp.controller")
    controller = await run_controller(broken)
    wf = workflow("broken")
    wf["spec"]["templates"][0]["steps"] = "x"
    await kube.create("Workflow", wf)

    async def ended() -> Obj | None:
        status = await status_of(kube, "broken")
        return status if status.get("phase") else None

    status = await eventually(ended)
    assert status["phase"] == "Error"
    assert status["message"].startswith("invalid spec: ")
    assert "AttributeError" in status["message"]
    assert status["finishedAt"]
    assert len(tries) == controller.failures.limit == 5
    stored = await kube.get("Workflow", "broken", "default")
    assert stored["metadata"]["labels"]["workflows.argoproj.io/completed"] == "true"
    # Ended: an event of it brings one more try, not a run of retries, and no traceback.
    await kube.patch("Workflow", "broken", {"metadata": {"annotations": {"a": "1"}}}, "default")
    await eventually(lambda: _true(len(tries) >= 6))
    await asyncio.sleep(0.3)
    assert len(tries) == 6
    tracebacks = [r for r in caplog.records if r.exc_info and "broken" in r.getMessage()]
    assert len(tracebacks) == 1


async def test_a_failure_that_goes_away_leaves_the_workflow_running(
    kube: Kube, run_controller: RunController
) -> None:
    tries: list[int] = []

    def flaky(wf: Obj, observed: Observed, now: datetime, settings: Settings) -> Result:
        tries.append(1)
        if len(tries) <= 3:
            raise KeyError("not yet")
        if (wf.get("status") or {}).get("phase"):
            return Result(wf)
        return Result(with_status(wf, phase="Running"))

    controller = await run_controller(flaky)
    await kube.create("Workflow", workflow("flaky"))

    async def running() -> bool:
        return (await status_of(kube, "flaky")).get("phase") == "Running"

    await eventually(running)
    assert len(controller.failures) == 0


async def test_the_real_engine_ends_a_badly_typed_workflow_at_once(
    kube: Kube, store: Store
) -> None:
    controller = Controller(kube, store, Settings())
    task = asyncio.create_task(controller.run())
    try:
        wf = workflow("typed")
        wf["spec"]["templates"][0]["steps"] = "x"
        await kube.create("Workflow", wf)

        async def ended() -> Obj | None:
            status = await status_of(kube, "typed")
            return status if status.get("phase") in ("Failed", "Error") else None

        status = await eventually(ended)
    finally:
        controller.stop()
        await task
    assert status["message"] == (
        "invalid spec: json: cannot unmarshal string into Go struct field "
        "Template.spec.templates.steps of type []v1alpha1.ParallelSteps"
    )
    assert controller.metrics.errors.get("pass", 0) == 0
