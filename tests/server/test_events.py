"""EventService over HTTP against a real localkube: WorkflowEventBindings fire workflows."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from argoapp.kube.client import Kube

from .docs import template

NS = "argo"


def binding(name: str, selector: str, **submit: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"event": {"selector": selector}}
    if submit:
        spec["submit"] = submit
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "WorkflowEventBinding",
        "metadata": {"name": name, "namespace": NS},
        "spec": spec,
    }


async def _workflows(kube: Kube) -> list[dict[str, Any]]:
    return list((await kube.list("Workflow", NS)).get("items") or [])


async def test_a_matching_event_submits_the_template(api: TestClient[Any, Any], kube: Kube) -> None:
    await kube.create("WorkflowTemplate", template("tmpl"), NS)
    submit = {
        "workflowTemplateRef": {"name": "tmpl"},
        "metadata": {"labels": {"who": "payload.who"}, "generateName": "'from-event-'"},
        "arguments": {
            "parameters": [
                {"name": "message", "valueFrom": {"event": "payload.message"}},
                {"name": "count", "valueFrom": {"event": "payload.count + 1"}},
                {"name": "trace", "valueFrom": {"event": "metadata['x-trace'][0]"}},
            ]
        },
    }
    selector = 'discriminator == "deploy" && payload.who == "ci"'
    await kube.create("WorkflowEventBinding", binding("on-deploy", selector, **submit), NS)
    await kube.create("WorkflowEventBinding", binding("never", "false", **submit), NS)
    resp = await api.post(
        f"/api/v1/events/{NS}/deploy",
        json={"who": "ci", "message": "hello", "count": 1},
        headers={"X-Trace": "abc", "Authorization": "Bearer secret"},
    )
    assert resp.status == 200 and await resp.json() == {}
    (wf,) = await _workflows(kube)
    meta = wf["metadata"]
    assert meta["name"].startswith("from-event-")
    assert meta["labels"]["who"] == "ci"
    assert meta["labels"]["workflows.argoproj.io/workflow-event-binding"] == "on-deploy"
    assert meta["labels"]["workflows.argoproj.io/workflow-template"] == "tmpl"
    assert wf["spec"]["workflowTemplateRef"] == {"name": "tmpl"}
    assert wf["spec"]["arguments"]["parameters"] == [
        {"name": "message", "value": "hello"},
        {"name": "count", "value": "2"},
        {"name": "trace", "value": "abc"},
    ]


async def test_events_that_match_nothing_or_fail_still_answer_empty(
    api: TestClient[Any, Any], kube: Kube
) -> None:
    missing = {"workflowTemplateRef": {"name": "absent"}}
    await kube.create("WorkflowEventBinding", binding("broken", "payload.x ==", **missing), NS)
    await kube.create("WorkflowEventBinding", binding("no-template", "true", **missing), NS)
    await kube.create("WorkflowEventBinding", binding("other", 'discriminator == "x"'), NS)
    # Authorization is not in `metadata`: a selector cannot read credentials.
    leak = binding("leak", "metadata.authorization != nil", workflowTemplateRef={"name": "t"})
    await kube.create("WorkflowEventBinding", leak, NS)
    resp = await api.post(
        f"/api/v1/events/{NS}/y", json={"x": 1}, headers={"Authorization": "Bearer s"}
    )
    assert resp.status == 200 and await resp.json() == {}
    assert await _workflows(kube) == []
    resp = await api.post(f"/api/v1/events/{NS}/y", data=b"{not json")
    assert resp.status == 400 and (await resp.json())["code"] == 3


async def test_list_bindings(api: TestClient[Any, Any], kube: Kube) -> None:
    await kube.create("WorkflowEventBinding", binding("b1", "true"), NS)
    resp = await api.get(f"/api/v1/workflow-event-bindings/{NS}")
    assert resp.status == 200
    body = await resp.json()
    assert [b["metadata"]["name"] for b in body["items"]] == ["b1"]
    assert body["items"][0]["spec"]["event"]["selector"] == "true"
