"""ArchivedWorkflowService over HTTP: list, get, delete, label keys and values, resubmit and
retry, with bodies checked field by field; the store's archive is filled directly (archiving
itself is the controller's, tested in tests/controller/test_archiving.py)."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from argoapp.kube.client import Kube
from argoapp.store import Store

from .docs import workflow

NS = "argo"
ARCHIVING = "workflows.argoproj.io/workflow-archiving-status"


def archived_wf(i: int, ns: str = NS, phase: str = "Succeeded", **labels: str) -> dict[str, Any]:
    """An archived workflow that finished at minute i (a higher i is newer)."""
    wf = workflow(f"old-{i:02d}", **labels, **{ARCHIVING: "Archived"})
    name = wf["metadata"]["name"]
    wf["metadata"].update(
        namespace=ns,
        uid=f"uid-{i:02d}",
        creationTimestamp=f"2026-01-01T00:{i:02d}:00Z",
        annotations={"note": "kept"},
    )
    wf["status"] = {
        "phase": phase,
        "startedAt": f"2026-01-01T00:{i:02d}:00Z",
        "finishedAt": f"2026-01-01T00:{i:02d}:30Z",
        "progress": "1/1",
        "message": "" if phase == "Succeeded" else "boom",
        "nodes": {
            name: {
                "id": name,
                "name": name,
                "displayName": name,
                "type": "Pod",
                "templateName": "main",
                "phase": phase,
                "startedAt": f"2026-01-01T00:{i:02d}:00Z",
                "finishedAt": f"2026-01-01T00:{i:02d}:30Z",
            }
        },
    }
    return wf


async def fill(store: Store) -> None:
    for i in range(6):
        await store.archive_put(archived_wf(i, app="web" if i % 2 else "db"))
    await store.archive_put(archived_wf(9, ns="default", app="web"))


async def get_json(api: TestClient[Any, Any], path: str, **params: str) -> tuple[int, Any]:
    resp = await api.get(path, params=params)
    return resp.status, await resp.json()


async def test_list_answers_summaries_newest_first(api: TestClient[Any, Any], store: Store) -> None:
    await fill(store)
    status, body = await get_json(api, "/api/v1/archived-workflows", namespace=NS)
    assert status == 200
    assert body["metadata"] == {}
    assert [i["metadata"]["name"] for i in body["items"]] == [
        f"old-{i:02d}" for i in range(5, -1, -1)
    ]
    first = body["items"][0]
    assert first == {
        "metadata": {
            "name": "old-05",
            "namespace": NS,
            "uid": "uid-05",
            "creationTimestamp": "2026-01-01T00:05:00Z",
            "labels": {"app": "web", ARCHIVING: "Archived"},
            "annotations": {"note": "kept"},
        },
        "spec": {},
        "status": {
            "phase": "Succeeded",
            "startedAt": "2026-01-01T00:05:00Z",
            "finishedAt": "2026-01-01T00:05:30Z",
            "progress": "1/1",
            "message": "",
        },
    }
    status, body = await get_json(api, "/api/v1/archived-workflows")
    assert body["items"][0]["metadata"]["name"] == "old-09"  # every namespace


async def test_list_selectors_filters_and_pages(api: TestClient[Any, Any], store: Store) -> None:
    await fill(store)
    path = "/api/v1/archived-workflows"
    _, body = await get_json(api, path, **{"listOptions.labelSelector": "app=web", "namespace": NS})
    assert [i["metadata"]["name"] for i in body["items"]] == ["old-05", "old-03", "old-01"]
    _, body = await get_json(
        api, path, **{"listOptions.fieldSelector": "metadata.namespace=default"}
    )
    assert [i["metadata"]["name"] for i in body["items"]] == ["old-09"]
    _, body = await get_json(api, path, namePrefix="old-0", namespace=NS)
    assert len(body["items"]) == 6
    _, body = await get_json(
        api, path, **{"listOptions.fieldSelector": "metadata.name=old-02", "nameFilter": "Exact"}
    )
    assert [i["metadata"]["uid"] for i in body["items"]] == ["uid-02"]
    seen: list[str] = []
    params = {
        "listOptions.limit": "3",
        "listOptions.fieldSelector": "ext.showRemainingItemCount=true",
    }
    _, body = await get_json(api, path, **params)
    assert body["metadata"]["remainingItemCount"] == 4
    while True:
        seen += [i["metadata"]["name"] for i in body["items"]]
        token = body["metadata"].get("continue")
        if not token:
            break
        _, body = await get_json(api, path, **{**params, "listOptions.continue": token})
    assert seen == ["old-09", *[f"old-{i:02d}" for i in range(5, -1, -1)]]
    assert body["metadata"]["remainingItemCount"] == 0


async def test_bad_list_options_are_400(api: TestClient[Any, Any], store: Store) -> None:
    path = "/api/v1/archived-workflows"
    for params in (
        {"listOptions.labelSelector": "app in ()"},
        {"listOptions.continue": "garbage!"},
        {"listOptions.limit": "x"},
        {"listOptions.fieldSelector": "spec.nope=1"},
    ):
        status, body = await get_json(api, path, **params)
        assert status == 400, params
        assert body["code"] == 3 and body["message"], params


async def test_get_and_delete_by_uid(api: TestClient[Any, Any], store: Store) -> None:
    await fill(store)
    status, body = await get_json(api, "/api/v1/archived-workflows/uid-02")
    assert status == 200
    expected = archived_wf(2, app="db")
    assert body["apiVersion"] == "argoproj.io/v1alpha1" and body["kind"] == "Workflow"
    assert body["metadata"] == expected["metadata"]
    assert body["spec"] == expected["spec"]
    assert body["status"] == expected["status"]  # nodes included
    status, body = await get_json(api, "/api/v1/archived-workflows/uid-02", namespace="default")
    assert (status, body) == (404, {"code": 5, "message": "not found", "details": []})
    status, _ = await get_json(api, "/api/v1/archived-workflows/uid-02", name="other")
    assert status == 404
    resp = await api.delete("/api/v1/archived-workflows/uid-02", params={"namespace": NS})
    assert resp.status == 200 and await resp.json() == {}
    status, body = await get_json(api, "/api/v1/archived-workflows/uid-02")
    assert status == 404 and body["code"] == 5
    resp = await api.delete("/api/v1/archived-workflows/uid-02")
    assert resp.status == 404


async def test_label_keys_and_values(api: TestClient[Any, Any], store: Store) -> None:
    await fill(store)
    status, body = await get_json(api, "/api/v1/archived-workflows-label-keys", namespace=NS)
    assert (status, body) == (200, {"items": ["app", ARCHIVING]})
    path = "/api/v1/archived-workflows-label-values"
    status, body = await get_json(api, path, **{"listOptions.labelSelector": "app"})
    assert (status, body) == (200, {"items": ["db", "web"]})
    status, body = await get_json(api, path, **{"listOptions.labelSelector": "app,x"})
    assert status == 400 and body["message"] == "only allow 1 labelRequirement, found 2"
    status, body = await get_json(api, path, **{"listOptions.labelSelector": "app=web"})
    assert status == 400 and body["message"] == "operation = is not supported"


async def test_resubmit_makes_a_new_live_workflow(
    api: TestClient[Any, Any], store: Store, kube: Kube
) -> None:
    await fill(store)
    resp = await api.put(
        "/api/v1/archived-workflows/uid-03/resubmit",
        json={"uid": "uid-03", "namespace": NS, "memoized": False, "parameters": ["message=again"]},
    )
    assert resp.status == 200
    body = await resp.json()
    name = body["metadata"]["name"]
    assert name.startswith("old-03-") and body["metadata"]["namespace"] == NS
    assert body["metadata"]["uid"] != "uid-03"
    labels = body["metadata"]["labels"]
    assert labels["workflows.argoproj.io/resubmitted-from-workflow"] == "old-03"
    assert ARCHIVING not in labels
    assert body["spec"]["arguments"]["parameters"] == [{"name": "message", "value": "again"}]
    assert "status" not in body or not body["status"].get("nodes")
    assert (await kube.get("Workflow", name, NS))["metadata"]["uid"] == body["metadata"]["uid"]
    resp = await api.put("/api/v1/archived-workflows/nope/resubmit", json={})
    assert resp.status == 404


async def test_retry_recreates_a_failed_workflow_once(
    api: TestClient[Any, Any], store: Store, kube: Kube
) -> None:
    await store.archive_put(archived_wf(7, phase="Failed"))
    resp = await api.put(
        "/api/v1/archived-workflows/uid-07/retry", json={"uid": "uid-07", "namespace": NS}
    )
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert body["metadata"]["name"] == "old-07" and body["metadata"]["uid"] != "uid-07"
    assert ARCHIVING not in (body["metadata"].get("labels") or {})
    # The failed node is reset and the workflow is no longer finished: the controller runs it.
    assert body["status"]["nodes"] == {}
    assert "finishedAt" not in body["status"] and body["status"].get("phase") != "Failed"
    live = await kube.get("Workflow", "old-07", NS)
    assert live["metadata"]["uid"] == body["metadata"]["uid"]
    resp = await api.put("/api/v1/archived-workflows/uid-07/retry", json={"namespace": NS})
    assert resp.status == 409
    assert await resp.json() == {"code": 6, "message": "workflow already exists", "details": []}
    await store.archive_put(archived_wf(8))
    resp = await api.put("/api/v1/archived-workflows/uid-08/retry", json={})
    assert resp.status == 400 and "restartSuccessful" in (await resp.json())["message"]


async def test_answers_parse_as_heras_models(api: TestClient[Any, Any], store: Store) -> None:
    """Hera (the Python SDK) reads these bodies into its generated models."""
    from hera.workflows.models import LabelKeys, LabelValues, Workflow, WorkflowList

    await fill(store)
    _, body = await get_json(api, "/api/v1/archived-workflows", **{"listOptions.limit": "2"})
    listed = WorkflowList.model_validate(body)
    assert [w.metadata.name for w in listed.items] == ["old-09", "old-05"]
    assert listed.metadata.continue_ == body["metadata"]["continue"]
    _, body = await get_json(api, "/api/v1/archived-workflows/uid-01")
    whole = Workflow.model_validate(body)
    assert whole.status is not None and whole.status.nodes is not None
    _, body = await get_json(api, "/api/v1/archived-workflows-label-keys")
    assert LabelKeys.model_validate(body).items == ["app", ARCHIVING]
    _, body = await get_json(
        api, "/api/v1/archived-workflows-label-values", **{"listOptions.labelSelector": "app"}
    )
    assert LabelValues.model_validate(body).items == ["db", "web"]
