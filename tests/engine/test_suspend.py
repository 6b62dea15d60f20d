"""Suspend templates (resume, duration, supplied outputs) and the workflow-level suspend."""

from __future__ import annotations

from argoapp.engine import operations
from argoapp.model.types import Obj
from tests.engine.golden import Sim, by_name, workflow

APPROVE = """
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: wait, template: approve}
    - - name: after
        template: echo
        arguments:
          parameters: [{name: m, value: "{{steps.wait.outputs.parameters.answer}}"}]
  - name: approve
    suspend: {}
    outputs:
      parameters:
      - name: answer
        valueFrom: {supplied: {}, default: "no answer"}
  - name: echo
    inputs:
      parameters: [{name: m}]
    container: {image: alpine}
"""


def inputs_of(node: Obj) -> dict[str, str]:
    return {p["name"]: p["value"] for p in (node.get("inputs") or {}).get("parameters") or []}


def test_suspend_node_waits_until_resumed() -> None:
    sim = Sim(workflow(APPROVE))
    for _ in range(5):
        sim.step()
    node = by_name(sim.wf)["wf[0].wait"]
    assert node["type"] == "Suspend"
    assert node["phase"] == "Running"
    assert sim.phase == "Running"
    assert not sim.created_pods()
    sim.wf = operations.resume(sim.wf, now=sim.now)
    sim.run()
    n = by_name(sim.wf)
    assert n["wf[0].wait"]["phase"] == "Succeeded"
    # the supplied output nobody set takes its default
    assert inputs_of(n["wf[1].after"]) == {"m": "no answer"}
    assert sim.phase == "Succeeded"


def test_supplied_output_set_before_resume_reaches_the_next_step() -> None:
    sim = Sim(workflow(APPROVE))
    sim.step()
    sim.wf = operations.set_node(
        sim.wf,
        "displayName=wait",
        phase="Succeeded",
        output_parameters={"answer": "yes"},
        now=sim.now,
    )
    sim.run()
    assert inputs_of(by_name(sim.wf)["wf[1].after"]) == {"m": "yes"}


def test_suspend_with_duration_resumes_itself() -> None:
    text = APPROVE.replace("suspend: {}", "suspend: {duration: '10s'}")
    sim = Sim(workflow(text))
    res = sim.step()
    assert res.requeue_after is not None and 0 < res.requeue_after <= 10
    assert by_name(sim.wf)["wf[0].wait"]["phase"] == "Running"
    sim.run()
    n = by_name(sim.wf)
    assert n["wf[0].wait"]["phase"] == "Succeeded"
    assert inputs_of(n["wf[1].after"]) == {"m": "no answer"}


def test_suspend_duration_as_plain_seconds() -> None:
    text = APPROVE.replace("suspend: {}", "suspend: {duration: '3'}")
    sim = Sim(workflow(text))
    sim.run()
    assert sim.phase == "Succeeded"


def test_workflow_suspend_holds_new_pods_until_resumed() -> None:
    text = """
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: a, template: work}
    - - {name: b, template: work}
  - name: work
    container: {image: alpine}
"""
    sim = Sim(workflow(text), running_passes=lambda pod: 2)
    sim.step()
    sim.wf = operations.suspend(sim.wf)
    for _ in range(6):
        sim.step()
    n = by_name(sim.wf)
    # the pod already running finishes; nothing new starts
    assert n["wf[0].a"]["phase"] == "Succeeded"
    assert "wf[1].b" not in n
    assert sim.phase == "Running"
    sim.wf = operations.resume(sim.wf, now=sim.now)
    sim.run()
    assert by_name(sim.wf)["wf[1].b"]["phase"] == "Succeeded"


def test_stop_fails_a_waiting_suspend_node() -> None:
    sim = Sim(workflow(APPROVE))
    sim.step()
    sim.wf = operations.stop(sim.wf, now=sim.now)
    sim.run()
    n = by_name(sim.wf)
    assert n["wf[0].wait"]["phase"] == "Failed"
    assert n["wf[0].wait"]["message"] == "Stopped with strategy 'Stop'"
    assert sim.phase == "Failed"
