"""Loops: withItems (scalars, maps), withParam, withSequence, empty loops, node names, the
TaskGroup of a DAG loop, and outputs aggregated as JSON lists."""

from __future__ import annotations

import json

from argoapp.model.types import Obj
from tests.engine.golden import Sim, by_name, node_name_of, params, workflow


def steps_loop(loop: str, extra_steps: str = "") -> Obj:
    return workflow(
        f"""
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: a
        template: echo
        arguments: {{parameters: [{{name: m, value: "{{{{item}}}}"}}]}}
        {loop}
{extra_steps}
  - name: echo
    inputs: {{parameters: [{{name: m}}]}}
    container: {{image: alpine}}
"""
    )


def inputs_of(node: Obj) -> dict[str, str]:
    return {p["name"]: p["value"] for p in (node.get("inputs") or {}).get("parameters") or []}


def test_with_items_scalars_make_one_node_per_item() -> None:
    sim = Sim(steps_loop("withItems: [x, 2, true]"))
    sim.run()
    n = by_name(sim.wf)
    names = ["wf[0].a(0:x)", "wf[0].a(1:2)", "wf[0].a(2:true)"]
    assert [w for w in sim.waves if w] == [names]
    assert [inputs_of(n[x])["m"] for x in names] == ["x", "2", "true"]
    assert n["wf[0]"]["children"] == [n[x]["id"] for x in names]
    assert n["wf[0].a(1:2)"]["displayName"] == "a(1:2)"
    assert sim.phase == "Succeeded"


def test_with_items_maps_name_nodes_by_sorted_pairs() -> None:
    text = """
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: a
        template: echo
        arguments: {parameters: [{name: m, value: "{{item.os}}-{{item.v}}"}]}
        withItems:
        - {v: 1, os: linux}
        - {v: 2, os: mac}
  - name: echo
    inputs: {parameters: [{name: m}]}
    container: {image: alpine}
"""
    sim = Sim(workflow(text))
    sim.run()
    n = by_name(sim.wf)
    assert inputs_of(n["wf[0].a(0:os:linux,v:1)"])["m"] == "linux-1"
    assert inputs_of(n["wf[0].a(1:os:mac,v:2)"])["m"] == "mac-2"


def test_with_param_from_a_previous_result() -> None:
    extra = """
    - - name: b
        template: echo
        arguments: {parameters: [{name: m, value: "{{item}}"}]}
        withParam: "{{steps.a.outputs.result}}"
"""
    wf = steps_loop("", extra)
    first = wf["spec"]["templates"][0]["steps"][0][0]
    first["template"] = "gen"
    first.pop("arguments")
    wf["spec"]["templates"].append({"name": "gen", "script": {"image": "a", "source": "x"}})

    def outcome(pod: Obj) -> tuple[int, Obj | None]:
        return 0, (params(result='["p", "q"]') if node_name_of(pod) == "wf[0].a" else None)

    sim = Sim(wf, outcome)
    sim.run()
    n = by_name(sim.wf)
    assert inputs_of(n["wf[1].b(0:p)"])["m"] == "p"
    assert inputs_of(n["wf[1].b(1:q)"])["m"] == "q"
    assert sim.phase == "Succeeded"


def test_with_param_that_is_not_a_list_errors() -> None:
    sim = Sim(steps_loop("withParam: 'not json'"))
    sim.run()
    n = by_name(sim.wf)
    assert n["wf[0]"]["phase"] == "Error"
    assert "withParam value could not be parsed as a JSON list: not json" in n["wf[0]"]["message"]
    assert sim.phase in ("Failed", "Error")


def test_with_sequence_count_start_end_format() -> None:
    for seq, want in (
        ("{count: '3'}", ["0", "1", "2"]),
        ("{start: '5', end: '7'}", ["5", "6", "7"]),
        ("{start: '3', end: '1'}", ["3", "2", "1"]),
        ("{count: '2', start: '1', format: 'n%02d'}", ["n01", "n02"]),
    ):
        sim = Sim(steps_loop(f"withSequence: {seq}"))
        sim.run()
        got = [inputs_of(x)["m"] for x in sim.wf["status"]["nodes"].values() if "(" in x["name"]]
        assert sorted(got) == sorted(want), seq
        assert f"wf[0].a(0:{want[0]})" in by_name(sim.wf)


