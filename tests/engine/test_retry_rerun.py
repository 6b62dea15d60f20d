"""A workflow retried in place (`retry`) runs on to its end in the pure engine.

`Sim` plays the controller and kubelet; here its task results also carry the creation time a
real API server gives them, and a pod reporting for a node whose result exists patches that
result (keeping its creation time), as the wait container and the kubelet do. The retry is
applied as the API server applies it: the pods it names and the task results of the nodes it
drops are deleted, then the workflow is stored. The retried Retry node starts its attempts
over (Argo resets the counter with the attempts) and ends Failed again when the step still
fails, or Succeeded when the step now succeeds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from argoapp.engine.api import CreatePod
from argoapp.engine.operations import retry
from argoapp.engine.operations_retry import dropped_task_results
from argoapp.model.types import Obj
from tests.engine.golden import Sim, by_name, node_id_of, tmpl_of, ts, workflow

FAILING = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
spec:
  entrypoint: main
  arguments:
    parameters: [{name: code, value: "3"}]
  templates:
  - name: main
    retryStrategy: {limit: 2}
    container:
      image: busybox
      command: [sh, -c, "exit {{workflow.parameters.code}}"]
"""

STEPS = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: a, template: ok}
    - - {name: b, template: flaky}
  - name: ok
    container: {image: busybox, command: [sh, -c, "true"]}
  - name: flaky
    retryStrategy: {limit: 1}
    container: {image: busybox, command: [sh, -c, "flaky"]}
"""


@dataclass
class ApiSim(Sim):
    """`Sim` whose task results are dated as the API server dates them: the wait container
    creates a pod's result when the pod starts, or patches the one that exists (whose
    creation time stays). Results arrive a pass after their pod ends, as the wait
    container's report does."""

    result_delay: int = 1
    made: dict[str, str] = field(default_factory=dict)

    def _perform(self, act: Any) -> None:
        super()._perform(act)
        if isinstance(act, CreatePod):
            nid = node_id_of(act.pod)
            if nid not in self.results:
                self.made[nid] = ts(self.now)
            self._date_results()

    def _advance_pods(self) -> None:
        super()._advance_pods()
        self._date_results()

    def _date_results(self) -> None:
        for nid, result in self.results.items():
            result["metadata"]["creationTimestamp"] = self.made[nid]


def exit_code(pod: Obj) -> tuple[int, Obj | None]:
    """The code the pod's `exit N` command gives; `flaky` reads `World.code`."""
    script = str(tmpl_of(pod)["container"]["command"][-1])
    if script == "flaky":
        return World.code, None
    return (int(script.split()[-1]) if script.startswith("exit") else 0), None


class World:
    code = 3  # what the `flaky` step exits with


def apply_retry(sim: Sim, **options: Any) -> None:
    """What `PUT …/retry` does: formulate, delete the pods and task results, store."""
    new, pods = retry(sim.wf, now=sim.now, **options)
    for name in pods:
        sim.pods.pop(name, None)
    for name in dropped_task_results(sim.wf, new):
        sim.results.pop(name, None)
    sim.wf = new


def attempts(wf: Obj, retry_name: str) -> list[Obj]:
    nodes = by_name(wf)
    return [nodes[f"{retry_name}({i})"] for i in range(len(nodes)) if f"{retry_name}({i})" in nodes]


def failed_once(text: str) -> ApiSim:
    sim = ApiSim(workflow(text), exit_code, tick=timedelta(seconds=5))
    assert sim.run()["status"]["phase"] == "Failed"
    return sim


def test_a_retried_retry_node_runs_its_attempts_again_and_fails_at_the_limit() -> None:
    sim = failed_once(FAILING)
    assert len(sim.created) == 3
    apply_retry(sim)
    assert set(by_name(sim.wf)) == {"wf"} and by_name(sim.wf)["wf"]["phase"] == "Running"
    wf = sim.run(max_passes=10)  # a stale result would hold each attempt for a minute
    root = by_name(wf)["wf"]
    assert wf["status"]["phase"] == "Failed"
    assert (root["phase"], root["message"]) == ("Failed", "No more retries left")
    assert [n["phase"] for n in attempts(wf, "wf")] == ["Failed"] * 3
    assert len(sim.created) == 6  # the three attempts ran again, each in a new pod
    assert all(n["finishedAt"] >= root["startedAt"] for n in attempts(wf, "wf"))


def test_a_retry_with_a_new_parameter_succeeds() -> None:
    sim = failed_once(FAILING)
    apply_retry(sim, parameters=["code=0"])
    wf = sim.run(max_passes=10)
    assert wf["status"]["phase"] == "Succeeded"
    assert by_name(wf)["wf"]["phase"] == "Succeeded"
    assert [n["phase"] for n in attempts(wf, "wf")] == ["Succeeded"]
    assert len(sim.created) == 4


def test_restart_successful_reruns_the_chosen_step_and_the_failed_retry() -> None:
    World.code = 3
    sim = failed_once(STEPS)
    assert len(sim.created) == 3  # a, b(0), b(1)
    World.code = 0  # the world the step depends on is fixed
    apply_retry(sim, restart_successful=True, node_field_selector="displayName=a")
    # a's node goes with everything after it (its children): the groups re-expand
    assert set(by_name(sim.wf)) == {"wf", "wf[0]"}
    wf = sim.run(max_passes=10)
    nodes = by_name(wf)
    assert wf["status"]["phase"] == "Succeeded"
    assert nodes["wf[0].a"]["phase"] == "Succeeded" and nodes["wf[1].b"]["phase"] == "Succeeded"
    assert [n["phase"] for n in attempts(wf, "wf[1].b")] == ["Succeeded"]
    rerun = [name for wave in sim.waves for name in wave][3:]
    assert rerun == ["wf[0].a", "wf[1].b(0)"]  # a again, then b's first attempt


def test_the_task_results_of_the_dropped_attempts_are_to_be_deleted() -> None:
    sim = failed_once(FAILING)
    new, _ = retry(sim.wf, now=sim.now)
    assert dropped_task_results(sim.wf, new) == sorted(n["id"] for n in attempts(sim.wf, "wf"))
    assert set(dropped_task_results(sim.wf, new)) <= set(sim.results)
    assert dropped_task_results(sim.wf, sim.wf) == []
