"""Cron schedules as Argo's scheduler (robfig/cron's standard parser) reads and fires them.

`parse(text, zone)` turns one entry of a CronWorkflow's `schedules` into a `Schedule` whose
`next(after)` is the first firing instant strictly after `after` (an aware datetime; the answer
is in UTC), or None when the spec can never fire within five years (`0 0 30 2 *`), as robfig
gives up there too. The grammar: five fields (minute hour day-of-month month day-of-week) with
`*`, `?`, lists, ranges, steps and month/day names; an optional `CRON_TZ=`/`TZ=` prefix; or a
descriptor (`@yearly`/`@annually`, `@monthly`, `@weekly`, `@daily`/`@midnight`, `@hourly`,
`@every <Go duration>`). Day-of-month and day-of-week are ANDed when either starts with `*` or
`?`, ORed otherwise (classic cron).

Time zones and daylight saving: a five-field spec fires at every real instant whose wall-clock
time in its zone matches, which is what Argo documents: a time skipped when clocks go forward
does not fire that day; a time that happens twice when clocks go back fires twice. `@every`
ignores zones (a fixed interval, truncated to whole seconds).

Pure: no clock, no I/O. The cron controller (`cron.py`) calls it; it must not import kube.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from argoapp.engine.validate_cron import CRON_FIELDS, ScheduleError, go_duration_seconds

__all__ = ["CronSpec", "Every", "Schedule", "ScheduleError", "local_zone", "parse", "zone_named"]

_DESCRIPTORS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_SEARCH_YEARS = 5
# A wall-clock hour repeated when clocks go back lasts at most this long (2 h in history):
# instants after the first match found are searched this far for an earlier real instant.
_FOLD_HORIZON = timedelta(hours=3)


@dataclass(frozen=True)
class CronSpec:
    """A five-field spec in one zone."""

    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    any_day: bool  # day-of-month or day-of-week started with `*`/`?`: AND them, else OR
    zone: tzinfo

    def next(self, after: datetime) -> datetime | None:
        """The first instant strictly after `after` whose wall-clock time matches."""
        after = after.astimezone(UTC)
        start = after.astimezone(self.zone).replace(tzinfo=None, second=0, microsecond=0)
        if not _steady(self.zone, after):
            start -= _FOLD_HORIZON  # an instant after `after` may repeat an earlier wall time
        best: datetime | None = None
        horizon: datetime | None = None
        for wall in _walls(self, start):
            if horizon is not None and wall > horizon:
                break
            for instant in _instants(wall, self.zone):
                if instant > after and (best is None or instant < best):
                    if horizon is None and _steady(self.zone, instant):
                        return instant  # no clock change near: wall order is real order
                    best = instant
                    horizon = horizon or wall + _FOLD_HORIZON
        return best

    def day_matches(self, day: date) -> bool:
        """Whether `day` is a firing day (month, day of month, day of week)."""
        if day.month not in self.months:
            return False
        dom = day.day in self.days
        dow = (day.weekday() + 1) % 7 in self.weekdays
        return dom and dow if self.any_day else dom or dow


def _walls(spec: CronSpec, start: datetime) -> Iterator[datetime]:
    """Matching wall-clock minutes from `start` on, in order, for five years at most."""
    day = start.date()
    last = date(min(day.year + _SEARCH_YEARS, 9999), 12, 31)
    first = True
    while day <= last:
        if spec.day_matches(day):
            for hour in spec.hours:
                if first and hour < start.hour:
                    continue
                for minute in spec.minutes:
                    wall = datetime(day.year, day.month, day.day, hour, minute)
                    if first and wall < start:
                        continue
                    yield wall
        first = False
        day += timedelta(days=1)


def _steady(zone: tzinfo, instant: datetime) -> bool:
    """Whether the clocks of `zone` do not change within `_FOLD_HORIZON` of `instant`."""
    offset = instant.astimezone(zone).utcoffset()
    return all(
        (instant + delta).astimezone(zone).utcoffset() == offset
        for delta in (-_FOLD_HORIZON, _FOLD_HORIZON)
    )


def _instants(wall: datetime, zone: tzinfo) -> list[datetime]:
    """The real instants (UTC) at which the clocks of `zone` show `wall`: none in a gap
    (clocks went forward over it), two in a fold (clocks went back over it), else one."""
    found: list[datetime] = []
    for fold in (0, 1):
        instant = wall.replace(tzinfo=zone, fold=fold).astimezone(UTC)
        if instant.astimezone(zone).replace(tzinfo=None) != wall:
            continue  # a wall time inside a gap maps to another wall time
        if instant not in found:
            found.append(instant)
    found.sort()
    return found


@dataclass(frozen=True)
class Every:
    """`@every <duration>`: a fixed interval from the previous firing."""

    seconds: int

    def next(self, after: datetime) -> datetime | None:
        """`after` plus the interval, truncated to the second."""
        after = after.astimezone(UTC)
        return after.replace(microsecond=0) + timedelta(seconds=self.seconds)


Schedule = CronSpec | Every


def zone_named(name: str) -> tzinfo:
    """The IANA zone `name`; ScheduleError (Go's wording) when there is none."""
    if name in ("", "UTC", "Local"):
        return UTC if name != "Local" else local_zone()
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ScheduleError(f"unknown time zone {name}") from None


def local_zone() -> tzinfo:
    """The machine's zone (Argo's default): $TZ, else /etc/localtime, else UTC."""
    name = os.environ.get("TZ", "").lstrip(":")
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            return UTC
    try:
        with open("/etc/localtime", "rb") as f:
            return ZoneInfo.from_file(f, key="localtime")
    except (OSError, ValueError):
        return UTC


def parse(text: str, zone: tzinfo | None = None) -> Schedule:
    """One schedule; `zone` is the CronWorkflow's `timezone` (a `CRON_TZ=` prefix wins)."""
    spec = text.strip()
    if spec.startswith(("TZ=", "CRON_TZ=")):
        prefix, _, spec = spec.partition(" ")
        zone = zone_named(prefix.partition("=")[2])
        spec = spec.strip()
    if not spec:
        raise ScheduleError("empty spec string")
    zone = zone if zone is not None else local_zone()
    if spec.startswith("@every "):
        try:
            seconds = go_duration_seconds(spec[len("@every ") :].strip())
        except ScheduleError as e:
            raise ScheduleError(f"failed to parse duration {spec}: {e}") from None
        # robfig rounds the delay to whole seconds, and never below one.
        return Every(max(1, int(seconds)))
    if spec.startswith("@"):
        if spec not in _DESCRIPTORS:
            raise ScheduleError(f"unrecognized descriptor: {spec}")
        spec = _DESCRIPTORS[spec]
    fields = spec.split()
    if len(fields) != 5:
        raise ScheduleError(f"expected exactly 5 fields, found {len(fields)}: [{' '.join(fields)}]")
    sets = [_field(f, *bounds) for f, bounds in zip(fields, CRON_FIELDS, strict=True)]
    return CronSpec(
        minutes=tuple(sorted(sets[0][0])),
        hours=tuple(sorted(sets[1][0])),
        days=frozenset(sets[2][0]),
        months=frozenset(sets[3][0]),
        weekdays=frozenset(sets[4][0]),
        any_day=sets[2][1] or sets[4][1],
        zone=zone,
    )


def _field(field: str, low: int, high: int, names: dict[str, int]) -> tuple[set[int], bool]:
    """The values of one field, and whether it counts as `*` for the day rule (a `*` with a
    step above one does not, as in robfig)."""
    values: set[int] = set()
    star = False
    for expr in field.split(","):
        got, is_star = _range(expr, low, high, names)
        values |= got
        star = star or is_star
    return values, star


def _range(expr: str, low: int, high: int, names: dict[str, int]) -> tuple[set[int], bool]:
    range_and_step = expr.split("/")
    bounds = range_and_step[0].split("-")
    star = bounds[0] in ("*", "?")
    if star:
        if len(bounds) > 1:
            raise ScheduleError(f"too many hyphens: {expr}")
        start, end = low, high
    elif len(bounds) <= 2:
        start = _number(bounds[0], names, expr)
        end = _number(bounds[1], names, expr) if len(bounds) == 2 else start
    else:
        raise ScheduleError(f"too many hyphens: {expr}")
    step = 1
    if len(range_and_step) == 2:
        step = _number(range_and_step[1], names, expr)
        if step <= 0:
            raise ScheduleError(f"step of range should be a positive number: {expr}")
        if len(bounds) == 1 and not star:
            end = high  # `N/step` runs from N to the field's end
    elif len(range_and_step) > 2:
        raise ScheduleError(f"too many slashes: {expr}")
    if start < low:
        raise ScheduleError(f"beginning of range ({start}) below minimum ({low}): {expr}")
    if end > high:
        raise ScheduleError(f"end of range ({end}) above maximum ({high}): {expr}")
    if start > end:
        raise ScheduleError(f"beginning of range ({start}) beyond end of range ({end}): {expr}")
    return set(range(start, end + 1, step)), star and step == 1


def _number(text: str, names: dict[str, int], expr: str) -> int:
    if text.lower() in names:
        return names[text.lower()]
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        raise ScheduleError(f"failed to parse int from {text}: invalid syntax")
    number = int(text)
    if number < 0:
        raise ScheduleError(f"negative number ({number}) not allowed: {expr}")
    return number
