"""Create, read, update, patch and delete with the real kubernetes-asyncio client."""

from __future__ import annotations

import pytest
from kubernetes_asyncio import client
from kubernetes_asyncio.client.exceptions import ApiException

GROUP, VERSION = "argoproj.io", "v1alpha1"
MERGE = "application/merge-patch+json"


def workflow(name: str = "", generate: str = "") -> dict[str, object]:
    meta = {"name": name} if name else {"generateName": generate}
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "Workflow",
        "metadata": meta,
        "spec": {"entrypoint": "main", "templates": [{"name": "main"}]},
    }


def pod(name: str) -> client.V1Pod:
    return client.V1Pod(
        metadata=client.V1ObjectMeta(name=name, labels={"app": "x"}),
        spec=client.V1PodSpec(containers=[client.V1Container(name="main", image="busybox")]),
    )


async def test_configmap_create_get_list_patch_replace_delete(api: client.ApiClient) -> None:
    core = client.CoreV1Api(api)
    made = await core.create_namespaced_config_map(
        "default", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="cm1"), data={"a": "1"})
    )
    assert made.metadata.uid
    assert made.metadata.namespace == "default"
    got = await core.read_namespaced_config_map("cm1", "default")
    assert got.data == {"a": "1"}
    listed = await core.list_namespaced_config_map("default")
    assert [c.metadata.name for c in listed.items] == ["cm1"]
    assert listed.metadata.resource_version
    # the client sends a strategic merge patch for a dict body
    patched = await core.patch_namespaced_config_map("cm1", "default", {"data": {"b": "2"}})
    assert patched.data == {"a": "1", "b": "2"}
    patched.data = {"c": "3"}
    replaced = await core.replace_namespaced_config_map("cm1", "default", patched)
    assert replaced.data == {"c": "3"}
    status = await core.delete_namespaced_config_map("cm1", "default")
    assert status.status == "Success"
    with pytest.raises(ApiException) as err:
        await core.read_namespaced_config_map("cm1", "default")
    assert err.value.status == 404


async def test_create_fills_name_from_generate_name(api: client.ApiClient) -> None:
    custom = client.CustomObjectsApi(api)
    made = await custom.create_namespaced_custom_object(
        GROUP, VERSION, "default", "workflows", workflow(generate="hello-")
    )
    name = made["metadata"]["name"]
    assert name.startswith("hello-")
    assert len(name) > len("hello-")
    got = await custom.get_namespaced_custom_object(GROUP, VERSION, "default", "workflows", name)
    assert got["metadata"]["uid"] == made["metadata"]["uid"]


async def test_custom_object_merge_patch_and_json_patch(api: client.ApiClient) -> None:
    custom = client.CustomObjectsApi(api)
    await custom.create_namespaced_custom_object(
        GROUP, VERSION, "default", "workflows", workflow("wf1")
    )
    merged = await custom.patch_namespaced_custom_object(
        GROUP,
        VERSION,
        "default",
        "workflows",
        "wf1",
        {"metadata": {"labels": {"team": "a"}}},
        _content_type=MERGE,
    )
    assert merged["metadata"]["labels"] == {"team": "a"}
    # a list body is sent as a real RFC 6902 JSON patch
    patched = await custom.patch_namespaced_custom_object(
        GROUP,
        VERSION,
        "default",
        "workflows",
        "wf1",
        [{"op": "replace", "path": "/spec/entrypoint", "value": "other"}],
    )
    assert patched["spec"]["entrypoint"] == "other"
    assert patched["metadata"]["labels"] == {"team": "a"}


async def test_pod_status_subresource_changes_only_status(api: client.ApiClient) -> None:
    core = client.CoreV1Api(api)
    await core.create_namespaced_pod("default", pod("p1"))
    updated = await core.patch_namespaced_pod_status(
        "p1", "default", {"status": {"phase": "Running"}, "metadata": {"labels": {"x": "y"}}}
    )
    assert updated.status.phase == "Running"
    assert updated.metadata.labels == {"app": "x"}
    read = await core.read_namespaced_pod_status("p1", "default")
    assert read.status.phase == "Running"
    read.status.phase = "Succeeded"
    replaced = await core.replace_namespaced_pod_status("p1", "default", read)
    assert replaced.status.phase == "Succeeded"
    # status sent to the main resource is ignored
    main = await core.patch_namespaced_pod("p1", "default", {"status": {"phase": "Failed"}})
    assert main.status.phase == "Succeeded"


