"""`when` on steps and tasks: substituted first, then evaluated (govaluate-style bare
strings, numbers, regex, `{{=expr}}` tags); false gives a Skipped node with Argo's message."""

from __future__ import annotations

from argoapp.model.types import Obj
from tests.engine.golden import Sim, by_name, node_name_of, params, workflow


def flip(result: str, when: str, args: str = "") -> Sim:
    text = f"""
spec:
  entrypoint: main
  arguments:
    parameters: [{{name: n, value: "7"}}, {{name: word, value: hello}}]
  templates:
  - name: main
    steps:
    - - {{name: flip, template: flip}}
    - - name: guarded
        template: work
        when: "{when}"
  - name: flip
    script: {{image: alpine, source: "echo"}}
  - name: work
    container: {{image: alpine}}
"""

    def outcome(pod: Obj) -> tuple[int, Obj | None]:
        return 0, (params(result=result) if node_name_of(pod).endswith("flip") else None)

    sim = Sim(workflow(text), outcome)
    sim.run()
    return sim


def guarded(sim: Sim) -> Obj:
    return by_name(sim.wf)["wf[1].guarded"]


def test_when_true_runs_and_false_skips_with_argos_message() -> None:
    assert guarded(flip("heads", "{{steps.flip.outputs.result}} == heads"))["phase"] == (
        "Succeeded"
    )
    skipped = guarded(flip("tails", "{{steps.flip.outputs.result}} == heads"))
    assert skipped["phase"] == "Skipped"
    assert skipped["type"] == "Skipped"
    assert skipped["message"] == "when 'tails == heads' evaluated false"


def test_when_skipped_step_does_not_fail_the_workflow() -> None:
    sim = flip("tails", "{{steps.flip.outputs.result}} == heads")
    assert sim.phase == "Succeeded"
    assert by_name(sim.wf)["wf[1]"]["phase"] == "Succeeded"


def test_numbers_compare_as_numbers() -> None:
    assert guarded(flip("x", "{{workflow.parameters.n}} > 10"))["phase"] == "Skipped"
    assert guarded(flip("x", "{{workflow.parameters.n}} > 3"))["phase"] == "Succeeded"
    assert guarded(flip("12", "{{steps.flip.outputs.result}} > 3"))["phase"] == "Succeeded"


def test_boolean_operators_and_regex() -> None:
    cond = "{{workflow.parameters.word}} =~ '^hel' && {{workflow.parameters.n}} != 8"
    assert guarded(flip("x", cond))["phase"] == "Succeeded"
    cond = "{{workflow.parameters.word}} !~ '^hel' || {{workflow.parameters.n}} == 8"
    assert guarded(flip("x", cond))["phase"] == "Skipped"


def test_expression_tag_in_when() -> None:
    cond = "{{=asInt(workflow.parameters.n) * 2 == 14}}"
    assert guarded(flip("x", cond))["phase"] == "Succeeded"
    cond = "{{=steps.flip.outputs.result == 'heads'}}"
    assert guarded(flip("tails", cond))["phase"] == "Skipped"


def test_when_on_loop_items_skips_items_one_by_one() -> None:
    text = """
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: s
        template: work
        withItems: [1, 2, 3]
        when: "{{item}} >= 2"
  - name: work
    container: {image: alpine}
"""
    sim = Sim(workflow(text))
    sim.run()
    n = by_name(sim.wf)
    assert n["wf[0].s(0:1)"]["phase"] == "Skipped"
    assert n["wf[0].s(1:2)"]["phase"] == "Succeeded"
    assert n["wf[0].s(2:3)"]["phase"] == "Succeeded"
    assert [w for w in sim.waves if w] == [["wf[0].s(1:2)", "wf[0].s(2:3)"]]


def test_when_in_a_dag_uses_task_outputs() -> None:
    text = """
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: A, template: flip}
      - {name: proceed, template: work, depends: A, when: "{{tasks.A.outputs.result}} == go"}
      - {name: halt, template: work, depends: A, when: "{{tasks.A.outputs.result}} != go"}
  - name: flip
    script: {image: alpine, source: "echo"}
  - name: work
    container: {image: alpine}
"""

    def outcome(pod: Obj) -> tuple[int, Obj | None]:
        return 0, (params(result="go") if node_name_of(pod) == "wf.A" else None)

    sim = Sim(workflow(text), outcome)
    sim.run()
    n = by_name(sim.wf)
    assert n["wf.proceed"]["phase"] == "Succeeded"
    assert n["wf.halt"]["phase"] == "Skipped"
    assert n["wf.halt"]["message"] == "when 'go != go' evaluated false"
    assert sim.phase == "Succeeded"


def test_when_that_cannot_be_evaluated_does_not_run_the_step() -> None:
    sim = flip("x", "{{workflow.parameters.word}} ==")
    node = guarded(sim)
    assert node["phase"] in ("Failed", "Error")
    assert node["type"] == "Skipped"
    assert not [p for p in sim.created_pods() if node_name_of(p).endswith("guarded")]
    assert sim.phase in ("Failed", "Error")
