"""Controller-wide `parallelism`: at most N workflows run at once, the rest wait their turn.

Argo's throttler admits workflows in order of `spec.priority` (high first) then creation time.
A workflow holds its slot from admission until it completes (or is deleted); one that already
started before the controller did holds its slot again on `restore`. With a limit of 0 every
workflow is admitted. Pure bookkeeping for the controller's workers; no I/O, no tasks.
"""

from __future__ import annotations

from argoapp.controller.queue import Rank


class Throttle:
    """Which workflow keys may run; `admit` asks, `release` frees a slot."""

    def __init__(self, limit: int = 0) -> None:
        self.limit = limit
        self._running: set[str] = set()
        self._waiting: dict[str, Rank] = {}

    def admit(self, key: str, rank: Rank) -> bool:
        """May `key` run now? It waits (keeping its rank) when every slot is taken."""
        if self.limit <= 0 or key in self._running:
            return True
        self._waiting[key] = rank
        free = self.limit - len(self._running)
        ahead = sorted(self._waiting, key=lambda k: self._waiting[k])[: max(0, free)]
        if key not in ahead:
            return False
        del self._waiting[key]
        self._running.add(key)
        return True

    def occupy(self, key: str) -> None:
        """`key` is running already (found so at start-up): it holds a slot."""
        self._waiting.pop(key, None)
        self._running.add(key)

    def release(self, key: str) -> list[str]:
        """`key` completed or is gone; the waiting keys that may now be admitted."""
        self._waiting.pop(key, None)
        if key not in self._running:
            return []
        self._running.discard(key)
        if self.limit <= 0:
            return []
        free = self.limit - len(self._running)
        return sorted(self._waiting, key=lambda k: self._waiting[k])[: max(0, free)]

    @property
    def running(self) -> int:
        return len(self._running)

    @property
    def waiting(self) -> int:
        return len(self._waiting)