def test_empty_loop_is_skipped_and_the_next_group_still_runs() -> None:
    extra = """
    - - {name: after, template: echo, arguments: {parameters: [{name: m, value: z}]}}
"""
    sim = Sim(steps_loop("withItems: []", extra))
    sim.run()
    n = by_name(sim.wf)
    assert n["wf[0].a"]["phase"] == "Skipped"
    assert n["wf[0].a"]["type"] == "Skipped"
    assert n["wf[0].a"]["message"] == "Skipped, empty params"
    assert n["wf[1].after"]["phase"] == "Succeeded"
    assert sim.phase == "Succeeded"


def test_one_failed_item_fails_the_group() -> None:
    def outcome(pod: Obj) -> tuple[int, Obj | None]:
        return (1 if "(1:" in node_name_of(pod) else 0), None

    sim = Sim(steps_loop("withItems: [a, b, c]"), outcome)
    sim.run()
    n = by_name(sim.wf)
    assert n["wf[0].a(1:b)"]["phase"] == "Failed"
    assert n["wf[0].a(0:a)"]["phase"] == "Succeeded"
    assert n["wf[0]"]["phase"] == "Failed"
    assert sim.phase == "Failed"


def test_loop_outputs_aggregate_in_item_order() -> None:
    extra = """
    - - name: use
        template: echo
        arguments:
          parameters:
          - {name: m, value: "{{steps.a.outputs.parameters.p}}|{{steps.a.outputs.result}}"}
"""

    def outcome(pod: Obj) -> tuple[int, Obj | None]:
        name = node_name_of(pod)
        if "(" not in name:
            return 0, None
        item = name.split(":")[1].rstrip(")")
        return 0, params(("p", f"P{item}"), result=f"R{item}")

    wf = steps_loop("withItems: [x, y, z]", extra)
    wf["spec"]["templates"][1]["outputs"] = {
        "parameters": [{"name": "p", "valueFrom": {"path": "/p"}}]
    }
    sim = Sim(wf, outcome)
    sim.run()
    value = inputs_of(by_name(sim.wf)["wf[1].use"])["m"]
    plist, rlist = value.split("|")
    assert json.loads(plist) == ["Px", "Py", "Pz"]
    assert json.loads(rlist) == ["Rx", "Ry", "Rz"]


def test_dag_loop_makes_a_task_group() -> None:
    text = """
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: L, template: echo, withItems: [a, b],
         arguments: {parameters: [{name: m, value: "{{item}}"}]}}
      - {name: after, template: echo, dependencies: [L],
         arguments: {parameters: [{name: m, value: "{{tasks.L.outputs.parameters.o}}"}]}}
  - name: echo
    inputs: {parameters: [{name: m}]}
    container: {image: alpine}
    outputs:
      parameters:
      - {name: o, valueFrom: {path: /o}}
"""

    def outcome(pod: Obj) -> tuple[int, Obj | None]:
        return 0, params(("o", node_name_of(pod)[-2]))

    sim = Sim(workflow(text), outcome)
    sim.run()
    n = by_name(sim.wf)
    group = n["wf.L"]
    assert group["type"] == "TaskGroup"
    assert group["phase"] == "Succeeded"
    kids = [n["wf.L(0:a)"], n["wf.L(1:b)"]]
    assert group["children"] == [k["id"] for k in kids]
    assert kids[0]["displayName"] == "L(0:a)"
    assert all(k["boundaryID"] == "wf" for k in kids)
    # the next task hangs under each item, not under the group
    assert all(k["children"] == [n["wf.after"]["id"]] for k in kids)
    assert json.loads(inputs_of(n["wf.after"])["m"]) == ["a", "b"]


def test_expansions_are_reused_only_for_the_same_step_and_items() -> None:
    """Every pass expands every loop again, so expansions are kept; a step that differs in
    anything but its name's items, or items that changed, get their own."""
    from argoapp.engine import loops

    step = {"name": "s", "template": "t", "withItems": ["a", "b"]}
    first = loops.expand(step, {})
    assert loops.expand(dict(step), {}) is first
    other_args = {**step, "arguments": {"parameters": [{"name": "p", "value": "1"}]}}
    assert loops.expand(other_args, {})[0]["arguments"] == other_args["arguments"]
    changed = loops.expand({**step, "withItems": ["a", "c"]}, {})
    assert [s["name"] for s in changed] == ["s(0:a)", "s(1:c)"]
    params = {**step, "withParam": "{{inputs.parameters.xs}}"}
    del params["withItems"]
    one = loops.expand(params, {"inputs.parameters.xs": '["x"]'})
    two = loops.expand(params, {"inputs.parameters.xs": '["x", "y"]'})
    assert [s["name"] for s in one] == ["s(0:x)"]
    assert [s["_item_scope"]["item"] for s in two] == ["x", "y"]
