"""The node tree exactly as Argo draws it: children, boundaryID, outboundNodes, templateScope
for retries, exit handlers, nested DAGs in steps and step groups after loops."""

from __future__ import annotations

from argoapp.model.ids import node_id
from argoapp.model.types import Obj
from tests.engine.golden import Sim, by_name, node_name_of, workflow


def nid(name: str) -> str:
    return node_id("wf", name)


def test_retry_step_tree() -> None:
    text = """
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: a, template: flaky}
    - - {name: b, template: work}
  - name: flaky
    retryStrategy: {limit: 1}
    container: {image: alpine}
  - name: work
    container: {image: alpine}
"""
    calls: list[str] = []

    def outcome(pod: Obj) -> tuple[int, Obj | None]:
        calls.append(node_name_of(pod))
        return (1 if len(calls) == 1 else 0), None

    sim = Sim(workflow(text), outcome)
    sim.run()
    n = by_name(sim.wf)
    assert n["wf[0]"]["children"] == [nid("wf[0].a")]
    assert n["wf[0].a"]["children"] == [nid("wf[0].a(0)"), nid("wf[0].a(1)")]
    assert n["wf[0].a(0)"]["boundaryID"] == "wf"
    # the next group hangs under the last attempt only
    assert n["wf[0].a(1)"]["children"] == [nid("wf[1]")]
    assert "children" not in n["wf[0].a(0)"]
    assert n["wf"]["outboundNodes"] == [nid("wf[1].b")]
    assert n["wf[0].a"]["templateName"] == "flaky"
    assert n["wf[0].a(1)"]["templateName"] == "flaky"


def test_exit_nodes_tree() -> None:
    text = """
spec:
  entrypoint: main
  onExit: bye
  templates:
  - name: main
    steps:
    - - {name: a, template: work, onExit: bye}
  - name: work
    container: {image: alpine}
  - name: bye
    container: {image: alpine}
"""
    sim = Sim(workflow(text))
    sim.run()
    n = by_name(sim.wf)
    wf_exit = n["wf.onExit"]
    assert wf_exit["type"] == "Pod"
    assert "boundaryID" not in wf_exit
    assert wf_exit["templateName"] == "bye"
    assert wf_exit["id"] not in n["wf"].get("children", [])
    step_exit = n["wf[0].a.onExit"]
    assert step_exit["boundaryID"] == "wf"
    assert n["wf[0].a"]["children"] == [step_exit["id"]]
    assert n["wf"]["outboundNodes"] == [nid("wf[0].a")]


def test_dag_nested_in_steps_and_steps_after_a_loop() -> None:
    text = """
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: fan, template: work, withItems: [1, 2]}
    - - {name: d, template: diamond}
  - name: diamond
    dag:
      tasks:
      - {name: A, template: work}
      - {name: B, template: work, dependencies: [A]}
      - {name: C, template: work, dependencies: [A]}
  - name: work
    container: {image: alpine}
"""
    sim = Sim(workflow(text))
    sim.run()
    n = by_name(sim.wf)
    assert n["wf[0].fan(0:1)"]["children"] == [nid("wf[1]")]
    assert n["wf[0].fan(1:2)"]["children"] == [nid("wf[1]")]
    d = n["wf[1].d"]
    assert d["type"] == "DAG"
    assert d["boundaryID"] == "wf"
    assert d["children"] == [nid("wf[1].d.A")]
    assert n["wf[1].d.A"]["boundaryID"] == d["id"]
    assert n["wf[1].d.B"]["displayName"] == "B"
    assert sorted(d["outboundNodes"]) == sorted([nid("wf[1].d.B"), nid("wf[1].d.C")])
    assert sorted(n["wf"]["outboundNodes"]) == sorted(d["outboundNodes"])
    for name in ("wf", "wf[0]", "wf[1].d", "wf[1].d.A"):
        assert n[name]["templateScope"] == "local/wf"


def test_node_ids_are_fnv_hashes_of_names() -> None:
    sim = Sim(workflow("spec: {entrypoint: m, templates: [{name: m, container: {image: a}}]}"))
    sim.run()
    assert list(sim.wf["status"]["nodes"]) == ["wf"]
    pod = sim.created_pods()[0]
    assert pod["metadata"]["name"] == "wf"  # the root pod is named after the workflow
