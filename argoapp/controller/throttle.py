"""Controller-wide `parallelism` and `namespaceParallelism`: at most N workflows run at once
(and at most M in one namespace), the rest wait their turn. A namespace labelled
`workflows.argoproj.io/parallelism-limit` has that limit instead of `namespaceParallelism`
(the controller keeps `namespace_limits` from its Namespace informer).

Argo's throttler admits workflows in order of `spec.priority` (high first) then creation time.
A workflow holds its slot from admission until it completes (or is deleted); one that already
started before the controller did holds its slot again on `restore`. With a limit of 0 every
workflow is admitted. Pure bookkeeping for the controller's workers; no I/O, no tasks.
"""

from __future__ import annotations

from argoapp.controller.queue import Rank


class Throttle:
    """Which workflow keys (`namespace/name`) may run; `admit` asks, `release` frees a slot.
    `limit` caps them all (`parallelism`), `namespace_limit` each namespace's
    (`namespaceParallelism`); 0 is no cap."""

    def __init__(self, limit: int = 0, namespace_limit: int = 0) -> None:
        self.limit = limit
        self.namespace_limit = namespace_limit
        self.namespace_limits: dict[str, int] = {}  # namespace -> its label's limit
        self._running: set[str] = set()
        self._waiting: dict[str, Rank] = {}

    def admit(self, key: str, rank: Rank) -> bool:
        """May `key` run now? It waits (keeping its rank) while the slots it needs are taken
        and better-ranked waiters come first."""
        if not self._capped() or key in self._running:
            return True
        self._waiting[key] = rank
        if key not in self._admissible():
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
        if not self._capped():
            return []
        return self._admissible()

    def set_namespace_limit(self, namespace: str, limit: int | None) -> list[str]:
        """A namespace's label limit changed (None: no label); the waiters now admissible."""
        if limit is None:
            self.namespace_limits.pop(namespace, None)
        else:
            self.namespace_limits[namespace] = limit
        return self._admissible()

    def _capped(self) -> bool:
        return self.limit > 0 or self.namespace_limit > 0 or bool(self.namespace_limits)

    def _namespace_cap(self, namespace: str) -> int:
        return self.namespace_limits.get(namespace, self.namespace_limit)

    def _admissible(self) -> list[str]:
        """The waiters that the free slots take, best rank first; one whose namespace is full
        does not hold up those behind it from other namespaces."""
        total = len(self._running)
        per_namespace: dict[str, int] = {}
        for key in self._running:
            ns = _namespace(key)
            per_namespace[ns] = per_namespace.get(ns, 0) + 1
        chosen = []
        for key in sorted(self._waiting, key=lambda k: self._waiting[k]):
            if 0 < self.limit <= total:
                break
            ns = _namespace(key)
            if 0 < self._namespace_cap(ns) <= per_namespace.get(ns, 0):
                continue
            chosen.append(key)
            total += 1
            per_namespace[ns] = per_namespace.get(ns, 0) + 1
        return chosen

    @property
    def running(self) -> int:
        return len(self._running)

    @property
    def waiting(self) -> int:
        return len(self._waiting)


def _namespace(key: str) -> str:
    return key.partition("/")[0]
