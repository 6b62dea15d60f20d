"""The container supervisor as the kubelet sees it: reach it, start attempts, follow them.

Called by the container runtime (`runtime`) and by the kubelet's clean-up. `SupervisorClient`
connects to the supervisor of the kubelet's data dir (see `shim`), starting one when none
answers, and turns its messages into futures: `start` (which hands over the attempt's spec)
returns once the process runs (or could not start), `exited` once `exit.json` is written, with
the exit record the supervisor sent along. A lost connection is made again and every
attempt still followed is followed again, so a supervisor that died (and the sandboxes with it)
answers through its successor, which knows nothing of them: their exits come out unknown. This
module never decides what a container's exit means.

`ShimHandle` names a container's own process (recorded in `started.json`: pid, start time in
clock ticks, boot id), so that a recycled pid is never taken for it; it is what the clean-up of
removed pods kills when no supervisor answers for them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import select
import signal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from argoapp.localkube.kubelet.shim import DAEMON_ARG, READY_FD, boot_id, shim_argv, socket_name

log = logging.getLogger(__name__)
POLL_INTERVAL = 0.2
_CONNECT_TRIES = 3
_READY_TIMEOUT = 30.0


@dataclass(frozen=True)
class ShimHandle:
    pid: int
    start_ticks: int | None
    boot_id: str

    def alive(self) -> bool:
        """Whether this very process still runs (not exited, not a zombie, not a new pid)."""
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

    def kill_group(self) -> None:
        """SIGKILL the container's process and everything still in its process group."""
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
    data = read_json(state / "started.json")
    if data is None or not isinstance(data.get("pid"), int):
        return None
    ticks = data.get("startTicks")
    ticks = ticks if isinstance(ticks, int) else None
    return ShimHandle(data["pid"], ticks, str(data.get("bootId", "")))


async def wait_gone(handle: ShimHandle) -> None:
    """Return once the process has exited (and reap it when it is this process's child)."""
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


