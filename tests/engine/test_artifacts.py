"""Artifacts passed between steps and tasks, bound onto inputs, and resolved as outputs.

The corpus shapes (artifact passing with subPath, key-only artifacts, conditional artifacts
with `fromExpression`, global outputs, exit handlers with artifacts, map-reduce's `{{item}}`
keys, raw workflow arguments, path placeholders) and the rules behind them: what a consuming
pod's template and its node's `inputs` carry, and what an optional or missing reference does.
"""

from __future__ import annotations

import json

import pytest

from argoapp.engine.artbind import bind_artifacts
from argoapp.engine.scope import InputError
from tests.engine.artifact_world import node, output, pod_templates, run

PASSING = """
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: gen
        template: gen
    - - name: use
        template: use
        arguments:
          artifacts:
          - name: message
            from: "{{steps.gen.outputs.artifacts.hello}}"
            subPath: hello.txt
          parameters:
          - name: seen
            value: "{{steps.gen.outputs.artifacts.hello}}"
  - name: gen
    container: {image: busybox}
    outputs:
      artifacts:
      - {name: hello, path: /tmp/, archive: {none: {}}}
  - name: use
    inputs:
      parameters:
      - name: seen
      artifacts:
      - {name: message, path: /tmp/message, mode: 420}
    container:
      image: busybox
      args: ["cat {{inputs.artifacts.message.path}}"]
"""


def test_a_step_s_artifact_is_bound_onto_the_next_step_s_input() -> None:
    sim = run(PASSING)
    assert sim.phase == "Succeeded"
    produced = output(node(sim, "gen"), "hello")
    assert produced["s3"] == {"key": "wf/wf-gen-" + produced["s3"]["key"].split("-")[-1]}
    bound = node(sim, "use")["inputs"]["artifacts"]
    assert bound == [
        {
            "name": "message",
            "path": "/tmp/message",
            "mode": 420,
            "archive": {"none": {}},
            "s3": produced["s3"],
            "subPath": "hello.txt",
        }
    ]
    tmpl = pod_templates(sim)["wf[1].use"]
    assert tmpl["inputs"]["artifacts"] == bound
    assert tmpl["container"]["args"] == ["cat /tmp/message"]


def test_an_artifact_used_as_text_renders_as_its_json() -> None:
    sim = run(PASSING)
    seen = node(sim, "use")["inputs"]["parameters"][0]["value"]
    assert json.loads(seen) == output(node(sim, "gen"), "hello")


KEY_ONLY = """
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: generate, template: generate}
      - {name: consume, template: consume, depends: generate}
  - name: generate
    container: {image: argosay}
    outputs:
      artifacts:
      - {name: file, path: /mnt/file, s3: {key: my-file}}
  - name: consume
    container: {image: argosay}
    inputs:
      artifacts:
      - {name: file, path: /tmp/file, s3: {key: my-file}}
"""


def test_key_only_artifacts_keep_their_keys_and_get_the_archive_location() -> None:
    sim = run(KEY_ONLY)
    assert output(node(sim, "generate"), "file")["s3"] == {"key": "my-file"}
    tmpl = pod_templates(sim)["wf.consume"]
    assert tmpl["inputs"]["artifacts"] == [
        {"name": "file", "path": "/tmp/file", "s3": {"key": "my-file"}}
    ]
    assert tmpl["archiveLocation"]["s3"]["bucket"] == "argoapp"


CONDITIONAL = """
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: flip, template: flip}
      - name: heads
        depends: flip
        template: heads
        when: "{{tasks.flip.outputs.result}} == heads"
      - name: tails
        depends: flip
        template: tails
        when: "{{tasks.flip.outputs.result}} == tails"
    outputs:
      artifacts:
      - name: result
        globalName: the-result
        fromExpression: >-
          tasks.flip.outputs.result == 'heads'
          ? tasks.heads.outputs.artifacts.result : tasks.tails.outputs.artifacts.result
  - name: flip
    container: {image: python}
  - name: heads
    container: {image: python}
    outputs:
      artifacts:
      - {name: result, path: /result.txt}
  - name: tails
    container: {image: python}
    outputs:
      artifacts:
      - {name: result, path: /result.txt}
"""


