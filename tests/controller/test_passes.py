"""One pass per change, over a real localkube: event-driven requeues, timers, conflicts, writes.

Each test scripts the engine (see conftest): the scripted function stands in for the engine so
the shell is what is tested; the API, informers, queue and store are real.
"""

from __future__ import annotations

from datetime import datetime

from argoapp.engine.api import CreatePod, Observed, PatchObject, Result, Settings
from argoapp.kube.client import Kube
from argoapp.model.types import Obj

from .conftest import RunController, eventually, pod, with_status, workflow


async def phase_of(kube: Kube, name: str) -> str:
    wf = await kube.get("Workflow", name, "default")
    return str((wf.get("status") or {}).get("phase") or "")


async def test_a_pod_change_moves_its_workflow_on(
    kube: Kube, run_controller: RunController
) -> None:
    def engine(wf: Obj, observed: Observed, now: datetime, settings: Settings) -> Result:
        pods = observed.pods
        if "hello-1" not in pods:
            return Result(with_status(wf, phase="Running"), [CreatePod(pod("hello-1", "hello"))])
        if (pods["hello-1"].get("status") or {}).get("phase") == "Succeeded":
            return Result(with_status(wf, phase="Succeeded"))
        return Result(wf)

    await run_controller(engine)
    await kube.create("Workflow", workflow("hello"))
    await eventually(lambda: phase_of(kube, "hello"))
    made = await kube.get("Pod", "hello-1", "default")
    assert made["metadata"]["labels"]["workflows.argoproj.io/workflow"] == "hello"
    assert await phase_of(kube, "hello") == "Running"
    await kube.patch(
        "Pod", "hello-1", {"status": {"phase": "Succeeded"}}, "default", subresource="status"
    )
    assert await eventually(
        lambda: _is(phase_of(kube, "hello"), "Succeeded")
    )  # no resync, no timer: the pod's own event did it


async def test_requeue_after_brings_a_pass_without_any_event(
    kube: Kube, run_controller: RunController
) -> None:
    def engine(wf: Obj, observed: Observed, now: datetime, settings: Settings) -> Result:
        phase = (wf.get("status") or {}).get("phase")
        if not phase:
            return Result(with_status(wf, phase="Running"), requeue_after=0.1)
        if phase == "Running":
            return Result(with_status(wf, phase="Succeeded"))
        return Result(wf)

    controller = await run_controller(engine)
    await kube.create("Workflow", workflow("timed"))
    await eventually(lambda: _is(phase_of(kube, "timed"), "Succeeded"))
    assert controller.queue.stats.timers_fired >= 1


async def test_a_conflicting_write_is_recomputed_from_the_new_version(
    kube: Kube, run_controller: RunController
) -> None:
    seen_labels: list[dict[str, str]] = []

    def engine(wf: Obj, observed: Observed, now: datetime, settings: Settings) -> Result:
        labels = dict(wf["metadata"].get("labels") or {})
        seen_labels.append(labels)
        if "touched" not in labels:
            # Changes the workflow behind the pass's back: the write that follows must conflict.
            touch = PatchObject(
                "Workflow", "default", "clash", {"metadata": {"labels": {"touched": "yes"}}}
            )
            return Result(with_status(wf, phase="Running"), [touch])
        return Result(with_status(wf, phase="Succeeded", message="saw touched"))

    controller = await run_controller(engine)
    await kube.create("Workflow", workflow("clash"))
    await eventually(lambda: _is(phase_of(kube, "clash"), "Succeeded"))
    final = await kube.get("Workflow", "clash", "default")
    assert final["metadata"]["labels"]["touched"] == "yes"
    assert final["status"]["message"] == "saw touched"
    assert controller.metrics.conflicts >= 1
    assert any("touched" in labels for labels in seen_labels)


async def test_creating_a_pod_that_exists_counts_as_done(
    kube: Kube, run_controller: RunController
) -> None:
    await kube.create("Pod", pod("again-1", "again"))

    def engine(wf: Obj, observed: Observed, now: datetime, settings: Settings) -> Result:
        return Result(with_status(wf, phase="Running"), [CreatePod(pod("again-1", "again"))])

    controller = await run_controller(engine)
    await kube.create("Workflow", workflow("again"))
    await eventually(lambda: _is(phase_of(kube, "again"), "Running"))
    assert controller.actions.errors == {}
    assert controller.metrics.errors == {}


async def test_a_failing_action_is_counted_and_retried_never_fatal(
    kube: Kube, run_controller: RunController
) -> None:
    tries: list[int] = []

    def engine(wf: Obj, observed: Observed, now: datetime, settings: Settings) -> Result:
        tries.append(1)
        bad = pod("bad-1", "bad")
        bad["spec"]["containers"] = []  # the API refuses it (422)
        return Result(wf, [CreatePod(bad)])

    controller = await run_controller(engine)
    await kube.create("Workflow", workflow("bad"))
    await eventually(lambda: _true(len(tries) >= 3))  # retried with backoff
    assert controller.actions.errors.get("CreatePod", 0) >= 2
    assert controller.metrics.workers_busy <= controller.worker_count


async def test_our_own_write_does_not_cause_another_pass(
    kube: Kube, run_controller: RunController
) -> None:
    passes: list[str] = []

    def engine(wf: Obj, observed: Observed, now: datetime, settings: Settings) -> Result:
        passes.append(wf["metadata"]["resourceVersion"])
        return Result(with_status(wf, phase="Running"))

    controller = await run_controller(engine)
    await kube.create("Workflow", workflow("quiet"))
    await eventually(lambda: _is(phase_of(kube, "quiet"), "Running"))
    # A later, unrelated change to the workflow brings exactly one more pass, which sees it.
    await kube.patch("Workflow", "quiet", {"metadata": {"labels": {"x": "1"}}}, "default")
    latest = (await kube.get("Workflow", "quiet", "default"))["metadata"]["resourceVersion"]
    await eventually(lambda: _true(latest in passes))
    await eventually(lambda: _true(controller.queue.busy == 0 and len(controller.queue) == 0))
    assert len(passes) == 2
    assert controller.metrics.writes == 1


async def _is(value: object, expected: str) -> bool:
    return bool(await value == expected)  # type: ignore[misc]


async def _true(value: bool) -> bool:
    return value


async def test_a_controller_owns_only_the_workflows_of_its_instance(
    kube: Kube, run_controller: RunController
) -> None:
    def engine(wf: Obj, observed: Observed, now: datetime, settings: Settings) -> Result:
        return Result(with_status(wf, phase="Running"))

    await run_controller(engine, settings=Settings(instance_id="edge"))
    other = workflow("other")
    mine = workflow("mine")
    mine["metadata"]["labels"] = {"workflows.argoproj.io/controller-instanceid": "edge"}
    await kube.create("Workflow", other)
    await kube.create("Workflow", mine)
    await eventually(lambda: _is(phase_of(kube, "mine"), "Running"))
    assert await phase_of(kube, "other") == ""
