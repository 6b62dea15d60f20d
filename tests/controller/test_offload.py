"""Large node status goes to the store and comes back before the engine sees the workflow."""

from __future__ import annotations

from datetime import datetime

from argoapp.engine.api import Observed, Result, Settings
from argoapp.kube.client import Kube
from argoapp.model.types import Obj
from argoapp.store import Store

from .conftest import RunController, eventually, with_status, workflow


def big_nodes(count: int) -> Obj:
    return {
        f"big-{i}": {"id": f"big-{i}", "name": f"big[{i}]", "phase": "Succeeded", "pad": "x" * 200}
        for i in range(count)
    }


async def test_nodes_above_the_threshold_are_offloaded_and_hydrated(
    kube: Kube, store: Store, run_controller: RunController
) -> None:
    seen: list[Obj] = []

    def engine(wf: Obj, observed: Observed, now: datetime, settings: Settings) -> Result:
        status = wf.get("status") or {}
        seen.append(status)
        if not status.get("phase"):
            return Result(with_status(wf, phase="Running", nodes=big_nodes(20)))
        if status.get("phase") == "Running" and "touch" in wf["metadata"].get("labels", {}):
            nodes = {**status["nodes"], "small": {"id": "small", "phase": "Succeeded"}}
            return Result(with_status(wf, phase="Succeeded", nodes=nodes))
        return Result(wf)

    await run_controller(engine, offload_threshold=2000)
    await kube.create("Workflow", workflow("large"))

    async def offloaded() -> Obj | None:
        wf = await kube.get("Workflow", "large", "default")
        return wf if wf.get("status", {}).get("offloadNodeStatusVersion") else None

    wf = await eventually(offloaded)
    assert "nodes" not in wf["status"]
    version = wf["status"]["offloadNodeStatusVersion"]
    assert await store.load_nodes(wf["metadata"]["uid"], version) == big_nodes(20)

    await kube.patch("Workflow", "large", {"metadata": {"labels": {"touch": "1"}}}, "default")

    async def succeeded() -> Obj | None:
        wf = await kube.get("Workflow", "large", "default")
        return wf if wf.get("status", {}).get("phase") == "Succeeded" else None

    done = await eventually(succeeded)
    # The engine saw the hydrated nodes, never the version alone.
    assert all("nodes" in status for status in seen if status.get("offloadNodeStatusVersion"))
    new_version = done["status"]["offloadNodeStatusVersion"]
    assert new_version != version
    nodes = await store.load_nodes(done["metadata"]["uid"], new_version)
    assert nodes is not None and "small" in nodes and len(nodes) == 21


async def test_small_nodes_stay_in_the_object(kube: Kube, run_controller: RunController) -> None:
    def engine(wf: Obj, observed: Observed, now: datetime, settings: Settings) -> Result:
        return Result(with_status(wf, phase="Running", nodes=big_nodes(2)))

    controller = await run_controller(engine, offload_threshold=100_000)
    await kube.create("Workflow", workflow("small"))

    async def written() -> Obj | None:
        wf = await kube.get("Workflow", "small", "default")
        return wf if wf.get("status", {}).get("nodes") else None

    wf = await eventually(written)
    assert "offloadNodeStatusVersion" not in wf["status"]
    assert controller.persister.offloads == 0
