"""CronWorkflow checks: schedules as robfig/cron's standard parser reads them, policy, deadline.

`validate.validate_cron_workflow` calls `check_cron`, which returns the Workflow the cron
workflow would create (for the workflow checks). `parse_schedule` is the schedule grammar Argo
accepts: five fields (minute hour day-of-month month day-of-week, with `*`, `?`, lists, ranges,
steps and month/day names), an optional `CRON_TZ=`/`TZ=` prefix, or a descriptor (`@hourly`,
`@daily`, `@every 1h30m`, …). Time zone names are not checked (that would read tz data).
"""

from __future__ import annotations

import re
import zoneinfo

from argoapp.engine.validate_fields import ValidationError, as_dict, as_list, text
from argoapp.model.types import Obj

_POLICIES = ("", "Allow", "Forbid", "Replace")
_MAX_CRON_NAME = 52
_DESCRIPTORS = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
# (minimum, maximum, names) for minute, hour, day of month, month, day of week (the cron
# controller's scheduler reads the same table).
CRON_FIELDS: tuple[tuple[int, int, dict[str, int]], ...] = (
    (0, 59, {}),
    (0, 23, {}),
    (1, 31, {}),
    (1, 12, {m: i + 1 for i, m in enumerate(_MONTHS)}),
    (0, 6, {d: i for i, d in enumerate(_DAYS)}),
)
_DURATION_PART = re.compile(r"([0-9]*\.?[0-9]*)(ns|us|µs|μs|ms|s|m|h)")


class ScheduleError(ValueError):
    """A schedule robfig/cron would not parse; the message is its text."""


def go_duration_seconds(value: str) -> float:
    """Seconds in a Go duration string (`1h30m`, `500ms`, `-2s`); ScheduleError if invalid."""
    original = value
    sign = -1.0 if value.startswith("-") else 1.0
    value = value.lstrip("+-") if value[:1] in "+-" else value
    if value == "0":
        return 0.0
    units = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}
    total = 0.0
    pos = 0
    while pos < len(value):
        match = _DURATION_PART.match(value, pos)
        if match is None or match.group(1) in ("", "."):
            raise ScheduleError(f'time: invalid duration "{original}"')
        total += float(match.group(1)) * units[match.group(2)]
        pos = match.end()
    if not value:
        raise ScheduleError(f'time: invalid duration "{original}"')
    return sign * total


def _number(text_: str, names: dict[str, int], expr: str) -> int:
    if text_.lower() in names:
        return names[text_.lower()]
    if not re.fullmatch(r"[+-]?[0-9]+", text_):
        raise ScheduleError(
            f'failed to parse int from {text_}: strconv.Atoi: parsing "{text_}": invalid syntax'
        )
    number = int(text_)
    if number < 0:
        raise ScheduleError(f"negative number ({number}) not allowed: {expr}")
    return number


def _range(expr: str, low: int, high: int, names: dict[str, int]) -> None:
    range_and_step = expr.split("/")
    low_and_high = range_and_step[0].split("-")
    if low_and_high[0] in ("*", "?"):
        start, end = low, high
        if len(low_and_high) > 1:
            raise ScheduleError(f"too many hyphens: {expr}")
    else:
        start = _number(low_and_high[0], names, expr)
        if len(low_and_high) == 1:
            end = start
        elif len(low_and_high) == 2:
            end = _number(low_and_high[1], names, expr)
        else:
            raise ScheduleError(f"too many hyphens: {expr}")
    if len(range_and_step) == 2:
        step = _number(range_and_step[1], names, expr)
        if len(low_and_high) == 1 and low_and_high[0] not in ("*", "?"):
            end = high  # `N/step` runs from N to the field's end
        if step <= 0:
            raise ScheduleError(f"step of range should be a positive number: {expr}")
    elif len(range_and_step) > 2:
        raise ScheduleError(f"too many slashes: {expr}")
    if start < low:
        raise ScheduleError(f"beginning of range ({start}) below minimum ({low}): {expr}")
    if end > high:
        raise ScheduleError(f"end of range ({end}) above maximum ({high}): {expr}")
    if start > end:
        raise ScheduleError(f"beginning of range ({start}) beyond end of range ({end}): {expr}")


