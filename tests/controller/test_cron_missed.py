"""Runs missed while argoapp was down, as Argo handles them at start-up: with
`startingDeadlineSeconds`, the latest missed run starts if it is younger than the deadline;
without it, none does; a cron that never ran, or whose schedule changed, catches up nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from argoapp.kube.client import Kube

from .cron_fixtures import (
    NS,
    StartCron,
    child_names,
    cron_workflow,
    eventually,
    start_cron_fixture,  # noqa: F401 (the `start_cron` fixture)
    status_of,
)

LAST = "2024-01-01T00:01:00Z"
DOWN_UNTIL = datetime(2024, 1, 1, 0, 5, 10, tzinfo=UTC)  # 00:02 … 00:05 were missed
MISSED = int(datetime(2024, 1, 1, 0, 5, tzinfo=UTC).timestamp())
NEXT = int(datetime(2024, 1, 1, 0, 6, tzinfo=UTC).timestamp())


async def _cron_that_ran(kube: Kube, name: str, **spec: Any) -> None:
    cron = cron_workflow(name, "* * * * *", **spec)
    cron["status"] = {"lastScheduledTime": LAST, "active": [], "phase": "Active"}
    await kube.create("CronWorkflow", cron)


async def _count(kube: Kube, name: str, count: int) -> list[str] | None:
    names = await child_names(kube, name)
    return names if len(names) >= count else None


async def _after_the_next_minute(kube: Kube, start_cron: StartCron, name: str) -> list[str]:
    """Start at DOWN_UNTIL, let 00:06 fire, and return every child made by then."""
    env = await start_cron(DOWN_UNTIL)
    six = datetime(2024, 1, 1, 0, 6, tzinfo=UTC)
    await eventually(lambda: _equal(env.cron.next_run_of(NS, name), six))  # registered
    env.clock.set(six)
    names: list[str] = await eventually(lambda: _has(kube, name, f"{name}-{NEXT}"))
    return names


async def _has(kube: Kube, cron: str, child: str) -> list[str] | None:
    names = await child_names(kube, cron)
    return names if child in names else None


async def test_within_the_deadline_the_latest_missed_run_starts(
    kube: Kube, start_cron: StartCron
) -> None:
    await _cron_that_ran(kube, "late", startingDeadlineSeconds=60)
    await start_cron(DOWN_UNTIL)
    (made,) = await eventually(lambda: _count(kube, "late", 1))
    assert made == f"late-{MISSED}"  # one run, for 00:05 only
    status = await eventually(lambda: _scheduled_at(kube, "late", "2024-01-01T00:05:00Z"))
    assert [ref["name"] for ref in status["active"]] == [made]


async def test_past_the_deadline_the_missed_run_is_skipped(
    kube: Kube, start_cron: StartCron
) -> None:
    await _cron_that_ran(kube, "tardy", startingDeadlineSeconds=5)
    assert await _after_the_next_minute(kube, start_cron, "tardy") == [f"tardy-{NEXT}"]


async def test_without_a_deadline_no_missed_run_starts(kube: Kube, start_cron: StartCron) -> None:
    await _cron_that_ran(kube, "plain")
    assert await _after_the_next_minute(kube, start_cron, "plain") == [f"plain-{NEXT}"]


async def test_a_cron_that_never_ran_catches_up_nothing(kube: Kube, start_cron: StartCron) -> None:
    await kube.create("CronWorkflow", cron_workflow("new", startingDeadlineSeconds=600))
    assert await _after_the_next_minute(kube, start_cron, "new") == [f"new-{NEXT}"]


async def test_a_changed_schedule_catches_up_nothing(kube: Kube, start_cron: StartCron) -> None:
    cron = cron_workflow("changed", "* * * * *", startingDeadlineSeconds=600)
    cron["metadata"]["annotations"] = {
        "cronworkflows.argoproj.io/last-used-schedule": "*/5 * * * *"
    }
    cron["status"] = {"lastScheduledTime": LAST}
    await kube.create("CronWorkflow", cron)
    assert await _after_the_next_minute(kube, start_cron, "changed") == [f"changed-{NEXT}"]


async def test_a_run_records_the_schedule_it_used(kube: Kube, start_cron: StartCron) -> None:
    await _cron_that_ran(kube, "marked", startingDeadlineSeconds=60, timezone="Europe/Berlin")
    await start_cron(DOWN_UNTIL)
    await eventually(lambda: _count(kube, "marked", 1))
    cron = await eventually(lambda: _annotated(kube, "marked"))
    used = cron["metadata"]["annotations"]["cronworkflows.argoproj.io/last-used-schedule"]
    assert used == "CRON_TZ=Europe/Berlin * * * * *"


async def _scheduled_at(kube: Kube, name: str, when: str) -> dict[str, Any] | None:
    status = await status_of(kube, name)
    return status if status.get("lastScheduledTime") == when else None


async def _annotated(kube: Kube, name: str) -> dict[str, Any] | None:
    cron = await kube.get("CronWorkflow", name, NS)
    annotations = cron["metadata"].get("annotations") or {}
    return cron if "cronworkflows.argoproj.io/last-used-schedule" in annotations else None


async def _equal(value: object, expected: object) -> bool:
    return value == expected
