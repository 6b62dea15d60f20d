"""Informer: list then watch, surviving watch timeouts and relisting after 410 Gone."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from argoapp.kube.client import Kube
from argoapp.kube.informer import Informer
from argoapp.model.types import Obj

from .conftest import StartLocalKube, configmap

Seen = list[tuple[str, str, str]]


def recorder(seen: Seen) -> Callable[[str, Obj, Obj | None], None]:
    def on_event(kind: str, obj: Obj, old: Obj | None) -> None:
        seen.append((kind, obj["metadata"]["name"], (obj.get("data") or {}).get("v", "")))

    return on_event


@asynccontextmanager
async def running(informer: Informer) -> AsyncIterator[Informer]:
    task = asyncio.create_task(informer.run(), name="informer")
    try:
        await informer.wait_synced()
        yield informer
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def until(check: Callable[[], bool]) -> None:
    """Wait for `check()` to hold: the informer's effects arrive on this loop, asynchronously."""
    while not check():  # noqa: ASYNC110 - the condition is the informer's state, not an event
        await asyncio.sleep(0.02)


async def test_informer_lists_then_follows_across_watch_timeouts(kube: Kube) -> None:
    await kube.create("ConfigMap", configmap("before", v="0"))
    seen: Seen = []
    informer = Informer(
        kube, "ConfigMap", namespace="default", on_event=recorder(seen), timeout_seconds=1
    )
    async with running(informer):
        assert seen == [("ADDED", "before", "0")]
        assert informer.get("default", "before") is not None
        for i in range(1, 4):
            await kube.patch("ConfigMap", "before", {"data": {"v": str(i)}}, "default")
            await asyncio.sleep(0.7)  # let watches time out between changes
        await kube.create("ConfigMap", configmap("after", v="x"))
        await kube.delete("ConfigMap", "before", "default")
        await until(lambda: len(seen) == 6)
        await asyncio.sleep(1.5)  # another watch timeout must not replay anything
    assert seen == [
        ("ADDED", "before", "0"),
        ("MODIFIED", "before", "1"),
        ("MODIFIED", "before", "2"),
        ("MODIFIED", "before", "3"),
        ("ADDED", "after", "x"),
        ("DELETED", "before", "3"),
    ]
    assert [o["metadata"]["name"] for o in informer.items()] == ["after"]


async def test_informer_relists_after_gone_with_synthetic_events(
    start_localkube: StartLocalKube,
) -> None:
    cluster = await start_localkube(history=10)
    async with await Kube.connect(cluster.kubeconfig) as kube:
        await kube.create("ConfigMap", configmap("keep", v="0"))
        await kube.create("ConfigMap", configmap("change", v="0"))
        await kube.create("ConfigMap", configmap("drop", v="0"))
        seen: Seen = []
        informer = Informer(kube, "ConfigMap", namespace="default", on_event=recorder(seen))
        # Sync, then stop following so the cluster moves on past the kept history.
        async with running(informer):
            pass
        seen.clear()
        await kube.patch("ConfigMap", "change", {"data": {"v": "1"}}, "default")
        await kube.delete("ConfigMap", "drop", "default")
        await kube.create("ConfigMap", configmap("new", v="n"))
        await kube.create("ConfigMap", configmap("churn", "argo"))
        for i in range(510):
            await kube.patch("ConfigMap", "churn", {"data": {"i": str(i)}}, "argo")
        async with running(informer):
            await until(lambda: informer.relists == 2)
        assert sorted(seen) == [
            ("ADDED", "new", "n"),
            ("DELETED", "drop", "0"),
            ("MODIFIED", "change", "1"),
        ]
        assert sorted(informer.cache) == ["default/change", "default/keep", "default/new"]


async def test_label_selector_reports_leaving_and_joining(kube: Kube) -> None:
    seen: Seen = []
    informer = Informer(
        kube, "ConfigMap", namespace="default", label_selector="team=a", on_event=recorder(seen)
    )
    async with running(informer):
        made = configmap("c", v="1")
        made["metadata"]["labels"] = {"team": "a"}  # type: ignore[index]
        await kube.create("ConfigMap", made)
        await kube.patch("ConfigMap", "c", {"metadata": {"labels": {"team": "b"}}}, "default")
        await kube.patch("ConfigMap", "c", {"metadata": {"labels": {"team": "a"}}}, "default")
        await until(lambda: len(seen) == 3)
    assert [kind for kind, _, _ in seen] == ["ADDED", "DELETED", "ADDED"]
    assert list(informer.cache) == ["default/c"]


async def test_bookmarks_advance_the_resource_version(start_localkube: StartLocalKube) -> None:
    cluster = await start_localkube(bookmark_interval=0.1)
    async with await Kube.connect(cluster.kubeconfig) as kube:
        seen: Seen = []
        informer = Informer(kube, "ConfigMap", namespace="default", on_event=recorder(seen))
        async with running(informer):
            listed = int(informer.resource_version)
            for i in range(3):
                await kube.create("ConfigMap", configmap(f"elsewhere{i}", "argo"))
            await until(lambda: int(informer.resource_version) >= listed + 3)
        assert seen == []


async def test_transform_shapes_what_is_cached_and_reported(kube: Kube) -> None:
    await kube.create("ConfigMap", configmap("kept", v="1", big="x" * 1000), "default")

    def trim(obj: Obj) -> Obj:
        return {**obj, "data": {"v": (obj.get("data") or {}).get("v", "")}}

    seen: Seen = []
    informer = Informer(
        kube, "ConfigMap", namespace="default", on_event=recorder(seen), transform=trim
    )
    async with running(informer):
        assert informer.get("default", "kept")["data"] == {"v": "1"}  # listed, then trimmed
        await kube.create("ConfigMap", configmap("later", v="2", big="y" * 1000), "default")
        await until(lambda: informer.get("default", "later") is not None)
        assert informer.get("default", "later")["data"] == {"v": "2"}  # watched, then trimmed
    assert ("ADDED", "later", "2") in seen