@dataclass
class SupervisorClient:
    """The kubelet's connection to the supervisor of its data dir."""

    data_dir: Path
    _writer: asyncio.StreamWriter | None = None
    _reading: asyncio.Task[None] | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _started: dict[str, list[asyncio.Future[dict[str, Any]]]] = field(default_factory=dict)
    _exited: dict[str, list[asyncio.Future[dict[str, Any]]]] = field(default_factory=dict)
    _sending: set[asyncio.Task[Any]] = field(default_factory=set)
    _closed: bool = False
    # Attempts this client started, by the connection it started them on: the supervisor
    # tells that connection of their exit unasked, so `exited` sends no `follow` for them.
    _following: dict[str, asyncio.StreamWriter | None] = field(default_factory=dict)
    _told: dict[str, dict[str, Any]] = field(default_factory=dict)  # exits nobody waited for yet

    async def start(self, state: Path, spec: dict[str, Any] | None = None) -> dict[str, Any]:
        """Start the attempt in `state` (its `spec.json`: `spec`, which the supervisor writes
        there, or the one on disk); its start record ({} if none)."""
        key = str(state)
        started: asyncio.Future[dict[str, Any]] = self._future(self._started, key)
        self._following[key] = None
        self._told.pop(key, None)
        self._following[key] = await self._send(
            {"start": key} if spec is None else {"start": key, "spec": spec}
        )
        return await started

    async def exited(self, state: Path) -> dict[str, Any] | None:
        """Until the attempt in `state` is not running (its `exit.json`, if any, is written);
        the exit record the supervisor sent with the news (None when it sent none)."""
        key = str(state)
        via = self._following.pop(key, None)
        if key in self._told:
            return _exit_record(self._told.pop(key))
        ended = self._future(self._exited, key)
        if via is None or via is not self._writer or via.is_closing():
            await self._send({"follow": key})
        return _exit_record(await ended)

    def signal(self, state: Path, *, kill: bool) -> None:
        """SIGTERM to the attempt's main process, or SIGKILL to all of it (not waited for)."""
        task = asyncio.ensure_future(self._send({"signal": str(state), "kill": kill}))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def close(self) -> None:
        """Disconnect; the supervisor keeps the containers running."""
        self._closed = True
        for task in list(self._sending):
            task.cancel()
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._reading is not None:
            self._reading.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reading
        self._answer_all()
        _reap_spawned()

    def _future(self, table: dict[str, list[Any]], state: str) -> asyncio.Future[Any]:
        future = asyncio.get_running_loop().create_future()
        table.setdefault(state, []).append(future)
        return future

    async def _send(self, message: dict[str, Any]) -> asyncio.StreamWriter:
        """Send `message`, on a new connection if the one there broke (once); the connection
        it went on."""
        for last in (False, True):
            writer = await self._connection()
            try:
                writer.write(json.dumps(message).encode() + b"\n")
                await writer.drain()
                return writer
            except (ConnectionError, OSError):
                if last:
                    raise
                writer.close()
                if self._writer is writer:
                    self._writer = None
        raise AssertionError("unreachable")  # the last try returns or raises

    async def _connection(self) -> asyncio.StreamWriter:
        async with self._lock:
            if self._writer is not None and not self._writer.is_closing():
                return self._writer
            reader, self._writer = await self._connect()
            self._reading = asyncio.create_task(
                self._read(reader, self._writer), name="kubelet-supervisor"
            )
            for state in list(self._exited):  # answered by whoever supervises now
                self._writer.write(json.dumps({"follow": state}).encode() + b"\n")
            return self._writer

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        name = socket_name(str(self.data_dir))
        for _ in range(_CONNECT_TRIES):
            try:
                return await asyncio.open_unix_connection(name, limit=1 << 20)
            except (ConnectionRefusedError, FileNotFoundError):
                await asyncio.to_thread(_spawn_supervisor, self.data_dir)
        return await asyncio.open_unix_connection(name, limit=1 << 20)

    async def _read(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while line := await reader.readline():
                self._message(line)
        except (OSError, ValueError) as e:
            log.warning("the container supervisor's connection broke: %s", e)
        finally:
            writer.close()
            if self._writer is writer:  # (not a newer connection made meanwhile)
                self._writer = None
            if not self._closed and (self._exited or self._started):
                self._answer_started()
                task = asyncio.ensure_future(self._follow_again())
                self._sending.add(task)
                task.add_done_callback(self._sending.discard)

    async def _follow_again(self) -> None:
        await self._connection()

    def _message(self, line: bytes) -> None:
        try:
            message = json.loads(line)
        except ValueError:
            return
        if not isinstance(message, dict):
            return
        if "started" in message:
            for future in self._started.pop(str(message["started"]), []):
                if not future.done():
                    future.set_result(message)
        if "exited" in message:
            state = str(message["exited"])
            for future in self._started.pop(state, []):
                if not future.done():
                    future.set_result({})
            waiting = self._exited.pop(state, [])
            for ended in waiting:
                if not ended.done():
                    ended.set_result(message)
            if not waiting and state in self._following:
                self._told[state] = message  # ended before its `exited` was called

    def _answer_started(self) -> None:
        """Starts in flight when the connection broke: whether they ran, follow tells."""
        started, self._started = self._started, {}
        for futures in started.values():
            for future in futures:
                if not future.done():
                    future.set_result({})

    def _answer_all(self) -> None:
        self._answer_started()
        exited, self._exited = self._exited, {}
        for futures in exited.values():
            for future in futures:
                if not future.done():
                    future.cancel()


def _exit_record(message: dict[str, Any]) -> dict[str, Any] | None:
    record = message.get("exit")
    return record if isinstance(record, dict) else None


_spawned: list[int] = []  # supervisors this process started (reaped once they end)


def _spawn_supervisor(data_dir: Path) -> None:
    """Start the supervisor of `data_dir` in its own session; return once it listens."""
    _reap_spawned()
    data_dir.mkdir(parents=True, exist_ok=True)
    ready_r, ready_w = os.pipe()
    if ready_w == READY_FD:  # dup2 onto itself would keep it close-on-exec
        moved = os.dup(ready_w)
        os.close(ready_w)
        ready_w = moved
    argv = [*shim_argv(), DAEMON_ARG, str(data_dir)]
    log_path = str(data_dir / "supervisor.log")
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600),
        (os.POSIX_SPAWN_DUP2, 1, 2),
        (os.POSIX_SPAWN_DUP2, ready_w, READY_FD),
    ]
    try:
        pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=actions, setsid=True)
    finally:
        os.close(ready_w)
    _spawned.append(pid)
    try:
        select.select([ready_r], [], [], _READY_TIMEOUT)  # one byte, or EOF if it failed
    finally:
        os.close(ready_r)


def _reap_spawned() -> None:
    for pid in list(_spawned):
        with contextlib.suppress(ChildProcessError, OSError):
            if os.waitpid(pid, os.WNOHANG)[0] == 0:
                continue
        _spawned.remove(pid)
