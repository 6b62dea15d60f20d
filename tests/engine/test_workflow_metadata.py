"""`spec.workflowMetadata`: labels and annotations put on the workflow when it is admitted,
and `labelsFrom` expressions over the workflow's variables."""

from __future__ import annotations

from tests.engine.golden import Sim, workflow

WF = """
metadata:
  labels: {team: edge}
spec:
  entrypoint: main
  arguments: {parameters: [{name: env, value: prod}]}
  workflowMetadata:
    labels: {tier: batch}
    annotations: {owner: "ops@example.com"}
    labelsFrom:
      env: {expression: "workflow.parameters.env"}
      who: {expression: "workflow.labels.team + '-' + workflow.labels.tier"}
  templates:
  - name: main
    container: {image: alpine, command: ["true"]}
"""


def test_labels_and_annotations_come_from_workflow_metadata() -> None:
    sim = Sim(workflow(WF))
    sim.run()
    meta = sim.wf["metadata"]
    assert sim.phase == "Succeeded"
    assert {k: meta["labels"][k] for k in ("team", "tier", "env", "who")} == {
        "team": "edge",
        "tier": "batch",
        "env": "prod",
        "who": "edge-batch",
    }
    assert meta["annotations"]["owner"] == "ops@example.com"


def test_a_label_expression_that_is_not_a_string_fails_the_workflow() -> None:
    sim = Sim(workflow(WF.replace('"workflow.parameters.env"', '"1 + 1"')))
    sim.run()
    assert sim.phase == "Failed"
    assert "label 'env'" in sim.wf["status"]["message"]
    assert "must be a string" in sim.wf["status"]["message"]
