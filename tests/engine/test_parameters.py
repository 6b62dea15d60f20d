"""Parameters: workflow arguments, inputs with defaults and enums, valueFrom (expression,
configMapKeyRef, parameter), globalName exports, workflow.* variables, outputs.result and
exitCode handed on, outputs of steps templates."""

from __future__ import annotations

from argoapp.model.types import Obj
from tests.engine.golden import Objects, Sim, by_name, node_name_of, params, workflow


def inputs_of(node: Obj) -> dict[str, str]:
    return {p["name"]: p["value"] for p in (node.get("inputs") or {}).get("parameters") or []}


ECHO = """
  - name: echo
    inputs:
      parameters: [{name: m}]
    container: {image: alpine, args: ["{{inputs.parameters.m}}"]}
"""


def one_step(args: str, extra_templates: str = "", head: str = "") -> Obj:
    return workflow(
        f"""
spec:
  entrypoint: main
{head}
  templates:
  - name: main
    steps:
    - - name: s
        template: echo
        arguments:
          parameters:
{args}
{ECHO}
{extra_templates}
"""
    )


def test_workflow_arguments_reach_the_entrypoint_and_globals() -> None:
    text = (
        """
spec:
  entrypoint: main
  arguments:
    parameters:
    - {name: who, value: world}
    - {name: n, value: 3}
  templates:
  - name: main
    inputs:
      parameters: [{name: who}]
    steps:
    - - name: s
        template: echo
        arguments:
          parameters:
          - name: m
            value: "{{inputs.parameters.who}}-{{workflow.parameters.n}}-{{workflow.name}}"
"""
        + ECHO
    )
    sim = Sim(workflow(text))
    sim.run()
    n = by_name(sim.wf)
    assert inputs_of(n["wf"]) == {"who": "world"}
    assert inputs_of(n["wf[0].s"]) == {"m": "world-3-wf"}


def test_input_default_applies_when_no_argument_is_given() -> None:
    text = """
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: s, template: d}
  - name: d
    inputs:
      parameters: [{name: x, default: dflt}, {name: y, value: fixed}]
    container: {image: alpine, args: ["{{inputs.parameters.x}}"]}
"""
    sim = Sim(workflow(text))
    sim.run()
    assert inputs_of(by_name(sim.wf)["wf[0].s"]) == {"x": "dflt", "y": "fixed"}
    pod = sim.created_pods()[0]
    main = next(c for c in pod["spec"]["containers"] if c["name"] == "main")
    assert "dflt" in main.get("args", [])


def test_argument_outside_the_enum_fails_the_node() -> None:
    extra = """
  - name: pick
    inputs:
      parameters: [{name: color, enum: [red, blue]}]
    container: {image: alpine}
"""
    wf = one_step("          - {name: m, value: '{{workflow.name}}'}", extra)
    wf["spec"]["templates"][0]["steps"][0][0].update(
        template="pick", arguments={"parameters": [{"name": "color", "value": "{{workflow.name}}"}]}
    )
    sim = Sim(wf)
    sim.run()
    node = by_name(sim.wf)["wf[0].s"]
    assert node["phase"] in ("Error", "Failed")
    assert "enum" in node["message"]
    assert sim.phase in ("Failed", "Error")


def test_argument_from_an_expression_tag() -> None:
    text = (
        """
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: A, template: gen}
      - name: B
        template: echo
        dependencies: [A]
        arguments:
          parameters:
          - name: m
            value: "{{=tasks.A.outputs.parameters.p == 'yes' ? 'took-yes' : 'took-no'}}"
  - name: gen
    container: {image: alpine}
    outputs:
      parameters: [{name: p, valueFrom: {path: /p}}]
"""
        + ECHO
    )
    sim = Sim(workflow(text), lambda pod: (0, params(("p", "yes"))))
    sim.run()
    assert inputs_of(by_name(sim.wf)["wf.B"]) == {"m": "took-yes"}


def test_input_from_a_config_map_key() -> None:
    extra = """
  - name: cm
    inputs:
      parameters:
      - name: v
        valueFrom: {configMapKeyRef: {name: settings, key: color}}
    container: {image: alpine}
"""
    wf = one_step("          - {name: m, value: x}", extra)
    wf["spec"]["templates"][0]["steps"][0][0] = {"name": "s", "template": "cm"}
    objects = Objects(
        {
            "kind": "ConfigMap",
            "metadata": {"name": "settings", "namespace": "argo"},
            "data": {"color": "green"},
        }
    )
    sim = Sim(wf, objects=objects)
    sim.run()
    assert inputs_of(by_name(sim.wf)["wf[0].s"]) == {"v": "green"}