def parse_schedule(schedule: str) -> None:
    """Raise ScheduleError (robfig/cron's message) when `schedule` is not a standard spec."""
    spec = schedule.strip()
    if not spec:
        raise ScheduleError("empty spec string")
    if spec.startswith(("TZ=", "CRON_TZ=")):
        parts = spec.split(None, 1)
        _zone(parts[0].partition("=")[2])
        spec = parts[1].strip() if len(parts) > 1 else ""
        if not spec:
            raise ScheduleError("empty spec string")
    if spec.startswith("@"):
        if spec in _DESCRIPTORS:
            return
        if spec.startswith("@every "):
            duration = spec[len("@every ") :].strip()
            try:
                go_duration_seconds(duration)
            except ScheduleError as e:
                raise ScheduleError(f"failed to parse duration {spec}: {e}") from None
            return
        raise ScheduleError(f"unrecognized descriptor: {spec}")
    fields = spec.split()
    if len(fields) != 5:
        raise ScheduleError(f"expected exactly 5 fields, found {len(fields)}: [{' '.join(fields)}]")
    for field, (low, high, names) in zip(fields, CRON_FIELDS, strict=True):
        for expr in field.split(","):
            _range(expr, low, high, names)


def _zone(name: str) -> None:
    """robfig/cron refuses a time zone it cannot load, with this message."""
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(f"provided bad location {name}: unknown time zone {name}") from None


def _schedules(spec: Obj) -> list[str]:
    timezone = text(spec.get("timezone"))
    raw = [text(spec.get("schedule"))] if spec.get("schedule") else as_list(spec.get("schedules"))
    found = [text(s) for s in raw]
    return [f"CRON_TZ={timezone} {s}" if timezone else s for s in found]


def check_cron(cron: Obj) -> Obj:
    """Check the cron-only fields; return the Workflow the cron workflow would create."""
    spec = as_dict(cron.get("spec"))
    meta = as_dict(cron.get("metadata"))
    if spec.get("schedule") and as_list(spec.get("schedules")):
        raise ValidationError(
            "cron workflow cant be configured with both Spec.Schedule and Spec.Schedules"
        )
    name = text(meta.get("name"))
    if len(name) > _MAX_CRON_NAME:
        raise ValidationError(
            f'cron workflow name "{name}" must not be more than 52 characters long '
            f"(currently {len(name)})"
        )
    schedules = _schedules(spec)
    if not schedules:
        raise ValidationError(
            "cron workflow must have a schedule (spec.schedule or spec.schedules)"
        )
    for schedule in schedules:
        try:
            parse_schedule(schedule)
        except ScheduleError as e:
            raise ValidationError(f"cron schedule {schedule} is malformed: {e}") from None
    policy = text(spec.get("concurrencyPolicy"))
    if policy not in _POLICIES:
        raise ValidationError(f"'{policy}' is not a valid concurrencyPolicy")
    deadline = spec.get("startingDeadlineSeconds")
    if isinstance(deadline, int | float) and not isinstance(deadline, bool) and deadline < 0:
        raise ValidationError("startingDeadlineSeconds must be positive")
    if not isinstance(spec.get("workflowSpec"), dict):
        raise ValidationError("cron workflow must have a workflowSpec")
    wf_meta = as_dict(spec.get("workflowMetadata"))
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {
            "namespace": meta.get("namespace", ""),
            "labels": {**as_dict(meta.get("labels")), **as_dict(wf_meta.get("labels"))},
            "annotations": {
                **as_dict(meta.get("annotations")),
                **as_dict(wf_meta.get("annotations")),
            },
        },
        "spec": spec["workflowSpec"],
    }
