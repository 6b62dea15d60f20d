"""A DAG's phase (Argo's assessDAGPhase): each target takes its branch's last completed
phase, Omitted targets inherit it, continueOn on a target forgives it, failFast."""

from __future__ import annotations

from argoapp.model.types import Obj
from tests.engine.golden import Sim, by_name, node_name_of, params, workflow
from tests.engine.test_dag_depends import dag, fails


def test_failed_leaf_fails_the_dag_and_the_workflow() -> None:
    tasks = """
      - {name: A, template: work}
      - {name: B, template: work, dependencies: [A]}
"""
    sim = Sim(dag(tasks), fails("B"))
    sim.run()
    n = by_name(sim.wf)
    assert n["wf.B"]["phase"] == "Failed"
    assert n["wf"]["phase"] == "Failed"
    assert sim.phase == "Failed"
    assert n["wf"]["outboundNodes"] == [n["wf.B"]["id"]]


def test_failure_handled_by_a_later_task_does_not_fail_the_dag() -> None:
    tasks = """
      - {name: A, template: work}
      - {name: cleanup, template: work, depends: A.Failed}
"""
    sim = Sim(dag(tasks), fails("A"))
    sim.run()
    assert by_name(sim.wf)["wf.cleanup"]["phase"] == "Succeeded"
    assert sim.phase == "Succeeded"


def test_continue_on_target_forgives_its_failure() -> None:
    tasks = """
      - {name: A, template: work}
      - {name: B, template: work, continueOn: {failed: true}}
"""
    sim = Sim(dag(tasks), fails("B"))
    sim.run()
    assert by_name(sim.wf)["wf.B"]["phase"] == "Failed"
    assert sim.phase == "Succeeded"


def test_dag_runs_until_every_started_task_ends() -> None:
    tasks = """
      - {name: bad, template: work}
      - {name: slow, template: work}
"""

    def passes(pod: Obj) -> int:
        return 4 if node_name_of(pod) == "wf.slow" else 0

    sim = Sim(dag(tasks), fails("bad"), running_passes=passes)
    sim.step()
    sim.step()
    n = by_name(sim.wf)
    assert n["wf.bad"]["phase"] == "Failed"
    assert n["wf"]["phase"] == "Running"  # slow still runs
    sim.run()
    assert by_name(sim.wf)["wf.slow"]["phase"] == "Succeeded"
    assert sim.phase == "Failed"


def test_fail_fast_false_runs_every_branch() -> None:
    tasks = """
      - {name: bad, template: work}
      - {name: a1, template: work}
      - {name: a2, template: work, dependencies: [a1]}
      - {name: a3, template: work, dependencies: [a2]}
"""
    sim = Sim(dag(tasks, "      failFast: false"), fails("bad"))
    sim.run()
    n = by_name(sim.wf)
    assert n["wf.a3"]["phase"] == "Succeeded"
    assert sim.phase == "Failed"


def test_dag_outputs_come_from_its_tasks() -> None:
    text = """
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: A, template: gen}
    outputs:
      parameters:
      - name: out
        valueFrom: {parameter: "{{tasks.A.outputs.parameters.p}}"}
      - name: viaexpr
        valueFrom: {expression: "tasks.A.outputs.parameters.p + '!'"}
  - name: gen
    container: {image: alpine}
    outputs:
      parameters:
      - name: p
        valueFrom: {path: /p}
"""
    sim = Sim(workflow(text), lambda pod: (0, params(("p", "v"))))
    sim.run()
    outs = {p["name"]: p["value"] for p in by_name(sim.wf)["wf"]["outputs"]["parameters"]}
    assert outs == {"out": "v", "viaexpr": "v!"}


def test_skipped_target_counts_as_success() -> None:
    tasks = """
      - {name: A, template: work, when: "false"}
"""
    sim = Sim(dag(tasks))
    sim.run()
    assert by_name(sim.wf)["wf.A"]["phase"] == "Skipped"
    assert sim.phase == "Succeeded"
