"""A workflow list without a limit (or with a big one) is taken from the merge and encoded a
bounded slice at a time (audit finding 8): the answer is the same whole list, but no step asks
the archive for more than a page, and the loop turns between the slices."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from argoapp.kube.client import Kube
from argoapp.server import context, workflows
from argoapp.store import Store
from argoapp.store.archive import ArchiveQuery

from .test_archived_merge import archive, live, names


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch, store: Store) -> list[int]:
    """Pages of 3 and slices of 2; the archive limits the server asked for."""
    monkeypatch.setattr(workflows, "LIST_PAGE", 3, raising=False)
    monkeypatch.setattr(context, "ENCODE_SLICE", 2, raising=False)
    asked: list[int] = []
    real = store.archive_rows

    async def archive_rows(query: ArchiveQuery, limit: int = 0) -> list[Any]:
        asked.append(limit)  # a recording wrapper around the real store call
        return await real(query, limit)

    monkeypatch.setattr(store, "archive_rows", archive_rows)
    return asked


async def _fill(kube: Kube, store: Store) -> list[str]:
    """Two live workflows and eight archived ones; their names in list order."""
    await live(kube, "running")
    await live(kube, "done", "00:47")
    for i in range(8):
        await archive(store, f"arch-{i}", f"00:{50 - i * 5:02d}")
    order = [f"arch-{i}" for i in range(8)]
    return ["running", "arch-0", "done", *order[1:]]


async def test_an_unlimited_list_is_whole_but_taken_in_pages(
    api: TestClient[Any, Any], kube: Kube, store: Store, small_pages: list[int]
) -> None:
    expected = await _fill(kube, store)
    got, meta = await names(api)
    assert got == expected and "continue" not in meta
    assert small_pages and all(0 < limit <= 4 for limit in small_pages)


async def test_a_big_limit_is_honoured_across_pages(
    api: TestClient[Any, Any], kube: Kube, store: Store, small_pages: list[int]
) -> None:
    expected = await _fill(kube, store)
    got, meta = await names(api, **{"listOptions.limit": "7", "fields": "-items.status"})
    assert got == expected[:7] and meta["continue"]
    rest, meta = await names(api, **{"listOptions.continue": meta["continue"]})
    assert rest == expected[7:] and "continue" not in meta
    remaining = {"listOptions.fieldSelector": "ext.showRemainingItemCount=true"}
    _, meta = await names(api, **{"listOptions.limit": "7", **remaining})
    assert meta["remainingItemCount"] == len(expected) - 7
    assert all(0 < limit <= 4 for limit in small_pages)


async def test_the_loop_turns_while_a_list_is_encoded(
    api: TestClient[Any, Any], kube: Kube, store: Store, small_pages: list[int]
) -> None:
    await _fill(kube, store)
    turns = 0
    done = asyncio.Event()

    async def count() -> None:
        nonlocal turns
        while not done.is_set():
            turns += 1
            await asyncio.sleep(0)

    counter = asyncio.create_task(count())
    try:
        before = turns
        await context.list_response({}, [{"n": i} for i in range(10)], workflows.Fields(""))
        during = turns - before
    finally:
        done.set()
        await counter
    assert during >= 4  # five slices of two: the loop ran between them
