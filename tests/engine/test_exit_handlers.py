"""Exit handlers: the workflow's onExit (with workflow.status and workflow.failures), step and
task `hooks.exit` / `onExit`, and how stop (runs them) and terminate (skips them) treat them."""

from __future__ import annotations

import json

from argoapp.engine import operations
from argoapp.engine.api import DeletePod
from argoapp.model.types import Obj
from tests.engine.golden import Sim, by_name, node_name_of, workflow

WF_EXIT = """
spec:
  entrypoint: main
  onExit: bye
  templates:
  - name: main
    steps:
    - - {name: a, template: work}
  - name: work
    container: {image: alpine}
  - name: bye
    steps:
    - - name: report
        template: echo
        arguments:
          parameters:
          - {name: status, value: "{{workflow.status}}"}
          - {name: failures, value: "{{workflow.failures}}"}
  - name: echo
    inputs:
      parameters: [{name: status}, {name: failures}]
    container: {image: alpine}
"""


def inputs_of(node: Obj) -> dict[str, str]:
    return {p["name"]: p["value"] for p in (node.get("inputs") or {}).get("parameters") or []}


def exit_code_for(names: dict[str, int]):  # type: ignore[no-untyped-def]
    def outcome(pod: Obj) -> tuple[int, Obj | None]:
        shown = node_name_of(pod).rsplit(".", 1)[-1]
        return names.get(shown, 0), None

    return outcome


def test_workflow_exit_handler_runs_after_the_tree_and_sees_success() -> None:
    sim = Sim(workflow(WF_EXIT))
    sim.run()
    n = by_name(sim.wf)
    handler = n["wf.onExit"]
    assert handler["displayName"] == "wf.onExit"
    assert handler["type"] == "Steps"
    assert handler["phase"] == "Succeeded"
    assert inputs_of(n["wf.onExit[0].report"])["status"] == "Succeeded"
    assert json.loads(inputs_of(n["wf.onExit[0].report"])["failures"] or "[]") == []
    waves = [w for w in sim.waves if w]
    assert waves == [["wf[0].a"], ["wf.onExit[0].report"]]
    # the exit handler is not a child of the entrypoint's node
    assert handler["id"] not in (n["wf"].get("children") or [])
    assert sim.phase == "Succeeded"


def test_workflow_exit_handler_sees_failure_and_failures() -> None:
    sim = Sim(workflow(WF_EXIT), exit_code_for({"a": 2}))
    sim.run()
    n = by_name(sim.wf)
    values = inputs_of(n["wf.onExit[0].report"])
    assert values["status"] == "Failed"
    failures = json.loads(values["failures"])
    assert [f["displayName"] for f in failures] == ["a"]
    assert failures[0]["message"] == "Error (exit code 2)"
    assert failures[0]["templateName"] == "work"
    assert failures[0]["phase"] == "Failed"
    assert sim.phase == "Failed"
    # the workflow keeps the main tree's message, not the handler's
    assert sim.wf["status"]["message"] == n["wf"]["message"]


def test_workflow_waits_for_its_exit_handler() -> None:
    def passes(pod: Obj) -> int:
        return 3 if "onExit" in node_name_of(pod) else 0

    sim = Sim(workflow(WF_EXIT), running_passes=passes)
    sim.until(lambda s: "wf.onExit" in by_name(s.wf))
    sim.step()
    assert by_name(sim.wf)["wf"]["phase"] == "Succeeded"
    assert sim.phase == "Running"
    sim.run()
    assert sim.phase == "Succeeded"


def test_failing_exit_handler_fails_a_successful_workflow() -> None:
    sim = Sim(workflow(WF_EXIT), exit_code_for({"report": 1}))
    sim.run()
    assert by_name(sim.wf)["wf"]["phase"] == "Succeeded"
    assert by_name(sim.wf)["wf.onExit"]["phase"] == "Failed"
    assert sim.phase == "Failed"


STEP_EXIT = """
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: a
        template: work
        hooks:
          exit:
            template: cleanup
            arguments:
              parameters: [{name: s, value: "{{steps.a.status}}"}]
    - - {name: b, template: work}
  - name: work
    container: {image: alpine}
  - name: cleanup
    inputs:
      parameters: [{name: s}]
    container: {image: alpine}
"""


def test_step_exit_hook_runs_before_the_next_group() -> None:
    sim = Sim(workflow(STEP_EXIT))
    sim.run()
    n = by_name(sim.wf)
    hook = n["wf[0].a.onExit"]
    assert hook["displayName"] == "a.onExit"
    assert inputs_of(hook) == {"s": "Succeeded"}
    assert hook["id"] in n["wf[0].a"]["children"]
    waves = [w for w in sim.waves if w]
    assert waves == [["wf[0].a"], ["wf[0].a.onExit"], ["wf[1].b"]]
    assert sim.phase == "Succeeded"


def test_step_exit_hook_runs_after_a_failure_too() -> None:
    sim = Sim(workflow(STEP_EXIT), exit_code_for({"a": 1}))
    sim.run()
    n = by_name(sim.wf)
    assert inputs_of(n["wf[0].a.onExit"]) == {"s": "Failed"}
    assert n["wf[0].a.onExit"]["phase"] == "Succeeded"
    assert "wf[1].b" not in n
    assert sim.phase == "Failed"


