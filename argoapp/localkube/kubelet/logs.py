"""Container logs for the API server's `pods/log`: the kubelet's side of `PodLogSource`.

`LogReader.stream` picks the container and attempt the way the API server and kubelet do
(BadRequest with their wording when it cannot), then reads the attempt's CRI log file
(`<RFC3339Nano> stdout|stderr F|P <content>`, written by the shim) with `tailLines`,
`sinceSeconds`/`sinceTime`, `timestamps`, `limitBytes` and `follow`. A followed log ends when the
attempt ends (its exit is recorded or its shim is gone) or when the pod's area is deleted.
It only reads files, in bounded chunks on a worker thread so that a big log neither stalls the
event loop nor sits in memory (`tailLines` reads backwards from the end); it never writes, and
never needs the API.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

from argoapp.localkube.errors import BadRequest
from argoapp.localkube.kubelet import procs
from argoapp.localkube.kubelet.config import PodPaths
from argoapp.localkube.kubelet.runtime import attempts_on_disk
from argoapp.localkube.kubelet.shim import rfc3339_nano
from argoapp.localkube.podlogs import LogOptions

Obj = dict[str, Any]
FOLLOW_POLL = 0.1
CHUNK = 256 * 1024  # the most read (and sent) at once, so that a big log never sits in memory


class LogReader:
    """Reads the logs the shims write under `DATA_DIR/pods`."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir

    def stream(self, pod: dict[str, object], options: LogOptions) -> AsyncIterator[bytes]:
        """The log of one container of `pod`; raises `BadRequest` before any byte is sent."""
        obj: Obj = dict(pod)
        name = choose_container(obj, options.container)
        state = self._attempt_dir(obj, name, options.previous)
        if state is None:
            return _nothing()
        since = _since(options)
        return _read(state, options, since)

    def _attempt_dir(self, pod: Obj, container: str, previous: bool) -> Path | None:
        meta = pod.get("metadata") or {}
        paths = PodPaths(self.data_dir, str(meta.get("uid", "")))
        attempts = attempts_on_disk(paths, container)
        pod_name = meta.get("name", "")
        if previous:
            if len(attempts) < 2:
                raise BadRequest(
                    f'previous terminated container "{container}" in pod "{pod_name}" not found'
                )
            return paths.attempt(container, attempts[-2])
        if not attempts:
            if _terminated(pod, container):
                return None  # it ended without ever starting (no command, …): no log at all
            reason = _waiting_reason(pod, container)
            raise BadRequest(
                f'container "{container}" in pod "{pod_name}" is waiting to start: {reason}'
            )
        return paths.attempt(container, attempts[-1])


def choose_container(pod: Obj, wanted: str) -> str:
    """The container a log request means, or the API server's BadRequest."""
    spec = pod.get("spec") or {}
    name = (pod.get("metadata") or {}).get("name", "")
    mains = [str(c.get("name")) for c in spec.get("containers") or []]
    inits = [str(c.get("name")) for c in spec.get("initContainers") or []]
    if not wanted:
        if len(mains) == 1:
            return mains[0]
        message = (
            f"a container name must be specified for pod {name}, choose one of: [{' '.join(mains)}]"
        )
        if inits:
            message += f" or one of the init containers: [{' '.join(inits)}]"
        raise BadRequest(message)
    if wanted not in mains and wanted not in inits:
        raise BadRequest(f"container {wanted} is not valid for pod {name}")
    return wanted


def _container_state(pod: Obj, container: str) -> Obj:
    status = pod.get("status") or {}
    for cs in (*(status.get("initContainerStatuses") or []),
               *(status.get("containerStatuses") or [])):  # fmt: skip
        if cs.get("name") == container:
            return dict(cs.get("state") or {})
    return {}


def _waiting_reason(pod: Obj, container: str) -> str:
    waiting = _container_state(pod, container).get("waiting") or {}
    return str(waiting.get("reason") or "ContainerCreating")


