"""The controller's counters, kept in a plain object for the /metrics endpoint to read.

Names follow Argo's controller metrics (`queue_adds_count`, `queue_depth_gauge`,
`operation_duration_seconds`, `error_count`, workers busy). The controller updates them;
nothing here does I/O or knows about Prometheus' text format (the server renders it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Upper bounds (seconds) of the pass-duration histogram, as Argo's operation_duration_seconds.
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass
class Histogram:
    buckets: tuple[float, ...] = DURATION_BUCKETS
    counts: list[int] = field(default_factory=list)  # one per bucket, then +Inf
    total: float = 0.0
    count: int = 0

    def __post_init__(self) -> None:
        if not self.counts:
            self.counts = [0] * (len(self.buckets) + 1)

    def observe(self, value: float) -> None:
        """Count one observation in its bucket (the last bucket is +Inf)."""
        self.total += value
        self.count += 1
        for i, bound in enumerate(self.buckets):
            if value <= bound:
                self.counts[i] += 1
                return
        self.counts[-1] += 1


@dataclass
class ControllerMetrics:
    """Counters and gauges the controller keeps; the queue's own counters are in `queue`."""

    passes: int = 0
    pass_duration: Histogram = field(default_factory=Histogram)
    errors: dict[str, int] = field(default_factory=dict)  # by cause
    conflicts: int = 0
    writes: int = 0
    skipped_own_writes: int = 0
    queue_depth: int = 0
    queue_adds: int = 0
    workers_busy: int = 0
    workers: int = 0

    def error(self, cause: str) -> None:
        """Count one controller error (Argo's error_count{cause})."""
        self.errors[cause] = self.errors.get(cause, 0) + 1
