"""Templates from elsewhere: templateRef into WorkflowTemplates and ClusterWorkflowTemplates,
workflowTemplateRef for a whole spec, storedTemplates, and names that do not resolve."""

from __future__ import annotations

from typing import Any

import yaml

from argoapp.model.types import Obj
from tests.engine.golden import Objects, Sim, by_name, workflow

LIB = yaml.safe_load(
    """
kind: WorkflowTemplate
metadata: {name: lib, namespace: argo}
spec:
  entrypoint: twice
  arguments:
    parameters: [{name: word, value: from-template}]
  templates:
  - name: twice
    steps:
    - - name: one
        template: say
        arguments: {parameters: [{name: m, value: "{{workflow.parameters.word}}"}]}
  - name: say
    inputs:
      parameters: [{name: m}]
    container: {image: alpine, args: ["{{inputs.parameters.m}}"]}
"""
)

CLUSTER_LIB: Obj = {
    "kind": "ClusterWorkflowTemplate",
    "metadata": {"name": "clib"},
    "spec": {"templates": [{"name": "hello", "container": {"image": "alpine"}}]},
}

USES_REF = """
spec:
  entrypoint: main
  arguments:
    parameters: [{name: word, value: mine}]
  templates:
  - name: main
    steps:
    - - name: r
        templateRef: {name: lib, template: twice}
      - name: c
        templateRef: {name: clib, template: hello, clusterScope: true}
"""


def args_of(pod: Obj) -> list[Any]:
    main = next(c for c in pod["spec"]["containers"] if c["name"] == "main")
    return list(main.get("args") or [])


def test_template_ref_runs_the_template_from_its_workflow_template() -> None:
    sim = Sim(workflow(USES_REF), objects=Objects(LIB, CLUSTER_LIB))
    sim.run()
    n = by_name(sim.wf)
    ref = n["wf[0].r"]
    assert ref["templateRef"] == {"name": "lib", "template": "twice"}
    assert "templateName" not in ref
    assert ref["templateScope"] == "namespaced/lib"
    # `template: say` inside the library resolves in the library
    inner = n["wf[0].r[0].one"]
    assert inner["templateName"] == "say"
    assert inner["templateScope"] == "namespaced/lib"
    cluster = n["wf[0].c"]
    assert cluster["templateRef"] == {"name": "clib", "template": "hello", "clusterScope": True}
    assert cluster["templateScope"] == "cluster/clib"
    # the workflow's own parameters, not the template's
    pod = next(
        p
        for p in sim.created_pods()
        if "r[0].one" in p["metadata"]["annotations"]["workflows.argoproj.io/node-name"]
    )
    assert args_of(pod) == ["mine"]
    assert sim.phase == "Succeeded"


def test_referenced_templates_are_stored_and_used_after_the_source_goes() -> None:
    objects = Objects(LIB, CLUSTER_LIB)
    sim = Sim(workflow(USES_REF), objects=objects, running_passes=lambda p: 3)
    sim.step()
    stored = sim.wf["status"]["storedTemplates"]
    assert "namespaced/lib/twice" in stored
    assert "cluster/clib/hello" in stored
    objects.objs.clear()  # the templates are deleted while the workflow runs
    sim.run()
    assert sim.phase == "Succeeded"
    assert "namespaced/lib/say" in sim.wf["status"]["storedTemplates"]


def test_missing_workflow_template_fails_the_workflow() -> None:
    sim = Sim(workflow(USES_REF), objects=Objects(CLUSTER_LIB))
    sim.run()
    assert sim.phase in ("Failed", "Error")
    message = sim.wf["status"].get("message", "") + str(by_name(sim.wf).get("wf[0].r", {}))
    # refused when admitted, as Argo's validation refuses it
    assert "template reference lib.twice not found" in message


def test_workflow_template_ref_runs_the_whole_spec_with_our_arguments() -> None:
    text = """
spec:
  workflowTemplateRef: {name: lib}
  arguments:
    parameters: [{name: word, value: override}]
"""
    sim = Sim(workflow(text), objects=Objects(LIB))
    sim.run()
    assert sim.phase == "Succeeded"
    stored = sim.wf["status"]["storedWorkflowTemplateSpec"]
    assert stored["entrypoint"] == "twice"
    assert args_of(sim.created_pods()[0]) == ["override"]
    assert by_name(sim.wf)["wf"]["templateName"] == "twice"


def test_workflow_template_ref_defaults_come_from_the_template() -> None:
    sim = Sim(workflow("spec: {workflowTemplateRef: {name: lib}}"), objects=Objects(LIB))
    sim.run()
    assert args_of(sim.created_pods()[0]) == ["from-template"]


def test_missing_workflow_template_ref_fails_the_workflow() -> None:
    sim = Sim(workflow("spec: {workflowTemplateRef: {name: nope}}"))
    sim.run()
    assert sim.phase in ("Failed", "Error")
    assert sim.wf["status"]["message"] == 'WorkflowTemplate.argoproj.io "nope" not found'