async def test_stale_resource_version_and_duplicate_name_conflict(api: client.ApiClient) -> None:
    core = client.CoreV1Api(api)
    body = client.V1ConfigMap(metadata=client.V1ObjectMeta(name="c"), data={"k": "v"})
    first = await core.create_namespaced_config_map("default", body)
    with pytest.raises(ApiException) as dup:
        await core.create_namespaced_config_map("default", body)
    assert dup.value.status == 409
    assert '"reason":"AlreadyExists"' in dup.value.body.replace(" ", "")
    first.data = {"k": "v2"}
    await core.replace_namespaced_config_map("c", "default", first)
    first.data = {"k": "v3"}  # still carries the old resourceVersion
    with pytest.raises(ApiException) as stale:
        await core.replace_namespaced_config_map("c", "default", first)
    assert stale.value.status == 409
    assert '"reason":"Conflict"' in stale.value.body.replace(" ", "")


async def test_cluster_wide_list_and_label_selector(api: client.ApiClient) -> None:
    core = client.CoreV1Api(api)
    await core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name="other")))
    for ns, name, label in (("default", "a", "x"), ("other", "b", "x"), ("other", "c", "y")):
        meta = client.V1ObjectMeta(name=name, labels={"l": label})
        await core.create_namespaced_config_map(ns, client.V1ConfigMap(metadata=meta))
    everywhere = await core.list_config_map_for_all_namespaces(label_selector="l=x")
    assert sorted((c.metadata.namespace, c.metadata.name) for c in everywhere.items) == [
        ("default", "a"),
        ("other", "b"),
    ]
    page = await core.list_namespaced_config_map("other", limit=1)
    assert len(page.items) == 1
    assert page.metadata._continue
    rest = await core.list_namespaced_config_map(
        "other", limit=1, _continue=page.metadata._continue
    )
    assert {page.items[0].metadata.name, rest.items[0].metadata.name} == {"b", "c"}


async def test_delete_collection_honours_the_label_selector(api: client.ApiClient) -> None:
    core = client.CoreV1Api(api)
    for name, label in (("a", "gone"), ("b", "gone"), ("c", "kept")):
        meta = client.V1ObjectMeta(name=name, labels={"l": label})
        await core.create_namespaced_config_map("default", client.V1ConfigMap(metadata=meta))
    await core.delete_collection_namespaced_config_map("default", label_selector="l=gone")
    left = await core.list_namespaced_config_map("default")
    assert [c.metadata.name for c in left.items] == ["c"]


async def test_dry_run_stores_nothing(api: client.ApiClient) -> None:
    core = client.CoreV1Api(api)
    body = client.V1ConfigMap(metadata=client.V1ObjectMeta(name="dry"))
    made = await core.create_namespaced_config_map("default", body, dry_run="All")
    assert made.metadata.name == "dry"
    assert (await core.list_namespaced_config_map("default")).items == []


async def test_delete_with_preconditions_and_propagation(api: client.ApiClient) -> None:
    core = client.CoreV1Api(api)
    body = client.V1ConfigMap(metadata=client.V1ObjectMeta(name="pre"))
    made = await core.create_namespaced_config_map("default", body)
    wrong = client.V1DeleteOptions(preconditions=client.V1Preconditions(uid="not-the-uid"))
    with pytest.raises(ApiException) as err:
        await core.delete_namespaced_config_map("pre", "default", body=wrong)
    assert err.value.status == 409
    right = client.V1DeleteOptions(
        propagation_policy="Foreground",
        preconditions=client.V1Preconditions(uid=made.metadata.uid),
    )
    await core.delete_namespaced_config_map("pre", "default", body=right)
    assert (await core.list_namespaced_config_map("default")).items == []


async def test_cluster_scoped_custom_objects(api: client.ApiClient) -> None:
    custom = client.CustomObjectsApi(api)
    body = {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "ClusterWorkflowTemplate",
        "metadata": {"name": "cwt"},
        "spec": {"templates": []},
    }
    made = await custom.create_cluster_custom_object(
        GROUP, VERSION, "clusterworkflowtemplates", body
    )
    assert "namespace" not in made["metadata"]
    listed = await custom.list_cluster_custom_object(GROUP, VERSION, "clusterworkflowtemplates")
    assert [o["metadata"]["name"] for o in listed["items"]] == ["cwt"]
    await custom.delete_cluster_custom_object(GROUP, VERSION, "clusterworkflowtemplates", "cwt")
    listed = await custom.list_cluster_custom_object(GROUP, VERSION, "clusterworkflowtemplates")
    assert listed["items"] == []
