"""Parallelism: the workflow's limit on running pods, and a steps or DAG template's limit on
its own running children."""

from __future__ import annotations

import json
from datetime import timedelta

from argoapp.engine.api import Acquire, CreatePod
from argoapp.model.types import Obj
from tests.engine.golden import Objects, Sim, by_name, node_name_of, tmpl_of, workflow


def max_running(sim: Sim) -> int:
    """Run to the end, counting pods not yet finished after each pass."""
    peak = 0
    for _ in range(200):
        sim.step()
        running = sum(
            1 for p in sim.pods.values() if p["status"]["phase"] not in ("Succeeded", "Failed")
        )
        peak = max(peak, running)
        if sim.phase in ("Succeeded", "Failed", "Error"):
            return peak
    raise AssertionError("did not finish")


def fan_out(head: str = "", tmpl_extra: str = "", kind: str = "steps") -> Obj:
    if kind == "steps":
        body = """    steps:
    - - {name: s, template: work, withItems: [1, 2, 3, 4, 5]}"""
    else:
        body = """    dag:
      tasks:
      - {name: s, template: work, withItems: [1, 2, 3, 4, 5]}
      - {name: t, template: work}"""
    return workflow(
        f"""
spec:
  entrypoint: main
{head}
  templates:
  - name: main
{tmpl_extra}
{body}
  - name: work
    container: {{image: alpine}}
"""
    )


def test_workflow_parallelism_caps_running_pods() -> None:
    sim = Sim(fan_out("  parallelism: 2"), running_passes=lambda pod: 3)
    assert max_running(sim) == 2
    assert len(sim.created) == 5
    assert sim.phase == "Succeeded"


def test_without_a_limit_every_item_starts_at_once() -> None:
    sim = Sim(fan_out(), running_passes=lambda pod: 3)
    assert max_running(sim) == 5


def test_steps_template_parallelism_runs_items_one_at_a_time() -> None:
    sim = Sim(fan_out(tmpl_extra="    parallelism: 1"), running_passes=lambda pod: 2)
    assert max_running(sim) == 1
    waves = [w for w in sim.waves if w]
    assert [len(w) for w in waves] == [1, 1, 1, 1, 1]
    # items still start in their order
    assert [w[0] for w in waves] == [f"wf[0].s({i}:{i + 1})" for i in range(5)]
    assert sim.phase == "Succeeded"


def test_dag_template_parallelism() -> None:
    sim = Sim(fan_out(tmpl_extra="    parallelism: 2", kind="dag"), running_passes=lambda pod: 2)
    assert max_running(sim) <= 2
    assert len(sim.created) == 6
    assert sim.phase == "Succeeded"


def test_template_parallelism_is_per_invocation() -> None:
    text = """
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: x, template: inner}
      - {name: y, template: inner}
  - name: inner
    parallelism: 1
    steps:
    - - {name: s, template: work, withItems: [1, 2]}
  - name: work
    container: {image: alpine}
"""
    sim = Sim(workflow(text), running_passes=lambda pod: 2)
    assert max_running(sim) == 2  # one in x and one in y
    n = by_name(sim.wf)
    assert n["wf[0].x"]["phase"] == "Succeeded"
    assert n["wf[0].y"]["phase"] == "Succeeded"


def test_a_finished_step_frees_its_slot_in_the_same_pass() -> None:
    """The pass that sees a loop item end starts the next one at once: no event follows our
    own write, so waiting for another pass would leave the workflow stuck."""
    steps = Sim(
        workflow(
            """
spec:
  entrypoint: main
  templates:
  - name: main
    parallelism: 1
    steps:
    - - {name: item, template: t, withSequence: {count: "4"}}
  - name: t
    container: {image: alpine, command: ["true"]}
"""
        )
    )
    steps.run()
    assert [len(w) for w in steps.waves if w] == [1, 1, 1, 1]
    assert steps.waves[:4] == [[f"wf[0].item({i}:{i})"] for i in range(4)]
    dag = Sim(
        workflow(
            """
spec:
  entrypoint: main
  templates:
  - name: main
    parallelism: 1
    dag:
      tasks:
      - {name: item, template: t, withSequence: {count: "3"}}
  - name: t
    container: {image: alpine, command: ["true"]}
"""
        )
    )
    dag.run()
    assert [len(w) for w in dag.waves[:3]] == [1, 1, 1]


