"""`InProcessKube.watch` against `Kube.watch`, side by side on one real localkube.

Both clients watch the same object service (one through the real HTTPS API server, one in
process) and must yield the same (type, object) sequence: initial ADDED events and the
initial-events-end BOOKMARK, changes, selector transitions, periodic BOOKMARKs, `Gone` for a
compacted resourceVersion, and the end of the watch on timeout or when localkube closes it.
Objects a watch yields belong to its caller: changing them changes nothing elsewhere.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

import pytest

from argoapp.kube.client import Kube
from argoapp.kube.errors import Gone, KubeError
from argoapp.localkube import resources
from argoapp.localkube.inproc import InProcessKube
from argoapp.model.types import Obj

from .harness import KubeServer, StartKube

Pair = tuple[Kube, InProcessKube]
Event = tuple[str, Obj]
GUARD = 30  # seconds: only so that a broken watch fails the test instead of hanging it


@contextlib.asynccontextmanager
async def clients(server: KubeServer) -> AsyncIterator[Pair]:
    http = await Kube.connect(server.kubeconfig)
    inproc = InProcessKube(server.service, host=server.url)
    try:
        yield http, inproc
    finally:
        await http.close()
        await inproc.close()


@pytest.fixture
async def pair(kube: KubeServer) -> AsyncIterator[Pair]:
    async with clients(kube) as both:
        yield both


async def _take(stream: AsyncGenerator[Event, None], count: int) -> list[Event]:
    async with asyncio.timeout(GUARD):
        return [await anext(stream) for _ in range(count)]


async def _all(stream: AsyncGenerator[Event, None]) -> list[Event]:
    async with asyncio.timeout(GUARD), contextlib.aclosing(stream):
        return [event async for event in stream]


def _cm(name: str, **labels: str) -> Obj:
    return {"metadata": {"name": name, "labels": labels}, "data": {"k": name}}


async def test_the_same_events_from_now_and_from_a_resource_version(pair: Pair) -> None:
    http, inproc = pair
    for name in ("a", "b"):
        await http.create("ConfigMap", _cm(name), "default")
    start_rv = (await http.list("ConfigMap", "default"))["metadata"]["resourceVersion"]
    streams = [c.watch("ConfigMap", "default") for c in pair]
    resumed = [c.watch("ConfigMap", "default", resource_version=start_rv) for c in pair]
    try:
        initial = [await _take(s, 3) for s in streams]
        assert initial[0] == initial[1]
        assert [t for t, _ in initial[1]] == ["ADDED", "ADDED", "BOOKMARK"]
        annotations = initial[1][2][1]["metadata"]["annotations"]
        assert annotations == {"k8s.io/initial-events-end": "true"}
        await inproc.create("ConfigMap", _cm("c"), "default")
        await http.patch("ConfigMap", "a", {"data": {"k": "changed"}}, "default")
        await inproc.delete("ConfigMap", "b", "default")
        await http.create("ConfigMap", _cm("elsewhere"), "argo")
        changes = [await _take(s, 3) for s in (*streams, *resumed)]
        assert changes[0] == changes[1] == changes[2] == changes[3]
        assert [(t, o["metadata"]["name"]) for t, o in changes[0]] == [
            ("ADDED", "c"),
            ("MODIFIED", "a"),
            ("DELETED", "b"),
        ]
    finally:
        for s in (*streams, *resumed):
            await s.aclose()


async def test_selectors_turn_changes_into_added_and_deleted_alike(pair: Pair) -> None:
    http, inproc = pair
    await http.create("ConfigMap", _cm("x", app="yes"), "default")
    rv = (await http.list("ConfigMap", "default"))["metadata"]["resourceVersion"]
    streams = [
        c.watch("ConfigMap", "default", label_selector="app=yes", resource_version=rv) for c in pair
    ]
    try:
        await inproc.patch("ConfigMap", "x", {"metadata": {"labels": {"app": "no"}}}, "default")
        await http.patch("ConfigMap", "x", {"metadata": {"labels": {"app": "yes"}}}, "default")
        seen = [await _take(s, 2) for s in streams]
        assert seen[0] == seen[1]
        assert [t for t, _ in seen[0]] == ["DELETED", "ADDED"]
    finally:
        for s in streams:
            await s.aclose()


async def test_periodic_bookmarks_alike(pair: Pair, kube: KubeServer) -> None:
    kube.service.bookmark_interval = 0.05
    rv = (await pair[0].list("ConfigMap", "default"))["metadata"]["resourceVersion"]
    streams = [c.watch("ConfigMap", "default", resource_version=rv) for c in pair]
    try:
        marks = [await _take(s, 1) for s in streams]
        assert (
            marks[0]
            == marks[1]
            == [
                (
                    "BOOKMARK",
                    {"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"resourceVersion": rv}},
                )
            ]
        )
    finally:
        for s in streams:
            await s.aclose()


async def test_bookmarks_move_on_with_other_kinds_writes(pair: Pair, kube: KubeServer) -> None:
    """A watch is handed only its own kind's events, yet its bookmarks still say how far the
    whole API has gone (so a watch resumed from one replays nothing it has seen)."""
    rv = (await pair[0].list("ConfigMap", "default"))["metadata"]["resourceVersion"]
    streams = [c.watch("ConfigMap", "default", resource_version=rv) for c in pair]
    try:
        secret = await pair[1].create("Secret", {"metadata": {"name": "s"}}, "default")
        kube.service.bookmark_interval = 0.05  # the watches open at their first read, after it
        marks = [await _take(s, 1) for s in streams]
        newest = secret["metadata"]["resourceVersion"]
        assert int(newest) > int(rv)
        for mark in marks:
            assert mark[0][0] == "BOOKMARK"
            assert mark[0][1]["metadata"]["resourceVersion"] == newest
    finally:
        for s in streams:
            await s.aclose()


async def test_a_compacted_resource_version_is_gone_alike(start_kube: StartKube) -> None:
    server = await start_kube(history=10)
    # History is compacted as the resourceVersion crosses a multiple of 500.
    for i in range(510):
        await server.service.create(resources.CONFIGMAPS, "default", _cm(f"cm{i}"))
    async with clients(server) as pair:
        errors: list[KubeError] = []
        for client in pair:
            with pytest.raises(Gone) as info:
                await _all(client.watch("ConfigMap", "default", resource_version="5"))
            errors.append(info.value)
        assert [(e.status, e.reason, e.message) for e in errors] == [
            (410, "Expired", "too old resource version: 5")
        ] * 2
        assert pair[0].request_counts == pair[1].request_counts == {("ConfigMap", "watch", 200): 1}


async def test_watches_end_on_timeout_alike(pair: Pair) -> None:
    rv = (await pair[0].list("ConfigMap", "default"))["metadata"]["resourceVersion"]
    ended = [
        await _all(c.watch("ConfigMap", "default", resource_version=rv, timeout_seconds=1))
        for c in pair
    ]
    assert ended == [[], []]


async def test_watches_end_when_localkube_ends_them(start_kube: StartKube) -> None:
    server = await start_kube()
    async with clients(server) as pair:
        rv = (await pair[0].list("ConfigMap", "default"))["metadata"]["resourceVersion"]
        streams = [c.watch("ConfigMap", "default", resource_version=rv) for c in pair]
        firsts = [asyncio.ensure_future(anext(s, None)) for s in streams]
        await pair[1].create("ConfigMap", _cm("last"), "default")
        server.service.bus.close()
        async with asyncio.timeout(GUARD):
            got = await asyncio.gather(*firsts)
        assert got[0] == got[1] and got[1] is not None and got[1][0] == "ADDED"
        rests = [await _all(s) for s in streams]
        assert rests == [[], []]


async def _next_object(stream: AsyncGenerator[Event, None]) -> Obj:
    (_type, obj), *_ = await _take(stream, 1)
    return obj


async def test_watched_and_returned_objects_are_each_their_own(kube: KubeServer) -> None:
    inproc = InProcessKube(kube.service)
    other = InProcessKube(kube.service)
    rv = (await inproc.list("ConfigMap", "default"))["metadata"]["resourceVersion"]
    watches: list[Any] = [
        inproc.watch("ConfigMap", "default", resource_version=rv),
        other.watch("ConfigMap", "default", resource_version=rv),
    ]
    try:
        await inproc.create("ConfigMap", _cm("w"), "default")
        for w in watches:  # once each has seen a change, the next comes live from the bus
            await _next_object(w)
        patched = await inproc.patch("ConfigMap", "w", {"data": {"k": "live"}}, "default")
        patched["data"]["k"] = "changed by the writer"
        first = await _next_object(watches[0])
        assert first["data"] == {"k": "live"}
        first["data"]["k"] = "changed by the first watcher"
        second = await _next_object(watches[1])
        assert second["data"] == {"k": "live"}
        assert second is not first
        assert (await inproc.get("ConfigMap", "w", "default"))["data"] == {"k": "live"}
    finally:
        for w in watches:
            await w.aclose()
        await inproc.close()
        await other.close()


async def test_initial_objects_are_not_shared_either(kube: KubeServer) -> None:
    async with clients(kube) as (http, inproc):
        await http.create("ConfigMap", _cm("i"), "default")
        streams: list[Any] = [inproc.watch("ConfigMap", "default") for _ in range(2)]
        try:
            a, b = [await _next_object(s) for s in streams]
            a["data"]["k"] = "mine"
            assert b["data"] == {"k": "i"}
        finally:
            for s in streams:
                await s.aclose()


async def test_events_the_caller_has_seen_are_dropped_alike(pair: Pair) -> None:
    http, inproc = pair
    rv = (await http.list("ConfigMap", "default"))["metadata"]["resourceVersion"]
    known: set[str] = set()

    def seen(obj: Obj) -> bool:
        return str(obj["metadata"]["resourceVersion"]) in known

    streams = [c.watch("ConfigMap", "default", resource_version=rv, seen=seen) for c in pair]
    try:
        mine = await inproc.create("ConfigMap", _cm("mine"), "default")
        known.add(mine["metadata"]["resourceVersion"])  # as an informer caches its own write
        await http.create("ConfigMap", _cm("theirs"), "default")
        await inproc.delete("ConfigMap", "mine", "default")
        got = [await _take(s, 2) for s in streams]
        assert got[0] == got[1]
        assert [(t, o["metadata"]["name"]) for t, o in got[0]] == [
            ("ADDED", "theirs"),
            ("DELETED", "mine"),
        ]
    finally:
        for s in streams:
            await s.aclose()


async def test_transformed_events_alike_and_their_own(pair: Pair) -> None:
    """`transform` makes what is handed over of each event, over HTTP and in process alike;
    in process only what it keeps is copied, and still nothing is shared with other
    watchers (the transform keeps `data` by reference)."""
    rv = (await pair[0].list("ConfigMap", "default"))["metadata"]["resourceVersion"]

    def slim(obj: Obj) -> Obj:
        return {"metadata": obj["metadata"], "data": obj["data"]}

    plain = pair[1].watch("ConfigMap", "default", resource_version=rv)
    streams = [c.watch("ConfigMap", "default", resource_version=rv, transform=slim) for c in pair]
    try:
        await pair[1].create("ConfigMap", _cm("warm"), "default")
        for s in [*streams, plain]:  # once each has seen a change, the next come live
            await _take(s, 1)
        await pair[1].create("ConfigMap", _cm("t"), "default")
        await pair[1].patch("ConfigMap", "t", {"data": {"k": "live"}}, "default")
        await pair[1].delete("ConfigMap", "t", "default")
        got = [await _take(s, 3) for s in streams]
        assert got[0] == got[1]
        assert [t for t, _ in got[0]] == ["ADDED", "MODIFIED", "DELETED"]
        assert all(set(o) == {"metadata", "data"} for _, o in got[1])
        got[1][1][1]["data"]["k"] = "changed by the slim watcher"
        untouched = await _take(plain, 3)
        assert untouched[1][1]["data"] == {"k": "live"}
        assert untouched[1][1]["kind"] == "ConfigMap"
    finally:
        for s in [*streams, plain]:
            await s.aclose()
