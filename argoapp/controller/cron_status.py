"""The decisions of Argo's cron operator, as pure functions over a CronWorkflow and its children.

The cron controller (`cron.py`) reads a CronWorkflow and the Workflows it owns from informer
caches and asks this module: which schedules it has and when it fires next (`next_run`), which
run it missed while argoapp was down (`missed_run`), whether `when` lets a run go, whether
`stopStrategy` stops it, what Workflow a run creates (`child_workflow`), and how `status.active`,
`succeeded`, `failed` and `phase` follow the children (`follow_children`) and which finished
children the history limits delete (`over_history_limit`). It then performs the writes.

Nothing here does I/O or reads the clock (`now` is an argument); it must not import kube.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from argoapp.controller.cron_schedule import Every, Schedule, ScheduleError, parse, zone_named
from argoapp.controller.cron_vars import expression_env, parse_time, when_scope
from argoapp.engine.operations import rfc3339
from argoapp.engine.submit import from_cron_workflow
from argoapp.model.labels import LABEL_CRON_WORKFLOW, PREFIX
from argoapp.model.phases import workflow_done
from argoapp.model.types import Obj
from argoapp.template import ExpressionError, TemplateError, evaluate, evaluate_when, substitute

LABEL_CRON_COMPLETED = f"{PREFIX}/cron-workflow-completed"
ANNOTATION_LAST_USED_SCHEDULE = "cronworkflows.argoproj.io/last-used-schedule"
SUBMISSION_ERROR = "SubmissionError"
SPEC_ERROR = "SpecError"
ACTIVE, STOPPED = "Active", "Stopped"
DEFAULT_SUCCESSFUL_LIMIT = 3
DEFAULT_FAILED_LIMIT = 1
# How many firings `missed_run` steps through at most (a per-minute schedule over ten weeks).
_MAX_MISSED_STEPS = 100_000


def spec_of(cron: Obj) -> Obj:
    return cron.get("spec") or {}


def schedule_texts(cron: Obj) -> list[str]:
    """`spec.schedules`, or the deprecated single `spec.schedule`."""
    spec = spec_of(cron)
    listed = [str(s) for s in spec.get("schedules") or [] if str(s).strip()]
    if listed:
        return listed
    return [str(spec["schedule"])] if spec.get("schedule") else []


def schedule_signature(cron: Obj) -> str:
    """The schedules with their zone, as Argo records them in the last-used annotation."""
    zone = str(spec_of(cron).get("timezone") or "")
    texts = schedule_texts(cron)
    return ",".join(f"CRON_TZ={zone} {t}" if zone else t for t in texts)


def schedules(cron: Obj) -> list[Schedule]:
    """Every schedule, parsed in the cron's `timezone`; ScheduleError on a bad one."""
    texts = schedule_texts(cron)
    if not texts:
        raise ScheduleError("cron workflow must have a schedule (spec.schedule or spec.schedules)")
    zone_name = spec_of(cron).get("timezone")
    zone = zone_named(str(zone_name)) if zone_name else None
    return [parse(text, zone) for text in texts]


def next_run(parsed: Iterable[Schedule], after: datetime) -> datetime | None:
    """The earliest firing of any schedule strictly after `after`."""
    found = [t for s in parsed if (t := s.next(after)) is not None]
    return min(found) if found else None


def last_scheduled(cron: Obj) -> datetime | None:
    """`status.lastScheduledTime` as a datetime (None when never run or unreadable)."""
    return parse_time((cron.get("status") or {}).get("lastScheduledTime"))


def missed_run(cron: Obj, parsed: list[Schedule], now: datetime) -> datetime | None:
    """The run to start now for what was missed while nobody scheduled, as Argo decides:
    only for a cron that ran before with its current schedules, only the latest missed
    firing, and only when `startingDeadlineSeconds` is set and that firing is younger."""
    deadline = spec_of(cron).get("startingDeadlineSeconds")
    last = last_scheduled(cron)
    if last is None or not isinstance(deadline, int | float) or isinstance(deadline, bool):
        return None
    used = ((cron.get("metadata") or {}).get("annotations") or {}).get(
        ANNOTATION_LAST_USED_SCHEDULE
    )
    if used is not None and used != schedule_signature(cron):
        return None  # the schedule changed since: its past firings were never due
    for schedule in parsed:
        missed = _latest_firing(schedule, last, now, _seconds(deadline))
        if missed is not None and missed > last and now < missed + _seconds(deadline):
            return missed
    return None


def _latest_firing(
    schedule: Schedule, last: datetime, now: datetime, deadline: timedelta
) -> datetime | None:
    """The latest firing after `last` and before `now` (one older than `deadline` may be
    reported as None: it would not run anyway)."""
    if isinstance(schedule, Every):
        # Intervals count from the last run: their phase depends on it, so no shortcut.
        base = last.replace(microsecond=0)
        steps = math.ceil((now - base).total_seconds() / schedule.seconds) - 1
        return base + timedelta(seconds=steps * schedule.seconds) if steps >= 1 else None
    # A wall-clock schedule is the same from any start: look only inside the deadline.
    missed = None
    at = schedule.next(max(last, now - deadline))
    steps = 0
    while at is not None and at < now and steps < _MAX_MISSED_STEPS:
        missed, at, steps = at, schedule.next(at), steps + 1
    return missed


def child_workflow(cron: Obj, scheduled: datetime) -> Obj:
    """The Workflow one run creates: `<cron>-<unix seconds>`, labelled, annotated, owned."""
    wf = from_cron_workflow(cron, now=scheduled)
    meta = wf["metadata"]
    meta.pop("generateName", None)
    name = (cron.get("metadata") or {}).get("name", "")
    meta["name"] = f"{name}-{int(scheduled.timestamp())}"
    meta["namespace"] = (cron.get("metadata") or {}).get("namespace", "")
    return wf


