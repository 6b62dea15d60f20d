"""Retrying a failed workflow that has a retryStrategy, end to end: `PUT …/retry` on the API
app, the real controller and engine, localkube's kubelet running the pods (bubblewrap sandbox,
the executor's roles in process) and reporting their WorkflowTaskResults.

A retried node keeps its name, so its pod's and its task result's names: the retry must leave
no task result of the earlier run behind, or the new run's report lands in the old result and
the node waits out the engine's grace for a result that never comes (a minute an attempt). Each
step counts its runs in a hostPath file and reports the count as an output parameter, so the
outputs show which run they come from; it exits with the code in another file of that
directory, or with the workflow's `code` parameter.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from argoapp.controller.controller import Controller
from argoapp.engine.api import Settings
from argoapp.engine.podnode import CLOCK_SKEW
from argoapp.engine.state import parse_time
from argoapp.kube.client import Kube
from argoapp.localkube.cluster import LocalKube, LocalKubeSettings
from argoapp.model.types import Obj
from argoapp.server.app import build_app
from argoapp.store import Store
from tests.conftest import require_tool
from tests.kubelet.conftest import kill_leftovers

from .conftest import eventually

pytestmark = pytest.mark.timeout(120)
DONE = ("Succeeded", "Failed", "Error")
# Well under the 60 s the engine waits for a task result per attempt: a retry that left the old
# results behind cannot finish three attempts in it.
DEADLINE = 50


class Stack:
    """localkube with its kubelet, the controller, and the API app, on one shared directory."""

    def __init__(self, api: TestClient[Any, Any], kube: Kube, shared: Path) -> None:
        self.api, self.kube, self.shared = api, kube, shared

    async def submit(self, wf: Obj) -> str:
        async with self.api.post("/api/v1/workflows/default", json={"workflow": wf}) as r:
            assert r.status == 200, await r.text()
            return str((await r.json())["metadata"]["name"])

    async def retry(self, name: str, **body: Any) -> None:
        """Retry once the earlier run's task results are older than the clock skew the engine
        allows a result made just before its node started (a quick retry would hide a stale
        result inside that allowance)."""
        async with self.api.get(f"/api/v1/workflows/default/{name}") as r:
            finished = parse_time((await r.json())["status"]["finishedAt"])
        assert finished is not None
        await asyncio.sleep(
            max(0.0, (finished + CLOCK_SKEW - datetime.now(UTC)).total_seconds()) + 1
        )
        async with self.api.put(f"/api/v1/workflows/default/{name}/retry", json=body) as r:
            assert r.status == 200, await r.text()

    async def finished(self, name: str) -> Obj:
        async def done() -> Obj | None:
            async with self.api.get(f"/api/v1/workflows/default/{name}") as r:
                wf: Obj = await r.json()
            return wf if (wf.get("status") or {}).get("phase") in DONE else None

        found: Obj = await eventually(done, timeout=DEADLINE)
        return found

    def runs(self) -> int:
        return len((self.shared / "runs").read_text().split())


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    require_tool("bwrap")
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "code").write_text("3\n")
    cluster = LocalKube(
        LocalKubeSettings(
            data_dir=tmp_path / "data",
            port=0,
            extra_path=(os.path.dirname(sys.executable),),
            executor_in_process=True,
        )
    )
    await cluster.start()
    kube = await Kube.connect(cluster.kubeconfig)
    store = Store(tmp_path / "argoapp.db")
    await store.start()
    controller = Controller(kube, store, Settings())
    task = asyncio.create_task(controller.run())
    api: TestClient[Any, Any] = TestClient(TestServer(build_app(kube=kube, store=store)))
    try:
        await api.start_server()
        async with asyncio.timeout(30):
            await controller.wait_ready()
        yield Stack(api, kube, shared)
    finally:
        await api.close()
        controller.stop()
        await task
        await kube.close()
        await store.close()
        await cluster.stop()
        kill_leftovers(tmp_path / "data")


def counted(name: str, limit: int, exit_code: str) -> Obj:
    """A template that counts its run in /shared/runs, outputs the count, exits `exit_code`."""
    script = (
        f"echo run >> /shared/runs; wc -l < /shared/runs | tr -d ' ' > /tmp/run; exit {exit_code}"
    )
    return {
        "name": name,
        "retryStrategy": {"limit": limit},
        "container": {
            "image": "busybox",
            "command": ["sh", "-c", script],
            "volumeMounts": [{"name": "shared", "mountPath": "/shared"}],
        },
        "outputs": {"parameters": [{"name": "run", "valueFrom": {"path": "/tmp/run"}}]},
    }


def workflow(name: str, shared: Path, templates: list[Obj], **spec: Any) -> Obj:
    volume = {"name": "shared", "hostPath": {"path": str(shared), "type": "Directory"}}
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "entrypoint": templates[0]["name"],
            "volumes": [volume],
            "templates": templates,
            **spec,
        },
    }


def by_name(wf: Obj) -> dict[str, Obj]:
    return {n["name"]: n for n in wf["status"]["nodes"].values()}


def run_of(node: Obj) -> str:
    params = (node.get("outputs") or {}).get("parameters") or []
    return next((str(p.get("value")) for p in params if p["name"] == "run"), "")


async def test_a_retried_retry_strategy_workflow_fails_again_at_its_limit(stack: Stack) -> None:
    name = await stack.submit(
        workflow("again", stack.shared, [counted("main", 2, "$(cat /shared/code)")])
    )
    first = await stack.finished(name)
    assert first["status"]["phase"] == "Failed" and stack.runs() == 3
    await stack.retry(name)
    wf = await stack.finished(name)
    nodes = by_name(wf)
    assert wf["status"]["phase"] == "Failed"
    assert (nodes[name]["phase"], nodes[name]["message"]) == ("Failed", "No more retries left")
    assert stack.runs() == 6
    # each attempt reports its own new run, read from its new task result
    assert [run_of(nodes[f"{name}({i})"]) for i in range(3)] == ["4", "5", "6"]


async def test_a_retry_with_a_new_parameter_succeeds(stack: Stack) -> None:
    spec = {"arguments": {"parameters": [{"name": "code", "value": "3"}]}}
    template = counted("main", 2, "{{workflow.parameters.code}}")
    name = await stack.submit(workflow("param", stack.shared, [template], **spec))
    assert (await stack.finished(name))["status"]["phase"] == "Failed"
    await stack.retry(name, parameters=["code=0"])
    wf = await stack.finished(name)
    nodes = by_name(wf)
    assert wf["status"]["phase"] == "Succeeded"
    assert nodes[name]["phase"] == "Succeeded" and f"{name}(1)" not in nodes
    assert run_of(nodes[f"{name}(0)"]) == "4"


async def test_restart_successful_with_a_node_selector_reruns_it_and_the_failed_retry(
    stack: Stack,
) -> None:
    steps = {
        "name": "main",
        "steps": [[{"name": "a", "template": "ok"}], [{"name": "b", "template": "flaky"}]],
    }
    templates = [steps, counted("ok", 0, "0"), counted("flaky", 1, "$(cat /shared/code)")]
    name = await stack.submit(workflow("steps", stack.shared, templates))
    assert (await stack.finished(name))["status"]["phase"] == "Failed"
    assert stack.runs() == 3  # a, b(0), b(1)
    (stack.shared / "code").write_text("0\n")  # what b depends on is fixed
    await stack.retry(name, restartSuccessful=True, nodeFieldSelector="displayName=a")
    wf = await stack.finished(name)
    nodes = by_name(wf)
    assert wf["status"]["phase"] == "Succeeded"
    assert run_of(nodes[f"{name}[0].a(0)"]) == "4"  # a ran again, before b
    assert run_of(nodes[f"{name}[1].b(0)"]) == "5"
    assert f"{name}[1].b(1)" not in nodes


async def test_a_retried_http_template_sends_its_requests_again(stack: Stack) -> None:
    hits: list[str] = []
    answer = {"status": 503}

    async def endpoint(request: web.Request) -> web.Response:
        hits.append(request.method)
        return web.Response(status=answer["status"], text="ok")

    target = web.Application()
    target.router.add_get("/check", endpoint)
    server = TestServer(target)
    await server.start_server()
    try:
        url = str(server.make_url("/check"))
        call: Obj = {"name": "main", "retryStrategy": {"limit": 1}, "http": {"url": url}}
        name = await stack.submit(workflow("http", stack.shared, [call]))
        assert (await stack.finished(name))["status"]["phase"] == "Failed"
        assert len(hits) == 2
        await stack.retry(name)
        assert (await stack.finished(name))["status"]["phase"] == "Failed"
        assert len(hits) == 4  # both attempts asked again, none took the old answer
        answer["status"] = 200
        await stack.retry(name)
        wf = await stack.finished(name)
        assert wf["status"]["phase"] == "Succeeded" and len(hits) == 5
        assert by_name(wf)[f"{name}(0)"]["outputs"]["result"] == "ok"
    finally:
        await server.close()