def test_global_name_exports_to_the_workflow_and_later_steps() -> None:
    text = (
        """
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: gen, template: gen}
    - - name: use
        template: echo
        arguments:
          parameters: [{name: m, value: "{{workflow.outputs.parameters.shared}}"}]
  - name: gen
    container: {image: alpine}
    outputs:
      parameters:
      - {name: p, globalName: shared, valueFrom: {path: /p}}
"""
        + ECHO
    )

    def outcome(pod: Obj) -> tuple[int, Obj | None]:
        if node_name_of(pod).endswith("gen"):
            return 0, {"parameters": [{"name": "p", "value": "G", "globalName": "shared"}]}
        return 0, None

    sim = Sim(workflow(text), outcome)
    sim.run()
    assert sim.wf["status"]["outputs"]["parameters"] == [{"name": "shared", "value": "G"}]
    assert inputs_of(by_name(sim.wf)["wf[1].use"]) == {"m": "G"}


def test_steps_template_outputs_from_its_children() -> None:
    text = (
        """
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: inner, template: inner}
    - - name: use
        template: echo
        arguments:
          parameters: [{name: m, value: "{{steps.inner.outputs.parameters.out}}"}]
  - name: inner
    steps:
    - - {name: gen, template: gen}
    outputs:
      parameters:
      - name: out
        valueFrom: {parameter: "{{steps.gen.outputs.result}}"}
  - name: gen
    script: {image: alpine, source: "echo hi"}
"""
        + ECHO
    )

    def outcome(pod: Obj) -> tuple[int, Obj | None]:
        return 0, (params(result="hi") if node_name_of(pod).endswith("gen") else None)

    sim = Sim(workflow(text), outcome)
    sim.run()
    n = by_name(sim.wf)
    assert n["wf[0].inner"]["outputs"]["parameters"][0]["value"] == "hi"
    assert inputs_of(n["wf[1].use"]) == {"m": "hi"}


def test_exit_code_of_a_failed_step_is_readable_after_continue_on() -> None:
    text = (
        """
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: bad, template: bad, continueOn: {failed: true}}
    - - name: use
        template: echo
        arguments:
          parameters: [{name: m, value: "{{steps.bad.exitCode}}/{{steps.bad.status}}"}]
  - name: bad
    container: {image: alpine}
"""
        + ECHO
    )

    def outcome(pod: Obj) -> tuple[int, Obj | None]:
        return (3 if node_name_of(pod).endswith("bad") else 0), None

    sim = Sim(workflow(text), outcome)
    sim.run()
    n = by_name(sim.wf)
    assert n["wf[0].bad"]["outputs"]["exitCode"] == "3"
    assert inputs_of(n["wf[1].use"]) == {"m": "3/Failed"}
    assert sim.phase == "Succeeded"


def test_result_capture_is_asked_for_only_when_read() -> None:
    def include(sim: Sim) -> set[str]:
        out = set()
        for pod in sim.created_pods():
            for c in pod["spec"]["containers"]:
                for e in c.get("env") or []:
                    if e["name"] == "ARGO_INCLUDE_SCRIPT_OUTPUT":
                        out.add(e["value"])
        return out

    plain = Sim(one_step("          - {name: m, value: x}"))
    plain.run()
    assert include(plain) == {"false"}
    reads = one_step("          - {name: m, value: x}")
    reads["spec"]["templates"][0]["steps"].append(
        [
            {
                "name": "t",
                "template": "echo",
                "arguments": {"parameters": [{"name": "m", "value": "{{steps.s.outputs.result}}"}]},
            }
        ]
    )
    sim = Sim(reads, lambda pod: (0, params(result="r")))
    sim.run()
    assert include(sim) == {"true"}
    assert inputs_of(by_name(sim.wf)["wf[1].t"]) == {"m": "r"}


def test_global_output_is_visible_to_a_dag_task_in_the_same_pass() -> None:
    text = (
        """
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: gen, template: gen}
      - name: use
        template: echo
        dependencies: [gen]
        arguments:
          parameters: [{name: m, value: "{{workflow.outputs.parameters.shared}}"}]
  - name: gen
    container: {image: alpine}
    outputs:
      parameters:
      - {name: p, globalName: shared, valueFrom: {path: /p}}
"""
        + ECHO
    )

    def outcome(pod: Obj) -> tuple[int, Obj | None]:
        if node_name_of(pod).endswith("gen"):
            return 0, {"parameters": [{"name": "p", "value": "D", "globalName": "shared"}]}
        return 0, None

    sim = Sim(workflow(text), outcome)
    sim.run()
    assert inputs_of(by_name(sim.wf)["wf.use"]) == {"m": "D"}
    assert sim.phase == "Succeeded"