@pytest.mark.parametrize("side", ["heads", "tails"])
def test_from_expression_picks_the_artifact_of_the_branch_that_ran(side: str) -> None:
    sim = run(CONDITIONAL, results={"flip": side})
    assert sim.phase == "Succeeded"
    picked = output(node(sim, "wf"), "result")
    ran = output(node(sim, side), "result")
    assert picked == {**ran, "globalName": "the-result"}
    assert sim.wf["status"]["outputs"]["artifacts"] == [
        {**ran, "globalName": "the-result", "name": "the-result"}
    ]


GLOBALS = """
spec:
  entrypoint: main
  onExit: consume
  templates:
  - name: main
    steps:
    - - {name: generate, template: generate}
    - - name: consume
        template: show
        arguments:
          artifacts:
          - {name: art, from: "{{workflow.outputs.artifacts.my-global-art}}"}
  - name: generate
    container: {image: alpine}
    outputs:
      artifacts:
      - {name: hello-art, path: /tmp/hello.txt, globalName: my-global-art}
  - name: consume
    steps:
    - - name: show
        template: show
        arguments:
          artifacts:
          - {name: art, from: "{{workflow.outputs.artifacts.my-global-art}}"}
  - name: show
    inputs:
      artifacts:
      - {name: art, path: /art}
    container: {image: alpine}
"""


def test_global_artifacts_reach_later_steps_and_the_exit_handler() -> None:
    sim = run(GLOBALS)
    assert sim.phase == "Succeeded"
    made = output(node(sim, "generate"), "hello-art")
    assert sim.wf["status"]["outputs"]["artifacts"] == [{**made, "name": "my-global-art"}]
    shows = [n for n in sim.wf["status"]["nodes"].values() if n.get("templateName") == "show"]
    assert len(shows) == 2
    for n in shows:
        assert n["inputs"]["artifacts"][0]["s3"] == made["s3"]
        assert n["inputs"]["artifacts"][0]["path"] == "/art"


EXIT_HOOK = """
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: step-1
        template: output
        hooks:
          exit:
            template: exit
            arguments:
              artifacts:
              - {name: message, from: "{{steps.step-1.outputs.artifacts.result}}"}
  - name: output
    container: {image: python}
    outputs:
      artifacts:
      - {name: result, path: /result.txt}
  - name: exit
    inputs:
      artifacts:
      - {name: message, path: /tmp/message}
    container: {image: python}
"""


def test_an_exit_hook_reads_its_step_s_artifact() -> None:
    sim = run(EXIT_HOOK)
    assert sim.phase == "Succeeded"
    made = output(node(sim, "step-1"), "result")
    bound = node(sim, "step-1.onExit")["inputs"]["artifacts"]
    assert bound == [{"name": "message", "path": "/tmp/message", "s3": made["s3"]}]


MAP_REDUCE = """
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: split, template: split}
      - name: map
        template: map
        depends: split
        withParam: "{{tasks.split.outputs.result}}"
        arguments:
          parameters:
          - {name: partId, value: "{{item}}"}
          artifacts:
          - name: part
            s3: {key: "{{workflow.name}}/parts/{{item}}.json"}
  - name: split
    container: {image: python}
  - name: map
    inputs:
      parameters:
      - name: partId
      artifacts:
      - {name: part, path: /mnt/in/part.json}
    container: {image: python}
    outputs:
      artifacts:
      - name: part
        path: /mnt/out/part.json
        s3: {key: "{{workflow.name}}/results/{{inputs.parameters.partId}}.json"}
"""


def test_loop_iterations_bind_and_save_their_own_keys() -> None:
    sim = run(MAP_REDUCE, results={"split": '["0", "1"]'})
    assert sim.phase == "Succeeded"
    for i in ("0", "1"):
        item = node(sim, f"map({i}:{i})")
        assert item["inputs"]["artifacts"] == [
            {"name": "part", "path": "/mnt/in/part.json", "s3": {"key": f"wf/parts/{i}.json"}}
        ]
        assert output(item, "part")["s3"] == {"key": f"wf/results/{i}.json"}
    logs = {output(node(sim, f"map({i}:{i})"), "main-logs")["s3"]["key"] for i in "01"}
    assert len(logs) == 2  # each iteration's pod archives under its own name


