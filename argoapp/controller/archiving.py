"""Workflow archiving: finished workflows into the store's archive, and archiveTTL retention.

`Controller._pass` calls `Archiver.pending(wf)` on the workflow it is about to write, and
`Archiver.finished(wf)` with the cached workflow (what the pass just wrote) whenever a pass ends
with the workflow in a final phase. A workflow is due for the archive when the controller
config's `persistence.archive` is true, it does not opt out
(`workflows.argoproj.io/archive-strategy: "false"`) and it matches
`persistence.archiveLabelSelector`. As Argo does, the write that finishes a due workflow labels
it `workflows.argoproj.io/workflow-archiving-status: Pending`; then a background task puts it in
the archive with its nodes (offloaded ones loaded back) and marks the live object `Archived`
with one merge patch. That is one store write and one extra API write per finished workflow,
none per pod; `pending` and `finished` themselves only read labels. A workflow already on its
way is not queued again, and one marked `Archived` is never archived again; if argoapp stops
before the label says `Archived`, the next start's pass of the workflow (still `Pending`)
archives it again under the same uid (a replace), so nothing is lost or duplicated. A failed
archive write leaves the label `Pending` (so the TTL keeps the workflow, as Argo's does) and
asks for another pass of the workflow after `retry_seconds`, which tries again.

`run()` (started by the controller with its other tasks) deletes archived workflows older than
`persistence.archiveTTL` ("7d", "12h", a Go duration) at start and every `expire_seconds`.
This module must not reconcile, and must not read or write anything per pod.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from argoapp.engine.api import Settings
from argoapp.errors import ConfigError
from argoapp.kube.api import KubeApi
from argoapp.kube.errors import KubeError, NotFound
from argoapp.model.durations import parse_duration
from argoapp.model.labels import LABEL_ARCHIVE_STRATEGY, LABEL_ARCHIVING_STATUS, selects
from argoapp.model.phases import workflow_done
from argoapp.model.types import Obj

log = logging.getLogger(__name__)

ARCHIVED = "Archived"
PENDING = "Pending"
EXPIRE_SECONDS = 3600.0
ARCHIVE_WORKERS = 8
RETRY_SECONDS = 30.0
_RECENT = 4096  # uids archived lately whose `Archived` label may not have reached the cache


@runtime_checkable
class ArchiveStore(Protocol):
    """The part of `argoapp.store.Store` archiving uses."""

    async def archive_put(self, wf: Obj) -> None: ...

    async def archive_expire(self, before: datetime) -> int: ...


Spawn = Callable[[Coroutine[Any, Any, None], str], None]
Retry = Callable[[str, float], None]  # (namespace/name, seconds): another pass then


def parse_ttl(value: object) -> float:
    """archiveTTL in seconds: Argo's TTL, a Go duration or a whole number of days ("7d")."""
    text = str(value).strip()
    try:
        if text.endswith("d") and text[:-1].isdigit():
            return int(text[:-1]) * 86400.0
        return parse_duration(text)
    except ValueError as e:
        raise ConfigError(f"persistence.archiveTTL: {e}") from None


def archiving_on(persistence: Mapping[str, Any]) -> bool:
    """Whether the controller config turns the archive on (`persistence.archive`)."""
    value = persistence.get("archive")
    return value is True or str(value).lower() == "true"


