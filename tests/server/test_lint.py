"""The four lint routes and the template update routes over HTTP against a real localkube:
what passes comes back as it was sent, what does not is Argo's InvalidArgument (400, code 3);
a stale resourceVersion on update is 409."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from argoapp.kube.client import Kube

from .docs import cron, template, workflow

NS = "argo"


async def call(api: TestClient[Any, Any], method: str, path: str, body: Any = None) -> Any:
    resp = await api.request(method, path, json=body)
    return resp.status, await resp.json()


async def test_workflow_lint(api: TestClient[Any, Any], kube: Kube) -> None:
    doc = workflow("linted")
    status, body = await call(api, "POST", f"/api/v1/workflows/{NS}/lint", {"workflow": doc})
    assert status == 200, body
    assert body["metadata"]["name"] == "linted" and body["kind"] == "Workflow"
    assert body["spec"] == doc["spec"]
    assert await kube.list("Workflow", NS) and not (await kube.list("Workflow", NS))["items"]
    doc["spec"]["entrypoint"] = "nowhere"
    status, body = await call(api, "POST", f"/api/v1/workflows/{NS}/lint", {"workflow": doc})
    assert status == 400 and body["code"] == 3 and "nowhere" in body["message"]
    assert body["details"] == []
    status, body = await call(api, "POST", f"/api/v1/workflows/{NS}/lint", {})
    assert status == 400 and body["message"] == "unable to get a workflow"


async def test_workflow_lint_reads_referenced_templates(
    api: TestClient[Any, Any], kube: Kube
) -> None:
    doc = {"metadata": {"name": "by-ref"}, "spec": {"workflowTemplateRef": {"name": "tmpl"}}}
    status, body = await call(api, "POST", f"/api/v1/workflows/{NS}/lint", {"workflow": doc})
    assert status == 400 and "tmpl" in body["message"] and "not found" in body["message"]
    await kube.create("WorkflowTemplate", template("tmpl"), NS)
    status, body = await call(api, "POST", f"/api/v1/workflows/{NS}/lint", {"workflow": doc})
    assert status == 200, body


async def test_template_and_cluster_template_lint(api: TestClient[Any, Any]) -> None:
    status, body = await call(
        api, "POST", f"/api/v1/workflow-templates/{NS}/lint", {"template": template("t")}
    )
    assert status == 200 and body["kind"] == "WorkflowTemplate"
    assert body["metadata"]["name"] == "t"
    bad = template("t")
    bad["spec"]["templates"][0]["container"] = {}
    status, body = await call(
        api, "POST", f"/api/v1/workflow-templates/{NS}/lint", {"template": bad}
    )
    assert status == 400 and body["code"] == 3
    cluster = template("ct", "ClusterWorkflowTemplate")
    status, body = await call(
        api, "POST", "/api/v1/cluster-workflow-templates/lint", {"template": cluster}
    )
    assert status == 200 and body["kind"] == "ClusterWorkflowTemplate"
    assert "namespace" not in body["metadata"]


async def test_cron_workflow_lint(api: TestClient[Any, Any]) -> None:
    path = f"/api/v1/cron-workflows/{NS}/lint"
    status, body = await call(api, "POST", path, {"cronWorkflow": cron("nightly")})
    assert status == 200 and body["kind"] == "CronWorkflow"
    assert body["spec"]["schedules"] == ["* * * * *"]
    bad = cron("nightly")
    bad["spec"]["schedules"] = ["bad"]
    status, body = await call(api, "POST", path, {"cronWorkflow": bad})
    assert status == 400 and body["code"] == 3 and "bad" in body["message"]


async def test_template_update_with_a_stale_version_is_409(
    api: TestClient[Any, Any], kube: Kube
) -> None:
    base = f"/api/v1/workflow-templates/{NS}"
    status, created = await call(api, "POST", base, {"template": template("tmpl")})
    assert status == 200
    created["metadata"]["labels"] = {"v": "1"}
    status, first = await call(api, "PUT", f"{base}/tmpl", {"template": created})
    assert status == 200 and first["metadata"]["labels"] == {"v": "1"}
    assert first["metadata"]["resourceVersion"] != created["metadata"]["resourceVersion"]
    created["metadata"]["labels"] = {"v": "stale"}
    status, body = await call(api, "PUT", f"{base}/tmpl", {"template": created})
    assert status == 409 and body["code"] in (6, 10) and body["message"]
    assert (await kube.get("WorkflowTemplate", "tmpl", NS))["metadata"]["labels"] == {"v": "1"}
    status, body = await call(api, "PUT", f"{base}/absent", {"template": template("absent")})
    assert status == 404 and body["code"] == 5
    bad = dict(first)
    bad["spec"] = {**first["spec"], "entrypoint": "nowhere"}
    status, body = await call(api, "PUT", f"{base}/tmpl", {"template": bad})
    assert status == 400 and body["code"] == 3


async def test_cluster_template_update_with_a_stale_version_is_409(
    api: TestClient[Any, Any],
) -> None:
    base = "/api/v1/cluster-workflow-templates"
    doc = template("ctmpl", "ClusterWorkflowTemplate")
    status, created = await call(api, "POST", base, {"template": doc})
    assert status == 200
    changed = {**created, "metadata": {**created["metadata"], "labels": {"v": "1"}}}
    status, _ = await call(api, "PUT", f"{base}/ctmpl", {"template": changed})
    assert status == 200
    status, body = await call(api, "PUT", f"{base}/ctmpl", {"template": created})
    assert status == 409
    status, body = await call(api, "PUT", f"{base}/ctmpl", {})
    assert status == 400 and body["message"] == "WorkflowTemplate is not found in Request body"
