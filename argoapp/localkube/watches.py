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
    """Hands committed events to the open watches of their resource.

    A watch gets only its own resource's events (a pod's write does not wake every watch of
    every kind), so `published` says how far the bus has gone: a watch with nothing queued has
    seen everything up to it, which is what its bookmarks say.
    """

    def __init__(self, max_backlog: int = MAX_BACKLOG) -> None:
        self._queues: dict[str, set[asyncio.Queue[object]]] = {}  # by resource key
        self.closed = False
        self.max_backlog = max_backlog
        self.published = 0  # the newest resourceVersion handed out

    def subscribe(self, res_key: str) -> asyncio.Queue[object]:
        """A queue of `res_key`'s committed events from now on."""
        queue: asyncio.Queue[object] = asyncio.Queue()
        if self.closed:
            queue.put_nowait(_CLOSED)
        self._queues.setdefault(res_key, set()).add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[object]) -> None:
        for key, queues in list(self._queues.items()):
            queues.discard(queue)
            if not queues:
                del self._queues[key]

    def publish(self, events: list[Event]) -> None:
        by_res: dict[str, list[Event]] = {}
        for event in events:
            by_res.setdefault(event.res, []).append(event)
        for res_key, mine in by_res.items():
            for queue in list(self._queues.get(res_key, ())):
                if queue.qsize() + len(mine) > self.max_backlog:
                    self.unsubscribe(queue)
                    queue.put_nowait(_CLOSED)
                    continue
                for event in mine:
                    queue.put_nowait(event)
        if events:
            self.published = max(self.published, events[-1].rv)

    def close(self) -> None:
        """End every open watch (shutdown)."""
        self.closed = True
        for queues in self._queues.values():
            for queue in queues:
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
        self._queue = bus.subscribe(res.key)
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
                    if self._queue.empty():
                        # Every event of the resource up to what the bus has published has
                        # been seen (other resources' events never come here).
                        self._last = max(self._last, self._bus.published)
                    yield self._bookmark()
                    continue
                out = self._translate(item)
                if out:
                    yield out
        finally:
            self._bus.unsubscribe(self._queue)

    async def _next(self) -> object:
        if not self._bookmarks or not self._queue.empty():
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
        if event.res != self._res.key:  # replayed history is of this resource already
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
