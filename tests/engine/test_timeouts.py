"""Timeouts: a template's `timeout`, the workflow's activeDeadlineSeconds (also 0 to end a
running workflow), and the DeletePod actions they lead to."""

from __future__ import annotations

from argoapp.engine.api import DeletePod
from argoapp.model.types import Obj
from tests.engine.golden import Sim, by_name, node_name_of, workflow

TWO_STEPS = """
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: slow, template: slow}
    - - {name: next, template: quick}
  - name: slow
    container: {image: alpine}
  - name: quick
    container: {image: alpine}
"""


def slow_pods(pod: Obj) -> int:
    return 100 if node_name_of(pod).endswith("slow") else 0


def deleted(sim: Sim) -> set[str]:
    return {a.name for a in sim.actions if isinstance(a, DeletePod)}


def test_template_timeout_fails_the_node_and_deletes_its_pod() -> None:
    wf = workflow(TWO_STEPS)
    wf["spec"]["templates"][1]["timeout"] = "5s"
    sim = Sim(wf, running_passes=slow_pods)
    res = sim.step()
    assert res.requeue_after is not None and 0 < res.requeue_after <= 5
    sim.run()
    n = by_name(sim.wf)
    assert n["wf[0].slow"]["phase"] == "Failed"
    assert n["wf[0].slow"]["podName"] in deleted(sim)
    assert "wf[1].next" not in n
    assert sim.phase == "Failed"


def test_template_timeout_is_given_to_the_pod() -> None:
    wf = workflow(TWO_STEPS)
    wf["spec"]["templates"][1]["timeout"] = "5s"
    sim = Sim(wf, running_passes=slow_pods)
    sim.step()
    pod = sim.created_pods()[0]
    envs = {e["name"]: e.get("value") for c in pod["spec"]["containers"] for e in c["env"]}
    assert envs["ARGO_DEADLINE"] == "2026-01-01T00:00:05Z"


def test_workflow_deadline_fails_running_nodes_and_the_workflow() -> None:
    wf = workflow(TWO_STEPS)
    wf["spec"]["activeDeadlineSeconds"] = 4
    sim = Sim(wf, running_passes=slow_pods)
    res = sim.step()
    assert res.requeue_after is not None and 0 < res.requeue_after <= 4
    sim.run()
    n = by_name(sim.wf)
    assert n["wf[0].slow"]["phase"] == "Failed"
    assert n["wf[0].slow"]["message"] == "Step exceeded its deadline"
    assert n["wf[0].slow"]["podName"] in deleted(sim)
    assert "wf[1].next" not in n
    assert sim.phase == "Failed"
    assert sim.wf["status"]["message"] == "Step exceeded its deadline"


def test_active_deadline_zero_ends_a_running_workflow() -> None:
    sim = Sim(workflow(TWO_STEPS), running_passes=slow_pods)
    sim.step()
    sim.step()
    sim.wf["spec"]["activeDeadlineSeconds"] = 0
    sim.run()
    n = by_name(sim.wf)
    assert n["wf[0].slow"]["phase"] == "Failed"
    assert n["wf[0].slow"]["podName"] in deleted(sim)
    assert sim.phase == "Failed"


def test_workflow_deadline_fails_a_waiting_suspend_node() -> None:
    text = """
spec:
  entrypoint: main
  activeDeadlineSeconds: 3
  templates:
  - name: main
    steps:
    - - {name: wait, template: wait}
  - name: wait
    suspend: {}
"""
    sim = Sim(workflow(text))
    sim.run()
    node = by_name(sim.wf)["wf[0].wait"]
    assert node["phase"] == "Failed"
    assert node["message"] == "Step exceeded its deadline"
    assert sim.phase == "Failed"


def test_pod_deleted_by_someone_else_errors_the_node() -> None:
    sim = Sim(workflow(TWO_STEPS), running_passes=slow_pods)
    sim.step()
    sim.step()
    name = by_name(sim.wf)["wf[0].slow"]["podName"]
    sim.pods.pop(name)
    sim._left.pop(name)
    sim.now = sim.now.replace(minute=5)  # well past the creation grace
    sim.run()
    node = by_name(sim.wf)["wf[0].slow"]
    assert node["phase"] == "Error"
    assert node["message"] == "pod deleted"
    assert sim.phase in ("Failed", "Error")
