"""CronWorkflows fire on schedule over a real localkube, with a fake clock: the workflow made
(name, labels, annotation, owner, spec), the status kept (active, lastScheduledTime, phase),
several schedules, suspend, `when`, a bad spec, and deleting the cron.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from argoapp.kube.client import Kube

from .cron_fixtures import (
    NS,
    T0,
    StartCron,
    child_names,
    children,
    cron_workflow,
    eventually,
    start_cron_fixture,  # noqa: F401 (the `start_cron` fixture)
    status_of,
)

MINUTE_1 = datetime(2024, 1, 1, 0, 1, tzinfo=UTC)


async def test_a_due_cron_makes_its_workflow_as_argo_does(
    kube: Kube, start_cron: StartCron
) -> None:
    cron = cron_workflow("nightly", "* * * * *")
    cron["spec"]["workflowMetadata"] = {"labels": {"team": "data"}}
    made = await kube.create("CronWorkflow", cron)
    env = await start_cron()
    assert await child_names(kube, "nightly") == []  # 00:00:30: nothing due yet
    env.clock.set(MINUTE_1)
    (wf,) = await eventually(lambda: children(kube, "nightly"))
    meta = wf["metadata"]
    assert meta["name"] == f"nightly-{int(MINUTE_1.timestamp())}"
    assert meta["labels"]["workflows.argoproj.io/cron-workflow"] == "nightly"
    assert meta["labels"]["team"] == "data"
    assert meta["annotations"]["workflows.argoproj.io/scheduled-time"] == "2024-01-01T00:01:00Z"
    (owner,) = meta["ownerReferences"]
    assert owner["kind"] == "CronWorkflow" and owner["uid"] == made["metadata"]["uid"]
    assert owner["controller"] is True
    assert wf["spec"] == cron["spec"]["workflowSpec"]

    status = await eventually(lambda: _with_active(kube, "nightly"))
    assert status["lastScheduledTime"] == "2024-01-01T00:01:00Z"
    assert status["phase"] == "Active"
    (ref,) = status["active"]
    assert ref["name"] == meta["name"] and ref["uid"] == meta["uid"]
    assert ref["kind"] == "Workflow" and ref["namespace"] == NS
    assert env.cron.triggered[(NS, "nightly")] == 1


async def test_every_schedule_fires_and_the_next_run_is_the_earliest(
    kube: Kube, start_cron: StartCron
) -> None:
    await kube.create("CronWorkflow", cron_workflow("twice", "0 * * * *", "30 * * * *"))
    env = await start_cron()
    assert env.cron.next_run_of(NS, "twice") == datetime(2024, 1, 1, 0, 30, tzinfo=UTC)
    env.clock.set(datetime(2024, 1, 1, 0, 30, 1, tzinfo=UTC))
    await eventually(lambda: child_names(kube, "twice"))
    assert env.cron.next_run_of(NS, "twice") == datetime(2024, 1, 1, 1, 0, tzinfo=UTC)
    env.clock.set(datetime(2024, 1, 1, 1, 0, 0, tzinfo=UTC))
    names = await eventually(lambda: _at_least(child_names(kube, "twice"), 2))
    assert names == ["twice-1704069000", "twice-1704070800"]


async def test_the_timezone_field_places_the_runs(kube: Kube, start_cron: StartCron) -> None:
    await kube.create(
        "CronWorkflow", cron_workflow("berlin", "0 9 * * *", timezone="Europe/Berlin")
    )
    env = await start_cron()
    assert env.cron.next_run_of(NS, "berlin") == datetime(2024, 1, 1, 8, 0, tzinfo=UTC)


async def test_a_suspended_cron_makes_nothing(kube: Kube, start_cron: StartCron) -> None:
    await kube.create("CronWorkflow", cron_workflow("paused", suspend=True))
    env = await start_cron()
    env.clock.set(MINUTE_1)
    minute_2 = MINUTE_1 + timedelta(minutes=1)
    # The run of 00:01 has been handled once the next one is 00:02.
    await eventually(lambda: _equal(env.cron.next_run_of(NS, "paused"), minute_2))
    assert await child_names(kube, "paused") == []
    assert (await status_of(kube, "paused")).get("lastScheduledTime") is None


async def test_when_decides_with_the_cron_variables(kube: Kube, start_cron: StartCron) -> None:
    when = (
        "{{= cronworkflow.lastScheduledTime == nil || "
        "(now() - cronworkflow.lastScheduledTime).Seconds() > 90 }}"
    )
    await kube.create("CronWorkflow", cron_workflow("spaced", when=when))
    env = await start_cron()
    env.clock.set(MINUTE_1)
    await eventually(lambda: child_names(kube, "spaced"))
    await eventually(lambda: _with_active(kube, "spaced"))
    env.clock.set(MINUTE_1 + timedelta(minutes=1))  # 60 s after the last: not yet
    minute_3 = MINUTE_1 + timedelta(minutes=2)
    await eventually(lambda: _equal(env.cron.next_run_of(NS, "spaced"), minute_3))
    env.clock.set(MINUTE_1 + timedelta(minutes=2))  # 120 s after the last: runs
    names = await eventually(lambda: _at_least(child_names(kube, "spaced"), 2))
    assert names == ["spaced-1704067260", "spaced-1704067380"]


async def test_a_bad_spec_is_a_spec_error_condition(kube: Kube, start_cron: StartCron) -> None:
    await kube.create("CronWorkflow", cron_workflow("broken", "0 * * * *", timezone="Mars/Base"))
    env = await start_cron()
    status = await eventually(lambda: status_of(kube, "broken"))
    (condition,) = status["conditions"]
    assert condition["type"] == "SpecError" and condition["status"] == "True"
    assert "unknown time zone Mars/Base" in condition["message"]
    assert env.cron.next_run_of(NS, "broken") is None


async def test_an_invalid_workflow_spec_is_reported_at_run_time(
    kube: Kube, start_cron: StartCron
) -> None:
    bad = cron_workflow("nomain")
    bad["spec"]["workflowSpec"]["entrypoint"] = "missing"
    await kube.create("CronWorkflow", bad)
    env = await start_cron()
    env.clock.set(MINUTE_1)
    status = await eventually(lambda: status_of(kube, "nomain"))
    assert status["conditions"][0]["type"] == "SpecError"
    assert "missing" in status["conditions"][0]["message"]
    assert await child_names(kube, "nomain") == []


async def test_a_deleted_cron_is_no_longer_scheduled(kube: Kube, start_cron: StartCron) -> None:
    await kube.create("CronWorkflow", cron_workflow("gone"))
    env = await start_cron()
    assert env.cron.next_run_of(NS, "gone") is not None
    await kube.delete("CronWorkflow", "gone", NS)
    await eventually(lambda: _none(env.cron.next_run_of(NS, "gone")))


async def test_a_schedule_change_moves_the_next_run(kube: Kube, start_cron: StartCron) -> None:
    await kube.create("CronWorkflow", cron_workflow("moving", "0 5 * * *"))
    env = await start_cron(T0)
    assert env.cron.next_run_of(NS, "moving") == datetime(2024, 1, 1, 5, tzinfo=UTC)
    await kube.patch("CronWorkflow", "moving", {"spec": {"schedules": ["0 3 * * *"]}}, NS)
    target = datetime(2024, 1, 1, 3, tzinfo=UTC)
    await eventually(lambda: _equal(env.cron.next_run_of(NS, "moving"), target))


async def _with_active(kube: Kube, name: str) -> dict[str, object] | None:
    status = await status_of(kube, name)
    return status if status.get("active") else None


async def _at_least(names_coro: object, count: int) -> list[str] | None:
    names = await names_coro  # type: ignore[misc]
    return names if len(names) >= count else None


async def _none(value: object) -> bool:
    return value is None


async def _equal(value: object, expected: object) -> bool:
    return value == expected