def test_a_malformed_parallelism_never_raises_out_of_a_pass() -> None:
    text = """
spec:
  entrypoint: main
  parallelism: "abc"
  arguments: {parameters: [{name: p, value: x}]}
  templates:
  - name: main
    parallelism: "{{workflow.parameters.p}}"
    steps:
    - - {name: s, template: t, withItems: [1, 2]}
  - name: t
    container: {image: alpine, command: ["true"]}
"""
    sim = Sim(workflow(text))
    sim.run()  # no exception; a value that is not a number sets no limit
    assert sim.phase in ("Succeeded", "Failed", "Error")


def test_workflow_parallelism_refills_every_freed_slot_in_the_same_pass() -> None:
    """Items waiting for the workflow's `parallelism` are passed over cheaply once one was held
    back, but a slot freed in a pass is still taken in that pass, for steps and DAGs alike."""
    for kind in ("steps", "dag"):
        sim = Sim(fan_out("  parallelism: 2", kind=kind), running_passes=lambda pod: 1)
        sim.run()
        waves = [len(w) for w in sim.waves if w]
        assert waves[:2] == [2, 2], kind  # two end each pass and two start in their place
        assert len(sim.created) == (5 if kind == "steps" else 6)


def test_items_with_a_condition_are_decided_while_others_wait_for_a_slot() -> None:
    text = """
spec:
  entrypoint: main
  parallelism: 1
  templates:
  - name: main
    steps:
    - - {name: s, template: work, withItems: [1, 2, 3, 4], when: "{{item}} != 3"}
  - name: work
    container: {image: alpine}
"""
    sim = Sim(workflow(text), running_passes=lambda pod: 3)
    sim.step()
    nodes = sim.nodes()
    assert nodes["s(2:3)"]["phase"] == "Skipped"  # decided at once, as Argo does
    assert "s(1:2)" not in nodes and "s(3:4)" not in nodes  # waiting for the slot
    sim.run()
    assert [n for n in sim.nodes() if n.startswith("s(")] and sim.phase == "Succeeded"
    assert len(sim.created) == 3


def test_a_slot_freed_after_an_item_was_held_is_taken_in_the_same_pass() -> None:
    """Items of x's loop wait for the workflow's limit; y's pod, later in the walk, ends: the
    same pass walks once more and starts the next item (no event would bring another pass)."""
    text = """
spec:
  entrypoint: main
  parallelism: 2
  templates:
  - name: main
    steps:
    - - {name: x, template: x}
      - {name: y, template: q}
  - name: x
    steps:
    - - {name: first, template: p}
    - - {name: loop, template: l, withItems: [1, 2]}
  - {name: p, container: {image: alpine}}
  - {name: q, container: {image: alpine}}
  - {name: l, container: {image: alpine}}
"""
    passes = {"p": 0, "q": 2, "l": 5}
    sim = Sim(workflow(text), running_passes=lambda pod: passes[tmpl_of(pod)["name"]])
    sim.until(lambda s: s.nodes().get("y", {}).get("phase") == "Succeeded")
    assert "loop(1:2)" in sim.nodes()  # started by the pass that saw y end
    sim.run()
    assert sim.phase == "Succeeded"


# Items passed over while the workflow's limit is full must still do, in that pass, whatever
# they would have done without a slot: a memoized item found in the cache, an item that
# cannot bind its inputs, an item queueing for a lock.

_HELD_HEAD = """
spec:
  entrypoint: main
  parallelism: 1
  templates:
  - name: main
    steps:
    - - {name: x, template: plain}
"""


def test_a_cached_item_is_made_while_the_others_wait() -> None:
    text = """
spec:
  entrypoint: main
  parallelism: 1
  templates:
  - name: main
    steps:
    - - name: s
        template: work
        arguments: {parameters: [{name: x, value: "{{item}}"}]}
        withItems: [1, 2, 3]
  - name: work
    inputs: {parameters: [{name: x}]}
    memoize: {key: "k-{{inputs.parameters.x}}", cache: {configMap: {name: cache}}}
    container: {image: alpine}
"""
    entry = {"nodeID": "n", "outputs": {}, "creationTimestamp": "2026-01-01T00:00:00Z"}
    cache = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "cache", "namespace": "argo"},
        "data": {"k-3": json.dumps(entry)},
    }
    sim = Sim(workflow(text), objects=Objects(cache), running_passes=lambda pod: 5)
    sim.step()
    nodes = sim.nodes()
    assert nodes["s(2:3)"]["phase"] == "Succeeded"  # from the cache, no slot needed
    assert "s(1:2)" not in nodes


