"""Cron schedules: the grammar robfig/cron accepts, next firings, and DST as Argo documents it.

Fixed cases pin Argo's published DST tables (America/Los_Angeles) and the same transitions in
Europe/Berlin and America/New_York; hypothesis checks the properties any next-run must have.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from argoapp.controller.cron_schedule import CronSpec, Every, ScheduleError, parse
from argoapp.engine.validate_cron import parse_schedule

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")


def firings(spec: str, start: datetime, count: int, zone: ZoneInfo) -> list[str]:
    schedule = parse(spec, zone)
    out: list[str] = []
    at: datetime | None = start
    for _ in range(count):
        assert at is not None
        at = schedule.next(at)
        assert at is not None
        out.append(at.astimezone(zone).isoformat())
    return out


def test_argo_documented_dst_start_in_los_angeles() -> None:
    start = datetime(2020, 3, 7, 12, tzinfo=LOS_ANGELES)
    assert firings("59 1 * * *", start, 3, LOS_ANGELES) == [
        "2020-03-08T01:59:00-08:00",
        "2020-03-09T01:59:00-07:00",
        "2020-03-10T01:59:00-07:00",
    ]
    # 02:00-02:59 does not exist on Mar 8th: those runs are skipped, not moved.
    assert firings("0 2 * * *", start, 2, LOS_ANGELES) == [
        "2020-03-09T02:00:00-07:00",
        "2020-03-10T02:00:00-07:00",
    ]


def test_argo_documented_dst_end_in_los_angeles() -> None:
    start = datetime(2020, 10, 31, 12, tzinfo=LOS_ANGELES)
    # 01:59 happens twice on Nov 1st: it runs twice.
    assert firings("59 1 * * *", start, 3, LOS_ANGELES) == [
        "2020-11-01T01:59:00-07:00",
        "2020-11-01T01:59:00-08:00",
        "2020-11-02T01:59:00-08:00",
    ]
    assert firings("1 2 * * *", start, 2, LOS_ANGELES) == [
        "2020-11-01T02:01:00-08:00",
        "2020-11-02T02:01:00-08:00",
    ]


def test_berlin_spring_forward_skips_and_fall_back_repeats() -> None:
    spring = datetime(2024, 3, 30, 12, tzinfo=BERLIN)
    assert firings("30 2 * * *", spring, 2, BERLIN) == [
        "2024-04-01T02:30:00+02:00",
        "2024-04-02T02:30:00+02:00",
    ]
    autumn = datetime(2024, 10, 26, 12, tzinfo=BERLIN)
    assert firings("30 2 * * *", autumn, 3, BERLIN) == [
        "2024-10-27T02:30:00+02:00",
        "2024-10-27T02:30:00+01:00",
        "2024-10-28T02:30:00+01:00",
    ]
    # Every 20 minutes over the repeated hour: both passes, in real-time order.
    assert firings("*/20 2 27 10 *", autumn, 6, BERLIN) == [
        "2024-10-27T02:00:00+02:00",
        "2024-10-27T02:20:00+02:00",
        "2024-10-27T02:40:00+02:00",
        "2024-10-27T02:00:00+01:00",
        "2024-10-27T02:20:00+01:00",
        "2024-10-27T02:40:00+01:00",
    ]


def test_new_york_transitions() -> None:
    spring = datetime(2024, 3, 9, 12, tzinfo=NEW_YORK)
    assert firings("30 2 * * *", spring, 1, NEW_YORK) == ["2024-03-11T02:30:00-04:00"]
    hourly = firings("0 * 10 3 *", spring, 4, NEW_YORK)
    assert hourly == [
        "2024-03-10T00:00:00-05:00",
        "2024-03-10T01:00:00-05:00",
        "2024-03-10T03:00:00-04:00",
        "2024-03-10T04:00:00-04:00",
    ]
    autumn = datetime(2024, 11, 2, 12, tzinfo=NEW_YORK)
    assert firings("30 1 * * *", autumn, 3, NEW_YORK) == [
        "2024-11-03T01:30:00-04:00",
        "2024-11-03T01:30:00-05:00",
        "2024-11-04T01:30:00-05:00",
    ]


def test_a_cron_tz_prefix_wins_over_the_timezone_field() -> None:
    schedule = parse("CRON_TZ=Europe/Berlin 0 9 * * *", NEW_YORK)
    at = schedule.next(datetime(2024, 6, 1, tzinfo=UTC))
    assert at == datetime(2024, 6, 1, 7, tzinfo=UTC)


def test_day_of_month_and_week_are_ored_unless_one_is_a_star() -> None:
    start = datetime(2024, 9, 1, tzinfo=UTC)  # a Sunday
    both = firings("0 0 13 * 5", start, 3, ZoneInfo("UTC"))
    assert both == [
        "2024-09-06T00:00:00+00:00",  # Friday
        "2024-09-13T00:00:00+00:00",  # the 13th (also a Friday)
        "2024-09-20T00:00:00+00:00",
    ]
    fridays = firings("0 0 * * fri", start, 2, ZoneInfo("UTC"))
    assert fridays == ["2024-09-06T00:00:00+00:00", "2024-09-13T00:00:00+00:00"]
    # `*/2` has a step: not a star for this rule, so the days are ORed with Friday.
    odd_days = firings("0 0 */2 * 5", start, 3, ZoneInfo("UTC"))
    assert odd_days == [
        "2024-09-03T00:00:00+00:00",
        "2024-09-05T00:00:00+00:00",
        "2024-09-06T00:00:00+00:00",
    ]


def test_descriptors_and_every() -> None:
    start = datetime(2024, 5, 15, 10, 20, tzinfo=UTC)
    utc = ZoneInfo("UTC")
    assert firings("@hourly", start, 1, utc) == ["2024-05-15T11:00:00+00:00"]
    assert firings("@daily", start, 1, utc) == ["2024-05-16T00:00:00+00:00"]
    assert firings("@weekly", start, 1, utc) == ["2024-05-19T00:00:00+00:00"]
    assert firings("@monthly", start, 1, utc) == ["2024-06-01T00:00:00+00:00"]
    assert firings("@yearly", start, 1, utc) == ["2025-01-01T00:00:00+00:00"]
    every = parse("@every 1h30m")
    assert every == Every(5400)
    assert every.next(start.replace(microsecond=500)) == start + timedelta(minutes=90)
    assert parse("@every 10ms") == Every(1)


def test_an_impossible_date_never_fires() -> None:
    assert parse("0 0 30 2 *", ZoneInfo("UTC")).next(datetime(2024, 1, 1, tzinfo=UTC)) is None
    leap = parse("0 0 29 2 *", ZoneInfo("UTC")).next(datetime(2024, 3, 1, tzinfo=UTC))
    assert leap == datetime(2028, 2, 29, tzinfo=UTC)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "empty spec string"),
        ("* * * *", "expected exactly 5 fields"),
        ("60 * * * *", "above maximum"),
        ("* * 0 * *", "below minimum"),
        ("5-1 * * * *", "beyond end of range"),
        ("*/0 * * * *", "step of range should be a positive number"),
        ("@fortnightly", "unrecognized descriptor"),
        ("@every soon", "failed to parse duration"),
        ("CRON_TZ=Mars/Olympus 0 * * * *", "unknown time zone Mars/Olympus"),
        ("* * * * 7", "above maximum"),
    ],
)
def test_bad_schedules_are_refused_with_robfig_wording(spec: str, message: str) -> None:
    with pytest.raises(ScheduleError, match=message):
        parse(spec)


# --- properties ---

FIELD_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 6))


@st.composite
def field_text(draw: st.DrawFn, low: int, high: int) -> str:
    kind = draw(st.sampled_from(["star", "value", "range", "step", "list"]))
    if kind == "star":
        return "*"
    a = draw(st.integers(low, high))
    b = draw(st.integers(a, high))
    if kind == "value":
        return str(a)
    if kind == "range":
        return f"{a}-{b}"
    if kind == "step":
        return f"{draw(st.sampled_from(['*', str(a), f'{a}-{b}']))}/{draw(st.integers(1, 7))}"
    return ",".join(str(draw(st.integers(low, high))) for _ in range(draw(st.integers(1, 3))))


@st.composite
def spec_text(draw: st.DrawFn) -> str:
    return " ".join(draw(field_text(low, high)) for low, high in FIELD_RANGES)


instants = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2060, 1, 1), timezones=st.just(UTC)
)
zones = st.sampled_from([ZoneInfo("UTC"), BERLIN, NEW_YORK, LOS_ANGELES])


def matches(schedule: CronSpec, at: datetime) -> bool:
    local = at.astimezone(schedule.zone)
    return (
        local.second == 0
        and local.minute in schedule.minutes
        and local.hour in schedule.hours
        and schedule.day_matches(local.date())
    )


@settings(max_examples=150, deadline=None)
@given(spec_text(), instants, zones)
def test_next_is_later_and_matches_the_spec(spec: str, after: datetime, zone: ZoneInfo) -> None:
    schedule = parse(spec, zone)
    assert isinstance(schedule, CronSpec)
    at = schedule.next(after)
    if at is None:
        return  # only for dates that never come (30 Feb) within five years
    assert at > after
    assert matches(schedule, at)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 59), st.sets(st.integers(0, 23), min_size=1), instants, zones)
def test_no_firing_is_skipped(
    minute: int, hours: set[int], after: datetime, zone: ZoneInfo
) -> None:
    spec = f"{minute} {','.join(map(str, sorted(hours)))} * * *"
    schedule = parse(spec, zone)
    assert isinstance(schedule, CronSpec)
    at = schedule.next(after)
    assert at is not None
    # Walk every real minute between: none of them may match.
    probe = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
    while probe < at:
        assert not matches(schedule, probe), probe
        probe += timedelta(minutes=1)


@settings(max_examples=100, deadline=None)
@given(spec_text())
def test_the_controller_accepts_what_validation_accepts(spec: str) -> None:
    try:
        parse_schedule(spec)
        valid = True
    except ScheduleError:
        valid = False
    try:
        parse(spec, UTC)
        parsed = True
    except ScheduleError:
        parsed = False
    assert valid == parsed


def test_without_a_zone_the_machine_zone_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    at = parse("0 9 * * *").next(datetime(2024, 6, 1, tzinfo=UTC))
    assert at == datetime(2024, 6, 2, 0, 0, tzinfo=UTC)
