"""A workflow's bookkeeping: phase labels, events, conditions, progress, times, pod GC and the
TTL strategy's DeleteWorkflow."""

from __future__ import annotations

from datetime import timedelta

from argoapp.engine.api import DeletePod, DeleteWorkflow, Event
from argoapp.model.types import Obj
from tests.engine.golden import Sim, by_name, node_name_of, workflow

TWO = """
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: a, template: work}
      - {name: b, template: work}
  - name: work
    container: {image: alpine}
"""


def fail_b(pod: Obj) -> tuple[int, Obj | None]:
    return (1 if node_name_of(pod).endswith(".b") else 0), None


def labels(sim: Sim) -> dict[str, str]:
    return dict(sim.wf["metadata"].get("labels") or {})


def conditions(sim: Sim) -> dict[str, str]:
    return {c["type"]: c["status"] for c in sim.wf["status"].get("conditions") or []}


def test_running_then_succeeded_labels_times_progress_conditions() -> None:
    sim = Sim(workflow(TWO), running_passes=lambda p: 2)
    sim.step()
    assert sim.phase == "Running"
    assert labels(sim)["workflows.argoproj.io/phase"] == "Running"
    assert labels(sim)["workflows.argoproj.io/completed"] == "false"
    assert sim.wf["status"]["startedAt"] == "2026-01-01T00:00:00Z"
    assert sim.wf["status"]["progress"] == "0/2"
    sim.step()
    assert conditions(sim)["PodRunning"] == "True"
    sim.run()
    status = sim.wf["status"]
    assert labels(sim)["workflows.argoproj.io/phase"] == "Succeeded"
    assert labels(sim)["workflows.argoproj.io/completed"] == "true"
    assert status["progress"] == "2/2"
    assert conditions(sim) == {"PodRunning": "False", "Completed": "True"}
    assert status["finishedAt"] >= status["startedAt"]
    assert "message" not in status


def test_failure_phase_message_and_events() -> None:
    sim = Sim(workflow(TWO), fail_b)
    sim.run()
    assert sim.phase == "Failed"
    assert labels(sim)["workflows.argoproj.io/phase"] == "Failed"
    assert sim.wf["status"]["progress"] == "1/2"
    events = sim.of(Event)
    reasons = [e.reason for e in events]
    assert reasons[0] == "WorkflowRunning"
    # Argo records the workflow's event as it happens, node events when the pass persists
    assert reasons.count("WorkflowFailed") == 1
    assert reasons.count("WorkflowRunning") == 1
    failed = [e for e in events if e.reason == "WorkflowNodeFailed" and e.node_name == "wf[0].b"]
    assert len(failed) == 1
    assert failed[0].type == "Warning"
    assert "Error (exit code 1)" in failed[0].message
    succeeded = [e.node_name for e in events if e.reason == "WorkflowNodeSucceeded"]
    assert "wf[0].a" in succeeded


def test_finished_workflow_is_left_alone() -> None:
    sim = Sim(workflow(TWO))
    sim.run()
    before = sim.wf
    res = sim.step()
    assert res.workflow == before
    assert not [a for a in res.actions if not isinstance(a, DeletePod)]


def test_pod_gc_on_pod_completion_deletes_each_pod_as_it_ends() -> None:
    wf = workflow(TWO)
    wf["spec"]["podGC"] = {"strategy": "OnPodCompletion"}
    sim = Sim(wf, fail_b)
    sim.run()
    pods = {n["podName"] for n in by_name(sim.wf).values() if n.get("podName")}
    assert {a.name for a in sim.of(DeletePod)} == pods


def test_pod_gc_on_pod_success_keeps_failed_pods() -> None:
    wf = workflow(TWO)
    wf["spec"]["podGC"] = {"strategy": "OnPodSuccess"}
    sim = Sim(wf, fail_b)
    sim.run()
    n = by_name(sim.wf)
    assert {a.name for a in sim.of(DeletePod)} == {n["wf[0].a"]["podName"]}


def test_pod_gc_on_workflow_success_waits_for_the_end_and_success() -> None:
    for outcome, expect_deleted in ((None, True), (fail_b, False)):
        wf = workflow(TWO)
        wf["spec"]["podGC"] = {"strategy": "OnWorkflowSuccess"}
        sim = Sim(wf, outcome or (lambda p: (0, None)))
        sim.run()
        assert bool(sim.of(DeletePod)) == expect_deleted


def test_ttl_deletes_the_workflow_after_the_delay() -> None:
    wf = workflow(TWO)
    wf["spec"]["ttlStrategy"] = {"secondsAfterCompletion": 30}
    sim = Sim(wf)
    sim.run()
    res = sim.step()
    assert not any(isinstance(a, DeleteWorkflow) for a in res.actions)
    assert res.requeue_after is not None and 0 < res.requeue_after <= 30
    sim.now += timedelta(seconds=30)
    res = sim.step()
    assert any(isinstance(a, DeleteWorkflow) for a in res.actions)


def test_ttl_after_success_does_not_delete_a_failure() -> None:
    wf = workflow(TWO)
    wf["spec"]["ttlStrategy"] = {"secondsAfterSuccess": 0}
    sim = Sim(wf, fail_b)
    sim.run()
    sim.now += timedelta(hours=1)
    assert not any(isinstance(a, DeleteWorkflow) for a in sim.step().actions)


def test_invalid_workflow_fails_at_admission() -> None:
    sim = Sim(workflow("spec: {entrypoint: nope, templates: [{name: m, container: {image: a}}]}"))
    sim.step()
    assert sim.phase == "Failed"
    assert sim.wf["status"]["message"].startswith("invalid spec:")
    assert labels(sim)["workflows.argoproj.io/completed"] == "true"
    assert not sim.created
