"""`deleteOptions.*` on workflow, template and cron workflow deletes (audit finding 14): dry
runs keep the object, preconditions that do not hold are a conflict, and `force` is checked
before the workflow is looked up."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from argoapp.kube.client import Kube

from .docs import cron, template, workflow

NS = "argo"


async def _post(api: TestClient[Any, Any], path: str, body: dict[str, Any]) -> dict[str, Any]:
    resp = await api.post(path, json=body)
    assert resp.status == 200, await resp.text()
    return dict(await resp.json())


async def test_workflow_delete_options(api: TestClient[Any, Any], kube: Kube) -> None:
    await _post(api, f"/api/v1/workflows/{NS}", {"workflow": workflow("doomed")})
    url = f"/api/v1/workflows/{NS}/doomed"
    resp = await api.delete(url, params={"deleteOptions.dryRun": "All"})
    assert resp.status == 200
    await kube.get("Workflow", "doomed", NS)  # still there
    resp = await api.delete(url, params={"deleteOptions.preconditions.uid": "not-its-uid"})
    assert resp.status == 409
    await kube.get("Workflow", "doomed", NS)
    resp = await api.delete(url, params={"deleteOptions.propagationPolicy": "Sideways"})
    assert resp.status == 400
    stored = await kube.get("Workflow", "doomed", NS)
    resp = await api.delete(
        url,
        params={
            "deleteOptions.preconditions.uid": stored["metadata"]["uid"],
            "deleteOptions.gracePeriodSeconds": "0",
            "deleteOptions.propagationPolicy": "Foreground",
        },
    )
    assert resp.status == 200
    assert (await kube.list("Workflow", NS))["items"] == []


async def test_a_bad_force_is_refused_before_the_lookup(api: TestClient[Any, Any]) -> None:
    resp = await api.delete(f"/api/v1/workflows/{NS}/missing", params={"force": "yes"})
    assert resp.status == 400 and (await resp.json())["code"] == 3


async def test_template_and_cron_delete_options(api: TestClient[Any, Any], kube: Kube) -> None:
    await _post(api, f"/api/v1/workflow-templates/{NS}", {"template": template("tmpl")})
    await _post(api, f"/api/v1/cron-workflows/{NS}", {"cronWorkflow": cron("every")})
    for kind, url in (
        ("WorkflowTemplate", f"/api/v1/workflow-templates/{NS}/tmpl"),
        ("CronWorkflow", f"/api/v1/cron-workflows/{NS}/every"),
    ):
        resp = await api.delete(url, params={"deleteOptions.dryRun": "All"})
        assert resp.status == 200
        stored = await kube.get(kind, url.rsplit("/", 1)[1], NS)
        resp = await api.delete(url, params={"deleteOptions.preconditions.resourceVersion": "1"})
        assert resp.status == 409, kind
        rv = stored["metadata"]["resourceVersion"]
        resp = await api.delete(url, params={"deleteOptions.preconditions.resourceVersion": rv})
        assert resp.status == 200, kind
        assert (await kube.list(kind, NS))["items"] == []
