"""The workflow list merges live and archived workflows: newest first, each workflow once (the
live copy when it is both), the same filters on both, keyset pages across the boundary; and a
get of a workflow that is only archived falls back to the archive."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from argoapp.kube.client import Kube
from argoapp.store import Store

from .docs import workflow

NS = "argo"


async def live(kube: Kube, name: str, finished: str = "", **labels: str) -> dict[str, Any]:
    """A live workflow; finished at `finished` (HH:MM on 2026-01-01) when given."""
    created = await kube.create("Workflow", {**workflow(name, **labels)}, NS)
    if finished:
        created["status"] = {
            "phase": "Succeeded",
            "startedAt": "2026-01-01T00:00:00Z",
            "finishedAt": f"2026-01-01T{finished}:00Z",
        }
        created = await kube.replace("Workflow", created, NS)
    return created


async def archive(store: Store, name: str, finished: str, uid: str = "", **labels: str) -> None:
    wf = workflow(name, **labels)
    wf["metadata"].update(namespace=NS, uid=uid or f"uid-{name}")
    wf["metadata"]["creationTimestamp"] = "2026-01-01T00:00:00Z"
    wf["status"] = {"phase": "Succeeded", "finishedAt": f"2026-01-01T{finished}:00Z"}
    await store.archive_put(wf)


async def names(api: TestClient[Any, Any], **params: str) -> tuple[list[str], dict[str, Any]]:
    resp = await api.get(f"/api/v1/workflows/{NS}", params=params)
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    return [i["metadata"]["name"] for i in body["items"]], body["metadata"]


async def test_merged_newest_first_and_once(
    api: TestClient[Any, Any], kube: Kube, store: Store
) -> None:
    await live(kube, "running", team="a")
    both = await live(kube, "both", "00:30", team="a")
    await live(kube, "live-done", "00:20", team="b")
    await archive(store, "arch-new", "00:25", team="a")
    await archive(store, "arch-old", "00:05", team="b")
    # An archived copy of a live workflow (archived, not yet garbage-collected): shown once.
    await archive(store, "both", "00:30", uid=both["metadata"]["uid"], team="a", stale="yes")
    got, meta = await names(api)
    assert got == ["running", "both", "arch-new", "live-done", "arch-old"]
    assert "continue" not in meta
    resp = await api.get(f"/api/v1/workflows/{NS}", params={"fields": "items.metadata.labels"})
    labels = [i["metadata"].get("labels", {}) for i in (await resp.json())["items"]]
    assert all("stale" not in lab for lab in labels)  # the live copy, not the archived one
    got, _ = await names(api, **{"listOptions.labelSelector": "team=a"})
    assert got == ["running", "both", "arch-new"]
    got, _ = await names(api, **{"listOptions.fieldSelector": "metadata.name=arch-old"})
    assert got == ["arch-old"]
    got, _ = await names(api, **{"listOptions.fieldSelector": "metadata.namespace=default"})
    assert got == []


async def test_pages_cross_from_live_to_archived(
    api: TestClient[Any, Any], kube: Kube, store: Store
) -> None:
    await live(kube, "r1")
    await live(kube, "d1", "00:40")
    for i, minute in enumerate(("00:50", "00:30", "00:20", "00:10")):
        await archive(store, f"a{i}", minute)
    seen: list[str] = []
    params = {
        "listOptions.limit": "2",
        "listOptions.fieldSelector": "ext.showRemainingItemCount=true",
    }
    remaining: list[int] = []
    while True:
        page, meta = await names(api, **params)
        seen += page
        remaining.append(meta["remainingItemCount"])
        if not meta.get("continue"):
            break
        params["listOptions.continue"] = meta["continue"]
    assert seen == ["r1", "a0", "d1", "a1", "a2", "a3"]
    assert remaining == [4, 2, 0]
    resp = await api.get(f"/api/v1/workflows/{NS}", params={"listOptions.continue": "x!"})
    assert resp.status == 400 and (await resp.json())["code"] == 3


async def test_get_falls_back_to_the_archive(api: TestClient[Any, Any], store: Store) -> None:
    await archive(store, "gone", "00:10")
    resp = await api.get(f"/api/v1/workflows/{NS}/gone")
    assert resp.status == 200
    body = await resp.json()
    assert body["metadata"]["uid"] == "uid-gone"
    assert body["status"]["finishedAt"] == "2026-01-01T00:10:00Z"
    resp = await api.get(f"/api/v1/workflows/{NS}/never")
    assert resp.status == 404 and (await resp.json())["code"] == 5