def test_legacy_on_exit_of_a_dag_task_runs_before_dependents() -> None:
    text = """
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: A, template: work, onExit: done}
      - {name: B, template: work, dependencies: [A]}
  - name: work
    container: {image: alpine}
  - name: done
    container: {image: alpine}
"""
    sim = Sim(workflow(text))
    sim.run()
    n = by_name(sim.wf)
    assert n["wf.A.onExit"]["phase"] == "Succeeded"
    assert [w for w in sim.waves if w] == [["wf.A"], ["wf.A.onExit"], ["wf.B"]]
    assert sim.phase == "Succeeded"


def long_running(pod: Obj) -> int:
    return 0 if "onExit" in node_name_of(pod) else 50


def test_stop_runs_the_exit_handler_and_fails_the_workflow() -> None:
    sim = Sim(workflow(WF_EXIT), running_passes=long_running)
    sim.step()
    sim.step()
    sim.wf = operations.stop(sim.wf, now=sim.now)
    sim.run()
    n = by_name(sim.wf)
    assert n["wf[0].a"]["phase"] == "Failed"
    assert n["wf[0].a"]["message"] == "Stopped with strategy 'Stop'"
    assert n["wf.onExit"]["phase"] == "Succeeded"
    assert inputs_of(n["wf.onExit[0].report"])["status"] == "Failed"
    assert sim.phase == "Failed"
    assert sim.wf["status"]["message"] == "Stopped with strategy 'Stop'"
    pod_of_a = n["wf[0].a"]["podName"]
    assert any(isinstance(a, DeletePod) and a.name == pod_of_a for a in sim.actions)


def test_terminate_skips_the_exit_handler() -> None:
    sim = Sim(workflow(WF_EXIT), running_passes=long_running)
    sim.step()
    sim.step()
    sim.wf = operations.terminate(sim.wf)
    sim.run()
    n = by_name(sim.wf)
    assert "wf.onExit" not in n
    assert n["wf[0].a"]["phase"] == "Failed"
    assert n["wf[0].a"]["message"] == "Stopped with strategy 'Terminate'"
    assert sim.phase == "Failed"
    assert sim.wf["status"]["message"] == "Stopped with strategy 'Terminate'"


def test_terminate_skips_step_exit_hooks() -> None:
    sim = Sim(workflow(STEP_EXIT), running_passes=lambda pod: 50)
    sim.step()
    sim.step()
    sim.wf = operations.terminate(sim.wf)
    sim.run()
    assert "wf[0].a.onExit" not in by_name(sim.wf)
    assert sim.phase == "Failed"


def test_exit_handler_runs_after_the_workflow_deadline() -> None:
    wf = workflow(WF_EXIT)
    wf["spec"]["activeDeadlineSeconds"] = 5
    sim = Sim(wf, running_passes=long_running)
    sim.run()
    n = by_name(sim.wf)
    assert n["wf[0].a"]["message"] == "Step exceeded its deadline"
    assert n["wf.onExit"]["phase"] == "Succeeded"
    assert inputs_of(n["wf.onExit[0].report"])["status"] == "Failed"
    assert sim.phase == "Failed"
    # the exit handler's pod is not given the passed deadline
    exit_pod = next(p for p in sim.created_pods() if "onExit" in node_name_of(p))
    envs = {e["name"]: e.get("value") for c in exit_pod["spec"]["containers"] for e in c["env"]}
    assert envs.get("ARGO_DEADLINE") in (None, "", "0001-01-01T00:00:00Z")  # Argo's "none"


def test_stop_ends_a_dag_whose_next_task_would_run_after_a_failure() -> None:
    text = """
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: A, template: work}
      - {name: cleanup, template: work, depends: "A.Succeeded || A.Failed"}
  - name: work
    container: {image: alpine}
"""
    for op in ("stop", "terminate"):
        sim = Sim(workflow(text), running_passes=lambda pod: 50)
        sim.step()
        sim.step()
        if op == "stop":
            sim.wf = operations.stop(sim.wf, now=sim.now)
        else:
            sim.wf = operations.terminate(sim.wf)
        sim.run(20)
        n = by_name(sim.wf)
        # the task that never started is failed at once, without a pod
        assert n["wf.cleanup"]["phase"] == "Failed"
        assert n["wf.cleanup"]["message"] == f"Stopped with strategy '{op.capitalize()}'"
        assert "podName" not in n["wf.cleanup"] or not any(
            node_name_of(p) == "wf.cleanup" for p in sim.created_pods()
        )
        assert sim.phase == "Failed"


def test_terminate_ends_steps_that_continue_on_failure() -> None:
    text = STEP_EXIT.replace(
        "template: work\n        hooks:",
        "template: work\n        continueOn: {failed: true}\n        hooks:",
    )
    sim = Sim(workflow(text), running_passes=lambda pod: 50)
    sim.step()
    sim.wf = operations.terminate(sim.wf)
    sim.run(20)
    n = by_name(sim.wf)
    assert n["wf[1].b"]["phase"] == "Failed"
    assert not any(node_name_of(p) == "wf[1].b" for p in sim.created_pods())
    assert sim.phase == "Failed"
