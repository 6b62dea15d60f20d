"""The body of a watch response, turned into (type, object) events.

`client.Kube.watch` hands the response's byte stream here. A watch body is one JSON event per
line (`{"type": "ADDED", "object": {...}}`); lines can be megabytes long (a Workflow with a
large status), so the stream is split on newlines by hand rather than with a bounded readline.
An ERROR event carries a `Status`: it is raised as its `KubeError` (`Gone` for 410, which tells
the caller to relist). This module does no I/O of its own.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any, Protocol

from argoapp.kube.errors import Unavailable, from_status
from argoapp.model.types import Obj

EVENT_TYPES = ("ADDED", "MODIFIED", "DELETED", "BOOKMARK")


class ByteStream(Protocol):
    def iter_any(self) -> AsyncIterator[bytes]: ...


async def events(stream: ByteStream) -> AsyncIterator[tuple[str, Obj]]:
    """Every event of a watch body, in order; raises on an ERROR event."""
    # Parts of the unfinished line: joined once its newline arrives, so a line of many chunks
    # costs linear time.
    parts: list[bytes] = []
    async for chunk in stream.iter_any():
        if b"\n" not in chunk:
            parts.append(chunk)
            continue
        parts.append(chunk)
        *lines, rest = b"".join(parts).split(b"\n")
        parts = [rest] if rest else []
        for line in lines:
            if line.strip():
                yield decode(line)
    tail = b"".join(parts)
    if tail.strip():
        yield decode(tail)


def decode(line: bytes) -> tuple[str, Obj]:
    """One watch line as (type, object)."""
    try:
        event: Any = json.loads(line)
    except ValueError:
        raise Unavailable("a watch event is not JSON") from None
    if not isinstance(event, dict) or not isinstance(event.get("object"), dict):
        raise Unavailable("a watch event has no object")
    kind, obj = event.get("type"), event["object"]
    if kind == "ERROR":
        code = obj.get("code") if isinstance(obj.get("code"), int) else 500
        raise from_status(code, obj)
    if kind not in EVENT_TYPES:
        raise Unavailable(f"unknown watch event type {kind!r}")
    return kind, obj
