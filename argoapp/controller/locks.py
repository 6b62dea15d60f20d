"""Mutexes and semaphores (Argo's `synchronization`), held in the controller's memory.

The engine asks with `Acquire(key, holder, limit, priority)` and gives back with `Release`; it
sees who holds what through `Observed.locks`, built from `holders()`. A lock is granted when
fewer than `limit` hold it and no better-ranked waiter is ahead: waiters rank by priority (high
first), then arrival. When a holder releases, the waiters that may now be granted are returned
so the controller can requeue their workflows at once.

There is nothing to persist: at start-up `restore` rebuilds the holders from every workflow's
`status.synchronization` (what the engine recorded when it was granted), as Argo's sync manager
does. Pure bookkeeping, no I/O, no tasks; the controller calls it from its workers only (one
event loop, so no locking is needed here).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class _Waiter:
    holder: str
    workflow: str  # the `namespace/name` key to requeue when it may be granted
    priority: int
    arrival: int


@dataclass
class _Lock:
    limit: int = 1
    holders: dict[str, str] = field(default_factory=dict)  # holder -> workflow key
    waiters: dict[str, _Waiter] = field(default_factory=dict)

    def ranked(self) -> list[_Waiter]:
        return sorted(self.waiters.values(), key=lambda w: (-w.priority, w.arrival))


class LockManager:
    """Key -> holders and waiters, for every mutex and semaphore the engine names."""

    def __init__(self) -> None:
        self._locks: dict[str, _Lock] = {}
        self._arrivals = itertools.count()

    def acquire(self, key: str, holder: str, limit: int, workflow: str, priority: int = 0) -> bool:
        """Grant `key` to `holder` if free (and it is the best-ranked waiter); else queue it."""
        lock = self._locks.setdefault(key, _Lock())
        lock.limit = max(1, limit)
        if holder in lock.holders:
            return True
        if holder not in lock.waiters:
            lock.waiters[holder] = _Waiter(holder, workflow, priority, next(self._arrivals))
        free = lock.limit - len(lock.holders)
        if free <= 0:
            return False
        if holder not in {w.holder for w in lock.ranked()[:free]}:
            return False
        del lock.waiters[holder]
        lock.holders[holder] = workflow
        return True

    def release(self, key: str, holder: str) -> list[str]:
        """Give back `key`; the workflow keys of the waiters that may now get it."""
        lock = self._locks.get(key)
        if lock is None:
            return []
        lock.waiters.pop(holder, None)
        if lock.holders.pop(holder, None) is None:
            return []
        return self._grantable(lock)

    def forget_workflow(self, workflow: str) -> list[str]:
        """A workflow is gone: drop everything it held or waited for; who may now be granted."""
        wake: list[str] = []
        for lock in self._locks.values():
            for holder in [h for h, wf in lock.holders.items() if wf == workflow]:
                del lock.holders[holder]
            for holder in [h for h, w in lock.waiters.items() if w.workflow == workflow]:
                del lock.waiters[holder]
            wake.extend(self._grantable(lock))
        return list(dict.fromkeys(wake))

    def holders(self) -> dict[str, tuple[str, ...]]:
        """Every lock's current holders (what `Observed.locks` carries)."""
        return {k: tuple(lock.holders) for k, lock in self._locks.items() if lock.holders}

    def waiting(self, key: str) -> list[str]:
        """The holders waiting for `key`, best-ranked first."""
        lock = self._locks.get(key)
        return [w.holder for w in lock.ranked()] if lock else []

    def waiting_workflows(self, key_prefix: str) -> list[str]:
        """The workflows waiting for any lock whose key starts with `key_prefix`."""
        found = [
            w.workflow
            for key, lock in self._locks.items()
            if key.startswith(key_prefix)
            for w in lock.ranked()
        ]
        return list(dict.fromkeys(found))

    def restore(self, workflows: Iterable[Mapping[str, Any]]) -> None:
        """Rebuild the holders from each workflow's `status.synchronization`."""
        for wf in workflows:
            meta = wf.get("metadata") or {}
            workflow = f"{meta.get('namespace', '')}/{meta.get('name', '')}"
            sync = (wf.get("status") or {}).get("synchronization") or {}
            for key, holder in _held(sync):
                if "/" not in holder:  # Argo's short form: the node id or the workflow's name
                    name = meta.get("name", "")
                    holder = workflow if holder == name else f"{workflow}/{holder}"
                self._locks.setdefault(key, _Lock()).holders[holder] = workflow

    def _grantable(self, lock: _Lock) -> list[str]:
        free = lock.limit - len(lock.holders)
        return [w.workflow for w in lock.ranked()[: max(0, free)]]


def _held(sync: Mapping[str, Any]) -> Iterable[tuple[str, str]]:
    """(lock key, holder) pairs in `status.synchronization`: `holders` lists, or Argo's older
    single `holder` of a mutex."""
    for section in ("semaphore", "mutex"):
        for entry in (sync.get(section) or {}).get("holding") or []:
            key = str(entry.get(section, ""))
            holders = list(entry.get("holders") or [])
            if entry.get("holder"):
                holders.append(entry["holder"])
            for holder in holders:
                yield key, str(holder)
