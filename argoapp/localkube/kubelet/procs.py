"""Shim processes as the kubelet sees them: start one, find one again, wait for it, signal it.

Called by the container runtime (`runtime`). A shim is identified by its pid, its start time
in clock ticks and the boot id, recorded in `shim.json`, so a kubelet that restarts never
mistakes a recycled pid for its shim. The end of a shim is noticed through a pidfd (an event,
for shims started by this process and for adopted ones alike), or by polling every 0.2 s where
pidfds are not available. This module never decides what a container's exit means.

Signals: SIGTERM asks the shim to pass SIGTERM to the container's main process; SIGUSR1 asks it
to SIGKILL the whole container; SIGKILL to the shim's process group is the last resort when the
shim itself does not answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argoapp.localkube.kubelet.shim import (
    WARM_ARG,
    WARM_NOTIFY_FD,
    boot_id,
    proc_start_ticks,
    shim_argv,
    write_json_atomic,
)

POLL_INTERVAL = 0.2


@dataclass(frozen=True)
class ShimHandle:
    pid: int
    start_ticks: int | None
    boot_id: str

    def alive(self) -> bool:
        """Whether this very shim is still running (not exited, not a zombie, not a new pid)."""
        if self.boot_id and self.boot_id != boot_id():
            return False
        try:
            with open(f"/proc/{self.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            return False
        if fields[0] in ("Z", "X"):
            return False
        return self.start_ticks is None or int(fields[19]) == self.start_ticks

    def signal(self, sig: int) -> None:
        if self.alive():
            with contextlib.suppress(OSError):
                os.kill(self.pid, sig)

    def kill_group(self) -> None:
        """SIGKILL the shim and everything still in its process group."""
        if self.alive():
            with contextlib.suppress(OSError):
                os.killpg(self.pid, signal.SIGKILL)


def read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def read_handle(state: Path) -> ShimHandle | None:
    data = read_json(state / "shim.json")
    if data is None or not isinstance(data.get("pid"), int):
        return None
    ticks = data.get("startTicks")
    ticks = ticks if isinstance(ticks, int) else None
    return ShimHandle(data["pid"], ticks, str(data.get("bootId", "")))


@dataclass(frozen=True)
class _Warm:
    pid: int
    control: int  # its stdin: the attempt's state directory is written here
    notify: int  # its fd 3: readable once the container process started


class ShimPool:
    """Shims started ahead of need, so a container start never waits for Python to start.

    Each is in its own session from the start and outlives the kubelet like any shim; an idle
    one ends when its stdin closes (`close`, or this process ending).
    """

    def __init__(self, size: int = 2) -> None:
        self.size = size
        self.idle: list[_Warm] = []

    def take(self, state: Path) -> tuple[ShimHandle, int]:
        """A shim running the attempt in `state`, and the fd that says it started."""
        warm = self.idle.pop(0) if self.idle else _spawn_warm()
        try:
            os.write(warm.control, f"{state}\n".encode())
        finally:
            os.close(warm.control)
        self.fill()
        return _record(state, warm.pid), warm.notify

    def fill(self) -> None:
        while len(self.idle) < self.size:
            self.idle.append(_spawn_warm())

    async def close(self) -> None:
        """End the idle shims and reap them."""
        idle, self.idle = self.idle, []
        for warm in idle:
            os.close(warm.control)
            os.close(warm.notify)
        for warm in idle:
            with contextlib.suppress(ChildProcessError, OSError):
                await asyncio.to_thread(os.waitpid, warm.pid, 0)


def _spawn_warm() -> _Warm:
    control_r, control_w = os.pipe()
    notify_r, notify_w = os.pipe()
    if notify_w == WARM_NOTIFY_FD:  # dup2 onto itself would keep it close-on-exec
        moved = os.dup(notify_w)
        os.close(notify_w)
        notify_w = moved
    argv = [*shim_argv(), WARM_ARG]
    actions = [
        (os.POSIX_SPAWN_DUP2, control_r, 0),
        (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
        (os.POSIX_SPAWN_DUP2, 1, 2),
        (os.POSIX_SPAWN_DUP2, notify_w, WARM_NOTIFY_FD),
    ]
    try:
        pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=actions, setsid=True)
    finally:
        os.close(control_r)
        os.close(notify_w)
    return _Warm(pid, control_w, notify_r)


def spawn(state: Path) -> ShimHandle:
    """Start a shim for the attempt in `state` (its spec.json written), in its own session."""
    argv = [*shim_argv(), str(state)]
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, str(state / "shim.log"), os.O_WRONLY | os.O_CREAT | os.O_APPEND,
         0o644),
        (os.POSIX_SPAWN_DUP2, 1, 2),
    ]  # fmt: skip
    pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=actions, setsid=True)
    return _record(state, pid)


def _record(state: Path, pid: int) -> ShimHandle:
    handle = ShimHandle(pid, proc_start_ticks(pid), boot_id())
    # The shim writes the same record itself; writing it here as well means a kubelet that
    # dies right now still finds its shim after a restart. The shim runs from here on, so a
    # failure to write must not look like a failure to start (which would start it again).
    with contextlib.suppress(OSError):
        write_json_atomic(
            state / "shim.json",
            {"pid": handle.pid, "startTicks": handle.start_ticks, "bootId": handle.boot_id},
        )
    return handle


async def wait_gone(handle: ShimHandle) -> None:
    """Return once the shim has exited (and reap it when it is this process's child)."""
    try:
        fd = os.pidfd_open(handle.pid)
    except (OSError, AttributeError):
        fd = -1
    try:
        if fd >= 0 and handle.alive():
            await _readable(fd)
        while handle.alive():  # noqa: ASYNC110 - no event to wait on without a pidfd
            await asyncio.sleep(POLL_INTERVAL)
    finally:
        if fd >= 0:
            os.close(fd)
        _reap(handle.pid)


async def readable(fd: int) -> None:
    """Until `fd` can be read (data or EOF)."""
    await _readable(fd)


async def _readable(fd: int) -> None:
    loop = asyncio.get_running_loop()
    done = loop.create_future()

    def ready() -> None:
        if not done.done():
            done.set_result(None)

    loop.add_reader(fd, ready)
    try:
        await done
    finally:
        loop.remove_reader(fd)


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)
