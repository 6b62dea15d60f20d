"""Concurrency policies, history limits, stopStrategy and the succeeded/failed counters, over
a real localkube with a fake clock. No engine runs: a child "finishes" when the test patches
its status, as the workflow controller would.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from argoapp.kube.client import Kube
from argoapp.model.types import Obj

from .cron_fixtures import (
    NS,
    StartCron,
    child_names,
    children,
    cron_workflow,
    eventually,
    finish,
    start_cron_fixture,  # noqa: F401 (the `start_cron` fixture)
    status_of,
)

MINUTE_1 = datetime(2024, 1, 1, 0, 1, tzinfo=UTC)


def minute(n: int) -> datetime:
    return MINUTE_1 + timedelta(minutes=n - 1)


async def _count(kube: Kube, name: str, count: int) -> list[str] | None:
    names = await child_names(kube, name)
    return names if len(names) >= count else None


async def test_forbid_skips_while_a_run_is_active(kube: Kube, start_cron: StartCron) -> None:
    await kube.create("CronWorkflow", cron_workflow("solo", concurrencyPolicy="Forbid"))
    env = await start_cron()
    env.clock.set(minute(1))
    (first,) = await eventually(lambda: _count(kube, "solo", 1))
    env.clock.set(minute(2))
    await eventually(lambda: _next_is(env.cron.next_run_of(NS, "solo"), minute(3)))
    assert await child_names(kube, "solo") == [first]  # still running: minute 2 skipped
    assert env.cron.policy_triggered[(NS, "solo", "Forbid")] == 1

    await finish(kube, first, "Succeeded", "2024-01-01T00:02:30Z")
    await eventually(lambda: _status_has(kube, "solo", succeeded=1))
    env.clock.set(minute(3))
    names = await eventually(lambda: _count(kube, "solo", 2))
    assert names == [first, f"solo-{int(minute(3).timestamp())}"]
    status = await eventually(lambda: _status_has(kube, "solo", active_count=1))
    assert status["succeeded"] == 1 and status.get("failed", 0) == 0


async def test_replace_terminates_the_running_one(kube: Kube, start_cron: StartCron) -> None:
    await kube.create("CronWorkflow", cron_workflow("fresh", concurrencyPolicy="Replace"))
    env = await start_cron()
    env.clock.set(minute(1))
    (first,) = await eventually(lambda: _count(kube, "fresh", 1))
    env.clock.set(minute(2))
    names = await eventually(lambda: _count(kube, "fresh", 2))
    old = await kube.get("Workflow", first, NS)
    assert old["spec"]["shutdown"] == "Terminate"
    new = await kube.get("Workflow", names[1], NS)
    assert "shutdown" not in new["spec"]
    assert env.cron.policy_triggered[(NS, "fresh", "Replace")] == 1


async def test_allow_runs_side_by_side(kube: Kube, start_cron: StartCron) -> None:
    await kube.create("CronWorkflow", cron_workflow("many"))
    env = await start_cron()
    env.clock.set(minute(1))
    await eventually(lambda: _count(kube, "many", 1))
    env.clock.set(minute(2))
    names = await eventually(lambda: _count(kube, "many", 2))
    for name in names:
        assert "shutdown" not in (await kube.get("Workflow", name, NS))["spec"]
    status = await eventually(lambda: _status_has(kube, "many", active_count=2))
    assert [ref["name"] for ref in status["active"]] == names


async def test_history_limits_delete_the_oldest_finished(kube: Kube, start_cron: StartCron) -> None:
    cron = await kube.create(
        "CronWorkflow",
        cron_workflow("kept", "0 0 1 1 *", successfulJobsHistoryLimit=2, failedJobsHistoryLimit=0),
    )
    for i, phase in enumerate(["Succeeded", "Succeeded", "Failed", "Succeeded", "Error"]):
        await kube.create("Workflow", _finished_child(cron, f"kept-{i}", phase, i))
    await kube.create("Workflow", _finished_child(cron, "kept-running", "Running", 9))
    await start_cron()
    names = await eventually(lambda: _exactly(kube, "kept", 3))
    # The two newest successes stay, no failure stays, the running one is not history.
    assert names == ["kept-1", "kept-3", "kept-running"]


async def test_stop_strategy_stops_the_cron(kube: Kube, start_cron: StartCron) -> None:
    await kube.create(
        "CronWorkflow",
        cron_workflow("fragile", stopStrategy={"expression": "cronworkflow.failed >= 1"}),
    )
    env = await start_cron()
    env.clock.set(minute(1))
    (first,) = await eventually(lambda: _count(kube, "fragile", 1))
    await finish(kube, first, "Failed", "2024-01-01T00:01:30Z")
    status = await eventually(lambda: _status_has(kube, "fragile", phase="Stopped"))
    assert status["failed"] == 1 and status["active"] == []
    cron = await kube.get("CronWorkflow", "fragile", NS)
    assert cron["metadata"]["labels"]["workflows.argoproj.io/cron-workflow-completed"] == "true"
    await eventually(lambda: _next_is(env.cron.next_run_of(NS, "fragile"), None))
    await kube.create("CronWorkflow", cron_workflow("witness"))
    await eventually(lambda: _next_is(env.cron.next_run_of(NS, "witness"), minute(2)))
    env.clock.set(minute(5))
    await eventually(lambda: _count(kube, "witness", 1))  # minute 5 has been handled
    assert await child_names(kube, "fragile") == [first]


def _finished_child(cron: Obj, name: str, phase: str, minute_: int) -> Obj:
    meta = cron["metadata"]
    status: Obj = {"phase": phase}
    if phase != "Running":
        status["finishedAt"] = f"2023-12-31T10:{minute_:02d}:00Z"
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {
            "name": name,
            "namespace": NS,
            "labels": {"workflows.argoproj.io/cron-workflow": meta["name"]},
            "ownerReferences": [
                {
                    "apiVersion": "argoproj.io/v1alpha1",
                    "kind": "CronWorkflow",
                    "name": meta["name"],
                    "uid": meta["uid"],
                    "controller": True,
                }
            ],
        },
        "spec": {"entrypoint": "main", "templates": [{"name": "main"}]},
        "status": status,
    }


async def _exactly(kube: Kube, name: str, count: int) -> list[str] | None:
    names = [w["metadata"]["name"] for w in await children(kube, name)]
    return names if len(names) == count else None


async def _next_is(value: object, expected: object) -> bool:
    return value == expected


async def _status_has(
    kube: Kube,
    name: str,
    *,
    succeeded: int | None = None,
    active_count: int | None = None,
    phase: str | None = None,
) -> Obj | None:
    status = await status_of(kube, name)
    if succeeded is not None and status.get("succeeded") != succeeded:
        return None
    if active_count is not None and len(status.get("active") or []) != active_count:
        return None
    if phase is not None and status.get("phase") != phase:
        return None
    return status
