"""Watch streams: committed events fanned out to every open watch, with replay.

`WatchBus.publish` is called on the event loop with each transaction's events, in commit order
(see `storage`). A `Watch` subscribes to the bus before it reads history, so nothing committed
in between is lost, and drops what it has already sent by resourceVersion. Label and field
selectors follow the real API: an object that stops matching is sent as DELETED, one that
starts matching as ADDED.

A watch ends when the client closes it, on `WatchBus.close()` (shutdown), or with one ERROR
event when its resourceVersion is older than the kept history (410 Expired).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from argoapp.localkube.errors import Gone
from argoapp.localkube.resources import Resource
from argoapp.localkube.storage import Event

Obj = dict[str, Any]
Matcher = Callable[[Obj], bool]
_CLOSED = object()


# A watch this far behind is ended, like the real API server drops a slow watcher; its client
# resumes from the last resourceVersion it saw, which the history replays.
MAX_BACKLOG = 10_000


class WatchBus:
    """Hands committed events to open watches."""

    def __init__(self, max_backlog: int = MAX_BACKLOG) -> None:
        self._queues: set[asyncio.Queue[object]] = set()
        self.closed = False
        self.max_backlog = max_backlog

    def subscribe(self) -> asyncio.Queue[object]:
        queue: asyncio.Queue[object] = asyncio.Queue()
        if self.closed:
            queue.put_nowait(_CLOSED)
        self._queues.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[object]) -> None:
        self._queues.discard(queue)

    def publish(self, events: list[Event]) -> None:
        for queue in list(self._queues):
            if queue.qsize() + len(events) > self.max_backlog:
                self._queues.discard(queue)
                queue.put_nowait(_CLOSED)
                continue
            for event in events:
                queue.put_nowait(event)

    def close(self) -> None:
        """End every open watch (shutdown)."""
        self.closed = True
        for queue in self._queues:
            queue.put_nowait(_CLOSED)


# (after_rv) -> (events after it, or None when compacted); and () -> (objects, list rv).
Replay = Callable[[int], Awaitable[list[Event] | None]]
Snapshot = Callable[[], Awaitable[tuple[list[Obj], int]]]


class Watch:
    """One open watch: iterate for `{"type", "object"}` events; `close()` to end it."""

    def __init__(
        self,
        bus: WatchBus,
        res: Resource,
        namespace: str | None,
        *,
        matches: Matcher,
        resource_version: str,
        initial: bool,
        replay: Replay,
        snapshot: Snapshot,
        bookmarks: bool,
        bookmark_interval: float,
    ) -> None:
        self._bus, self._res, self._namespace = bus, res, namespace
        self._matches = matches
        self._rv_arg, self._initial = resource_version, initial
        self._replay, self._snapshot = replay, snapshot
        self._bookmarks, self._interval = bookmarks, bookmark_interval
        self._queue = bus.subscribe()
        self._last = 0

    def close(self) -> None:
        """End the watch; safe before, during or after iteration."""
        self._bus.unsubscribe(self._queue)
        self._queue.put_nowait(_CLOSED)

    def __aiter__(self) -> AsyncIterator[Obj]:
        return self._events()

    async def _events(self) -> AsyncIterator[Obj]:
        try:
            async for first in self._start():
                yield first
                if first["type"] == "ERROR":
                    return
            while True:
                item = await self._next()
                if item is _CLOSED:
                    return
                if not isinstance(item, Event):
                    yield self._bookmark()
                    continue
                out = self._translate(item)
                if out:
                    yield out
        finally:
            self._bus.unsubscribe(self._queue)

    async def _next(self) -> object:
        if not self._bookmarks:
            return await self._queue.get()
        try:
            async with asyncio.timeout(self._interval):
                return await self._queue.get()
        except TimeoutError:
            return None

    async def _start(self) -> AsyncIterator[Obj]:
        if self._initial:
            objects, rv = await self._snapshot()
            for obj in objects:
                yield {"type": "ADDED", "object": obj}
            self._last = rv
            if self._bookmarks:
                mark = self._bookmark()
                mark["object"]["metadata"]["annotations"] = {"k8s.io/initial-events-end": "true"}
                yield mark
            return
        self._last = int(self._rv_arg)
        events = await self._replay(self._last)
        if events is None:
            gone = Gone(f"too old resource version: {self._rv_arg}")
            yield {"type": "ERROR", "object": gone.status()}
            self.close()
            return
        for event in events:
            out = self._translate(event)
            if out:
                yield out

    def _in_scope(self, event: Event) -> bool:
        if event.res != self._res.key:
            return False
        return self._namespace is None or event.namespace == self._namespace

    def _translate(self, event: Event) -> Obj | None:
        if event.rv <= self._last:
            return None
        self._last = event.rv  # out-of-scope events still move the stream's position on
        if not self._in_scope(event):
            return None
        now = self._matches(event.obj)
        before = now if event.old is None else self._matches(event.old)
        kind = event.type
        if kind == "MODIFIED" and now != before:
            kind = "ADDED" if now else "DELETED"
        elif not now:
            return None
        return {"type": kind, "object": event.obj}

    def _bookmark(self) -> Obj:
        return {
            "type": "BOOKMARK",
            "object": {
                "kind": self._res.kind,
                "apiVersion": self._res.group_version,
                "metadata": {"resourceVersion": str(self._last)},
            },
        }
