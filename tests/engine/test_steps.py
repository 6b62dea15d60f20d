"""Steps templates: groups run in order, steps of a group together; failure, continueOn,
nested steps, inline templates, and the outputs one step hands the next."""

from __future__ import annotations

from argoapp.model.ids import node_id
from argoapp.model.types import Obj
from tests.engine.golden import Sim, by_name, node_name_of, params, run, workflow

TWO_GROUPS = """
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: a, template: work}
      - {name: b, template: work}
    - - {name: c, template: work}
  - name: work
    container: {image: alpine, command: [sh, -c, "exit 0"]}
"""


def fail_named(*names: str):  # type: ignore[no-untyped-def]
    def outcome(pod: Obj) -> tuple[int, Obj | None]:
        shown = node_name_of(pod).rsplit(".", 1)[-1]
        return (1 if shown in names else 0), None

    return outcome


def test_groups_run_in_order_and_steps_of_a_group_together() -> None:
    sim = Sim(workflow(TWO_GROUPS))
    sim.run()
    waves = [w for w in sim.waves if w]
    assert waves == [["wf[0].a", "wf[0].b"], ["wf[1].c"]]
    assert sim.phase == "Succeeded"
    nodes = by_name(sim.wf)
    assert {n: nodes[n]["phase"] for n in nodes} == dict.fromkeys(nodes, "Succeeded")
    assert nodes["wf[0].a"]["type"] == "Pod"
    assert nodes["wf[0]"]["type"] == "StepGroup"


def test_step_node_tree_is_argos() -> None:
    wf, _ = run(workflow(TWO_GROUPS))
    n = by_name(wf)
    nid = lambda name: node_id("wf", name)  # noqa: E731
    assert n["wf"]["children"] == [nid("wf[0]")]
    assert n["wf[0]"]["children"] == [nid("wf[0].a"), nid("wf[0].b")]
    # the next group hangs under every outbound node of the group before it
    assert n["wf[0].a"]["children"] == [nid("wf[1]")]
    assert n["wf[0].b"]["children"] == [nid("wf[1]")]
    assert n["wf[1]"]["children"] == [nid("wf[1].c")]
    assert n["wf"]["outboundNodes"] == [nid("wf[1].c")]
    for name in ("wf[0]", "wf[1]", "wf[0].a", "wf[1].c"):
        assert n[name]["boundaryID"] == "wf"
    assert n["wf[0].a"]["templateName"] == "work"
    assert n["wf[0].a"]["displayName"] == "a"
    assert n["wf[1]"]["displayName"] == "[1]"


def test_failed_step_fails_group_steps_and_workflow_and_stops_later_groups() -> None:
    sim = Sim(workflow(TWO_GROUPS), fail_named("a"))
    sim.run()
    n = by_name(sim.wf)
    assert sim.phase == "Failed"
    assert n["wf[0].a"]["phase"] == "Failed"
    assert n["wf[0].a"]["message"] == "Error (exit code 1)"
    assert n["wf[0].b"]["phase"] == "Succeeded"
    assert n["wf[0]"]["phase"] == "Failed"
    assert n["wf[0]"]["message"] == f"child '{node_id('wf', 'wf[0].a')}' failed"
    assert n["wf"]["phase"] == "Failed"
    assert n["wf"]["message"] == n["wf[0]"]["message"]
    assert sim.wf["status"]["message"] == n["wf"]["message"]
    assert "wf[1]" not in n and "wf[1].c" not in n


def test_continue_on_failed_lets_later_groups_run() -> None:
    text = TWO_GROUPS.replace(
        "{name: a, template: work}", "{name: a, template: work, continueOn: {failed: true}}"
    )
    sim = Sim(workflow(text), fail_named("a"))
    sim.run()
    n = by_name(sim.wf)
    assert n["wf[0].a"]["phase"] == "Failed"
    assert n["wf[0]"]["phase"] == "Succeeded"
    assert n["wf[1].c"]["phase"] == "Succeeded"
    assert sim.phase == "Succeeded"


def test_continue_on_error_does_not_cover_failure() -> None:
    text = TWO_GROUPS.replace(
        "{name: a, template: work}", "{name: a, template: work, continueOn: {error: true}}"
    )
    sim = Sim(workflow(text), fail_named("a"))
    sim.run()
    assert sim.phase == "Failed"
    assert "wf[1].c" not in by_name(sim.wf)


def test_nested_steps_are_bounded_by_their_own_steps_node() -> None:
    text = """
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: outer, template: inner}
  - name: inner
    steps:
    - - {name: x, template: work}
  - name: work
    container: {image: alpine}
"""
    wf, _ = run(workflow(text))
    n = by_name(wf)
    outer = n["wf[0].outer"]
    assert outer["type"] == "Steps"
    assert outer["boundaryID"] == "wf"
    assert n["wf[0].outer[0]"]["boundaryID"] == outer["id"]
    assert n["wf[0].outer[0].x"]["boundaryID"] == outer["id"]
    assert outer["outboundNodes"] == [n["wf[0].outer[0].x"]["id"]]
    # the root's outbound nodes reach through the nested steps to the pod
    assert n["wf"]["outboundNodes"] == [n["wf[0].outer[0].x"]["id"]]
    assert wf["status"]["phase"] == "Succeeded"


def test_inline_template_runs_as_the_step() -> None:
    text = """
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: a
        inline:
          container: {image: alpine, args: [hi]}
"""
    sim = Sim(workflow(text))
    sim.run()
    assert sim.phase == "Succeeded"
    assert by_name(sim.wf)["wf[0].a"]["type"] == "Pod"


def test_step_outputs_feed_the_next_group() -> None:
    text = """
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: gen, template: gen}
    - - name: use
        template: echo
        arguments:
          parameters:
          - {name: a, value: "{{steps.gen.outputs.parameters.p}}"}
          - {name: b, value: "{{steps.gen.outputs.result}}"}
          - {name: c, value: "{{steps.gen.status}}"}
          - {name: d, value: "{{steps.gen.exitCode}}"}
  - name: gen
    script: {image: alpine, source: "echo x"}
    outputs:
      parameters:
      - name: p
        valueFrom: {path: /tmp/p}
  - name: echo
    inputs:
      parameters: [{name: a}, {name: b}, {name: c}, {name: d}]
    container: {image: alpine}
"""

    def outcome(pod: Obj) -> tuple[int, Obj | None]:
        if node_name_of(pod).endswith("gen"):
            return 0, params(("p", "P"), result="R")
        return 0, None

    sim = Sim(workflow(text), outcome)
    sim.run()
    use = by_name(sim.wf)["wf[1].use"]
    values = {p["name"]: p["value"] for p in use["inputs"]["parameters"]}
    assert values == {"a": "P", "b": "R", "c": "Succeeded", "d": "0"}


def test_unknown_template_is_an_error_node() -> None:
    text = """
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: a, template: work}
  - name: work
    steps:
    - - {name: z, template: missing}
"""
    sim = Sim(workflow(text))
    sim.run()
    # validation refuses it before anything runs, as Argo's does
    assert sim.phase in ("Failed", "Error")
    assert "missing" in sim.wf["status"]["message"]