def when_allows(cron: Obj, now: datetime) -> bool:
    """Whether `spec.when` lets a run go now (no `when`: yes). ExpressionError when it is
    not a valid boolean expression."""
    when = str(spec_of(cron).get("when") or "")
    if not when.strip():
        return True
    try:
        text = substitute(when, when_scope(cron, now))
    except TemplateError as e:
        raise ExpressionError(str(e)) from None
    return evaluate_when(text)


def should_stop(cron: Obj) -> bool:
    """Whether `spec.stopStrategy.expression` holds; ExpressionError when it cannot be read."""
    strategy = spec_of(cron).get("stopStrategy") or {}
    expression = str(strategy.get("expression") or strategy.get("condition") or "")
    if not expression.strip():
        return False
    result = evaluate(expression, expression_env(cron))
    if not isinstance(result, bool):
        raise ExpressionError(f"stop expression {expression!r} gave {result!r}, not a boolean")
    return result


def owner_uid(wf: Obj) -> str | None:
    """The uid of the CronWorkflow that controls `wf`, if one does."""
    for ref in (wf.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("kind") == "CronWorkflow" and ref.get("controller"):
            return str(ref.get("uid") or "") or None
    return None


def children_by_owner(workflows: Iterable[Obj]) -> dict[str, list[Obj]]:
    """Workflows controlled by a CronWorkflow, grouped by the owner's uid."""
    grouped: dict[str, list[Obj]] = {}
    for wf in workflows:
        uid = owner_uid(wf)
        if uid is not None:
            grouped.setdefault(uid, []).append(wf)
    return grouped


def object_ref(wf: Obj) -> Obj:
    """The ObjectReference `status.active` keeps for a child."""
    meta = wf.get("metadata") or {}
    return {
        "kind": "Workflow",
        "apiVersion": wf.get("apiVersion") or "argoproj.io/v1alpha1",
        "name": meta.get("name", ""),
        "namespace": meta.get("namespace", ""),
        "uid": meta.get("uid", ""),
        "resourceVersion": meta.get("resourceVersion", ""),
    }


def follow_children(cron: Obj, children: list[Obj], pending: set[str]) -> Obj | None:
    """The new status when the children changed it, else None.

    A running child not yet listed becomes active; an active child that finished leaves the
    list and counts as succeeded or failed (then `stopStrategy` is checked); an active child
    that is gone leaves it uncounted, unless its uid is in `pending` (created by us, not yet
    in the cache)."""
    status: Obj = dict(cron.get("status") or {})
    active: list[Obj] = list(status.get("active") or [])
    by_uid = {str((c.get("metadata") or {}).get("uid")): c for c in children}
    listed = {str(ref.get("uid")) for ref in active}
    changed = False
    for uid, running in by_uid.items():
        if uid not in listed and not _finished(running):
            active.append(object_ref(running))
            changed = True
    kept: list[Obj] = []
    for ref in active:
        uid = str(ref.get("uid"))
        child = by_uid.get(uid)
        if child is None and uid in pending:
            kept.append(ref)
        elif child is None:
            changed = True
        elif _finished(child):
            changed = True
            phase = (child.get("status") or {}).get("phase")
            key = "succeeded" if phase == "Succeeded" else "failed"
            status[key] = int(status.get(key) or 0) + 1
        else:
            kept.append(ref)
    if not changed:
        return None
    status["active"] = kept
    return status


def over_history_limit(cron: Obj, children: list[Obj]) -> list[str]:
    """Names of finished children beyond `successfulJobsHistoryLimit` (3) and
    `failedJobsHistoryLimit` (1), oldest finished first to go."""
    spec = spec_of(cron)
    name = (cron.get("metadata") or {}).get("name")
    mine = [
        c
        for c in children
        if ((c.get("metadata") or {}).get("labels") or {}).get(LABEL_CRON_WORKFLOW) == name
        and _finished(c)
    ]
    succeeded = [c for c in mine if (c.get("status") or {}).get("phase") == "Succeeded"]
    failed = [c for c in mine if (c.get("status") or {}).get("phase") != "Succeeded"]
    doomed: list[str] = []
    for group, key, default in (
        (succeeded, "successfulJobsHistoryLimit", DEFAULT_SUCCESSFUL_LIMIT),
        (failed, "failedJobsHistoryLimit", DEFAULT_FAILED_LIMIT),
    ):
        limit = spec.get(key)
        keep = limit if isinstance(limit, int) and limit >= 0 else default
        group.sort(key=_finished_at, reverse=True)
        doomed.extend(c["metadata"]["name"] for c in group[keep:])
    return doomed


def set_condition(status: Obj, kind: str, message: str) -> None:
    """Add or replace the condition of this type (status True)."""
    others = [c for c in status.get("conditions") or [] if c.get("type") != kind]
    status["conditions"] = [*others, {"type": kind, "status": "True", "message": message}]


def clear_condition(status: Obj, kind: str) -> None:
    """Remove the condition of this type, if any."""
    conditions = status.get("conditions") or []
    if any(c.get("type") == kind for c in conditions):
        status["conditions"] = [c for c in conditions if c.get("type") != kind]


def stamp(t: datetime) -> str:
    """A time as the status keeps it."""
    return rfc3339(t)


def _finished(wf: Obj) -> bool:
    return workflow_done((wf.get("status") or {}).get("phase"))


def _finished_at(wf: Obj) -> datetime:
    return parse_time((wf.get("status") or {}).get("finishedAt")) or datetime.min.replace(
        tzinfo=UTC
    )


def _seconds(value: float) -> timedelta:
    return timedelta(seconds=float(value))
