"""Kube.watch against localkube: events in order, resume from a resourceVersion, 410 Gone."""

from __future__ import annotations

import contextlib

import pytest

from argoapp.kube.client import Kube
from argoapp.kube.errors import Gone, TooLarge
from argoapp.model.types import Obj

from .conftest import StartLocalKube, configmap, workflow


async def collect(kube: Kube, n: int, **kw: object) -> list[tuple[str, Obj]]:
    """The first `n` non-bookmark events of a watch."""
    out: list[tuple[str, Obj]] = []
    async with contextlib.aclosing(kube.watch("ConfigMap", "default", **kw)) as stream:  # type: ignore[arg-type]
        async for kind, obj in stream:
            if kind != "BOOKMARK":
                out.append((kind, obj))
            if len(out) == n:
                break
    return out


async def test_watch_resumes_from_a_resource_version(kube: Kube) -> None:
    start = (await kube.list("ConfigMap", "default"))["metadata"]["resourceVersion"]
    await kube.create("ConfigMap", configmap("a"))
    await kube.patch("ConfigMap", "a", {"data": {"x": "1"}}, "default")
    await kube.delete("ConfigMap", "a", "default")
    events = await collect(kube, 3, resource_version=start)
    assert [k for k, _ in events] == ["ADDED", "MODIFIED", "DELETED"]
    # Resuming from the middle replays only what came after it.
    middle = events[0][1]["metadata"]["resourceVersion"]
    rest = await collect(kube, 2, resource_version=middle)
    assert [k for k, _ in rest] == ["MODIFIED", "DELETED"]
    assert rest[0][1]["data"] == {"x": "1"}


async def test_watch_ends_at_its_timeout(kube: Kube) -> None:
    rv = (await kube.list("ConfigMap", "default"))["metadata"]["resourceVersion"]
    seen = [
        e async for e in kube.watch("ConfigMap", "default", resource_version=rv, timeout_seconds=1)
    ]
    assert all(kind == "BOOKMARK" for kind, _ in seen)


async def test_watch_from_a_compacted_version_is_gone(start_localkube: StartLocalKube) -> None:
    cluster = await start_localkube(history=10)
    async with await Kube.connect(cluster.kubeconfig) as kube:
        old = (await kube.list("ConfigMap", "default"))["metadata"]["resourceVersion"]
        await kube.create("ConfigMap", configmap("churn"))
        for i in range(510):  # compaction runs each 500 resourceVersions
            await kube.patch("ConfigMap", "churn", {"data": {"i": str(i)}}, "default")
        with pytest.raises(Gone) as gone:
            await collect(kube, 1, resource_version=old)
        assert gone.value.status == 410


async def test_megabyte_objects_travel_whole_and_oversized_ones_are_refused(kube: Kube) -> None:
    rv = (await kube.list("Workflow", "default"))["metadata"]["resourceVersion"]
    big = workflow("big")
    nodes = {
        f"big-{i}": {"id": f"big-{i}", "phase": "Succeeded", "message": "x" * 200}
        for i in range(10_000)
    }
    big["status"] = {"nodes": nodes}
    await kube.create("Workflow", big)
    async with contextlib.aclosing(
        kube.watch("Workflow", "default", resource_version=rv)
    ) as stream:
        async for kind, obj in stream:
            if kind == "ADDED":
                assert obj["status"]["nodes"] == nodes
                break
    listed = await kube.list("Workflow", "default")
    assert listed["items"][0]["status"]["nodes"] == nodes
    for i in range(10_000, 16_000):
        nodes[f"big-{i}"] = nodes["big-0"]
    with pytest.raises(TooLarge) as err:
        await kube.create(
            "Workflow",
            {
                **big,
                "metadata": {"name": "huge", "namespace": "default"},
                "status": {"nodes": nodes},
            },
        )
    assert err.value.status == 413
