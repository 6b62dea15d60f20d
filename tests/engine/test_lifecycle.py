"""A workflow's bookkeeping: phase labels, events, conditions, progress, times, pod GC and the
TTL strategy's DeleteWorkflow."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from argoapp.engine.api import DeletePod, DeleteWorkflow, Event
from argoapp.model.types import Obj
from tests.engine.golden import Sim, by_name, node_name_of, workflow

ARCHIVING = "workflows.argoproj.io/workflow-archiving-status"
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


def _gc_run(wf: Obj, outcome: Any = None, passes: int = 10) -> Sim:
    """Run to the end, then `passes` more (the simulated clock moves 1 s a pass)."""
    sim = Sim(wf, outcome or (lambda p: (0, None)))
    sim.run()
    for _ in range(passes):
        sim.step()
    return sim


def test_pod_gc_on_pod_completion_deletes_each_pod_after_the_delay() -> None:
    wf = workflow(TWO)
    wf["spec"]["podGC"] = {"strategy": "OnPodCompletion"}  # the controller's 5 s delay
    sim = Sim(wf, fail_b)
    ended_at: dict[str, int] = {}
    deleted_at: dict[str, int] = {}
    for i in range(30):
        res = sim.step()
        for node in by_name(sim.wf).values():
            if node.get("podName") and node["phase"] in ("Succeeded", "Failed"):
                ended_at.setdefault(node["podName"], i)
        for act in res.actions:
            if isinstance(act, DeletePod):
                deleted_at.setdefault(act.name, i)
    assert set(deleted_at) == set(ended_at) and len(ended_at) == 2
    assert all(deleted_at[pod] - ended_at[pod] >= 5 for pod in ended_at)


def test_pod_gc_without_a_delay_deletes_a_pod_in_the_pass_it_ends() -> None:
    wf = workflow(TWO)
    wf["spec"]["podGC"] = {"strategy": "OnPodCompletion", "deleteDelayDuration": "0s"}
    sim = Sim(wf, fail_b)
    for _ in range(20):
        res = sim.step()
        ended = {
            n["podName"] for n in by_name(res.workflow).values()
            if n.get("podName") and n["phase"] in ("Succeeded", "Failed")
        }  # fmt: skip
        assert ended <= {a.name for a in sim.of(DeletePod)}


def test_pod_gc_on_pod_success_keeps_failed_pods() -> None:
    wf = workflow(TWO)
    wf["spec"]["podGC"] = {"strategy": "OnPodSuccess"}
    sim = _gc_run(wf, fail_b)
    n = by_name(sim.wf)
    assert {a.name for a in sim.of(DeletePod)} == {n["wf[0].a"]["podName"]}


def test_pod_gc_on_workflow_success_waits_for_the_end_and_success() -> None:
    for outcome, expect_deleted in ((None, True), (fail_b, False)):
        wf = workflow(TWO)
        wf["spec"]["podGC"] = {"strategy": "OnWorkflowSuccess", "deleteDelayDuration": "3s"}
        sim = Sim(wf, outcome or (lambda p: (0, None)))
        sim.run()
        assert not sim.of(DeletePod)  # not before the end, nor at it (the delay)
        for _ in range(5):
            sim.step()
        assert bool(sim.of(DeletePod)) == expect_deleted


def test_pod_gc_picks_pods_by_their_labels() -> None:
    text = """
spec:
  entrypoint: main
  podGC:
    strategy: OnPodCompletion
    deleteDelayDuration: 0s
    labelSelector:
      matchLabels: {gc: "yes"}
      matchExpressions: [{key: tier, operator: NotIn, values: [keep]}]
  templates:
  - name: main
    steps:
    - - {name: a, template: a}
      - {name: b, template: b}
      - {name: c, template: c}
  - {name: a, metadata: {labels: {gc: "yes"}}, container: {image: alpine}}
  - {name: b, metadata: {labels: {gc: "yes", tier: keep}}, container: {image: alpine}}
  - {name: c, container: {image: alpine}}