def _terminated(pod: Obj, container: str) -> bool:
    return "terminated" in _container_state(pod, container)


async def _nothing() -> AsyncIterator[bytes]:
    return
    yield b""


def _since(options: LogOptions) -> bytes | None:
    if options.since_seconds is not None:
        return rfc3339_nano(time.time_ns() - options.since_seconds * 1_000_000_000).encode()
    if options.since_time:
        try:
            when = datetime.fromisoformat(options.since_time.replace("Z", "+00:00"))
        except ValueError:
            raise BadRequest(f"invalid sinceTime {options.since_time!r}") from None
        return rfc3339_nano(int(when.timestamp() * 1_000_000_000)).encode()
    return None


def render(line: bytes, timestamps: bool) -> bytes:
    """One CRI log line as `kubectl logs` shows it."""
    parts = line.split(b" ", 3)
    if len(parts) < 4:
        return line + b"\n"
    stamp, _stream, tag, content = parts
    out = content + (b"\n" if tag == b"F" else b"")
    return _trim_stamp(stamp) + b" " + out if timestamps else out


def _trim_stamp(stamp: bytes) -> bytes:
    """Go's RFC3339Nano drops trailing zeros of the fraction."""
    if b"." not in stamp:
        return stamp
    head, frac = stamp[:-1].split(b".", 1)
    frac = frac.rstrip(b"0")
    return head + (b"." + frac if frac else b"") + b"Z"


class _Tail:
    """Reads the whole lines appended to a file, a bounded chunk at a time.

    Its methods block on the disk: `_read` calls them through `asyncio.to_thread`.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.partial = b""

    def seek_tail(self, lines: int) -> None:
        """Start at the `lines`-th last whole line, found by reading backwards from the end."""
        wanted = lines + 1  # the newline before that line: after the last line's own one
        try:
            with open(self.path, "rb") as f:
                pos = f.seek(0, os.SEEK_END)
                while pos > 0:
                    size = min(CHUNK, pos)
                    pos -= size
                    f.seek(pos)
                    block = f.read(size)
                    found = len(block)
                    while (found := block.rfind(b"\n", 0, found)) >= 0:
                        wanted -= 1
                        if wanted == 0:
                            self.offset = pos + found + 1
                            return
        except FileNotFoundError:
            pass
        self.offset = 0

    def read(self) -> tuple[list[bytes], bool]:
        """The lines completed by the next chunk, and whether the chunk was a full one."""
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read(CHUNK)
        except FileNotFoundError:
            return [], False
        self.offset += len(data)
        lines = (self.partial + data).split(b"\n")
        self.partial = lines.pop()
        return lines, len(data) == CHUNK


def _ended(state: Path) -> bool:
    if (state / "exit.json").exists() or not state.exists():
        return True
    handle = procs.read_handle(state)
    return handle is not None and not handle.alive()


async def _read(state: Path, options: LogOptions, since: bytes | None) -> AsyncIterator[bytes]:
    tail = _Tail(state / "container.log")
    left = options.limit_bytes if options.limit_bytes and options.limit_bytes > 0 else None
    if options.tail_lines is not None:
        await asyncio.to_thread(tail.seek_tail, max(options.tail_lines, 0))
    ended = False
    while True:
        lines, full = await asyncio.to_thread(tail.read)
        chunk = b"".join(
            render(line, options.timestamps)
            for line in lines
            if line and (since is None or line.split(b" ", 1)[0] >= since)
        )
        if left is not None:
            chunk = chunk[:left]
            left -= len(chunk)
        if chunk:
            yield chunk
        if left == 0:
            return
        if full:
            continue  # more is already there
        if not options.follow or ended:
            return  # the file's end; when following, read once more after the attempt ended
        ended = await asyncio.to_thread(_ended, state)
        if not ended:
            await asyncio.sleep(FOLLOW_POLL)
