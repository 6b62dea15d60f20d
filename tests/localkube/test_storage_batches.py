"""localkube's storage commits calls that arrive together in one batch (group commit), and a
call that fails in a batch undoes only its own changes."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from argoapp.localkube import resources as r
from argoapp.localkube.errors import AlreadyExists
from argoapp.localkube.objects import ObjectService
from argoapp.localkube.storage import Event, Storage, Tx


def _cm(name: str) -> dict[str, object]:
    return {"metadata": {"name": name}, "data": {"k": name}}


async def test_concurrent_writes_each_land_and_a_failure_stays_its_own(tmp_path: Path) -> None:
    service = ObjectService(tmp_path / "kube.db")
    await service.start()
    try:
        await service.create(r.CONFIGMAPS, "default", _cm("taken"))
        names = [f"c{i}" for i in range(20)]
        writes = [service.create(r.CONFIGMAPS, "default", _cm(n)) for n in names]
        writes.insert(10, service.create(r.CONFIGMAPS, "default", _cm("taken")))
        done = await asyncio.gather(*writes, return_exceptions=True)
        assert isinstance(done.pop(10), AlreadyExists)
        versions = [int(d["metadata"]["resourceVersion"]) for d in done]  # type: ignore[index]
        assert versions == sorted(versions) and len(set(versions)) == len(versions)
        listed = await service.list(r.CONFIGMAPS, "default")
        assert sorted(i["metadata"]["name"] for i in listed["items"]) == sorted([*names, "taken"])
    finally:
        await service.close()


async def test_a_failed_call_leaves_no_row_and_no_event(tmp_path: Path) -> None:
    storage = Storage(tmp_path / "s.db")
    seen: list[Event] = []
    storage.on_commit = seen.extend
    await storage.open()
    try:

        def put(name: str, fail: bool) -> object:
            def run(tx: Tx) -> object:
                obj = {"metadata": {"name": name, "namespace": "ns", "uid": name}}
                tx.put("configmaps", obj, None)
                if fail:
                    raise ValueError("no")
                return obj

            return run

        calls = [storage.run(put(f"o{i}", fail=i == 1)) for i in range(3)]
        done = await asyncio.gather(*calls, return_exceptions=True)
        assert isinstance(done[1], ValueError)
        assert [e.obj["metadata"]["name"] for e in seen] == ["o0", "o2"]
        assert [e.rv for e in seen] == [1, 2]
        found = await storage.run(
            lambda tx: [tx.get("configmaps", "ns", f"o{i}") for i in range(3)]
        )
        assert [f is not None for f in found] == [True, False, True]
    finally:
        await storage.close()


@pytest.mark.parametrize("count", [1, 50])
async def test_events_are_published_before_the_call_returns(tmp_path: Path, count: int) -> None:
    storage = Storage(tmp_path / "s.db")
    seen: list[int] = []
    storage.on_commit = lambda events: seen.extend(e.rv for e in events)
    await storage.open()
    try:

        async def write(i: int) -> None:
            obj = {"metadata": {"name": f"o{i}", "namespace": "ns", "uid": f"u{i}"}}
            stored = await storage.run(lambda tx: tx.put("configmaps", obj, None))
            assert int(stored["metadata"]["resourceVersion"]) in seen

        await asyncio.gather(*(write(i) for i in range(count)))
        assert seen == list(range(1, count + 1))
    finally:
        await storage.close()


async def test_a_closed_storage_refuses_calls(tmp_path: Path) -> None:
    storage = Storage(tmp_path / "s.db")
    await storage.open()
    await storage.close()
    for _ in range(2):  # and keeps refusing them (nothing is left waiting)
        with pytest.raises(RuntimeError):
            await storage.run(lambda tx: tx.current_rv())


async def test_a_lone_failed_call_leaves_nothing(tmp_path: Path) -> None:
    storage = Storage(tmp_path / "s.db")
    seen: list[Event] = []
    storage.on_commit = seen.extend
    await storage.open()
    try:

        def failing(tx: Tx) -> None:
            tx.put("configmaps", {"metadata": {"name": "x", "namespace": "ns", "uid": "x"}}, None)
            raise ValueError("no")

        with pytest.raises(ValueError):
            await storage.run(failing)
        assert seen == []
        assert await storage.run(lambda tx: tx.get("configmaps", "ns", "x")) is None
        stored = await storage.run(
            lambda tx: tx.put(
                "configmaps", {"metadata": {"name": "y", "namespace": "ns", "uid": "y"}}, None
            )
        )
        assert stored["metadata"]["resourceVersion"] == "1"  # the failed call took no version
    finally:
        await storage.close()
