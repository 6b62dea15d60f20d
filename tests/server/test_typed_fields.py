"""A document with a field of the wrong JSON type is refused at create, lint and submit with a
400 naming the field, as Argo's server refuses what it cannot decode; nothing is stored."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from argoapp.kube.client import Kube

from .docs import cron, template, workflow

NS = "argo"
STEPS = (
    "json: cannot unmarshal string into Go struct field Template.spec.templates.steps of type "
    "[]v1alpha1.ParallelSteps"
)


def bad_steps(doc: dict[str, Any], spec_key: str = "") -> dict[str, Any]:
    spec = doc["spec"][spec_key] if spec_key else doc["spec"]
    spec["templates"][0] = {"name": "main", "steps": "x"}
    return doc


async def refused(api: TestClient[Any, Any], path: str, body: Any) -> str:
    resp = await api.post(path, json=body)
    answer = await resp.json()
    assert resp.status == 400, answer
    assert answer["code"] == 3
    return str(answer["message"])


async def test_create_and_lint_refuse_a_wrongly_typed_workflow(
    api: TestClient[Any, Any], kube: Kube
) -> None:
    doc = bad_steps(workflow("typed"))
    assert await refused(api, f"/api/v1/workflows/{NS}", {"workflow": doc}) == STEPS
    assert await refused(api, f"/api/v1/workflows/{NS}/lint", {"workflow": doc}) == STEPS
    assert (await kube.list("Workflow", NS))["items"] == []


async def test_templates_and_crons_are_refused_too(api: TestClient[Any, Any], kube: Kube) -> None:
    wft = bad_steps(template("typed"))
    assert await refused(api, f"/api/v1/workflow-templates/{NS}", {"template": wft}) == STEPS
    cwft = bad_steps(template("typed", "ClusterWorkflowTemplate"))
    assert await refused(api, "/api/v1/cluster-workflow-templates", {"template": cwft}) == STEPS
    cw = bad_steps(cron("typed"), "workflowSpec")
    message = await refused(api, f"/api/v1/cron-workflows/{NS}", {"cronWorkflow": cw})
    assert message == STEPS.replace("spec.templates", "spec.workflowSpec.templates")
    assert (await kube.list("WorkflowTemplate", NS))["items"] == []
    assert (await kube.list("CronWorkflow", NS))["items"] == []


async def test_submitting_a_wrongly_typed_template_is_refused(
    api: TestClient[Any, Any], kube: Kube
) -> None:
    # Stored behind the server's back (kubectl would do this), then submitted through it.
    wft = template("stored")
    wft["spec"]["arguments"] = {"parameters": {"message": "hi"}}
    await kube.create("WorkflowTemplate", wft, NS)
    body = {"resourceKind": "WorkflowTemplate", "resourceName": "stored"}
    message = await refused(api, f"/api/v1/workflows/{NS}/submit", body)
    assert "into Go struct field Arguments.spec.arguments.parameters" in message
    assert (await kube.list("Workflow", NS))["items"] == []
