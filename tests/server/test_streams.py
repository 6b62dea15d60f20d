"""The watch streams (`/api/v1/workflow-events/{ns}`, `/api/v1/stream/events/{ns}`) over HTTP
against a real localkube: both framings, keep-alives, `fields`, errors before and during the
stream, and a client that goes away mid-stream."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import ClientResponse, ClientSession, web
from aiohttp.test_utils import TestClient, TestServer

from argoapp.kube.client import Kube
from argoapp.server.app import build_app
from argoapp.server.streams import KEEPALIVE, STREAMS
from argoapp.store import Store

from .docs import workflow
from .test_latest import create_after

NS = "argo"
SSE = {"Accept": "text/event-stream"}


@pytest.fixture
async def fast(kube: Kube, store: Store) -> AsyncIterator[TestClient[Any, Any]]:
    """The API with keep-alives every 50 ms (so a test sees them and a gone client is noticed)."""
    app = build_app(kube=kube, store=store)
    app[KEEPALIVE] = 0.05
    client: TestClient[Any, Any] = TestClient(TestServer(app))
    await client.start_server()
    yield client
    await client.close()


class Lines:
    """Reads a streamed response line by line, remembering keep-alives."""

    def __init__(self, resp: ClientResponse) -> None:
        self.resp = resp
        self.keepalives = 0

    async def message(self) -> dict[str, Any]:
        """The next message (`data: …` or a JSON line), skipping keep-alives."""
        while True:
            raw = await self.resp.content.readline()
            assert raw, "the stream ended"
            line = raw.decode()
            if line in (":\n", "\n"):
                self.keepalives += 1
                continue
            if line.startswith("data: "):
                assert line.endswith(" \n")
                assert await self.resp.content.readline() == b"\n"
                line = line.removeprefix("data: ")
            return dict(json.loads(line))


async def _create(api: TestClient[Any, Any], name: str) -> None:
    resp = await api.post(f"/api/v1/workflows/{NS}", json={"workflow": workflow(name)})
    assert resp.status == 200, await resp.text()


async def test_workflow_watch_as_server_sent_events(fast: TestClient[Any, Any], kube: Kube) -> None:
    await _create(fast, "watched")
    await _create(fast, "other")
    resp = await fast.get(
        f"/api/v1/workflow-events/{NS}",
        params={"listOptions.fieldSelector": "metadata.name=watched"},
        headers=SSE,
    )
    assert resp.status == 200
    assert resp.headers["Content-Type"] == "text/event-stream"
    lines = Lines(resp)
    first = await lines.message()
    assert first["result"]["type"] == "ADDED"
    assert first["result"]["object"]["metadata"]["name"] == "watched"
    assert first["result"]["object"]["spec"]["entrypoint"] == "main"
    await kube.patch("Workflow", "watched", {"metadata": {"labels": {"x": "y"}}}, NS)
    second = await lines.message()
    assert second["result"]["type"] == "MODIFIED"
    assert second["result"]["object"]["metadata"]["labels"] == {"x": "y"}
    await kube.delete("Workflow", "watched", NS)
    third = await lines.message()
    assert third["result"]["type"] == "DELETED"
    # Nothing else happens to this workflow: what comes next is a keep-alive comment.
    assert await resp.content.readline() == b":\n"
    resp.close()


async def test_workflow_watch_as_json_lines_with_fields(api: TestClient[Any, Any]) -> None:
    await _create(api, "lined")
    resp = await api.get(
        f"/api/v1/workflow-events/{NS}",
        params={"fields": "result.object.metadata.name,result.object.status.phase"},
    )
    assert resp.status == 200
    assert resp.headers["Content-Type"] == "application/json"
    message = await Lines(resp).message()
    # As Argo's gateway: the paths apply to the whole message, so `result.type` is left out.
    assert message == {"result": {"object": {"metadata": {"name": "lined"}}}}
    resp.close()
    resp = await api.get(
        f"/api/v1/workflow-events/{NS}", params={"fields": "result.type,result.object.kind"}
    )
    assert await Lines(resp).message() == {
        "result": {"type": "ADDED", "object": {"kind": "Workflow"}}
    }
    resp.close()


async def test_watch_latest_alias_follows_the_newest_workflow(api: TestClient[Any, Any]) -> None:
    # In two different seconds, the newer one last by name: only creation time picks it.
    at = await create_after(api, "a-older")
    await create_after(api, "newer", at)
    resp = await api.get(
        f"/api/v1/workflow-events/{NS}",
        params={"listOptions.fieldSelector": "metadata.name=@latest"},
    )
    message = await Lines(resp).message()
    assert message["result"]["object"]["metadata"]["name"] == "newer"
    resp.close()


async def test_bad_selector_is_an_error_answer_before_the_stream(
    api: TestClient[Any, Any],
) -> None:
    resp = await api.get(
        f"/api/v1/workflow-events/{NS}", params={"listOptions.labelSelector": "a in ("}
    )
    assert resp.status == 400
    body = await resp.json()
    assert body["code"] == 3 and body["message"]


async def test_bounded_watch_ends_and_stale_version_is_a_stream_error(
    api: TestClient[Any, Any],
) -> None:
    resp = await api.get(
        f"/api/v1/workflow-events/{NS}",
        params={"listOptions.timeoutSeconds": "1", "listOptions.resourceVersion": "1"},
    )
    assert resp.status == 200
    body = await resp.read()  # the watch ends by itself: the stream ends with it
    for line in body.decode().splitlines():
        if line:
            assert set(json.loads(line)) <= {"result", "error"}


async def test_kubernetes_events_stream(api: TestClient[Any, Any], kube: Kube) -> None:
    event = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": "wf.1", "namespace": NS},
        "involvedObject": {"kind": "Workflow", "name": "wf", "namespace": NS},
        "reason": "WorkflowRunning",
        "message": "Workflow Running",
        "type": "Normal",
    }
    other = {**event, "metadata": {"name": "x.1"}, "involvedObject": {"kind": "Pod", "name": "x"}}
    await kube.create("Event", other, NS)
    await kube.create("Event", event, NS)
    resp = await api.get(
        f"/api/v1/stream/events/{NS}",
        params={"listOptions.fieldSelector": "involvedObject.kind=Workflow,involvedObject.name=wf"},
        headers=SSE,
    )
    assert resp.status == 200
    message = await Lines(resp).message()
    got = message["result"]
    assert got["metadata"]["name"] == "wf.1"
    assert got["reason"] == "WorkflowRunning" and got["involvedObject"]["name"] == "wf"
    resp.close()


async def test_a_client_that_goes_away_ends_the_stream(fast: TestClient[Any, Any]) -> None:
    await _create(fast, "left")
    resp = await fast.get(f"/api/v1/workflow-events/{NS}", headers=SSE)
    await Lines(resp).message()
    sources = [t for t in asyncio.all_tasks() if t.get_name() == "api-stream-source"]
    assert len(sources) == 1
    resp.close()
    # The handler notices at its next keep-alive and ends, taking its watch task with it.
    await asyncio.wait(sources)
    assert sources[0].cancelled()


async def test_streams_carry_the_argo_version_header(api: TestClient[Any, Any]) -> None:
    resp = await api.get(f"/api/v1/workflow-events/{NS}")
    assert resp.headers["argo-version"].startswith("v3.")
    resp.close()


async def test_watch_restores_offloaded_nodes_before_fields(
    api: TestClient[Any, Any], kube: Kube, store: Store
) -> None:
    resp = await api.post(f"/api/v1/workflows/{NS}", json={"workflow": workflow("big")})
    created = await resp.json()
    nodes = {"big": {"id": "big", "name": "big", "phase": "Running", "type": "Pod"}}
    version, _ = await store.save_nodes(created["metadata"]["uid"], nodes)
    created["status"] = {"phase": "Running", "offloadNodeStatusVersion": version}
    await kube.replace("Workflow", created, NS)
    resp = await api.get(
        f"/api/v1/workflow-events/{NS}",
        params={"fields": "result.object.status.nodes,result.object.status.phase"},
    )
    message = await Lines(resp).message()
    assert message == {"result": {"object": {"status": {"phase": "Running", "nodes": nodes}}}}
    resp.close()


@pytest.fixture
async def served(kube: Kube, store: Store) -> AsyncIterator[tuple[web.AppRunner, str]]:
    """The API on a runner as `argoapp up` makes it (aiohttp's test server cancels a handler
    whose client leaves; this runner does not), with Argo's 15 s keep-alive; and its URL."""
    runner = web.AppRunner(build_app(kube=kube, store=store), handle_signals=False)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        host, port = runner.addresses[0][:2]
        yield runner, f"http://{host}:{port}"
    finally:
        await runner.cleanup()