class Archiver:
    """Archives finished workflows in the background and expires old archive rows."""

    def __init__(
        self,
        kube: KubeApi,
        store: object,
        settings: Callable[[], Settings],
        hydrate: Callable[[Obj], Awaitable[Obj]],
        spawn: Spawn,
        *,
        expire_seconds: float = EXPIRE_SECONDS,
        retry: Retry | None = None,
        retry_seconds: float = RETRY_SECONDS,
    ) -> None:
        self.kube = kube
        # The controller's store (or None); only one with the archive's calls can archive.
        self.store = store if isinstance(store, ArchiveStore) else None
        self.settings = settings
        self.hydrate = hydrate
        self.spawn = spawn
        self.expire_seconds = expire_seconds
        self.retry = retry
        self.retry_seconds = retry_seconds
        self.archived = 0
        self.failed = 0
        self._busy: set[str] = set()
        # Argo's --workflow-archive-workers: a start-up that finds many finished workflows
        # not archived yet writes them a few at a time, not all at once.
        self._slots = asyncio.Semaphore(ARCHIVE_WORKERS)
        self._recent: OrderedDict[str, None] = OrderedDict()

    def pending(self, wf: Obj) -> Obj:
        """`wf` labelled `Pending` when it has finished and is due for the archive (the pass
        writes it with its final status, as Argo does); else `wf` itself."""
        labels = (wf.get("metadata") or {}).get("labels") or {}
        if labels.get(LABEL_ARCHIVING_STATUS) in (PENDING, ARCHIVED) or not self._due(wf):
            return wf
        meta = {**wf["metadata"], "labels": {**labels, LABEL_ARCHIVING_STATUS: PENDING}}
        return {**wf, "metadata": meta}

    def finished(self, wf: Obj | None) -> None:
        """A pass ended with `wf` (the cached object) finished: archive it if it is due."""
        if wf is None or not self._due(wf):
            return
        meta = wf["metadata"]
        uid = str(meta.get("uid") or "")
        if (meta.get("labels") or {}).get(LABEL_ARCHIVING_STATUS) == ARCHIVED:
            return
        if uid in self._busy or uid in self._recent:
            return
        self._busy.add(uid)
        self.spawn(self._archive(wf, uid), f"archive-{meta.get('name', uid)}")

    def _due(self, wf: Obj) -> bool:
        """Finished, archiving on, not opted out, selected: the archive should have it."""
        if self.store is None or not workflow_done((wf.get("status") or {}).get("phase")):
            return False
        persistence = self.settings().persistence
        meta = wf.get("metadata") or {}
        labels = meta.get("labels") or {}
        return (
            archiving_on(persistence)
            and bool(meta.get("uid"))
            and labels.get(LABEL_ARCHIVE_STRATEGY) != "false"
            and selects(persistence.get("archiveLabelSelector"), labels)
        )

    async def _archive(self, wf: Obj, uid: str) -> None:
        meta = wf["metadata"]
        try:
            async with self._slots:
                await self._archive_now(wf, uid)
        except Exception as e:
            # Kept live and `Pending` (the TTL waits for it); a later pass tries again.
            self.failed += 1
            log.error("archive: archiving workflow %s failed: %s", meta.get("name"), e)
            if self.retry is not None:
                key = f"{meta.get('namespace', '')}/{meta.get('name', '')}"
                self.retry(key, self.retry_seconds)
        finally:
            self._busy.discard(uid)

    async def _archive_now(self, wf: Obj, uid: str) -> None:
        """One store write (the workflow with its nodes), then one patch of the live label."""
        assert self.store is not None
        meta = wf["metadata"]
        full = await self.hydrate(wf)
        status = dict(full.get("status") or {})
        if "nodes" in status:
            status.pop("offloadNodeStatusVersion", None)  # the nodes are in the copy
        labels = {**(meta.get("labels") or {}), LABEL_ARCHIVING_STATUS: ARCHIVED}
        await self.store.archive_put(
            {**full, "metadata": {**meta, "labels": labels}, "status": status}
        )
        await self._mark(meta)
        self.archived += 1
        self._remember(uid)

    async def _mark(self, meta: Obj) -> None:
        """Label the live workflow `Archived` (gone already is fine: it is in the archive)."""
        patch = {"metadata": {"labels": {LABEL_ARCHIVING_STATUS: ARCHIVED}}}
        try:
            await self.kube.patch("Workflow", meta["name"], patch, meta.get("namespace", ""))
        except NotFound:
            pass
        except KubeError as e:
            # Archived already; without the label the next pass of it archives it again (a
            # replace under the same uid), so this is logged, not retried here.
            log.warning("archive: labelling workflow %s failed: %s", meta.get("name"), e)

    def _remember(self, uid: str) -> None:
        self._recent[uid] = None
        while len(self._recent) > _RECENT:
            self._recent.popitem(last=False)

    async def expire(self, now: datetime | None = None) -> int:
        """Delete archived workflows older than archiveTTL (none without one); how many."""
        persistence = self.settings().persistence
        ttl = persistence.get("archiveTTL")
        if self.store is None or not ttl or not archiving_on(persistence):
            return 0
        seconds = parse_ttl(ttl)
        if seconds <= 0:
            return 0
        before = (now or datetime.now(UTC)) - timedelta(seconds=seconds)
        gone = await self.store.archive_expire(before)
        if gone:
            log.info("archive: %d workflows older than %s deleted (archiveTTL)", gone, ttl)
        return gone

    async def run(self) -> None:
        """Expire old archived workflows now and every `expire_seconds`, until cancelled."""
        while True:
            try:
                await self.expire()
            except ConfigError as e:
                log.error("archive: %s", e)
            except Exception:
                log.exception("archive: expiring old archived workflows failed")
            await asyncio.sleep(self.expire_seconds)
