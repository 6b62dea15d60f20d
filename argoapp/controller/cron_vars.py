"""The `cronworkflow.*` variables Argo gives a CronWorkflow's `when` and `stopStrategy`.

`when_scope(cron, now)` is the flat scope `{{…}}` substitution of `spec.when` reads
(`cronworkflow.name`, `.namespace`, `.labels.<NAME>`, `.labels.json`, `.annotations.<NAME>`,
`.annotations.json`, `.lastScheduledTime`, `.failed`, `.succeeded`, and `now` for `now()`);
`expression_env(cron)` is the nested env `stopStrategy.expression` is evaluated over.

Times: Argo's expressions subtract times (`(now() - cronworkflow.lastScheduledTime).Seconds()`)
and the shared expression language (argoapp/template) has no time type. So times are handed
to it as `Instant`s, numbers (Unix seconds, which compare as times do) whose difference is a
`Duration` answering `.Seconds()`, `.Minutes()` and `.Hours()`. This stays here until the
template package learns times itself. Pure: no clock (`now` is an argument), no I/O.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from argoapp.model.types import Obj


class Duration(dict[str, Callable[[], float]]):
    """A time difference, read as Go's time.Duration methods (a map of functions, so the
    expression language's member call `.Seconds()` finds them)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(
            Seconds=lambda: seconds,
            Minutes=lambda: seconds / 60,
            Hours=lambda: seconds / 3600,
            Milliseconds=lambda: seconds * 1000,
        )
        self.seconds = seconds


class Instant(float):
    """A point in time as Unix seconds; `a - b` of two is a `Duration`."""

    def __sub__(self, other: Any) -> Any:
        if isinstance(other, Instant):
            return Duration(float(self) - float(other))
        return float(self) - other


def instant(t: datetime | None) -> Instant | None:
    """`t` as an Instant (None stays None: Argo's nil before the first run)."""
    return None if t is None else Instant(t.timestamp())


def parse_time(value: Any) -> datetime | None:
    """An RFC 3339 time from the wire (None when absent or unreadable)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _fields(cron: Obj) -> dict[str, Any]:
    meta = cron.get("metadata") or {}
    status = cron.get("status") or {}
    labels = dict(meta.get("labels") or {})
    annotations = dict(meta.get("annotations") or {})
    return {
        "name": meta.get("name", ""),
        "namespace": meta.get("namespace", ""),
        "labels": labels,
        "annotations": annotations,
        "failed": int(status.get("failed") or 0),
        "succeeded": int(status.get("succeeded") or 0),
        "lastScheduledTime": instant(parse_time(status.get("lastScheduledTime"))),
        "labels.json": json.dumps(labels, separators=(",", ":")),
        "annotations.json": json.dumps(annotations, separators=(",", ":")),
    }


def expression_env(cron: Obj) -> dict[str, Any]:
    """The env of `stopStrategy.expression`: `cronworkflow` as a map of the variables."""
    fields = _fields(cron)
    fields["labels"] = {**fields["labels"], "json": fields.pop("labels.json")}
    fields["annotations"] = {**fields["annotations"], "json": fields.pop("annotations.json")}
    return {"cronworkflow": fields}


def when_scope(cron: Obj, now: datetime) -> dict[str, Any]:
    """The flat scope `spec.when` is substituted with."""
    fields = _fields(cron)
    scope: dict[str, Any] = {"now": Instant(now.timestamp())}
    for key in ("name", "namespace", "failed", "succeeded", "lastScheduledTime"):
        scope[f"cronworkflow.{key}"] = fields[key]
    scope["cronworkflow.labels.json"] = fields["labels.json"]
    scope["cronworkflow.annotations.json"] = fields["annotations.json"]
    for key, value in fields["labels"].items():
        scope[f"cronworkflow.labels.{key}"] = value
    for key, value in fields["annotations"].items():
        scope[f"cronworkflow.annotations.{key}"] = value
    return scope
