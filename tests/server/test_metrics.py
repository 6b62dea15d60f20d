"""`GET /metrics` over HTTP with a real controller (real engine, localkube without a kubelet, so
pods stay Pending): the text parses as Prometheus' format and carries Argo's names and values."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from argoapp.controller.controller import Controller
from argoapp.engine.api import Settings
from argoapp.kube.client import Kube
from argoapp.server.app import build_app
from argoapp.store import Store

Client = TestClient[object, object]
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_]+="[^"]*",?)*\})? (\S+)$')
WORKFLOW = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "Workflow",
    "metadata": {"name": "hello", "namespace": "argo"},
    "spec": {
        "entrypoint": "main",
        "templates": [{"name": "main", "container": {"image": "alpine", "command": ["true"]}}],
    },
}


def parse(text: str) -> dict[str, float]:
    """Samples by `name{labels}`; every line must be a comment or a well-formed sample."""
    samples: dict[str, float] = {}
    types: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            types[name] = kind
            continue
        if line.startswith("# HELP "):
            continue
        m = SAMPLE.match(line)
        assert m, f"not a Prometheus sample: {line!r}"
        family = re.sub(r"_(bucket|sum|count)$", "", m.group(1))
        assert m.group(1) in types or family in types, f"no TYPE for {line!r}"
        samples[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    return samples


@pytest.fixture
async def running(kube: Kube, store: Store) -> AsyncIterator[tuple[Controller, Client]]:
    controller = Controller(kube, store, Settings(), workers=2)
    task = asyncio.create_task(controller.run())
    client: Client = TestClient(
        TestServer(build_app(kube=kube, store=store, controller=controller))
    )
    try:
        async with asyncio.timeout(30):
            await controller.wait_ready()
        await client.start_server()
        yield controller, client
    finally:
        await client.close()
        controller.stop()
        await task


async def test_metrics_report_workflows_pods_queue_and_requests(
    running: tuple[Controller, Client], kube: Kube
) -> None:
    _, client = running
    await kube.create("Workflow", WORKFLOW)
    async with asyncio.timeout(30):
        while True:
            resp = await client.get("/metrics")
            assert resp.status == 200
            assert resp.headers["Content-Type"].startswith("text/plain; version=0.0.4")
            samples = parse(await resp.text())
            if samples.get('argo_workflows_pods_gauge{phase="Pending"}', 0) >= 1:
                break
            await asyncio.sleep(0.05)
    assert samples['argo_workflows_gauge{phase="Running"}'] == 1
    assert samples['argo_workflows_gauge{phase="Succeeded"}'] == 0
    assert samples['argo_workflows_queue_adds_count{queue_name="workflow_queue"}'] >= 1
    assert 'argo_workflows_queue_depth_gauge{queue_name="workflow_queue"}' in samples
    assert samples['argoapp_workflow_workers{worker_type="workflow_queue"}'] == 2
    assert 'argo_workflows_workers_busy_count{worker_type="workflow_queue"}' in samples
    assert samples["argo_workflows_is_leader"] == 1
    # Names Argo dropped in 3.6, and ours under Argo's prefix, are gone.
    dropped = ("count{", "pods_count{", "workers_count{", "queue_depth_count{")
    for old in (f"argo_workflows_{name}" for name in dropped):
        assert not any(name.startswith(old) for name in samples), old
    assert samples["argo_workflows_operation_duration_seconds_count"] >= 1
    assert (
        samples['argo_workflows_operation_duration_seconds_bucket{le="+Inf"}']
        == samples["argo_workflows_operation_duration_seconds_count"]
    )
    latency = "argo_workflows_queue_latency"
    assert samples[f'{latency}_count{{queue_name="workflow_queue"}}'] >= 1  # a pass was taken
    assert (
        samples[f'{latency}_bucket{{queue_name="workflow_queue",le="+Inf"}}']
        == samples[f'{latency}_count{{queue_name="workflow_queue"}}']
    )
    assert (
        samples['argo_workflows_k8s_request_total{kind="Pod",verb="create",status_code="201"}'] >= 1
    )
    assert (
        samples['argo_workflows_k8s_request_total{kind="Workflow",verb="create",status_code="201"}']
        >= 1
    )


async def test_metrics_need_a_token_in_client_mode_as_argo_server(
    kube: Kube, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ARGO_SERVER_METRICS_AUTH", raising=False)
    app = build_app(kube=kube, store=store, auth_mode="client")
    async with TestClient(TestServer(app)) as client:
        resp = await client.get("/metrics")
        assert resp.status == 403 and await resp.text() == ""
        assert (await client.get("/healthz")).status == 200
        resp = await client.get("/metrics", headers={"Authorization": "Bearer some-token"})
        assert resp.status == 200
        samples = parse(await resp.text())
        assert "argo_workflows_gauge" not in " ".join(samples)  # no controller in this process
        monkeypatch.setenv("ARGO_SERVER_METRICS_AUTH", "false")
        assert (await client.get("/metrics")).status == 200


async def test_metrics_need_no_token_in_server_mode(kube: Kube, store: Store) -> None:
    async with TestClient(TestServer(build_app(kube=kube, store=store))) as client:
        assert (await client.get("/metrics")).status == 200
