"""Discovery, OpenAPI and health endpoints, over real HTTP."""

from __future__ import annotations

from typing import Any

from argoapp.localkube import resources

from .harness import KubeServer

AGGREGATED = (
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"
)


async def get_json(kube: KubeServer, path: str, accept: str = "application/json") -> Any:
    async with (
        kube.session() as session,
        session.get(kube.url + path, headers=kube.headers(Accept=accept)) as resp,
    ):
        assert resp.status == 200, await resp.text()
        assert resp.content_type == "application/json"
        return await resp.json()


async def test_version_reports_a_kubectl_minor_the_dispatcher_has(kube: KubeServer) -> None:
    body = await get_json(kube, "/version?timeout=5s")
    assert body["major"] == "1"
    assert body["minor"] == "32"
    assert body["gitVersion"].startswith("v1.32.")
    assert "/" in body["platform"]


async def test_core_and_group_lists_are_plain_json_even_when_aggregated_is_asked(
    kube: KubeServer,
) -> None:
    api = await get_json(kube, "/api?timeout=32s", AGGREGATED)
    assert api["kind"] == "APIVersions"
    assert api["versions"] == ["v1"]
    apis = await get_json(kube, "/apis?timeout=32s", AGGREGATED)
    assert apis["kind"] == "APIGroupList"
    names = {g["name"] for g in apis["groups"]}
    assert {"argoproj.io", "apps", "rbac.authorization.k8s.io"} <= names
    argo = next(g for g in apis["groups"] if g["name"] == "argoproj.io")
    assert argo["preferredVersion"] == {
        "groupVersion": "argoproj.io/v1alpha1",
        "version": "v1alpha1",
    }
    group = await get_json(kube, "/apis/argoproj.io")
    assert group["kind"] == "APIGroup"


async def test_core_resource_list_has_what_kubectl_needs(kube: KubeServer) -> None:
    body = await get_json(kube, "/api/v1")
    assert body["kind"] == "APIResourceList"
    assert body["groupVersion"] == "v1"
    by_name = {r["name"]: r for r in body["resources"]}
    pods = by_name["pods"]
    assert pods["singularName"] == "pod"
    assert pods["namespaced"] is True
    assert pods["kind"] == "Pod"
    assert pods["shortNames"] == ["po"]
    assert "all" in pods["categories"]
    assert set(pods["verbs"]) >= {"create", "delete", "get", "list", "patch", "update", "watch"}
    assert set(by_name["pods/status"]["verbs"]) == {"get", "patch", "update"}
    assert by_name["pods/log"]["verbs"] == ["get"]
    assert by_name["namespaces"]["namespaced"] is False
    assert by_name["configmaps"]["shortNames"] == ["cm"]


async def test_every_served_group_version_lists_its_resources(kube: KubeServer) -> None:
    for group, version in resources.group_versions():
        path = f"/apis/{group}/{version}" if group else f"/api/{version}"
        body = await get_json(kube, path)
        listed = {r["name"] for r in body["resources"]}
        assert {r.plural for r in resources.in_group_version(group, version)} <= listed
    argo = await get_json(kube, "/apis/argoproj.io/v1alpha1")
    wf = next(r for r in argo["resources"] if r["name"] == "workflows")
    assert wf["shortNames"] == ["wf"]
    assert wf["kind"] == "Workflow"


async def test_unknown_group_version_is_a_404_status(kube: KubeServer) -> None:
    async with (
        kube.session() as session,
        session.get(kube.url + "/apis/nope.io/v1", headers=kube.headers()) as resp,
    ):
        assert resp.status == 404
        body = await resp.json()
        assert body["kind"] == "Status"
        assert body["reason"] == "NotFound"


async def test_openapi_v3_patch_operations_take_field_validation(kube: KubeServer) -> None:
    index = await get_json(kube, "/openapi/v3")
    assert set(index["paths"]) >= {"api/v1", "apis/argoproj.io/v1alpha1", "apis/apps/v1"}
    for gv, entry in index["paths"].items():
        doc = await get_json(kube, entry["serverRelativeURL"])
        kinds = set()
        for path in doc["paths"].values():
            patch = path["patch"]
            gvk = patch["x-kubernetes-group-version-kind"]
            kinds.add(gvk["kind"])
            names = {p["name"] for p in patch["parameters"] if p["in"] == "query"}
            assert "fieldValidation" in names
        group, _, version = gv.removeprefix("apis/").removeprefix("api/").rpartition("/")
        assert kinds == {r.kind for r in resources.in_group_version(group, version)}


async def test_openapi_v2_is_absent(kube: KubeServer) -> None:
    async with (
        kube.session() as session,
        session.get(kube.url + "/openapi/v2", headers=kube.headers()) as resp,
    ):
        assert resp.status == 404


async def test_health_endpoints_say_ok(kube: KubeServer) -> None:
    async with kube.session() as session:
        for path in ("/healthz", "/readyz", "/livez"):
            async with session.get(kube.url + path, headers=kube.headers()) as resp:
                assert resp.status == 200
                assert await resp.text() == "ok"
