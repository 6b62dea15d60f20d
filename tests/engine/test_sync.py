"""Synchronization: workflow- and template-level mutexes and semaphores. The engine only asks
(Acquire) and gives back (Release); the Sim's lock table plays the controller's lock manager,
shared between Sims to play two workflows."""

from __future__ import annotations

from argoapp.engine.api import Acquire, Release
from argoapp.model.types import Obj
from tests.engine.golden import Objects, Sim, by_name, workflow

WF_MUTEX = """
spec:
  entrypoint: main
  synchronization:
    mutexes: [{name: only-one}]
  templates:
  - name: main
    container: {image: alpine}
"""


def test_workflow_mutex_lets_one_workflow_run_at_a_time() -> None:
    locks: dict[str, list[str]] = {}
    first = Sim(workflow(WF_MUTEX, name="first"), locks=locks, running_passes=lambda p: 2)
    second = Sim(workflow(WF_MUTEX, name="second"), locks=locks, running_passes=lambda p: 2)
    first.step()
    second.step()
    assert first.of(Acquire) == [Acquire("argo/Mutex/only-one", "argo/first", 1, 0)]
    assert locks == {"argo/Mutex/only-one": ["argo/first"]}
    first.step()
    second.step()
    assert first.phase == "Running" and first.created
    assert second.phase == "Pending"
    assert second.wf["status"]["message"] == (
        "Waiting for argo/Mutex/only-one lock. Lock status: 1/1"
    )
    assert not second.created
    holding = first.wf["status"]["synchronization"]["mutex"]["holding"]
    assert holding == [{"mutex": "argo/Mutex/only-one", "holder": "first"}]  # Argo's shape
    first.run()
    assert Release("argo/Mutex/only-one", "argo/first") in first.of(Release)
    assert "synchronization" not in first.wf["status"]
    second.run()
    assert second.phase == "Succeeded"
    assert "message" not in second.wf["status"]


def test_template_mutex_serialises_steps() -> None:
    text = """
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: a, template: locked}
      - {name: b, template: locked}
  - name: locked
    synchronization:
      mutexes: [{name: tm}]
    container: {image: alpine}
"""
    sim = Sim(workflow(text), running_passes=lambda p: 2)
    sim.run()
    waves = [w for w in sim.waves if w]
    assert all(len(w) == 1 for w in waves)
    assert sorted(x for w in waves for x in w) == ["wf[0].a", "wf[0].b"]
    holders = [a.holder for a in sim.of(Release)]
    ids = {by_name(sim.wf)[n]["id"] for n in ("wf[0].a", "wf[0].b")}
    assert {h.rsplit("/", 1)[-1] for h in holders} == ids
    assert sim.locks == {"argo/Mutex/tm": []}
    assert sim.phase == "Succeeded"


def test_semaphore_limit_comes_from_a_config_map() -> None:
    text = """
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: s, template: limited, withItems: [1, 2, 3, 4]}
  - name: limited
    synchronization:
      semaphores:
      - configMapKeyRef: {name: limits, key: work}
    container: {image: alpine}
"""
    cm: Obj = {
        "kind": "ConfigMap",
        "metadata": {"name": "limits", "namespace": "argo"},
        "data": {"work": "2"},
    }
    sim = Sim(workflow(text), objects=Objects(cm), running_passes=lambda p: 2)
    peak = 0
    while sim.phase not in ("Succeeded", "Failed", "Error"):
        sim.step()
        peak = max(peak, len(sim.locks.get("argo/ConfigMap/limits/work", [])))
    assert peak == 2
    assert len(sim.created) == 4
    acquire = sim.of(Acquire)[0]
    assert (acquire.key, acquire.limit) == ("argo/ConfigMap/limits/work", 2)


def test_waiting_node_is_not_started() -> None:
    text = """
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: a, template: locked}
  - name: locked
    synchronization:
      mutexes: [{name: held-elsewhere}]
    container: {image: alpine}
"""
    locks = {"argo/Mutex/held-elsewhere": ["argo/other/wf-other-1"]}
    sim = Sim(workflow(text), locks=locks)
    for _ in range(3):
        sim.step()
    assert not sim.created
    assert sim.phase == "Running"
    locks["argo/Mutex/held-elsewhere"] = []
    sim.run()
    assert sim.phase == "Succeeded"


def test_an_exit_handler_waiting_for_a_lock_keeps_the_workflow_running() -> None:
    sim = Sim(
        workflow(
            """
spec:
  entrypoint: main
  onExit: cleanup
  templates:
  - name: main
    container: {image: alpine}
  - name: cleanup
    synchronization:
      mutexes: [{name: m}]
    container: {image: alpine}
"""
        )
    )
    sim.locks["argo/Mutex/m"] = ["argo/other"]
    for _ in range(5):
        sim.step()
    assert sim.phase == "Running"  # not Succeeded without its exit handler
    sim.locks["argo/Mutex/m"] = []
    sim.run()
    assert sim.phase == "Succeeded"
    assert sim.nodes()["wf.onExit"]["phase"] == "Succeeded"


def test_locks_of_stopped_nodes_and_of_the_root_are_given_back() -> None:
    """The deadline stops main (a root template holding the mutex); the exit handler needs
    the same mutex, and nothing is left held when the workflow ends."""
    sim = Sim(
        workflow(
            """
spec:
  entrypoint: main
  activeDeadlineSeconds: 5
  onExit: cleanup
  templates:
  - name: main
    synchronization:
      mutexes: [{name: m}]
    container: {image: alpine}
  - name: cleanup
    synchronization:
      mutexes: [{name: m}]
    container: {image: alpine}
"""
        ),
        # the root's pod is named after the workflow: it runs until the deadline stops it
        running_passes=lambda pod: 100 if pod["metadata"]["name"] == "wf" else 0,
    )
    sim.run(max_passes=60)
    assert sim.phase == "Failed"
    assert sim.nodes()["wf.onExit"]["phase"] == "Succeeded"
    assert sim.locks.get("argo/Mutex/m", []) == []