RAW_ARGUMENT = """
spec:
  entrypoint: head
  arguments:
    artifacts:
    - name: text
      raw: {data: "made by {{workflow.name}}"}
  templates:
  - name: head
    inputs:
      artifacts:
      - {name: text, path: /inputs/text/data}
    outputs:
      artifacts:
      - {name: text, path: /outputs/text/data}
    container:
      image: busybox
      command:
      - sh
      - -c
      - head < "{{inputs.artifacts.text.path}}" > "{{outputs.artifacts.text.path}}"
"""


def test_a_workflow_s_raw_argument_is_bound_with_its_variables() -> None:
    sim = run(RAW_ARGUMENT)
    tmpl = pod_templates(sim)["wf"]
    assert tmpl["inputs"]["artifacts"] == [
        {"name": "text", "path": "/inputs/text/data", "raw": {"data": "made by wf"}}
    ]
    assert tmpl["container"]["command"][2] == 'head < "/inputs/text/data" > "/outputs/text/data"'


SKIPPED = """
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: gen, template: gen, when: "1 == 2"}
    - - name: use
        template: use
        arguments:
          artifacts:
          - {name: in, from: "{{steps.gen.outputs.artifacts.out}}" OPTIONAL}
  - name: gen
    container: {image: busybox}
    outputs:
      artifacts:
      - {name: out, path: /tmp/out}
  - name: use
    inputs:
      artifacts:
      - {name: in, path: /tmp/in INPUT_OPTIONAL}
    container: {image: busybox}
"""


def test_a_skipped_step_s_artifact_fails_the_consumer() -> None:
    sim = run(SKIPPED.replace(" OPTIONAL", "").replace(" INPUT_OPTIONAL", ""))
    use = node(sim, "use")
    assert use["phase"] == "Failed"
    assert use["message"] == (
        'unable to resolve references: Unable to resolve: "steps.gen.outputs.artifacts.out"'
    )


def test_an_optional_reference_to_a_skipped_step_runs_without_it() -> None:
    text = SKIPPED.replace(" OPTIONAL", ", optional: true").replace(
        " INPUT_OPTIONAL", ", optional: true"
    )
    sim = run(text)
    assert sim.phase == "Succeeded"
    assert node(sim, "use")["inputs"]["artifacts"] == [
        {"name": "in", "path": "/tmp/in", "optional": True}
    ]


STEPS_OUTPUT = """
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: inner, template: inner}
    - - name: use
        template: use
        arguments:
          artifacts:
          - {name: in, from: "{{steps.inner.outputs.artifacts.passed}}"}
  - name: inner
    steps:
    - - {name: gen, template: gen}
    outputs:
      artifacts:
      - {name: passed, from: "{{steps.gen.outputs.artifacts.out}}"}
  - name: gen
    container: {image: busybox}
    outputs:
      artifacts:
      - {name: out, path: /tmp/out}
  - name: use
    inputs:
      artifacts:
      - {name: in, path: /tmp/in}
    container: {image: busybox}
"""


def test_a_steps_template_s_output_artifact_comes_from_its_child() -> None:
    sim = run(STEPS_OUTPUT)
    assert sim.phase == "Succeeded"
    made = output(node(sim, "gen"), "out")
    assert output(node(sim, "inner"), "passed") == {**made, "name": "passed"}
    assert node(sim, "use")["inputs"]["artifacts"][0]["s3"] == made["s3"]


def test_binding_requires_what_is_not_optional_and_has_no_location() -> None:
    tmpl = {"inputs": {"artifacts": [{"name": "x", "path": "/x"}]}}
    with pytest.raises(InputError, match=r"^inputs\.artifacts\.x was not supplied$"):
        bind_artifacts(tmpl, {}, {})
    with pytest.raises(InputError, match=r"^inputs\.artifacts\.x missing location information$"):
        bind_artifacts(tmpl, {"artifacts": [{"name": "x"}]}, {})
    own = {"inputs": {"artifacts": [{"name": "x", "path": "/x", "http": {"url": "{{u}}"}}]}}
    assert bind_artifacts(own, {}, {"u": "http://h/f"}) == [
        {"name": "x", "path": "/x", "http": {"url": "http://h/f"}}
    ]
