"""The workflow work queue: one pass at a time per `namespace/name` key, highest priority first.

It behaves like client-go's rate-limited work queue, which Argo's controller is built on:
- a key waiting in the queue is there once however often it is added (dedup);
- a key being processed is never handed to a second worker; adding it meanwhile marks it
  dirty and it goes back into the queue when its worker calls `done` (so no change is lost);
- `add_after` keeps one timer per key, the earliest deadline wins (the engine's requeue_after);
- `add_backoff` requeues a failing key after an exponential delay; `forget` resets it;
- `done(key, rest=…)` rests a key that was added during its pass (events come faster than
  its passes): it, and whatever adds it meanwhile (`add_now` too), is taken when the rest ends,
  in one pass. The controller rests a workflow twice as long as its pass took, so a busy
  big workflow's passes each take many events and use at most about a third of the loop; a key that
  nothing added during its pass does not rest (a chain's next step starts at once).
Keys come out ordered by the `rank` function given at construction (the controller ranks by
`spec.priority`, then creation time), first-in-first-out among equals.

Timers are event-loop `call_later` handles, not tasks, so the queue owns no tasks; `shutdown`
cancels them and wakes every waiting `get` with None. It does no I/O and knows nothing about
workflows; the controller's workers call `get`/`done`, the informer callbacks call `add`.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from argoapp.controller.metrics import Histogram

Rank = tuple[float, ...]
LATENCY_BUCKETS = (0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 60.0)


@dataclass
class QueueStats:
    """Counters the controller's /metrics reports (Argo's queue_* metrics)."""

    adds: int = 0
    retries: int = 0
    timers_fired: int = 0
    # Seconds from a key entering the queue to a worker taking it (Argo's queue_latency).
    latency: Histogram = field(default_factory=lambda: Histogram(LATENCY_BUCKETS))


@dataclass
class _Timer:
    deadline: float
    handle: asyncio.TimerHandle


@dataclass
class WorkQueue:
    """Keys waiting for a pass; see the module docstring for the guarantees."""

    rank: Callable[[str], Rank] = field(default=lambda key: ())
    backoff_base: float = 0.05
    backoff_max: float = 60.0
    stats: QueueStats = field(default_factory=QueueStats)

    def __post_init__(self) -> None:
        self._heap: list[tuple[Rank, int, str]] = []
        self._queued: dict[str, float] = {}  # key -> when it entered the queue
        self._processing: set[str] = set()
        self._dirty: set[str] = set()
        self._timers: dict[str, _Timer] = {}
        self._resting: dict[str, asyncio.TimerHandle] = {}
        self._woken: set[str] = set()  # resting keys added meanwhile
        self._failures: dict[str, int] = {}
        self._seq = itertools.count()
        self._waiters: list[asyncio.Future[None]] = []
        self._closed = False

    # --- producers ---

    def add(self, key: str) -> None:
        """Queue `key` now (a no-op if it is queued; marks it dirty if it is being processed)."""
        if self._closed:
            return
        self.stats.adds += 1
        if key in self._processing:
            self._dirty.add(key)
            return
        if key in self._resting:
            self._woken.add(key)
            return
        if key in self._queued:
            return
        self._queued[key] = time.monotonic()
        heapq.heappush(self._heap, (self.rank(key), next(self._seq), key))
        self._notify()

    def add_now(self, key: str) -> None:
        """Queue `key` now and drop its timer: the pass it gets sets whatever timer it needs."""
        timer = self._timers.pop(key, None)
        if timer is not None:
            timer.handle.cancel()
        self.add(key)

    def add_after(self, key: str, delay: float) -> None:
        """Queue `key` after `delay` seconds, unless an earlier timer for it is already set."""
        if self._closed:
            return
        if delay <= 0:
            self.add(key)
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + delay
        timer = self._timers.get(key)
        if timer is not None:
            if timer.deadline <= deadline:
                return
            timer.handle.cancel()
        self._timers[key] = _Timer(deadline, loop.call_later(delay, self._fire, key))

    def add_backoff(self, key: str) -> float:
        """Queue `key` again after a delay that doubles with each failure in a row."""
        failures = self._failures.get(key, 0)
        self._failures[key] = failures + 1
        self.stats.retries += 1
        delay: float = min(self.backoff_base * 2.0**failures, self.backoff_max)
        self.add_after(key, delay)
        return delay

    def forget(self, key: str) -> None:
        """The key's pass went well: its next failure backs off from the start again."""
        self._failures.pop(key, None)

    def drop(self, key: str) -> None:
        """The object is gone: cancel its timer and forget its failures (a queued entry stays)."""
        timer = self._timers.pop(key, None)
        if timer is not None:
            timer.handle.cancel()
        self._failures.pop(key, None)

    # --- consumers ---

    async def get(self) -> str | None:
        """The next key to process (now owned by the caller until `done`); None at shutdown."""
        while True:
            if self._closed:
                return None
            while self._heap:
                _, _, key = heapq.heappop(self._heap)
                queued_at = self._queued.pop(key, None)
                if queued_at is not None:
                    self.stats.latency.observe(time.monotonic() - queued_at)
                    self._processing.add(key)
                    return key
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            finally:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)

    def done(self, key: str, rest: float = 0.0) -> None:
        """The caller's pass over `key` ended; a key added meanwhile goes back in the queue,
        at once or, with `rest` (seconds), when the rest ends, as an add during it does."""
        self._processing.discard(key)
        if rest > 0 and key in self._dirty and not self._closed and key not in self._resting:
            loop = asyncio.get_running_loop()
            self._resting[key] = loop.call_later(rest, self._wake, key)
        if key in self._dirty:
            self._dirty.discard(key)
            self.stats.adds -= 1  # counted already when it was marked dirty
            self.add(key)

    def shutdown(self) -> None:
        """Stop handing out keys: waiting `get`s return None, timers are cancelled."""
        self._closed = True
        for timer in self._timers.values():
            timer.handle.cancel()
        self._timers.clear()
        for handle in self._resting.values():
            handle.cancel()
        self._resting.clear()
        self._notify()

    # --- inspection ---

    def __len__(self) -> int:
        return len(self._queued)

    @property
    def busy(self) -> int:
        """Keys being processed right now."""
        return len(self._processing)

    def pending_timer(self, key: str) -> float | None:
        """Seconds until `key`'s timer fires (None when it has none)."""
        timer = self._timers.get(key)
        if timer is None:
            return None
        return max(0.0, timer.deadline - asyncio.get_running_loop().time())

    # --- plumbing ---

    def _fire(self, key: str) -> None:
        self._timers.pop(key, None)
        self.stats.timers_fired += 1
        self.add(key)

    def _wake(self, key: str) -> None:
        self._resting.pop(key, None)
        if key in self._woken:
            self._woken.discard(key)
            self.stats.adds -= 1  # counted already when it came during the rest
            self.add(key)

    def _notify(self) -> None:
        """Wake one waiting `get` (all of them at shutdown); safe from plain callbacks."""
        while self._waiters:
            waiter = self._waiters.pop(0)
            if not waiter.done():
                waiter.set_result(None)
                if not self._closed:
                    return
