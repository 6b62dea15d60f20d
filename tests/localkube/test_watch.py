"""Watch streams: resume, 410 Expired, the wire format, Tables, and ending on time."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest
from kubernetes_asyncio import client, config, watch
from kubernetes_asyncio.client.exceptions import ApiException

from argoapp.localkube import resources as r
from argoapp.localkube.handlers import API

from .harness import KubeServer, StartKube

TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
MERGE = "application/merge-patch+json"
CM_PATH = "/api/v1/namespaces/default/configmaps"


def configmap(name: str, **data: str) -> client.V1ConfigMap:
    return client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name), data=data)


async def next_events(stream: watch.Watch, count: int) -> list[dict[str, Any]]:
    events = []
    async for event in stream:
        events.append(event)
        if len(events) == count:
            break
    return events


async def test_watch_resumes_from_a_list_resource_version(api: client.ApiClient) -> None:
    core = client.CoreV1Api(api)
    await core.create_namespaced_config_map("default", configmap("before"))
    rv = (await core.list_namespaced_config_map("default")).metadata.resource_version
    await core.create_namespaced_config_map("default", configmap("w"))
    await core.patch_namespaced_config_map("w", "default", {"data": {"k": "v"}})
    await core.delete_namespaced_config_map("w", "default")
    async with watch.Watch().stream(
        core.list_namespaced_config_map, "default", resource_version=rv, timeout_seconds=60
    ) as stream:
        events = await next_events(stream, 3)
    assert [(e["type"], e["object"].metadata.name) for e in events] == [
        ("ADDED", "w"),
        ("MODIFIED", "w"),
        ("DELETED", "w"),
    ]
    assert isinstance(events[0]["object"], client.V1ConfigMap)
    assert events[1]["object"].data == {"k": "v"}


async def test_watch_sees_changes_made_while_it_is_open(api: client.ApiClient) -> None:
    custom = client.CustomObjectsApi(api)
    rv = (
        await custom.list_namespaced_custom_object(
            "argoproj.io", "v1alpha1", "default", "workflows"
        )
    )["metadata"]["resourceVersion"]
    body = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"name": "a"}}
    async with watch.Watch().stream(
        custom.list_namespaced_custom_object,
        "argoproj.io",
        "v1alpha1",
        "default",
        "workflows",
        resource_version=rv,
        timeout_seconds=60,
    ) as stream:
        await custom.create_namespaced_custom_object(
            "argoproj.io", "v1alpha1", "default", "workflows", body
        )
        [event] = await next_events(stream, 1)
    assert event["type"] == "ADDED"
    assert event["object"]["metadata"]["name"] == "a"


async def test_expired_resource_version_gives_410_then_a_relist_works(
    start_kube: StartKube,
) -> None:
    kube = await start_kube(history=3)
    configuration = client.Configuration()
    await config.load_kube_config(str(kube.kubeconfig), client_configuration=configuration)
    async with client.ApiClient(configuration) as api:
        core = client.CoreV1Api(api)
        old_rv = (await core.list_namespaced_config_map("default")).metadata.resource_version
        await core.create_namespaced_config_map("default", configmap("c"))
        for i in range(1100):  # setup through the service: compaction runs every 1000 RVs
            await kube.service.patch(r.CONFIGMAPS, "default", "c", MERGE, {"data": {"i": str(i)}})
        with pytest.raises(ApiException) as err:
            async with watch.Watch().stream(
                core.list_namespaced_config_map,
                "default",
                resource_version=old_rv,
                timeout_seconds=60,
            ) as stream:
                await next_events(stream, 1)
        assert err.value.status == 410
        relisted = await core.list_namespaced_config_map("default")
        assert relisted.items[0].data == {"i": "1099"}
        async with watch.Watch().stream(
            core.list_namespaced_config_map,
            "default",
            resource_version=relisted.metadata.resource_version,
            timeout_seconds=60,
        ) as stream:
            await core.create_namespaced_config_map("default", configmap("fresh"))
            [event] = await next_events(stream, 1)
        assert event["object"].metadata.name == "fresh"


async def read_lines(resp: aiohttp.ClientResponse, count: int) -> list[dict[str, Any]]:
    lines = []
    while len(lines) < count:
        line = await resp.content.readline()
        assert line.endswith(b"\n"), line
        lines.append(json.loads(line))
    return lines


async def test_wire_format_is_one_json_event_per_line(kube: KubeServer) -> None:
    await kube.service.create(r.CONFIGMAPS, "default", {"metadata": {"name": "x"}})
    async with (
        kube.session() as session,
        session.get(
            kube.url + CM_PATH + "?watch=True&timeoutSeconds=1", headers=kube.headers()
        ) as resp,
    ):
        assert resp.status == 200
        assert resp.content_type == "application/json"
        assert resp.headers.get("Transfer-Encoding") == "chunked"
        [added] = await read_lines(resp, 1)
        assert added["type"] == "ADDED"
        assert added["object"]["metadata"]["name"] == "x"
        # timeoutSeconds ends the stream cleanly
        assert await resp.content.read() == b""


async def test_watch_as_table_sends_headers_once(kube: KubeServer) -> None:
    async with kube.session() as session:
        for name in ("t1", "t2"):
            async with session.post(
                kube.url + CM_PATH,
                json={"metadata": {"name": name}, "data": {"a": "b"}},
                headers=kube.headers(),
            ) as resp:
                assert resp.status == 201
        async with session.get(
            kube.url + CM_PATH + "?watch=1&timeoutSeconds=30", headers=kube.headers(Accept=TABLE)
        ) as resp:
            first, second = await read_lines(resp, 2)
    for event in (first, second):
        assert event["type"] == "ADDED"
        assert event["object"]["kind"] == "Table"
        [row] = event["object"]["rows"]
        assert row["object"]["kind"] == "PartialObjectMetadata"
    assert [c["name"] for c in first["object"]["columnDefinitions"]] == ["Name", "Data", "Age"]
    assert second["object"]["columnDefinitions"] == []
    assert first["object"]["rows"][0]["cells"][:2] == ["t1", 1]


async def test_bookmarks_carry_a_resource_version(kube: KubeServer) -> None:
    query = "?watch=true&allowWatchBookmarks=true&sendInitialEvents=true&timeoutSeconds=30"
    async with (
        kube.session() as session,
        session.get(kube.url + CM_PATH + query, headers=kube.headers()) as resp,
    ):
        [event] = await read_lines(resp, 1)
    assert event["type"] == "BOOKMARK"
    assert event["object"]["metadata"]["resourceVersion"]


async def test_shutdown_ends_open_watches_cleanly(start_kube: StartKube) -> None:
    kube = await start_kube()
    async with (
        kube.session() as session,
        session.get(kube.url + CM_PATH + "?watch=true", headers=kube.headers()) as resp,
    ):
        assert resp.status == 200
        assert len(kube.app[API].streams) == 1
        await kube.runner.cleanup()
        # the chunked body was terminated properly (no ClientPayloadError)
        assert await resp.content.read() == b""


async def test_a_client_that_goes_away_releases_its_watch(kube: KubeServer) -> None:
    streams = kube.app[API].streams
    async with kube.session() as session:
        resp = await session.get(kube.url + CM_PATH + "?watch=true", headers=kube.headers())
        assert resp.status == 200
        assert len(streams) == 1
        resp.close()
    async with asyncio.timeout(30):
        while len(streams):  # noqa: ASYNC110 - the server's own state, polled until it settles
            await asyncio.sleep(0.05)