def test_an_item_that_cannot_bind_its_inputs_fails_while_the_others_wait() -> None:
    text = (
        _HELD_HEAD
        + """      - name: s
        template: work
        arguments: {parameters: [{name: v, value: "{{item.a}}"}]}
        withItems: [{a: "1"}, {b: "2"}]
  - name: work
    inputs: {parameters: [{name: v}]}
    container: {image: alpine}
  - name: plain
    container: {image: alpine}
"""
    )
    sim = Sim(workflow(text), running_passes=lambda pod: 5)
    sim.step()
    nodes = sim.nodes()
    assert nodes["s(1:b:2)"]["phase"] == "Failed"
    assert "s(0:a:1)" not in nodes


def test_items_waiting_for_a_slot_keep_their_place_in_a_lock_queue() -> None:
    text = (
        _HELD_HEAD
        + """      - {name: s, template: work, withItems: [1, 2, 3]}
  - name: work
    synchronization: {semaphores: [{configMapKeyRef: {name: sem, key: k}}]}
    container: {image: alpine}
  - name: plain
    container: {image: alpine}
"""
    )
    sem = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "sem", "namespace": "argo"},
        "data": {"k": "5"},
    }
    sim = Sim(workflow(text), objects=Objects(sem), running_passes=lambda pod: 5)
    first = sim.step()
    assert len([a for a in first.actions if isinstance(a, Acquire)]) == 3
    sim.step()
    sim.step()
    holding = sim.wf["status"]["synchronization"]["semaphore"]["holding"][0]["holders"]
    assert len(holding) == 3  # every item granted a permit stays recorded as its holder


def test_a_dag_slot_freed_by_a_retried_attempt_is_taken_in_the_same_pass() -> None:
    """An attempt of a retried task fails and its retry waits for its backoff: the DAG's
    `parallelism` counts pods, so the slot is free and the next task starts at once."""
    text = """
spec:
  entrypoint: main
  templates:
  - name: main
    parallelism: 2
    dag:
      tasks:
      - {name: a, template: quick}
      - {name: b, template: slow, depends: a}
      - {name: r, template: flaky}
      - {name: z, template: slow}
  - {name: quick, container: {image: alpine}}
  - {name: slow, container: {image: alpine}}
  - name: flaky
    retryStrategy: {limit: 3, backoff: {duration: "60s"}}
    container: {image: alpine}
"""
    passes = {"quick": 1, "slow": 10, "flaky": 1}
    sim = Sim(
        workflow(text),
        running_passes=lambda pod: passes[tmpl_of(pod)["name"]],
        outcome=lambda pod: (1, None) if tmpl_of(pod)["name"] == "flaky" else (0, None),
    )
    sim.until(lambda s: s.nodes().get("r(0)", {}).get("phase") == "Failed")
    assert {"b", "z"} <= set(sim.nodes())  # both started in the pass that saw a and r(0) end


def test_a_pod_node_ended_without_its_pod_frees_its_slot_in_the_same_pass() -> None:
    """A node can end without its pod's outcome (the pod deleted, a deadline, a stop): its
    slot under the workflow's `parallelism` is free for the next item at once."""
    text = """
spec:
  entrypoint: main
  parallelism: 1
  templates:
  - name: main
    steps:
    - - {name: s, template: work, withItems: [1, 2]}
  - name: work
    container: {image: alpine}
"""
    sim = Sim(workflow(text), running_passes=lambda pod: 50, tick=timedelta(seconds=40))
    sim.step()
    sim.step()
    (first,) = sim.pods
    del sim.pods[first]  # deleted behind the controller's back
    sim.step()
    nodes = sim.nodes()
    assert nodes["s(0:1)"]["phase"] == "Error" and nodes["s(0:1)"]["message"] == "pod deleted"
    assert "s(1:2)" in nodes  # started in the pass that ended s(0:1)


def test_a_pod_made_again_for_a_waiting_node_takes_no_second_slot() -> None:
    """A pending node whose pod vanished before it was seen gets its pod made again; it still
    holds one slot, so the slot that an ending frees goes to the next item."""
    text = """
spec:
  entrypoint: main
  parallelism: 2
  templates:
  - name: main
    steps:
    - - {name: s, template: work, withItems: [1, 2, 3]}
  - name: work
    container: {image: alpine}
"""
    sim = Sim(
        workflow(text), running_passes=lambda pod: 0 if node_name_of(pod).endswith("(1:2)") else 10
    )
    sim.step()
    del sim.pods[sim.created[0]]  # s(0:1)'s pod, gone before the controller saw it
    second = sim.step()
    remade = [a.pod["metadata"]["name"] for a in second.actions if isinstance(a, CreatePod)]
    assert sim.created[0] in remade
    assert "s(2:3)" in sim.nodes()  # s(1:2) ended: its slot went to s(2:3) at once
