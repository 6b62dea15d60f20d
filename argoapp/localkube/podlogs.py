"""The contract between the API server's `pods/log` endpoint and whoever keeps pod logs.

The kubelet implements `PodLogSource`; the API server only calls it. Keeping the protocol here
lets the two sides be built and tested apart.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class LogOptions:
    """The query of `GET /api/v1/namespaces/NS/pods/NAME/log`."""

    container: str = ""
    follow: bool = False
    tail_lines: int | None = None
    since_seconds: int | None = None
    since_time: str | None = None  # RFC 3339
    timestamps: bool = False
    limit_bytes: int | None = None
    previous: bool = False


class PodLogSource(Protocol):
    """Streams one container's log as bytes, line by line."""

    def stream(self, pod: dict[str, object], options: LogOptions) -> AsyncIterator[bytes]:
        """Yield the log of `pod` (the stored Pod object) as `options` ask.

        Raises `errors.BadRequest` when the container is not named and the pod has more than
        one, or names a container the pod does not have, or the container has not started.
        With `follow`, keeps yielding until the container ends or the pod is deleted.
        """
        ...
