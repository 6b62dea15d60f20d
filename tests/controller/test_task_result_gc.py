"""A finished workflow's WorkflowTaskResults are deleted, as Argo's controller deletes them.

End to end: the API app, the real controller and engine over localkube in process (as local
mode runs it), the kubelet running pods in the bubblewrap sandbox with the executor's roles in
process writing the task results. Checked: the results go once the workflow is done and its
nodes keep their outputs; nothing is written to the workflow after that; a retry of a failed
workflow still hands the succeeded step's outputs on; another workflow whose name the first's
is a prefix of keeps its results; a restarted controller sweeps results a done workflow still has.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from argoapp.controller.controller import Controller
from argoapp.engine.api import Settings
from argoapp.kube.client import Kube
from argoapp.localkube.cluster import LocalKube, LocalKubeSettings
from argoapp.localkube.inproc import InProcessKube
from argoapp.model.types import Obj
from argoapp.server.app import build_app
from argoapp.store import Store
from tests.conftest import require_tool
from tests.kubelet.conftest import kill_leftovers

from .conftest import eventually

pytestmark = pytest.mark.timeout(120)
LABEL = "workflows.argoproj.io/workflow"
DONE = ("Succeeded", "Failed", "Error")


class Stack:
    """localkube with its kubelet, a controller on it in process, and the API app."""

    def __init__(self, cluster: LocalKube, kube: Kube, store: Store, shared: Path) -> None:
        self.cluster, self.kube, self.store, self.shared = cluster, kube, store, shared
        self.api: TestClient[Any, Any] = TestClient(TestServer(build_app(kube=kube, store=store)))
        self.controller: Controller | None = None
        self._run: asyncio.Task[None] | None = None

    async def start_controller(self) -> Controller:
        kube = InProcessKube(self.cluster.service, host=self.cluster.url)
        self.controller = Controller(kube, self.store, Settings())
        self._run = asyncio.create_task(self.controller.run())
        async with asyncio.timeout(30):
            await self.controller.wait_ready()
        return self.controller

    async def stop_controller(self) -> None:
        if self.controller is not None and self._run is not None:
            self.controller.stop()
            await self._run
            self.controller = self._run = None

    async def submit(self, wf: Obj) -> str:
        async with self.api.post("/api/v1/workflows/default", json={"workflow": wf}) as r:
            assert r.status == 200, await r.text()
            return str((await r.json())["metadata"]["name"])

    async def get(self, name: str) -> Obj:
        async with self.api.get(f"/api/v1/workflows/default/{name}") as r:
            assert r.status == 200, await r.text()
            wf: Obj = await r.json()
            return wf

    async def finished(self, name: str) -> Obj:
        async def done() -> Obj | None:
            wf = await self.get(name)
            return wf if (wf.get("status") or {}).get("phase") in DONE else None

        found: Obj = await eventually(done, timeout=60)
        return found

    async def results(self, name: str) -> list[str]:
        """The names of the WorkflowTaskResults labelled with workflow `name`."""
        selector = f"{LABEL}={name}"
        listed = await self.kube.list("WorkflowTaskResult", "default", label_selector=selector)
        return sorted(i["metadata"]["name"] for i in listed["items"])

    async def settled(self, name: str, *, passes_over: int = -1) -> None:
        """Wait until workflow `name` has no task results left and the controller is idle
        (and, with `passes_over`, has made more passes than that)."""

        async def check() -> bool:
            c = self.controller
            assert c is not None
            idle = len(c.queue) == 0 and c.queue.busy == 0
            idle = idle and c.queue.pending_timer(f"default/{name}") is None
            return idle and c.metrics.passes > passes_over and not await self.results(name)

        await eventually(check)


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    require_tool("bwrap")
    shared = tmp_path / "shared"
    shared.mkdir()
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
    s = Stack(cluster, kube, store, shared)
    try:
        await s.api.start_server()
        await s.start_controller()
        yield s
    finally:
        await s.api.close()
        await s.stop_controller()
        await kube.close()
        await store.close()
        await cluster.stop()
        kill_leftovers(tmp_path / "data")


def workflow(name: str, shared: Path, second: str = "true") -> Obj:
    """gen outputs a parameter and a result; use gets both, runs `second`, and echoes them."""
    gen = {
        "name": "gen",
        "script": {
            "image": "busybox",
            "command": ["sh"],
            "source": "printf hello > /tmp/p; echo made",
        },
        "outputs": {"parameters": [{"name": "p", "valueFrom": {"path": "/tmp/p"}}]},
    }
    use = {
        "name": "use",
        "inputs": {"parameters": [{"name": "p"}, {"name": "r"}]},
        "script": {
            "image": "busybox",
            "command": ["sh"],
            "source": f"{second} && echo '{{{{inputs.parameters.p}}}}-{{{{inputs.parameters.r}}}}'",
            "volumeMounts": [{"name": "shared", "mountPath": "/shared"}],
        },
    }
    arguments = {
        "parameters": [
            {"name": "p", "value": "{{steps.gen.outputs.parameters.p}}"},
            {"name": "r", "value": "{{steps.gen.outputs.result}}"},
        ]
    }
    steps = {
        "name": "main",
        "steps": [
            [{"name": "gen", "template": "gen"}],
            [{"name": "use", "template": "use", "arguments": arguments}],
        ],
    }
    volume = {"name": "shared", "hostPath": {"path": str(shared), "type": "Directory"}}
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"entrypoint": "main", "volumes": [volume], "templates": [steps, gen, use]},
    }


def outputs(wf: Obj) -> dict[str, Any]:
    """Each node's outputs, by display name (the steps' pods only have them)."""
    nodes = wf["status"]["nodes"].values()
    return {n["displayName"]: n.get("outputs") for n in nodes if n.get("type") == "Pod"}


async def test_a_succeeded_workflow_loses_its_results_and_keeps_its_outputs(stack: Stack) -> None:
    name = await stack.submit(workflow("two", stack.shared))
    done = await stack.finished(name)
    assert done["status"]["phase"] == "Succeeded"
    await stack.settled(name)
    wf = await stack.get(name)
    got = outputs(wf)
    assert got == outputs(done)
    assert got["gen"]["parameters"][0]["value"] == "hello"
    assert got["gen"]["result"] == "made"
    assert got["use"]["result"] == "hello-made"
    # Nothing was written after the completing write: its own task results' deletion
    # brought no write, and a pass over the done workflow now changes nothing either.
    assert wf["metadata"]["resourceVersion"] == done["metadata"]["resourceVersion"]
    assert stack.controller is not None
    metrics = stack.controller.metrics
    writes, passes = metrics.writes, metrics.passes
    stack.controller.queue.add(f"default/{name}")
    await stack.settled(name, passes_over=passes)
    assert metrics.writes == writes
    again = await stack.get(name)
    assert again["metadata"]["resourceVersion"] == done["metadata"]["resourceVersion"]


async def test_a_retry_after_the_results_went_still_hands_on_the_outputs(stack: Stack) -> None:
    name = await stack.submit(workflow("retried", stack.shared, second="test -f /shared/ok"))
    failed = await stack.finished(name)
    assert failed["status"]["phase"] == "Failed"
    await stack.settled(name)
    assert outputs(await stack.get(name))["gen"]["parameters"][0]["value"] == "hello"
    (stack.shared / "ok").write_text("")
    async with stack.api.put(f"/api/v1/workflows/default/{name}/retry", json={}) as r:
        assert r.status == 200, await r.text()
    wf = await stack.finished(name)
    assert wf["status"]["phase"] == "Succeeded", wf["status"].get("message")
    got = outputs(wf)
    assert got["gen"] == outputs(failed)["gen"]  # gen did not run again
    assert got["use"]["result"] == "hello-made"
    await stack.settled(name)


async def test_another_workflows_results_are_left_alone(stack: Stack) -> None:
    # `wf-2` is held at a suspend step after its first step reported
    other = workflow("wf-2", stack.shared)
    other["spec"]["templates"].append({"name": "hold", "suspend": {}})
    other["spec"]["templates"][0]["steps"].insert(1, [{"name": "hold", "template": "hold"}])
    await stack.submit(other)

    async def reported() -> list[str]:
        return await stack.results("wf-2")

    held = await eventually(reported)
    await stack.submit(workflow("wf", stack.shared))
    assert (await stack.finished("wf"))["status"]["phase"] == "Succeeded"
    await stack.settled("wf")
    assert await stack.results("wf-2") == held
    assert (await stack.get("wf-2"))["status"]["phase"] == "Running"


async def test_a_restarted_controller_sweeps_a_done_workflows_results(stack: Stack) -> None:
    name = await stack.submit(workflow("late", stack.shared))
    assert (await stack.finished(name))["status"]["phase"] == "Succeeded"
    await stack.settled(name)
    await stack.stop_controller()
    # a report that came after the deletion, or one a failed deletion left
    late: Obj = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "WorkflowTaskResult",
        "metadata": {"name": "late-1", "namespace": "default", "labels": {LABEL: name}},
    }
    await stack.kube.create("WorkflowTaskResult", late)
    before = (await stack.get(name))["metadata"]["resourceVersion"]
    await stack.start_controller()
    await stack.settled(name)
    assert (await stack.get(name))["metadata"]["resourceVersion"] == before
