"""Smaller artifact rules: passing a template's own input on, checks at submit, and a pod
that cannot be built.

`{{inputs.artifacts.NAME}}` as a `from` and in a `fromExpression` inside a steps template;
a `from` naming an unknown step or artifact and an unknown artifactGC strategy refused at
submit with the validator's messages; a pod whose template cannot become a pod errors its node.
"""

from __future__ import annotations

import pytest

from argoapp.engine.api import EmptyLookup
from argoapp.engine.validate import ValidationError, validate_workflow
from tests.engine.artifact_world import node, output, run
from tests.engine.golden import workflow

NESTED = """
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: gen, template: gen}
    - - name: relay
        template: relay
        arguments:
          artifacts:
          - {name: data, from: "{{steps.gen.outputs.artifacts.out}}"}
  - name: relay
    inputs:
      artifacts:
      - {name: data}
    steps:
    - - name: by-ref
        template: use
        arguments:
          artifacts:
          - {name: in, from: "{{inputs.artifacts.data}}"}
      - name: by-expression
        template: use
        arguments:
          artifacts:
          - {name: in, fromExpression: "inputs.artifacts.data"}
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


def test_a_template_passes_its_own_input_artifact_on() -> None:
    sim = run(NESTED)
    assert sim.phase == "Succeeded"
    made = output(node(sim, "gen"), "out")
    assert node(sim, "relay")["inputs"]["artifacts"][0]["s3"] == made["s3"]
    for step in ("by-ref", "by-expression"):
        bound = node(sim, step)["inputs"]["artifacts"]
        assert [(a["name"], a["path"], a["s3"]) for a in bound] == [("in", "/tmp/in", made["s3"])]


def _submit(text: str) -> None:
    validate_workflow(workflow(text), EmptyLookup())


@pytest.mark.parametrize(
    "ref",
    [
        "{{steps.nope.outputs.artifacts.out}}",
        "{{steps.gen.outputs.artifacts.nope}}",
        "{{workflow.outputs.artifacts.nope}}",
    ],
)
def test_a_from_naming_nothing_is_refused_at_submit(ref: str) -> None:
    text = NESTED.replace('"{{steps.gen.outputs.artifacts.out}}"', f'"{ref}"')
    with pytest.raises(ValidationError, match="failed to resolve"):
        _submit(text)


def test_artifact_gc_strategies_are_checked_at_submit() -> None:
    _submit(NESTED.replace("spec:\n", "spec:\n  artifactGC: {strategy: OnWorkflowDeletion}\n"))
    with pytest.raises(ValidationError, match=r"^artifactGC\.strategy unknown strategy 'Bogus'$"):
        _submit(NESTED.replace("spec:\n", "spec:\n  artifactGC: {strategy: Bogus}\n"))
    per_artifact = NESTED.replace(
        "{name: out, path: /tmp/out}", "{name: out, path: /tmp/out, artifactGC: {strategy: Soon}}"
    )
    with pytest.raises(
        ValidationError, match=r"templates\.gen\.outputs\.artifacts\.out\.artifactGC"
    ):
        _submit(per_artifact)


def test_a_pod_that_cannot_be_built_errors_its_node() -> None:
    text = """
spec:
  entrypoint: main
  templates:
  - name: main
    container:
      image: busybox
      volumeMounts:
      - {name: absent, mountPath: /data}
"""
    sim = run(text)
    main = node(sim, "wf")
    assert (main["phase"], main["message"]) == (
        "Error",
        "volume 'absent' not found in workflow spec",
    )
    assert "podName" not in main
    assert not sim.created_pods()
