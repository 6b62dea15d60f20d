"""`Informer`: a local cache of one kind, kept current by list-then-watch.

The controller runs one per kind it follows (Workflows, Pods, WorkflowTaskResults…) under its
TaskGroup. `run()` lists (in pages), then watches from the list's resourceVersion, resuming each
watch where the last one stopped: the server ends watches every few minutes (`timeout_seconds`),
and connections break. Bookmarks advance the resourceVersion without changing the cache. When
the server no longer has our resourceVersion (410 Gone) it relists and reports the differences
as synthetic ADDED/MODIFIED/DELETED events, so a handler sees every change once and in order.

`on_event(type, obj, old)` is called synchronously on the event loop after the cache is updated,
`old` being the cached object before the change (None for a new one). It must not block; it
typically enqueues a key. An exception from it is logged and does not stop the informer.
It talks to the API only through `api.KubeApi` (`client.Kube`, or localkube in process) and
must not be imported by the executor.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from argoapp.kube.api import KubeApi
from argoapp.kube.errors import Gone, KubeError
from argoapp.model.types import Obj

log = logging.getLogger(__name__)

EventHandler = Callable[[str, Obj, Obj | None], None]
PAGE_SIZE = 500
BACKOFF_FIRST = 0.5
BACKOFF_MAX = 30.0


def object_key(obj: Obj) -> str:
    """The cache key: "namespace/name", or "name" for a cluster-scoped object."""
    meta = obj.get("metadata") or {}
    namespace, name = meta.get("namespace") or "", meta.get("name") or ""
    return f"{namespace}/{name}" if namespace else name


async def _pause(delay: float) -> float:
    """Sleep `delay`; the next, doubled and capped."""
    await asyncio.sleep(delay)
    return min(delay * 2, BACKOFF_MAX)


def _rv(obj: Obj) -> str:
    return str((obj.get("metadata") or {}).get("resourceVersion") or "")


class Informer:
    """Follows one kind (in one namespace, or all) and keeps `cache` current."""

    def __init__(
        self,
        kube: KubeApi,
        kind: str,
        *,
        namespace: str = "",
        label_selector: str = "",
        field_selector: str = "",
        on_event: EventHandler | None = None,
        timeout_seconds: int = 300,
        transform: Callable[[Obj], Obj] | None = None,
    ) -> None:
        self.kube = kube
        # What is kept of each object (as client-go's SetTransform): the parts its users read.
        self.transform = transform
        self.kind = kind
        self.namespace = namespace
        self.label_selector = label_selector
        self.field_selector = field_selector
        self.on_event = on_event
        self.timeout_seconds = timeout_seconds
        self.cache: dict[str, Obj] = {}
        self.resource_version = ""
        self.relists = 0
        self._synced = asyncio.Event()

    def get(self, namespace: str, name: str) -> Obj | None:
        """The cached object, or None."""
        return self.cache.get(f"{namespace}/{name}" if namespace else name)

    def items(self) -> list[Obj]:
        """Every cached object."""
        return list(self.cache.values())

    @property
    def synced(self) -> bool:
        """Whether the first list has filled the cache."""
        return self._synced.is_set()

    async def wait_synced(self) -> None:
        """Return once the first list has filled the cache."""
        await self._synced.wait()

    async def run(self) -> None:
        """List, then watch for ever (until cancelled), relisting after Gone."""
        loop = asyncio.get_running_loop()
        delay, gone_before = BACKOFF_FIRST, False
        while True:
            started = loop.time()
            try:
                if not self.resource_version:
                    await self._relist()
                received = await self._watch()
            except Gone as e:
                log.info("%s informer: %s; relisting", self.kind, e.message)
                self.resource_version = ""
                if gone_before:  # Gone right after a relist: do not list in a tight loop
                    delay = await _pause(delay)
                gone_before = True
                continue
            except KubeError as e:
                log.warning(
                    "%s informer: %s (HTTP %s); retrying in %.1fs", self.kind, e, e.status, delay
                )
                delay = await _pause(delay)
                continue
            gone_before = False
            if received or loop.time() - started >= min(1.0, self.timeout_seconds / 2):
                delay = BACKOFF_FIRST
            else:
                # Ended at once with nothing said: a server going away. Do not spin on it.
                delay = await _pause(delay)

    async def _relist(self) -> None:
        """Replace the cache with a fresh list, reporting what changed."""
        fresh: dict[str, Obj] = {}
        continue_, rv = "", ""
        while True:
            page = await self.kube.list(
                self.kind,
                self.namespace,
                label_selector=self.label_selector,
                field_selector=self.field_selector,
                limit=PAGE_SIZE,
                continue_=continue_,
            )
            rv = rv or str(page.get("metadata", {}).get("resourceVersion") or "")
            for item in page.get("items") or []:
                fresh[object_key(item)] = self.transform(item) if self.transform else item
            continue_ = str(page.get("metadata", {}).get("continue") or "")
            if not continue_:
                break
        old_cache, self.cache = self.cache, fresh
        self.resource_version = rv
        self.relists += 1
        for key, obj in fresh.items():
            old = old_cache.get(key)
            if old is None:
                self._emit("ADDED", obj, None)
            elif _rv(old) != _rv(obj):
                self._emit("MODIFIED", obj, old)
        for key, old in old_cache.items():
            if key not in fresh:
                self._emit("DELETED", old, old)
        self._synced.set()

    async def _watch(self) -> int:
        """One watch from `resource_version` until the server ends it; how many events came."""
        stream = self.kube.watch(
            self.kind,
            self.namespace,
            label_selector=self.label_selector,
            field_selector=self.field_selector,
            resource_version=self.resource_version,
            timeout_seconds=self.timeout_seconds,
            seen=self._seen,
            transform=self.transform,  # in process, only what it keeps is copied
        )
        received = 0
        async with contextlib.aclosing(stream):
            async for kind, obj in stream:
                received += 1
                self._apply(kind, obj)
        return received

    def _seen(self, obj: Obj) -> bool:
        """The cache holds this very version (our own write, cached when it was made): the
        watch need not hand it over (in process, that spares a copy of a big workflow)."""
        old = self.cache.get(object_key(obj))  # a transform keeps the key and version
        return old is not None and _rv(old) == _rv(obj) != ""

    def _apply(self, kind: str, obj: Obj) -> None:
        rv = _rv(obj)
        if kind == "BOOKMARK":
            self.resource_version = rv or self.resource_version
            return
        key = object_key(obj)  # (the watch has applied `transform`)
        old = self.cache.get(key)
        if kind == "DELETED":
            self.cache.pop(key, None)
        elif old is not None and _rv(old) == rv:
            # Already seen (a server replaying the version we resumed from): not a change.
            self.resource_version = rv or self.resource_version
            return
        else:
            self.cache[key] = obj
        self.resource_version = rv or self.resource_version
        self._emit(kind, obj, old)

    def _emit(self, kind: str, obj: Obj, old: Obj | None) -> None:
        if self.on_event is None:
            return
        try:
            self.on_event(kind, obj, old)
        except Exception:
            log.exception("%s informer: the event handler failed on %s", self.kind, object_key(obj))
