"""The cron operator's pure decisions: missed runs (hypothesis), following children, history
limits with Argo's defaults, `when` and `stopStrategy` over the `cronworkflow.*` variables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from argoapp.controller import cron_status as cs
from argoapp.controller.cron_schedule import parse
from argoapp.model.types import Obj
from argoapp.template import ExpressionError

SCHEDULES = ["* * * * *", "*/5 * * * *", "0 * * * *", "15,45 * * * *", "@every 90s", "0 0 * * *"]


def cron(**spec: Any) -> Obj:
    status = spec.pop("status", {})
    meta = spec.pop("metadata", {})
    return {
        "metadata": {"name": "c", "namespace": "ns", "uid": "u-1", **meta},
        "spec": {"schedules": ["* * * * *"], "timezone": "UTC", **spec},
        "status": status,
    }


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(SCHEDULES),
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1)),
    st.integers(0, 3 * 24 * 3600),
    st.one_of(st.none(), st.integers(0, 7200)),
)
def test_a_missed_run_is_the_latest_firing_inside_the_deadline(
    schedule_text: str, last_naive: datetime, down: int, deadline: int | None
) -> None:
    last = last_naive.replace(second=0, microsecond=0, tzinfo=UTC)
    now = last + timedelta(seconds=down)
    spec: dict[str, Any] = {
        "schedules": [schedule_text],
        "status": {"lastScheduledTime": cs.stamp(last)},
    }
    if deadline is not None:
        spec["startingDeadlineSeconds"] = deadline
    c = cron(**spec)
    parsed = cs.schedules(c)
    missed = cs.missed_run(c, parsed, now)
    if deadline is None:
        assert missed is None  # Argo: without a deadline nothing missed is run
        return
    schedule = parse(schedule_text, UTC)
    firings = []
    at = schedule.next(last)
    while at is not None and at < now:
        firings.append(at)
        at = schedule.next(at)
    if missed is None:
        # Nothing was missed, or the latest missed firing is older than the deadline.
        assert not firings or now >= firings[-1] + timedelta(seconds=deadline)
    else:
        assert firings and missed == firings[-1]
        assert now < missed + timedelta(seconds=deadline)


def test_a_cron_never_run_misses_nothing() -> None:
    c = cron(startingDeadlineSeconds=3600)
    now = datetime(2024, 1, 1, 12, tzinfo=UTC)
    assert cs.missed_run(c, cs.schedules(c), now) is None


def test_the_deprecated_single_schedule_still_schedules() -> None:
    c = cron(schedule="0 3 * * *")
    del c["spec"]["schedules"]
    assert cs.schedule_texts(c) == ["0 3 * * *"]
    after = datetime(2024, 1, 1, tzinfo=UTC)
    assert cs.next_run(cs.schedules(c), after) == datetime(2024, 1, 1, 3, tzinfo=UTC)


def child(uid: str, phase: str | None = None, finished: str = "") -> Obj:
    status: Obj = {"phase": phase} if phase else {}
    if finished:
        status["finishedAt"] = finished
    labels = {"workflows.argoproj.io/cron-workflow": "c"}
    return {"metadata": {"name": f"c-{uid}", "uid": uid, "labels": labels}, "status": status}


def test_follow_children_lists_running_and_counts_finished() -> None:
    ref_done = cs.object_ref(child("done"))
    ref_gone = cs.object_ref(child("gone"))
    ref_new = cs.object_ref(child("new"))
    c = cron(status={"active": [ref_done, ref_gone, ref_new], "succeeded": 2})
    kids = [child("done", "Succeeded"), child("run", "Running"), child("failed", "Failed")]
    status = cs.follow_children(c, kids, pending={"new"})
    assert status is not None
    # "done" finished (counted), "gone" vanished (not counted), "new" is ours and not cached
    # yet (kept); "run" is running (added); "failed" finished without being active.
    assert [r["uid"] for r in status["active"]] == ["new", "run"]
    assert status["succeeded"] == 3 and "failed" not in status
    assert cs.follow_children({**c, "status": status}, kids, pending={"new"}) is None


def test_history_limits_default_to_three_successes_and_one_failure() -> None:
    kids = [child(f"s{i}", "Succeeded", f"2024-01-01T00:0{i}:00Z") for i in range(5)]
    kids += [child(f"f{i}", "Failed", f"2024-01-01T00:0{i}:00Z") for i in range(3)]
    kids.append(child("e", "Error", "2024-01-01T00:09:00Z"))
    doomed = cs.over_history_limit(cron(), kids)
    assert sorted(doomed) == ["c-f0", "c-f1", "c-f2", "c-s0", "c-s1"]


def test_when_reads_names_labels_and_counts() -> None:
    now = datetime(2024, 1, 1, tzinfo=UTC)
    c = cron(metadata={"labels": {"env": "prod"}}, status={"failed": 2})
    c["spec"]["when"] = "{{cronworkflow.labels.env}} == prod && {{cronworkflow.failed}} < 3"
    assert cs.when_allows(c, now) is True
    c["spec"]["when"] = "{{= cronworkflow.name == 'c' && cronworkflow.namespace == 'ns' }}"
    assert cs.when_allows(c, now) is True
    c["spec"]["when"] = "{{cronworkflow.nosuch}} == 1"
    with pytest.raises(ExpressionError):
        cs.when_allows(c, now)


def test_when_measures_the_time_since_the_last_run() -> None:
    now = datetime(2024, 1, 1, 1, tzinfo=UTC)
    when = "{{= (now() - cronworkflow.lastScheduledTime).Minutes() >= 30 }}"
    ran = cron(when=when, status={"lastScheduledTime": "2024-01-01T00:45:00Z"})
    assert cs.when_allows(ran, now) is False
    ran["status"]["lastScheduledTime"] = "2024-01-01T00:30:00Z"
    assert cs.when_allows(ran, now) is True


def test_stop_strategy_reads_the_counters() -> None:
    c = cron(stopStrategy={"expression": "cronworkflow.succeeded >= 2"}, status={"succeeded": 1})
    assert cs.should_stop(c) is False
    c["status"]["succeeded"] = 2
    assert cs.should_stop(c) is True
    c["spec"]["stopStrategy"] = {"expression": "cronworkflow.succeeded + 1"}
    with pytest.raises(ExpressionError):
        cs.should_stop(c)
    assert cs.should_stop(cron()) is False


def test_the_child_is_named_by_its_scheduled_second() -> None:
    scheduled = datetime(2024, 1, 1, 0, 1, tzinfo=UTC)
    wf = cs.child_workflow(cron(workflowSpec={"entrypoint": "main"}), scheduled)
    assert wf["metadata"]["name"] == "c-1704067260"
    assert "generateName" not in wf["metadata"]
    assert wf["metadata"]["namespace"] == "ns"
    assert wf["spec"] == {"entrypoint": "main"}