"""
    sim = _gc_run(workflow(text), passes=2)
    n = by_name(sim.wf)
    assert {a.name for a in sim.of(DeletePod)} == {n["wf[0].a"]["podName"]}


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


def test_zero_ttl_writes_the_final_status_before_deleting() -> None:
    """Argo deletes only a completed workflow as written: never in the pass that ends it."""
    wf = workflow(TWO)
    wf["spec"]["ttlStrategy"] = {"secondsAfterCompletion": 0}
    sim = Sim(wf)
    sim.run()
    assert sim.phase == "Succeeded"
    assert not sim.of(DeleteWorkflow)
    assert sim.last is not None and sim.last.requeue_after == 0
    assert any(isinstance(a, DeleteWorkflow) for a in sim.step().actions)


def test_zero_ttl_does_not_delete_at_a_failed_admission() -> None:
    sim = Sim(workflow("spec: {entrypoint: nope, ttlStrategy: {secondsAfterCompletion: 0}, "
                       "templates: [{name: m, container: {image: a}}]}"))  # fmt: skip
    first = sim.step()
    assert sim.phase == "Failed" and not any(isinstance(a, DeleteWorkflow) for a in first.actions)
    assert any(isinstance(a, DeleteWorkflow) for a in sim.step().actions)


def test_ttl_waits_while_the_archive_is_pending() -> None:
    wf = workflow(TWO)
    wf["spec"]["ttlStrategy"] = {"secondsAfterCompletion": 0}
    sim = Sim(wf)
    sim.run()
    sim.wf["metadata"].setdefault("labels", {})[ARCHIVING] = "Pending"
    res = sim.step()
    assert not any(isinstance(a, DeleteWorkflow) for a in res.actions)
    assert res.requeue_after is None  # the label's change brings the next pass
    sim.wf["metadata"]["labels"][ARCHIVING] = "Archived"
    assert any(isinstance(a, DeleteWorkflow) for a in sim.step().actions)


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


def test_label_selectors_as_kubernetes_reads_them() -> None:
    from argoapp.model.labels import selects

    labels = {"a": "1", "b": "2"}
    assert selects({}, labels) and selects(None, labels)
    assert selects({"matchLabels": {"a": "1"}}, labels)
    assert not selects({"matchLabels": {"a": "2"}}, labels)

    def expr(op: str, *values: str) -> dict[str, Any]:
        return {"matchExpressions": [{"key": "a", "operator": op, "values": list(values)}]}

    assert selects(expr("In", "1", "3"), labels) and not selects(expr("In", "3"), labels)
    assert selects(expr("NotIn", "3"), labels) and not selects(expr("NotIn", "1"), labels)
    assert selects(expr("Exists"), labels) and not selects(expr("DoesNotExist"), labels)
    assert not selects(expr("Sometimes"), labels)  # malformed: picks nothing
    assert selects(
        {"matchExpressions": [{"key": "z", "operator": "NotIn", "values": ["1"]}]}, labels
    )


def test_progress_of_groups_and_the_workflow_as_argo_sums_it() -> None:
    text = """
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: a, template: t}
    - - {name: b, template: t}
      - {name: c, template: bad, continueOn: {failed: true}}
  - {name: t, container: {image: alpine}}
  - {name: bad, container: {image: alpine, command: [fail]}}
"""
    failing = lambda pod: (1, None) if "fail" in str(pod) else (0, None)  # noqa: E731
    sim = Sim(workflow(text), failing, running_passes=lambda pod: 1)
    sim.until(lambda s: s.nodes().get("a", {}).get("phase") == "Succeeded")
    assert sim.wf["status"]["progress"].startswith("1/")  # a done, the rest not yet
    sim.run()
    n = sim.nodes()
    assert sim.phase == "Succeeded"
    assert sim.wf["status"]["progress"] == "2/3"  # a failed pod is not complete
    assert n["b"]["progress"] == "1/1" and n["c"]["progress"] == "0/1"
    assert n["[1]"]["progress"] == "1/2"  # it continued past the failure
    assert n["wf"]["progress"] == "2/3"


def test_progress_counts_a_joined_dag_task_once() -> None:
    text = """
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: a, template: t}
      - {name: b, template: t, depends: a}
      - {name: c, template: t, depends: a}
      - {name: d, template: t, depends: b && c}
  - {name: t, container: {image: alpine}}
"""
    sim = Sim(workflow(text))
    sim.run()
    assert sim.wf["status"]["progress"] == "4/4"
    assert sim.nodes()["wf"]["progress"] == "4/4"  # d is reached through b and c


def _first_is_quick(pod: Obj) -> int:
    return 1 if node_name_of(pod).endswith((".a", "(0:1)")) else 4


def test_progress_is_the_same_whatever_order_the_nodes_are_stored_in() -> None:
    steps = """
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: a, template: inner}
  - name: inner
    steps:
    - - {name: x, template: t, withItems: [1, 2, 3]}
      - {name: y, template: t}
  - {name: t, container: {image: alpine}}
"""
    for text in (steps, TWO):
        as_made, reordered = (Sim(workflow(text), running_passes=_first_is_quick) for _ in "12")
        for sim in (as_made, reordered):
            sim.until(lambda s: any(n.get("phase") == "Succeeded" for n in s.nodes().values()))
            assert sim.phase == "Running"
        # Stored children first (as a store or another writer may keep them), with no
        # progress: the next pass sums it all again and must agree with the engine's order.
        status = reordered.wf["status"]
        nodes = status["nodes"]
        status["nodes"] = {
            nid: {k: v for k, v in nodes[nid].items() if k != "progress"} for nid in reversed(nodes)
        }
        del status["progress"]
        as_made.wf["status"].pop("progress")  # both passes recompute
        as_made.step()
        reordered.step()
        want = {nid: n.get("progress") for nid, n in as_made.wf["status"]["nodes"].items()}
        got = {nid: n.get("progress") for nid, n in reordered.wf["status"]["nodes"].items()}
        assert got == want
        assert reordered.wf["status"]["progress"] == as_made.wf["status"]["progress"]
        assert any(v and not v.endswith("/1") for v in want.values())  # groups were summed
