"""Workflow template, cluster workflow template and cron workflow services, and submitting a
workflow from each, over HTTP against a real localkube."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from argoapp.kube.client import Kube

from .docs import cron, template

NS = "argo"
WFT = f"/api/v1/workflow-templates/{NS}"
CWFT = "/api/v1/cluster-workflow-templates"
CRON = f"/api/v1/cron-workflows/{NS}"


async def call(api: TestClient[Any, Any], method: str, path: str, body: Any = None) -> Any:
    resp = await api.request(method, path, json=body)
    return resp.status, await resp.json()


async def test_workflow_template_crud(api: TestClient[Any, Any], kube: Kube) -> None:
    status, body = await call(api, "POST", WFT, {"namespace": NS, "template": template("tmpl")})
    assert status == 200 and body["metadata"]["namespace"] == NS
    status, body = await call(api, "POST", WFT, {"template": template("tmpl")})
    assert status == 409 and body["code"] == 6
    status, body = await call(api, "GET", f"{WFT}/tmpl")
    assert status == 200 and body["spec"]["entrypoint"] == "main"
    body["spec"]["arguments"]["parameters"][0]["value"] = "changed"
    status, body = await call(api, "PUT", f"{WFT}/tmpl", {"template": body})
    assert status == 200
    stored = await kube.get("WorkflowTemplate", "tmpl", NS)
    assert stored["spec"]["arguments"]["parameters"][0]["value"] == "changed"
    await call(api, "POST", WFT, {"template": template("other")})
    status, body = await call(api, "GET", WFT)
    assert [t["metadata"]["name"] for t in body["items"]] == ["other", "tmpl"]
    status, body = await call(api, "GET", f"{WFT}?namePattern=tm")
    assert [t["metadata"]["name"] for t in body["items"]] == ["tmpl"]
    status, body = await call(api, "POST", f"{WFT}/lint", {"template": template("linted")})
    assert status == 200 and body["metadata"]["name"] == "linted"
    status, body = await call(api, "DELETE", f"{WFT}/tmpl")
    assert status == 200 and body == {}
    status, body = await call(api, "GET", f"{WFT}/tmpl")
    assert status == 404 and body["code"] == 5
    status, body = await call(api, "POST", WFT, {})
    assert status == 400
    assert body["message"] == "workflow template was not found in the request body"


async def test_cluster_workflow_template_crud(api: TestClient[Any, Any], kube: Kube) -> None:
    doc = template("ctmpl", "ClusterWorkflowTemplate")
    status, body = await call(api, "POST", CWFT, {"template": doc})
    assert status == 200 and "namespace" not in body["metadata"]
    status, body = await call(api, "GET", f"{CWFT}/ctmpl")
    assert status == 200 and body["kind"] == "ClusterWorkflowTemplate"
    status, body = await call(api, "GET", CWFT)
    assert [t["metadata"]["name"] for t in body["items"]] == ["ctmpl"]
    status, body = await call(api, "POST", f"{CWFT}/lint", {"template": doc})
    assert status == 200
    status, _ = await call(api, "DELETE", f"{CWFT}/ctmpl")
    assert status == 200
    status, _ = await call(api, "GET", f"{CWFT}/ctmpl")
    assert status == 404


async def test_cron_workflow_crud_and_suspend(api: TestClient[Any, Any], kube: Kube) -> None:
    status, body = await call(api, "POST", CRON, {"namespace": NS, "cronWorkflow": cron("every")})
    assert status == 200 and body["spec"]["schedules"] == ["* * * * *"]
    status, body = await call(
        api, "PUT", f"{CRON}/every/suspend", {"namespace": NS, "name": "every"}
    )
    assert status == 200 and body["spec"]["suspend"] is True
    assert (await kube.get("CronWorkflow", "every", NS))["spec"]["suspend"] is True
    status, body = await call(api, "PUT", f"{CRON}/every/resume", {})
    assert status == 200 and body["spec"]["suspend"] is False
    body["spec"]["schedules"] = ["0 * * * *"]
    status, body = await call(api, "PUT", f"{CRON}/every", {"cronWorkflow": body})
    assert status == 200 and body["spec"]["schedules"] == ["0 * * * *"]
    status, body = await call(api, "GET", CRON)
    assert [c["metadata"]["name"] for c in body["items"]] == ["every"]
    status, body = await call(api, "POST", f"{CRON}/lint", {"cronWorkflow": cron("lint")})
    assert status == 200 and body["spec"]["workflowSpec"]["entrypoint"] == "main"
    status, _ = await call(api, "DELETE", f"{CRON}/every")
    assert status == 200
    status, body = await call(api, "DELETE", f"{CRON}/every")
    assert status == 404 and body["code"] == 5


async def test_submit_from_a_workflow_template(api: TestClient[Any, Any], kube: Kube) -> None:
    await call(api, "POST", WFT, {"template": template("base")})
    status, body = await call(
        api,
        "POST",
        f"/api/v1/workflows/{NS}/submit",
        {
            "resourceKind": "WorkflowTemplate",
            "resourceName": "base",
            "submitOptions": {"parameters": ["message=bye"], "labels": "a=b", "entryPoint": "main"},
        },
    )
    assert status == 200, body
    stored = await kube.get("Workflow", body["metadata"]["name"], NS)
    assert stored["metadata"]["name"].startswith("base-")
    assert stored["metadata"]["labels"] == {
        "workflows.argoproj.io/workflow-template": "base",
        "a": "b",
    }
    assert stored["spec"]["workflowTemplateRef"] == {"name": "base"}
    assert stored["spec"]["arguments"]["parameters"] == [{"name": "message", "value": "bye"}]
    assert stored["spec"]["entrypoint"] == "main"
    status, body = await call(
        api,
        "POST",
        f"/api/v1/workflows/{NS}/submit",
        {
            "resourceKind": "WorkflowTemplate",
            "resourceName": "base",
            "submitOptions": {"serverDryRun": True},
        },
    )
    assert status == 200, body
    assert body["metadata"]["name"].startswith("base-") and body["metadata"]["uid"]
    assert len((await kube.list("Workflow", NS))["items"]) == 1  # a dry run stores nothing


async def test_submit_from_a_cluster_template_and_a_cron(
    api: TestClient[Any, Any], kube: Kube
) -> None:
    await call(api, "POST", CWFT, {"template": template("cbase", "ClusterWorkflowTemplate")})
    status, body = await call(
        api,
        "POST",
        f"/api/v1/workflows/{NS}/submit",
        {"resourceKind": "ClusterWorkflowTemplate", "resourceName": "cbase"},
    )
    assert status == 200, body
    assert body["spec"]["workflowTemplateRef"] == {"name": "cbase", "clusterScope": True}
    _, made = await call(api, "POST", CRON, {"cronWorkflow": cron("nightly")})
    status, body = await call(
        api,
        "POST",
        f"/api/v1/workflows/{NS}/submit",
        {"namespace": NS, "resourceKind": "CronWorkflow", "resourceName": "nightly"},
    )
    assert status == 200, body
    stored = await kube.get("Workflow", body["metadata"]["name"], NS)
    assert stored["metadata"]["labels"]["workflows.argoproj.io/cron-workflow"] == "nightly"
    owner = stored["metadata"]["ownerReferences"][0]
    assert owner["kind"] == "CronWorkflow" and owner["uid"] == made["metadata"]["uid"]
    assert stored["spec"]["entrypoint"] == "main"
    status, body = await call(
        api, "POST", f"/api/v1/workflows/{NS}/submit", {"resourceKind": "Pod", "resourceName": "x"}
    )
    assert status == 400
    assert body["message"] == "Resource kind 'Pod' is not supported for submitting"
    status, body = await call(
        api,
        "POST",
        f"/api/v1/workflows/{NS}/submit",
        {"resourceKind": "WorkflowTemplate", "resourceName": "missing"},
    )
    assert status == 404


async def test_templates_and_crons_of_every_namespace(api: TestClient[Any, Any]) -> None:
    for ns in (NS, "default"):
        status, _ = await call(
            api, "POST", f"/api/v1/workflow-templates/{ns}", {"template": template(f"t-{ns}")}
        )
        assert status == 200
        status, _ = await call(
            api, "POST", f"/api/v1/cron-workflows/{ns}", {"cronWorkflow": cron(f"c-{ns}")}
        )
        assert status == 200
    status, body = await call(api, "GET", "/api/v1/workflow-templates/")
    assert status == 200, body
    names = [(t["metadata"]["namespace"], t["metadata"]["name"]) for t in body["items"]]
    assert names == [(NS, "t-argo"), ("default", "t-default")]
    status, body = await call(api, "GET", "/api/v1/cron-workflows/")
    assert status == 200, body
    names = sorted((c["metadata"]["namespace"], c["metadata"]["name"]) for c in body["items"])
    assert names == [(NS, "c-argo"), ("default", "c-default")]
