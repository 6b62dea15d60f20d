"""Cron workflow validation: schedules as robfig/cron parses them, policy, the workflow spec."""

from __future__ import annotations

from typing import Any

import pytest

from argoapp.engine.api import EmptyLookup
from argoapp.engine.validate import ValidationError, validate_cron_workflow
from argoapp.engine.validate_cron import ScheduleError, go_duration_seconds, parse_schedule
from argoapp.model.types import Obj

SPEC = {"entrypoint": "main", "templates": [{"name": "main", "container": {"image": "alpine"}}]}


def cron(**spec: Any) -> Obj:
    spec.setdefault("workflowSpec", SPEC)
    return {"kind": "CronWorkflow", "metadata": {"name": "c", "namespace": "argo"}, "spec": spec}


def rejects(doc: Obj, message: str) -> None:
    with pytest.raises(ValidationError) as info:
        validate_cron_workflow(doc, EmptyLookup())
    assert str(info.value) == message


@pytest.mark.parametrize(
    "schedule",
    [
        "* * * * *",
        "*/5 1-3 * JAN-mar mon,fri",
        "0 0 1 1 ?",
        "@hourly",
        "@every 1h30m",
        "CRON_TZ=Europe/Paris 0 9 * * 1-5",
        "5/15 * * * *",
    ],
)
def test_good_schedules(schedule: str) -> None:
    parse_schedule(schedule)
    validate_cron_workflow(cron(schedule=schedule), EmptyLookup())


@pytest.mark.parametrize(
    ("schedule", "error"),
    [
        ("* * * *", "expected exactly 5 fields, found 4: [* * * *]"),
        ("60 * * * *", "end of range (60) above maximum (59): 60"),
        ("* * 0 * *", "beginning of range (0) below minimum (1): 0"),
        ("5-1 * * * *", "beginning of range (5) beyond end of range (1): 5-1"),
        ("*/0 * * * *", "step of range should be a positive number: */0"),
        ("x * * * *", 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'),
        ("@often", "unrecognized descriptor: @often"),
        ("@every soon", 'failed to parse duration @every soon: time: invalid duration "soon"'),
        ("", "empty spec string"),
    ],
)
def test_bad_schedules(schedule: str, error: str) -> None:
    with pytest.raises(ScheduleError) as info:
        parse_schedule(schedule)
    assert str(info.value) == error


def test_malformed_schedule_message() -> None:
    rejects(
        cron(schedule="* * *"),
        "cron schedule * * * is malformed: expected exactly 5 fields, found 3: [* * *]",
    )
    rejects(
        cron(schedules=["* * * * *", "61 * * * *"]),
        "cron schedule 61 * * * * is malformed: end of range (61) above maximum (59): 61",
    )


def test_an_unknown_time_zone_is_refused_at_create() -> None:
    bad = cron(schedule="0 1 * * *")
    bad["spec"]["timezone"] = "Mars/Olympus"
    rejects(
        bad,
        "cron schedule CRON_TZ=Mars/Olympus 0 1 * * * is malformed: "
        "provided bad location Mars/Olympus: unknown time zone Mars/Olympus",
    )
    good = cron(schedule="0 1 * * *")
    good["spec"]["timezone"] = "America/New_York"
    validate_cron_workflow(good, EmptyLookup())


def test_schedule_is_required() -> None:
    rejects(cron(), "cron workflow must have a schedule (spec.schedule or spec.schedules)")


def test_schedule_and_schedules_are_exclusive() -> None:
    rejects(
        cron(schedule="* * * * *", schedules=["* * * * *"]),
        "cron workflow cant be configured with both Spec.Schedule and Spec.Schedules",
    )


def test_concurrency_policy() -> None:
    rejects(
        cron(schedule="@daily", concurrencyPolicy="Sometimes"),
        "'Sometimes' is not a valid concurrencyPolicy",
    )
    for policy in ("Allow", "Forbid", "Replace"):
        validate_cron_workflow(cron(schedule="@daily", concurrencyPolicy=policy), EmptyLookup())


def test_starting_deadline() -> None:
    rejects(
        cron(schedule="@daily", startingDeadlineSeconds=-1),
        "startingDeadlineSeconds must be positive",
    )


def test_workflow_spec_is_validated_as_a_workflow() -> None:
    rejects(
        cron(schedule="@daily", workflowSpec={"templates": []}),
        "cannot validate Workflow: spec.entrypoint is required",
    )


def test_go_durations() -> None:
    assert go_duration_seconds("1h30m") == 5400
    assert go_duration_seconds("1.5s") == 1.5
    assert go_duration_seconds("-2m") == -120
    with pytest.raises(ScheduleError):
        go_duration_seconds("5")