async def test_stopping_the_server_ends_open_streams(
    served: tuple[web.AppRunner, str], api: TestClient[Any, Any]
) -> None:
    runner, url = served
    await _create(api, "open")
    async with ClientSession(url) as session:
        watch = await session.get(f"/api/v1/workflow-events/{NS}")
        await Lines(watch).message()
        events = await session.get(f"/api/v1/stream/events/{NS}", headers=SSE)
        assert events.status == 200
        # Without ending its streams, cleanup waits for them up to the keep-alive (15 s).
        await asyncio.wait_for(runner.cleanup(), 5)
        assert not runner.app[STREAMS]
        assert await watch.content.read() == b""
        watch.close()
        events.close()


async def test_a_client_that_leaves_is_noticed_before_the_next_keepalive(
    served: tuple[web.AppRunner, str], api: TestClient[Any, Any]
) -> None:
    _runner, url = served
    await _create(api, "left-early")
    async with ClientSession(url) as session:
        resp = await session.get(f"/api/v1/workflow-events/{NS}", headers=SSE)
        await Lines(resp).message()
        sources = [t for t in asyncio.all_tasks() if t.get_name() == "api-stream-source"]
        assert len(sources) == 1
        resp.close()
        await asyncio.wait_for(asyncio.wait(sources), 5)
    assert sources[0].cancelled()
