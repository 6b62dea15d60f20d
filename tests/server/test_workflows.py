"""Workflow create, get, list, delete and lint over HTTP against a real localkube."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from argoapp.kube.client import Kube

from .docs import workflow

NS = "argo"


async def create(api: TestClient[Any, Any], doc: dict[str, Any]) -> dict[str, Any]:
    resp = await api.post(f"/api/v1/workflows/{NS}", json={"namespace": NS, "workflow": doc})
    assert resp.status == 200, await resp.text()
    return dict(await resp.json())


async def test_create_fills_the_generated_name_and_stores_the_workflow(
    api: TestClient[Any, Any], kube: Kube
) -> None:
    created = await create(api, workflow())
    name = created["metadata"]["name"]
    assert name.startswith("hello-") and len(name) > len("hello-")
    assert created["metadata"]["namespace"] == NS
    assert created["metadata"]["uid"]
    stored = await kube.get("Workflow", name, NS)
    assert stored["spec"]["entrypoint"] == "main"


async def test_every_answer_carries_the_argo_version_header(api: TestClient[Any, Any]) -> None:
    resp = await api.get(f"/api/v1/workflows/{NS}")
    assert resp.status == 200
    assert resp.headers["argo-version"].startswith("v3.")
    resp = await api.get("/api/v1/version")
    assert resp.status == 200 and "argo-version" in resp.headers


async def test_get_returns_the_workflow_and_fields_select_paths(api: TestClient[Any, Any]) -> None:
    await create(api, workflow("wf-a"))
    resp = await api.get(f"/api/v1/workflows/{NS}/wf-a")
    assert resp.status == 200
    body = await resp.json()
    assert body["metadata"]["name"] == "wf-a" and body["spec"]["templates"]
    resp = await api.get(f"/api/v1/workflows/{NS}/wf-a", params={"fields": "metadata.name"})
    assert await resp.json() == {"metadata": {"name": "wf-a"}}
    resp = await api.get(f"/api/v1/workflows/{NS}/wf-a", params={"fields": "-spec,metadata"})
    assert set(await resp.json()) == {"apiVersion", "kind"}


async def test_missing_workflow_is_argos_404_body(api: TestClient[Any, Any]) -> None:
    resp = await api.get(f"/api/v1/workflows/{NS}/nope")
    assert resp.status == 404
    body = await resp.json()
    assert body["code"] == 5
    assert "not found" in body["message"] and "nope" in body["message"]


async def test_duplicate_name_is_409_already_exists(api: TestClient[Any, Any]) -> None:
    await create(api, workflow("dup"))
    resp = await api.post(f"/api/v1/workflows/{NS}", json={"workflow": workflow("dup")})
    assert resp.status == 409
    body = await resp.json()
    assert body["code"] == 6 and "already exists" in body["message"]


async def test_invalid_requests_are_400_invalid_argument(api: TestClient[Any, Any]) -> None:
    resp = await api.post(f"/api/v1/workflows/{NS}", json={})
    assert resp.status == 400
    assert await resp.json() == {
        "code": 3,
        "message": "workflow body not specified",
        "details": [],
    }
    bad = workflow()
    bad["spec"] = "nope"
    resp = await api.post(f"/api/v1/workflows/{NS}", json={"workflow": bad})
    assert resp.status == 400 and (await resp.json())["code"] == 3
    resp = await api.post(f"/api/v1/workflows/{NS}", data=b"{not json")
    assert resp.status == 400 and (await resp.json())["code"] == 3


async def test_dry_run_stores_nothing(api: TestClient[Any, Any], kube: Kube) -> None:
    resp = await api.post(
        f"/api/v1/workflows/{NS}",
        json={"workflow": workflow("dry"), "createOptions": {"dryRun": ["All"]}},
    )
    assert resp.status == 200
    assert (await resp.json())["metadata"]["name"] == "dry"
    items = (await kube.list("Workflow", NS))["items"]
    assert [w["metadata"]["name"] for w in items] == []


async def test_server_dry_run_fills_a_generated_name_and_stores_nothing(
    api: TestClient[Any, Any], kube: Kube
) -> None:
    wf = workflow()
    prefix = wf["metadata"]["generateName"]
    resp = await api.post(f"/api/v1/workflows/{NS}", json={"workflow": wf, "serverDryRun": True})
    assert resp.status == 200, await resp.text()
    meta = (await resp.json())["metadata"]
    # As Kubernetes' dry-run create: the name made from generateName, and the server's fields.
    assert meta["name"].startswith(prefix) and len(meta["name"]) > len(prefix)
    assert meta["namespace"] == NS and meta["uid"] and meta["creationTimestamp"]
    assert (await kube.list("Workflow", NS))["items"] == []
    await create(api, workflow("taken"))
    resp = await api.post(
        f"/api/v1/workflows/{NS}", json={"workflow": workflow("taken"), "serverDryRun": True}
    )
    assert resp.status == 409, await resp.text()


async def test_list_filters_by_label_and_name_and_nested_fields(api: TestClient[Any, Any]) -> None:
    await create(api, workflow("one", team="a"))
    await create(api, workflow("two", team="b"))
    await create(api, workflow("three", team="a"))
    resp = await api.get(
        f"/api/v1/workflows/{NS}",
        params={"listOptions.labelSelector": "team=a", "fields": "items.metadata.name"},
    )
    assert resp.status == 200
    body = await resp.json()
    assert sorted(i["metadata"]["name"] for i in body["items"]) == ["one", "three"]
    assert all(set(i) == {"metadata"} and set(i["metadata"]) == {"name"} for i in body["items"])
    assert "metadata" not in body  # not asked for
    resp = await api.get(
        f"/api/v1/workflows/{NS}", params={"listOptions.fieldSelector": "metadata.name=two"}
    )
    assert [i["metadata"]["name"] for i in (await resp.json())["items"]] == ["two"]
    resp = await api.get(
        f"/api/v1/workflows/{NS}",
        params={"listOptions.fieldSelector": "metadata.name=t", "nameFilter": "Prefix"},
    )
    assert sorted(i["metadata"]["name"] for i in (await resp.json())["items"]) == ["three", "two"]
    resp = await api.get(f"/api/v1/workflows/{NS}", params={"listOptions.fieldSelector": "x=y"})
    assert resp.status == 400
    assert (await resp.json())["message"] == "unsupported requirement x=y"


async def test_list_pages_by_continue_token(api: TestClient[Any, Any]) -> None:
    for name in ("p1", "p2", "p3"):
        await create(api, workflow(name))
    seen: list[str] = []
    params = {"listOptions.limit": "2", "fields": "metadata,items.metadata.name"}
    resp = await api.get(f"/api/v1/workflows/{NS}", params=params)
    body = await resp.json()
    seen += [i["metadata"]["name"] for i in body["items"]]
    assert len(seen) == 2 and body["metadata"]["continue"]  # opaque: a keyset position
    params["listOptions.continue"] = body["metadata"]["continue"]
    body = await (await api.get(f"/api/v1/workflows/{NS}", params=params)).json()
    seen += [i["metadata"]["name"] for i in body["items"]]
    assert sorted(seen) == ["p1", "p2", "p3"]
    assert "continue" not in body["metadata"]
    empty = await (await api.get("/api/v1/workflows/default")).json()
    assert empty["items"] == []


async def test_delete_removes_the_workflow(api: TestClient[Any, Any], kube: Kube) -> None:
    await create(api, workflow("gone"))
    resp = await api.delete(f"/api/v1/workflows/{NS}/gone")
    assert resp.status == 200 and await resp.json() == {}
    resp = await api.get(f"/api/v1/workflows/{NS}/gone")
    assert resp.status == 404
    resp = await api.delete(f"/api/v1/workflows/{NS}/gone")
    assert resp.status == 404 and (await resp.json())["code"] == 5


async def test_lint_echoes_a_valid_workflow_and_rejects_an_invalid_one(
    api: TestClient[Any, Any], kube: Kube
) -> None:
    resp = await api.post(f"/api/v1/workflows/{NS}/lint", json={"workflow": workflow("lint")})
    assert resp.status == 200
    assert (await resp.json())["spec"]["entrypoint"] == "main"
    assert (await kube.list("Workflow", NS))["items"] == []
    bad = workflow("lint")
    del bad["spec"]
    resp = await api.post(f"/api/v1/workflows/{NS}/lint", json={"workflow": bad})
    assert resp.status == 400


async def test_latest_alias_and_unknown_routes(api: TestClient[Any, Any]) -> None:
    await create(api, workflow("first"))
    resp = await api.get(f"/api/v1/workflows/{NS}/@latest", params={"fields": "metadata.name"})
    assert resp.status == 200 and (await resp.json())["metadata"]["name"] == "first"
    resp = await api.get("/api/v1/nothing-here")
    assert resp.status == 404 and (await resp.json())["code"] == 5


async def test_offloaded_nodes_are_loaded_from_the_store(
    api: TestClient[Any, Any], kube: Kube, store: Any
) -> None:
    created = await create(api, workflow("big"))
    nodes = {"big": {"id": "big", "name": "big", "phase": "Running", "type": "Pod"}}
    version, _ = await store.save_nodes(created["metadata"]["uid"], nodes)
    created["status"] = {"phase": "Running", "offloadNodeStatusVersion": version}
    await kube.replace("Workflow", created, NS)
    body = await (await api.get(f"/api/v1/workflows/{NS}/big")).json()
    assert body["status"]["nodes"] == nodes
    body = await (
        await api.get(f"/api/v1/workflows/{NS}", params={"fields": "items.status.nodes"})
    ).json()
    assert body["items"] == [{"status": {"nodes": nodes}}]
