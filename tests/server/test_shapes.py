"""Every API route's answer checked against Argo's shapes (audit findings 23 and 24).

Each JSON answer is parsed with the model Hera generates from Argo's OpenAPI spec
(`hera.workflows.models`) and must validate; `conforms` also walks the answer against the
model's fields, so a key Argo does not have (a misspelt or invented field) fails too. The routes
the first tests missed are here as well: the list and watch of every namespace, and an event
posted without a discriminator.
"""

from __future__ import annotations

import json
import types
import typing
from typing import Any

import pydantic
from aiohttp.test_utils import TestClient
from hera.workflows import models as m

from argoapp.kube.client import Kube
from argoapp.localkube.cluster import LocalKube
from argoapp.store import Store

from .docs import cron, template, workflow
from .test_archived_merge import archive
from .test_logs import T1, _pod
from .test_workflow_ops import stored_with_status, suspended

NS = "argo"
Client = TestClient[Any, Any]


def _models(annotation: Any) -> list[tuple[str, type[pydantic.BaseModel]]]:
    """The models an annotation holds: ("", M) for M, ("[]", M) in a list, ("{}", M) in a map."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        return [("", annotation)]
    if origin in (typing.Union, types.UnionType, typing.Annotated):
        return [found for a in args for found in _models(a)]
    if origin is list:
        return [("[]", mod) for _, mod in _models(args[0])]
    if origin is dict:
        return [("{}", mod) for _, mod in _models(args[1])]
    return []


def conforms(model: type[pydantic.BaseModel], data: Any, path: str = "") -> None:
    """`data` has only keys `model` knows, all the way down."""
    if model.model_fields.keys() == {"root"} or not isinstance(data, dict):
        return  # a wrapped scalar (Time, Quantity, IntOrString, …)
    known = {(f.alias or name): f for name, f in model.model_fields.items()}
    for key, value in data.items():
        assert key in known, f"{path}.{key}: not a field of Argo's {model.__name__}"
        for kind, sub in _models(known[key].annotation):
            if kind == "" and isinstance(value, dict):
                conforms(sub, value, f"{path}.{key}")
            elif kind == "[]" and isinstance(value, list):
                for i, item in enumerate(value):
                    conforms(sub, item, f"{path}.{key}[{i}]")
            elif kind == "{}" and isinstance(value, dict):
                for k, item in value.items():
                    conforms(sub, item, f"{path}.{key}[{k}]")


async def answer(
    api: Client, method: str, path: str, model: type[pydantic.BaseModel], **kw: Any
) -> Any:
    """The JSON answer of a call, after checking it is a valid `model`."""
    resp = await api.request(method, path, **kw)
    assert resp.status == 200, f"{method} {path}: {resp.status} {await resp.text()}"
    body = await resp.json()
    model.model_validate(body)
    conforms(model, body)
    return body


async def first_message(api: Client, path: str, model: type[pydantic.BaseModel]) -> Any:
    """The first `result` of a stream, checked as `model`."""
    async with api.get(path) as resp:
        assert resp.status == 200
        result = json.loads(await resp.content.readline())["result"]
    model.model_validate(result)
    conforms(model, result)
    return result


async def test_workflow_service(api: Client, kube: Kube) -> None:
    wf = await answer(
        api, "POST", f"/api/v1/workflows/{NS}", m.Workflow, json={"workflow": workflow("shape")}
    )
    await answer(
        api, "POST", f"/api/v1/workflows/{NS}/lint", m.Workflow, json={"workflow": workflow("x")}
    )
    await answer(api, "GET", f"/api/v1/workflows/{NS}/shape", m.Workflow)
    listed = await answer(api, "GET", f"/api/v1/workflows/{NS}", m.WorkflowList)
    assert [w["metadata"]["name"] for w in listed["items"]] == ["shape"]
    # Every namespace's (the route the first tests left out).
    await kube.create("Workflow", workflow("elsewhere"), "default")
    listed = await answer(api, "GET", "/api/v1/workflows/", m.WorkflowList)
    assert {w["metadata"]["namespace"] for w in listed["items"]} == {NS, "default"}
    for op in ("suspend", "resume", "stop"):
        await answer(api, "PUT", f"/api/v1/workflows/{NS}/shape/{op}", m.Workflow, json={})
    await answer(api, "PUT", f"/api/v1/workflows/{NS}/shape/resubmit", m.Workflow, json={})
    await stored_with_status(kube, "paused", suspended("paused"))
    selector = {"nodeFieldSelector": "displayName=approve"}
    await answer(api, "PUT", f"/api/v1/workflows/{NS}/paused/set", m.Workflow,
                 json={**selector, "outputParameters": '{"message": "ok"}'})  # fmt: skip
    await answer(api, "PUT", f"/api/v1/workflows/{NS}/paused/terminate", m.Workflow, json={})
    root = {"id": "broken", "name": "broken", "type": "Pod", "phase": "Failed"}
    failed = {"phase": "Failed", "finishedAt": "2026-01-01T00:00:00Z", "nodes": {"broken": root}}
    await stored_with_status(kube, "broken", failed)
    await answer(api, "PUT", f"/api/v1/workflows/{NS}/broken/retry", m.Workflow, json={})
    await answer(api, "DELETE", f"/api/v1/workflows/{NS}/{wf['metadata']['name']}",
                 m.WorkflowDeleteResponse)  # fmt: skip


async def test_template_and_cron_services(api: Client) -> None:
    base = f"/api/v1/workflow-templates/{NS}"
    tmpl = {"template": template("tmpl")}
    created = await answer(api, "POST", base, m.WorkflowTemplate, json=tmpl)
    await answer(api, "POST", f"{base}/lint", m.WorkflowTemplate, json=tmpl)
    await answer(api, "GET", f"{base}/tmpl", m.WorkflowTemplate)
    await answer(api, "PUT", f"{base}/tmpl", m.WorkflowTemplate, json={"template": created})
    await answer(api, "GET", base, m.WorkflowTemplateList)
    await answer(api, "GET", "/api/v1/workflow-templates/", m.WorkflowTemplateList)
    submit = {"resourceKind": "WorkflowTemplate", "resourceName": "tmpl"}
    await answer(api, "POST", f"/api/v1/workflows/{NS}/submit", m.Workflow, json=submit)
    await answer(api, "DELETE", f"{base}/tmpl", m.WorkflowTemplateDeleteResponse)

    base = "/api/v1/cluster-workflow-templates"
    ctmpl = {"template": template("ctmpl", "ClusterWorkflowTemplate")}
    created = await answer(api, "POST", base, m.ClusterWorkflowTemplate, json=ctmpl)
    await answer(api, "POST", f"{base}/lint", m.ClusterWorkflowTemplate, json=ctmpl)
    await answer(api, "GET", f"{base}/ctmpl", m.ClusterWorkflowTemplate)
    await answer(api, "PUT", f"{base}/ctmpl", m.ClusterWorkflowTemplate, json={"template": created})
    await answer(api, "GET", base, m.ClusterWorkflowTemplateList)
    await answer(api, "DELETE", f"{base}/ctmpl", m.ClusterWorkflowTemplateDeleteResponse)

    base = f"/api/v1/cron-workflows/{NS}"
    body = {"cronWorkflow": cron("every")}
    created = await answer(api, "POST", base, m.CronWorkflow, json=body)
    await answer(api, "POST", f"{base}/lint", m.CronWorkflow, json=body)
    await answer(api, "GET", f"{base}/every", m.CronWorkflow)
    await answer(api, "PUT", f"{base}/every", m.CronWorkflow, json={"cronWorkflow": created})
    await answer(api, "PUT", f"{base}/every/suspend", m.CronWorkflow, json={})
    await answer(api, "PUT", f"{base}/every/resume", m.CronWorkflow, json={})
    await answer(api, "GET", base, m.CronWorkflowList)
    await answer(api, "GET", "/api/v1/cron-workflows/", m.CronWorkflowList)
    await answer(api, "DELETE", f"{base}/every", m.CronWorkflowDeletedResponse)


async def test_archive_info_sync_and_event_services(api: Client, store: Store) -> None:
    await archive(store, "old", "00:10", uid="uid-old", app="web")
    await answer(api, "GET", "/api/v1/archived-workflows", m.WorkflowList, params={"namespace": NS})
    await answer(api, "GET", "/api/v1/archived-workflows/uid-old", m.Workflow)
    await answer(api, "GET", "/api/v1/archived-workflows-label-keys", m.LabelKeys)
    await answer(api, "GET", "/api/v1/archived-workflows-label-values", m.LabelValues,
                 params={"listOptions.labelSelector": "app"})  # fmt: skip
    await answer(api, "PUT", "/api/v1/archived-workflows/uid-old/resubmit", m.Workflow,
                 json={"namespace": NS})  # fmt: skip
    await answer(
        api, "DELETE", "/api/v1/archived-workflows/uid-old", m.ArchivedWorkflowDeletedResponse
    )

    await answer(api, "GET", "/api/v1/version", m.Version)
    await answer(api, "GET", "/api/v1/info", m.InfoResponse)
    await answer(api, "GET", "/api/v1/userinfo", m.GetUserInfoResponse)
    await answer(api, "POST", "/api/v1/tracking/event", m.CollectEventResponse, json={"name": "x"})

    base = f"/api/v1/sync/{NS}"
    limit = {"cmName": "limits", "key": "workflow", "limit": 2, "type": "CONFIGMAP"}
    await answer(api, "POST", base, m.SyncLimitResponse, json=limit)
    await answer(api, "GET", f"{base}/workflow", m.SyncLimitResponse, params={"cmName": "limits"})
    await answer(api, "PUT", f"{base}/workflow", m.SyncLimitResponse, json={**limit, "limit": 3})
    await answer(api, "DELETE", f"{base}/workflow", m.DeleteSyncLimitResponse,
                 params={"cmName": "limits"})  # fmt: skip

    # An event without a discriminator (the route the first tests left out).
    await answer(api, "POST", f"/api/v1/events/{NS}/", m.EventResponse, json={"a": 1})
    await answer(api, "GET", f"/api/v1/workflow-event-bindings/{NS}", m.WorkflowEventBindingList)


async def test_streams(api: Client, kube: Kube) -> None:
    await answer(
        api, "POST", f"/api/v1/workflows/{NS}", m.Workflow, json={"workflow": workflow("w")}
    )
    await kube.create("Workflow", workflow("v"), "default")
    # The watch of every namespace (the route the first tests left out) sees both.
    async with api.get("/api/v1/workflow-events/") as resp:
        assert resp.status == 200
        seen = set()
        for _ in range(2):
            result = json.loads(await resp.content.readline())["result"]
            m.WorkflowWatchEvent.model_validate(result)
            conforms(m.WorkflowWatchEvent, result)
            seen.add(result["object"]["metadata"]["namespace"])
    assert seen == {NS, "default"}
    await first_message(api, f"/api/v1/workflow-events/{NS}", m.WorkflowWatchEvent)


async def test_log_entries(api: Client, kube: Kube, localkube: LocalKube) -> None:
    await answer(
        api, "POST", f"/api/v1/workflows/{NS}", m.Workflow, json={"workflow": workflow("w")}
    )
    await _pod(kube, localkube.settings.data_dir, "w", "w-a", [(T1, "hello")], T1)
    entry = await first_message(api, f"/api/v1/workflows/{NS}/w/log", m.V1alpha1LogEntry)
    assert entry == {"content": "hello", "podName": "w-a"}
