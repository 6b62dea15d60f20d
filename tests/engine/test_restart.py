"""Reconciling is deterministic and idempotent: the same input gives the same output, a pass
recomputed after a conflict asks for the same pods, and no node ever gets a second pod."""

from __future__ import annotations

import copy
from collections import Counter

from argoapp.engine.api import CreatePod
from argoapp.model.types import Obj
from tests.engine.golden import Sim, node_name_of, workflow

MIXED = """
spec:
  entrypoint: main
  onExit: bye
  templates:
  - name: main
    dag:
      tasks:
      - {name: A, template: work}
      - {name: L, template: work, depends: A, withItems: [1, 2, 3]}
      - {name: R, template: flaky, depends: A}
      - {name: Z, template: work, depends: "L && R"}
  - name: work
    container: {image: alpine}
  - name: flaky
    retryStrategy: {limit: 2}
    container: {image: alpine}
  - name: bye
    container: {image: alpine}
"""


def flaky_once(pod: Obj) -> tuple[int, Obj | None]:
    return (1 if node_name_of(pod) == "wf.R(0)" else 0), None


def test_same_input_same_output() -> None:
    sim = Sim(workflow(MIXED), flaky_once, running_passes=lambda p: 1)
    for _ in range(12):
        first = sim.reconcile()
        again = sim.reconcile()
        assert first.workflow == again.workflow
        assert first.actions == again.actions
        assert first.requeue_after == again.requeue_after
        sim.step()
        if sim.phase == "Succeeded":
            break
    assert sim.phase == "Succeeded"


def test_reconcile_never_changes_its_input() -> None:
    sim = Sim(workflow(MIXED), flaky_once)
    for _ in range(6):
        before = copy.deepcopy(sim.wf)
        sim.reconcile()
        assert sim.wf == before
        sim.step()


def test_a_pass_lost_to_a_conflict_is_recomputed_to_the_same_pods() -> None:
    """The controller performs the actions, then persisting fails: the next pass starts from
    the old workflow but sees the pods it created. It must adopt them, not make new ones."""
    sim = Sim(workflow(MIXED), flaky_once, running_passes=lambda p: 2)
    for i in range(40):
        res = sim.reconcile()
        if i % 3 == 1:
            # perform the actions but keep the old workflow (the write conflicted)
            sim.actions.extend(res.actions)
            for act in res.actions:
                sim._perform(act)
            sim.now += sim.tick
            sim._advance_pods()
            continue
        sim.step()
        if sim.phase == "Succeeded":
            break
    assert sim.phase == "Succeeded"
    assert len(sim.created) == len(set(sim.created))
    # every pod name the engine asked for belongs to one node only
    owners: dict[str, set[str]] = {}
    for act in sim.of(CreatePod):
        owners.setdefault(act.pod["metadata"]["name"], set()).add(node_name_of(act.pod))
    assert all(len(v) == 1 for v in owners.values())


def test_observed_pods_are_never_created_again() -> None:
    sim = Sim(workflow(MIXED), flaky_once, running_passes=lambda p: 3)
    while sim.phase not in ("Succeeded", "Failed", "Error"):
        seen = set(sim.pods)
        res = sim.step()
        again = [a.pod["metadata"]["name"] for a in res.actions if isinstance(a, CreatePod)]
        assert not set(again) & seen
    counts = Counter(node_name_of(a.pod) for a in sim.of(CreatePod))
    assert max(counts.values()) == 1
    assert "wf.R(1)" in counts  # the retry made a second attempt, as a new node


def test_nodes_that_had_ended_are_changed_only_in_the_new_workflow() -> None:
    """A pass shares the nodes that had ended with the workflow it was given; what it still
    changes on them (a hook's flag missing from an older build's node, a new child) lands in
    its own copy. `Sim.reconcile` asserts the given workflow is left as it was."""
    text = """
spec:
  entrypoint: main
  hooks:
    running: {expression: workflow.status == "Running", template: h}
  templates:
  - name: main
    steps:
    - - {name: a, template: slow}
  - {name: slow, container: {image: alpine, command: [slow]}}
  - {name: h, container: {image: alpine}}
"""
    sim = Sim(workflow(text), running_passes=lambda pod: 8 if "slow" in str(pod) else 1)

    def hook(s: Sim) -> Obj | None:
        node = s.nodes().get("wf.hooks.running")
        return node if node is not None and node["phase"] == "Succeeded" else None

    sim.until(lambda s: hook(s) is not None)
    ended = hook(sim)
    assert ended is not None and ended["nodeFlag"] == {"hooked": True}
    del ended["nodeFlag"]  # as an older build wrote it
    sim.step()
    again = hook(sim)
    assert again is not None and again["nodeFlag"] == {"hooked": True}
    sim.run()
    assert sim.phase == "Succeeded"
