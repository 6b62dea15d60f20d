"""The container supervisor ("shim"): one process that runs a kubelet's containers and records them.

A kubelet keeps one supervisor per data dir (`procs.SupervisorClient` starts it, in its own
session, and talks to it over a Unix socket in the abstract namespace). For each container
attempt the kubelet writes `spec.json` (argv, env, cwd, whether argv is a bwrap sandbox and,
for one, the `files` bwrap writes into it: the supervisor passes each one's content through a
pipe whose fd it puts at the given index of argv) into the attempt's state directory (see
`config.PodPaths`) and asks for it to be started. The supervisor then:
- starts the process in a process group of its own and, once it runs, writes `started.json`
  (when, its pid, start time in clock ticks and the boot id, so that anyone can tell whether
  this very process still runs);
- copies its stdout and stderr to `container.log` in the CRI format
  (`<RFC3339Nano> stdout|stderr F|P <line>`);
- on request sends SIGTERM to the container's main process (the command, not the sandbox's
  init) or SIGKILL to the whole container;
- when the process ends and its output is drained, writes `exit.json` (exit code, end time, and
  a reason when it could not start) with write-then-rename, and tells the kubelets following it.

It outlives the kubelet on purpose: pods keep running across an argoapp restart, and the next
kubelet connects again and follows them. It ends once no kubelet is connected and nothing runs.
One process for every container rather than one per container: a Python process per container
cost more CPU and memory than the rest of a short pod put together. Sandboxes die with it
(`bwrap --die-with-parent`), and a kubelet that finds it gone reports their exits unknown.

Protocol, one JSON object per line. Kubelet to supervisor: `{"start": STATE, "spec": {…}}` (the
supervisor writes the spec to STATE/spec.json before it starts anything; without `spec`, the
spec.json there is run), `{"follow": STATE}` (answered with `exited` at once when STATE does
not run here; the connection that started an attempt follows it already), `{"signal": STATE,
"kill": BOOL}`. Supervisor to kubelet: `{"started": STATE, "startedAt": …}` (also sent, before
`exited`, for a start that failed) and `{"exited": STATE, "exit": {…}}` once `exit.json` is
written: `exit` is its record plus the container's `terminationMessage`, so the kubelet reads
no file back (a supervisor that knows nothing of STATE sends no `exit`).

It must stay stdlib-only and import nothing from argoapp: `shim_argv()` runs it by file path with
`python -I -S` (no site-packages), and a frozen binary dispatches `sys.argv[1] == SHIM_ARG` to
`main(sys.argv[2:])` before importing anything else. `shim STATE_DIR` runs one attempt in the
foreground and exits when it ends (for tests and debugging).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import time
from typing import Any

SHIM_ARG = "__localkube-shim__"
DAEMON_ARG = "--daemon"
READY_FD = 3  # the daemon writes one byte here once it listens
_PARTIAL_AT = 16 * 1024  # a line longer than this is logged in "P" (partial) pieces, as CRI does
_BWRAP_FAILED = 1  # bwrap's own exit code when it cannot set up the sandbox or exec the command
TERMINATION_LINK = "/.localkube/termination-log"  # the attempt's termination-log, hard-linked
_CLONE_NEWNS = 0x00020000
_MS_NOSUID, _MS_NOEXEC, _MS_BIND, _MS_REC, _MS_SLAVE = 0x2, 0x8, 0x1000, 0x4000, 0x80000
_DEV_NODES = ("null", "zero", "full", "random", "urandom", "tty")  # as bwrap's --dev binds them
_DEV_LINKS = {"fd": "/proc/self/fd", "stdin": "/proc/self/fd/0", "stdout": "/proc/self/fd/1",
              "stderr": "/proc/self/fd/2", "core": "/proc/kcore", "ptmx": "pts/ptmx",
              "termination-log": TERMINATION_LINK}  # fmt: skip
_DRAIN_AFTER_EXIT = 1.0  # seconds to keep reading pipes that something outlived the process with
_MAIN_PID_TRIES = 50  # looks (every _TICK) for the sandbox's command before SIGTERM gives up
_TICK = 0.02
_OUTBOX_MAX = 16 << 20  # bytes a kubelet may leave unread before it is dropped
_IDLE_EXIT = 2.0  # seconds with no kubelet and no container before the daemon ends
_SOCKET_PATH_MAX = 100  # sun_path holds 108 bytes
_LINE_MAX = 1 << 20  # a request line longer than this ends the connection
_MESSAGE_LIMIT = 4096  # bytes of a termination log that make its message, as the kubelet's


_trace_fd: list[int] = []  # ARGOAPP_TRACE's file, opened at the first stamp


def _trace(event: str, state: str) -> None:
    """Stamp `event` for the attempt in `state` when ARGOAPP_TRACE names a file (the
    benchmarks' pod timeline, `benchmarks.engine_timeline`); nothing otherwise."""
    path = os.environ.get("ARGOAPP_TRACE")
    if not path:
        return
    if not _trace_fd:
        _trace_fd.append(os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600))
    os.write(_trace_fd[0], f"{time.time():.6f} shim-{event} {state}\n".encode())


def shim_argv() -> list[str]:
    """The argv prefix that starts the supervisor; append its arguments."""
    if getattr(sys, "frozen", False):
        return [sys.executable, SHIM_ARG]
    return [sys.executable, "-I", "-S", os.path.realpath(__file__)]


def socket_name(data_dir: str) -> str:
    """The supervisor's socket: a file in `data_dir` (0700), so that neither other users nor
    pods (which share the host's network, hence its abstract sockets) can reach it. A data dir
    too long for a socket path gets a private directory in the temp dir instead."""
    path = os.path.join(os.path.realpath(data_dir), "supervisor.sock")
    if len(path.encode()) < _SOCKET_PATH_MAX:
        return path
    digest = hashlib.sha256(os.path.realpath(data_dir).encode()).hexdigest()[:24]
    private = os.path.join(tempfile.gettempdir(), f"argoapp-{os.getuid()}-{digest}")
    os.makedirs(private, mode=0o700, exist_ok=True)
    os.chmod(private, 0o700)
    return os.path.join(private, "s")


def rfc3339_nano(ns: int | None = None) -> str:
    """`2006-01-02T15:04:05.999999999Z`, the timestamp of CRI log lines."""
    global _SECOND
    ns = time.time_ns() if ns is None else ns
    secs, frac = divmod(ns, 1_000_000_000)
    second = _SECOND  # one tuple, replaced whole: threads never see half of it
    if second[0] != secs:  # formatted once a second, not per stamp (one per log chunk)
        second = _SECOND = (secs, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(secs)))
    return f"{second[1]}.{frac:09d}Z"


_SECOND: tuple[int, str] = (-1, "")  # the last second `rfc3339_nano` formatted, and its text


def write_json_atomic(
    path: str | os.PathLike[str], data: dict[str, Any], *, durable: bool = False
) -> None:
    """Write `data` to `path` so that readers see either nothing or all of it.

    The temporary name is the writer's own (the kubelet and the supervisor are two writers).
    The rename is what a kubelet restart needs; `durable` adds an fsync, which only a power
    loss needs and which cost ~8 ms per record on a busy disk, several times per container.
    """
    folder, name = os.path.split(os.fspath(path))
    tmp = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
    content = json.dumps(data).encode()  # (json.dump encodes in Python, piece by piece)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666)
    try:  # no file object: a few system calls, not a buffered text stream's set-up
        view = memoryview(content)
        while view:
            view = view[os.write(fd, view) :]
        if durable:
            os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def proc_start_ticks(pid: int) -> int | None:
    """A process's start time in clock ticks since boot (field 22 of /proc/PID/stat)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[19])


@functools.cache  # the same until the machine restarts, and with it every process
def boot_id() -> str:
    try:
        with open("/proc/sys/kernel/random/boot_id") as f:
            return f.read().strip()
    except OSError:
        return ""


def children_of(pid: int) -> list[int]:
    """The pids whose parent is `pid` (its /proc children list, else a scan of /proc)."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except (OSError, ValueError):
        pass
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if ppid == pid:
            found.append(int(entry))
    return found


class LogWriter:
    """Turns the two output streams into CRI log lines in one file."""

    def __init__(self, path: str) -> None:
        self._file = open(path, "ab")  # noqa: SIM115 - open for the container's lifetime
        self._pending = {"stdout": b"", "stderr": b""}

    def feed(self, stream: str, data: bytes) -> None:
        *lines, buf = (self._pending[stream] + data).split(b"\n")
        prefix = b"%s %s " % (rfc3339_nano().encode(), stream.encode())  # one stamp a chunk
        out = [b"%sF %s\n" % (prefix, line) for line in lines]
        while len(buf) >= _PARTIAL_AT:
            out.append(b"%sP %s\n" % (prefix, buf[:_PARTIAL_AT]))
            buf = buf[_PARTIAL_AT:]
        self._pending[stream] = buf
        self._write(out)

    def end(self, stream: str) -> None:
        if self._pending[stream]:
            self._write([self._line(stream, b"F", self._pending[stream])])
            self._pending[stream] = b""

    def _line(self, stream: str, tag: bytes, content: bytes) -> bytes:
        return b"%s %s %s %s\n" % (rfc3339_nano().encode(), stream.encode(), tag, content)

    def _write(self, lines: list[bytes]) -> None:
        if lines:
            self._file.write(b"".join(lines))
            self._file.flush()

    def close(self) -> None:
        for stream in self._pending:
            self.end(stream)
        self._file.close()


class Container:
    """One container attempt: its process, its output and its records."""

    def __init__(self, state: str, spec: dict[str, Any], dev: str | None = None) -> None:
        self.state = state
        self.spec = spec
        self.dev = dev  # the supervisor's /dev template, when it has one
        self.sandboxed = bool(spec.get("sandboxed"))
        self.child: subprocess.Popen[bytes] | None = None
        self.init_pid: int | None = None
        self.streams: dict[int, str] = {}
        self.info_fd: int | None = None
        self.info = b""
        self.logs: LogWriter | None = None
        self.first_stderr = b""
        self.exited_at: float | None = None
        self.started = False
        self.record: dict[str, Any] = {}  # started.json's content
        self.term_tries = 0  # > 0: SIGTERM asked, the sandbox's command not found yet
        self.followers: set[Any] = set()

    def start(self) -> str | None:
        """Start the process; returns an error message when it cannot be started."""
        argv = list(self.spec["argv"])
        info_r = info_w = -1
        files: list[int] = []  # read ends of the files bwrap writes into the sandbox
        if self.sandboxed:
            for slot, content in self.spec.get("files") or ():
                files.append(_filled_pipe(str(content).encode()))
                argv[int(slot)] = str(files[-1])
            _use_dev_template(argv, self.spec.get("devTemplate"), self.dev)
            info_r, info_w = os.pipe()
            argv[1:1] = ["--info-fd", str(info_w)]
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        try:
            self.child = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=out_w,
                stderr=err_w,
                env=self.spec.get("env") or {},
                cwd=None if self.sandboxed else self.spec.get("cwd") or None,
                pass_fds=(info_w, *files) if self.sandboxed else (),
                process_group=0,
                # bwrap's --die-with-parent ends a sandbox with us; a plain process is told
                # the same way (what it starts itself is beyond reach without a sandbox)
                preexec_fn=None if self.sandboxed else _die_with_parent,
            )
        except (OSError, ValueError, IndexError, TypeError) as e:
            for fd in (info_r, out_r, err_r):
                if fd >= 0:
                    os.close(fd)
            reason = e.strerror if isinstance(e, OSError) else str(e)
            return f'failed to start container process: exec: "{argv[:1]}": {reason}'
        finally:
            for fd in (info_w, out_w, err_w, *files):
                if fd >= 0:
                    os.close(fd)
        try:
            self.logs = LogWriter(os.path.join(self.state, "container.log"))
        except OSError as e:  # nowhere to log to: it does not run unsupervised
            self.streams = {out_r: "stdout", err_r: "stderr"}
            self.kill_all()
            self.child.wait()
            for fd in (info_r, out_r, err_r):
                if fd >= 0:
                    os.close(fd)
            self.streams = {}
            return f"failed to start container process: cannot write its log: {e.strerror}"
        self.streams = {out_r: "stdout", err_r: "stderr"}
        self.info_fd = info_r if info_r >= 0 else None
        return None

    def read_info(self, data: bytes) -> bool:
        """bwrap's info fd (the sandbox's init pid); True once it is complete (EOF)."""
        if data:
            self.info += data
            return False
        with contextlib.suppress(ValueError, KeyError, TypeError):
            self.init_pid = int(json.loads(self.info)["child-pid"])
        return True

    def started_record(self) -> dict[str, Any]:
        """`started.json`: when, and which process (pid, start ticks, boot id: never taken for
        a recycled pid), written once the sandbox is set up."""
        assert self.child is not None
        pid = self.child.pid
        record = {
            "startedAt": rfc3339_nano(),
            "pid": pid,
            "startTicks": proc_start_ticks(pid),
            "bootId": boot_id(),
            "initPid": self.init_pid,
            "supervisor": os.getpid(),
        }
        write_json_atomic(os.path.join(self.state, "started.json"), record)
        self.started = True
        return record

    def main_pid(self) -> int | None:
        """The container's main process: the sandbox init's child, or the direct child."""
        assert self.child is not None
        if not self.sandboxed:
            return self.child.pid
        if self.init_pid is None:
            return None
        kids = children_of(self.init_pid)
        return kids[0] if kids else None

    def terminate(self) -> None:
        """SIGTERM to the main process (looked for again on later ticks while it starts)."""
        if self.child is None or self.exited_at is not None:
            self.term_tries = 0
            return
        pid = self.main_pid() if self.started else None
        if pid is not None:
            _signal(pid, signal.SIGTERM)
            self.term_tries = 0
        elif self.term_tries >= _MAIN_PID_TRIES:
            self.term_tries = 0
            self.kill_all()
        else:
            self.term_tries += 1

    def kill_all(self) -> None:
        """SIGKILL every process of the container."""
        if self.child is None or self.exited_at is not None:
            return
        if self.sandboxed and self.init_pid is not None:
            _signal(self.init_pid, signal.SIGKILL)  # the pid namespace ends with its init
        with contextlib.suppress(OSError):
            os.killpg(self.child.pid, signal.SIGKILL)

    def done(self) -> bool:
        """The process ended and its output is read (or has been waited for long enough)."""
        if self.exited_at is None:
            return False
        return not self.streams or time.monotonic() - self.exited_at > _DRAIN_AFTER_EXIT

    def finish(self) -> dict[str, Any]:
        """Close the log and write `exit.json`; the record, with the termination message the
        container wrote, for the kubelets (`terminationMessage`: they read no file for it)."""
        assert self.child is not None and self.logs is not None
        for fd in list(self.streams):
            os.close(fd)
        self.streams.clear()
        if self.info_fd is not None:
            os.close(self.info_fd)
            self.info_fd = None
        self.logs.close()
        code = self.child.returncode
        code = 128 - code if code < 0 else code
        record: dict[str, Any] = {"exitCode": code, "finishedAt": rfc3339_nano()}
        if self.record.get("startedAt"):
            record["startedAt"] = self.record["startedAt"]
        text = self.first_stderr.decode(errors="replace")
        if self.sandboxed and code == _BWRAP_FAILED and text.startswith("bwrap: "):
            record.update(exitCode=128, reason="StartError", message=_start_error(text))
        write_json_atomic(os.path.join(self.state, "exit.json"), record)
        return {**record, "terminationMessage": _termination_message(self.state)}


def _termination_message(state: str) -> str:
    """What the container wrote to its termination log ("" when nothing)."""
    try:
        with open(os.path.join(state, "termination-log"), "rb") as f:
            return f.read(_MESSAGE_LIMIT).decode(errors="replace")
    except OSError:
        return ""


def _filled_pipe(content: bytes) -> int:
    """A pipe's read end with `content` in it and the write end closed (bwrap's `--file`
    reads it to the end). A pipe holds 64 KiB; larger content goes through a deleted file."""
    if len(content) < 60_000:
        read, write = os.pipe()
        try:
            os.write(write, content)
        finally:
            os.close(write)
        return read
    with tempfile.TemporaryFile() as f:
        f.write(content)
        f.flush()
        fd = os.dup(f.fileno())
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def _signal(pid: int, sig: int) -> None:
    with contextlib.suppress(OSError):
        os.kill(pid, sig)


def _start_error(bwrap_line: str) -> str:
    line = bwrap_line.splitlines()[0].removeprefix("bwrap: ")
    if line.startswith("execvp ") and line.endswith(": No such file or directory"):
        command = line.removeprefix("execvp ").removesuffix(": No such file or directory")
        return (
            f'failed to start container process: exec: "{command}": '
            "executable file not found in $PATH"
        )
    return f"failed to start container process: {line}"


def _die_with_parent() -> None:
    """In the child before exec: SIGKILL when the supervisor ends (PR_SET_PDEATHSIG)."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)


class Daemon:
    """The supervisor's loop: kubelets' requests, containers' output, exits, signals."""

    def __init__(self, listener: socket.socket | None, pods: str | None = None) -> None:
        self.sel = selectors.DefaultSelector()
        self.listener = listener
        self.pods = pods  # attempts are accepted under this directory only (None: anywhere)
        self.running: dict[str, Container] = {}
        self.dev: str | None = None  # see `own_mounts`
        self.clients: dict[socket.socket, bytes] = {}
        self.outbox: dict[socket.socket, bytearray] = {}  # what each kubelet has yet to read
        self.wake_r, wake_w = os.pipe()
        os.set_blocking(self.wake_r, False)
        os.set_blocking(wake_w, False)
        signal.set_wakeup_fd(wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        self.sel.register(self.wake_r, selectors.EVENT_READ, ("wake",))
        if listener is not None:
            listener.setblocking(False)
            self.sel.register(listener, selectors.EVENT_READ, ("listen",))

    # -- the loop ------------------------------------------------------------------------

    def serve(self) -> None:
        """Until nothing runs and (as a daemon) no kubelet has been connected for a while."""
        idle_since: float | None = time.monotonic()  # one that never gets a kubelet ends too
        while True:
            for key, events in self.sel.select(self._timeout(idle_since)):
                try:
                    if events & selectors.EVENT_WRITE:
                        self._flush(key.fileobj)
                    if events & selectors.EVENT_READ:
                        self._ready(key.data, key.fileobj)
                except Exception as e:  # one container's or one kubelet's trouble, not all
                    self._failed(key.data, e)
            self._reap()
            for container in list(self.running.values()):
                if container.term_tries:
                    container.terminate()
                if container.done():
                    self._finish(container)
            if self.running or self.clients:
                idle_since = None
            elif self.listener is None:
                return
            elif idle_since is None:
                idle_since = time.monotonic()
            elif time.monotonic() - idle_since >= _IDLE_EXIT and not self._accept():
                return

    def _failed(self, data: tuple[Any, ...], error: Exception) -> None:
        """An event could not be handled: a container's is killed (its exit is recorded when
        it ends), a kubelet's connection is dropped (it connects again)."""
        print(f"shim: {data[0]}: {type(error).__name__}: {error}", file=sys.stderr)
        if data[0] in ("out", "info") and isinstance(data[1], Container):
            container = data[1]
            for fd in list(container.streams):
                with contextlib.suppress(KeyError, ValueError, OSError):
                    self.sel.unregister(fd)
                    os.close(fd)
                container.streams.pop(fd, None)
            container.kill_all()

    def _timeout(self, idle_since: float | None) -> float | None:
        if any(c.term_tries or c.exited_at is not None for c in self.running.values()):
            return _TICK
        if idle_since is not None:
            return max(_IDLE_EXIT - (time.monotonic() - idle_since), 0.0)
        return None

    def _ready(self, data: tuple[Any, ...], fileobj: Any) -> None:
        what = data[0]
        if what == "wake":
            with contextlib.suppress(BlockingIOError):
                while os.read(self.wake_r, 512):
                    pass
        elif what == "listen":
            self._accept()
        elif what == "client":
            self._read_client(fileobj)
        elif what == "info":
            container = data[1]
            chunk = _read(container.info_fd)
            if chunk is not None and container.read_info(chunk):
                self.sel.unregister(container.info_fd)
                os.close(container.info_fd)
                container.info_fd = None
                self._started(container)
        else:
            self._output(data[1], data[2])

    def _output(self, container: Container, fd: int) -> None:
        chunk = _read(fd)
        stream = container.streams.get(fd)
        if stream is None or chunk is None:
            return
        if chunk:
            if stream == "stderr" and len(container.first_stderr) < 512:
                container.first_stderr += chunk
            assert container.logs is not None
            container.logs.feed(stream, chunk)
            return
        if container.logs is not None:
            container.logs.end(stream)
        self.sel.unregister(fd)
        os.close(fd)
        del container.streams[fd]

    def _reap(self) -> None:
        for container in self.running.values():
            child = container.child
            if container.exited_at is None and child is not None and child.poll() is not None:
                container.exited_at = time.monotonic()
                _trace("exit", container.state)
                if not container.sandboxed:
                    # The container ends with its main process, as in a runtime.
                    with contextlib.suppress(OSError):
                        os.killpg(child.pid, signal.SIGKILL)

    # -- containers ----------------------------------------------------------------------

    def start(
        self, state: str, follower: socket.socket | None, spec: dict[str, Any] | None = None
    ) -> None:
        """Start the attempt in `state` (a repeated request only adds a follower), as `spec`
        says (written to its spec.json first) or its spec.json."""
        container = self.running.get(state)
        if container is not None:  # asked again (a kubelet that restarted): it runs already
            if follower is not None:
                container.followers.add(follower)
                if container.started:
                    self._tell({follower}, {"started": state, **container.record})
            return
        _trace("request", state)
        try:
            if spec is None:
                with open(os.path.join(state, "spec.json")) as f:
                    spec = json.load(f)
            else:
                write_json_atomic(os.path.join(state, "spec.json"), spec)
            if not isinstance(spec, dict):
                raise ValueError("spec.json holds no object")
            container = Container(state, spec, self.dev)
            error = container.start()
            _trace("spawned", state)
        except (OSError, ValueError, KeyError, TypeError) as e:
            error = f"failed to start container process: {e}"
        if follower is not None and container is not None:
            container.followers.add(follower)
        if error is not None or container is None:
            record = {"exitCode": 128, "finishedAt": rfc3339_nano(), "reason": "StartError",
                      "message": error}  # fmt: skip
            with contextlib.suppress(OSError):
                write_json_atomic(os.path.join(state, "exit.json"), record)
            self._tell({follower} if follower else set(), {"started": state})
            self._tell({follower} if follower else set(), {"exited": state})
            return
        self.running[state] = container
        for fd, _ in container.streams.items():
            os.set_blocking(fd, False)
            self.sel.register(fd, selectors.EVENT_READ, ("out", container, fd))
        if container.info_fd is not None:
            os.set_blocking(container.info_fd, False)
            self.sel.register(container.info_fd, selectors.EVENT_READ, ("info", container))
        else:
            self._started(container)

    def _started(self, container: Container) -> None:
        if container.started:
            return
        try:
            record = container.started_record()
        except OSError as e:
            print(f"shim: {container.state}: start not recorded: {e}", file=sys.stderr)
            container.started, record = True, {"startedAt": rfc3339_nano()}
        container.record = record
        _trace("running", container.state)
        self._tell(container.followers, {"started": container.state, **record})

    def _finish(self, container: Container) -> None:
        for fd in container.streams:
            self.sel.unregister(fd)
        if container.info_fd is not None:
            self.sel.unregister(container.info_fd)
        self._started(container)
        message: dict[str, Any] = {"exited": container.state}
        try:
            message["exit"] = container.finish()
        except Exception as e:  # its area was removed under it, or the disk refused
            print(f"shim: {container.state}: exit not recorded: {e}", file=sys.stderr)
        del self.running[container.state]
        _trace("recorded", container.state)
        self._tell(container.followers, message)

    # -- kubelets ------------------------------------------------------------------------

    def _accept(self) -> bool:
        """Take a waiting connection; False when there was none."""
        assert self.listener is not None
        try:
            conn, _ = self.listener.accept()
        except (BlockingIOError, InterruptedError):
            return False
        conn.setblocking(False)
        self.clients[conn] = b""
        self.sel.register(conn, selectors.EVENT_READ, ("client",))
        return True

    def _read_client(self, conn: socket.socket) -> None:
        try:
            data = conn.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self._drop(conn)
            return
        *lines, rest = (self.clients[conn] + data).split(b"\n")
        if len(rest) > _LINE_MAX:
            self._drop(conn)
            return
        self.clients[conn] = rest
        for line in lines:
            try:
                request = json.loads(line)
            except ValueError:
                continue
            if isinstance(request, dict):
                self._request(conn, request)

    def _request(self, conn: socket.socket, request: dict[str, Any]) -> None:
        for key in ("start", "follow", "signal"):
            if key in request and not self._allowed(str(request[key])):
                self._tell({conn}, {"exited": str(request[key])})  # nothing of ours runs there
                return
        if "start" in request:
            spec = request.get("spec")
            self.start(str(request["start"]), conn, spec if isinstance(spec, dict) else None)
        elif "follow" in request:
            container = self.running.get(str(request["follow"]))
            if container is None:
                self._tell({conn}, {"exited": str(request["follow"])})
            else:
                container.followers.add(conn)
        elif "signal" in request:
            container = self.running.get(str(request["signal"]))
            if container is not None and request.get("kill"):
                container.kill_all()
            elif container is not None:
                container.terminate()

    def _allowed(self, state: str) -> bool:
        if self.pods is None:
            return True
        real = os.path.realpath(state)
        return real.startswith(self.pods + os.sep)

    def _tell(self, conns: set[Any], message: dict[str, Any]) -> None:
        """Send `message` to each kubelet in `conns`. What a busy kubelet cannot take yet
        waits in its outbox, sent as its socket drains: a kubelet is dropped only when gone
        or when it has not read for megabytes (it then connects and follows again)."""
        line = json.dumps(message).encode() + b"\n"
        for conn in list(conns):
            if conn not in self.clients:
                continue
            box = self.outbox.setdefault(conn, bytearray())
            was_empty = not box
            box += line
            if len(box) > _OUTBOX_MAX:
                self._drop(conn)
            elif was_empty:
                self._flush(conn)

    def _flush(self, conn: Any) -> None:
        box = self.outbox.get(conn)
        if conn not in self.clients or box is None:
            return
        try:
            sent = conn.send(box) if box else 0
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError:
            self._drop(conn)
            return
        del box[:sent]
        events = selectors.EVENT_READ | (selectors.EVENT_WRITE if box else 0)
        if self.sel.get_key(conn).events != events:
            self.sel.modify(conn, events, ("client",))

    def _drop(self, conn: socket.socket) -> None:
        self.outbox.pop(conn, None)
        if conn in self.clients:
            del self.clients[conn]
            self.sel.unregister(conn)
        for container in self.running.values():
            container.followers.discard(conn)
        conn.close()


def _read(fd: int | None) -> bytes | None:
    """What `fd` has (b"" at its end), or None when nothing is there yet."""
    if fd is None:
        return b""
    try:
        return os.read(fd, 65536)
    except (BlockingIOError, InterruptedError):
        return None
    except OSError:
        return b""


def daemon(data_dir: str) -> int:
    """Serve the kubelets of `data_dir` until idle; another one already serving it is fine."""
    _raise_fd_limit()
    name = socket_name(data_dir)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(name)
        _ready_byte()
        return 0  # one is already there: the kubelet connects to it
    except OSError:
        pass  # nobody answers: a socket file left by a supervisor that ended is replaced
    finally:
        probe.close()
    with contextlib.suppress(FileNotFoundError):
        os.unlink(name)
    old_mask = os.umask(0o077)
    try:
        listener.bind(name)
    except OSError:
        _ready_byte()
        return 0
    finally:
        os.umask(old_mask)
    listener.listen(64)
    bound = os.stat(name)
    record = {"pid": os.getpid(), "startTicks": proc_start_ticks(os.getpid()), "bootId": boot_id()}
    with contextlib.suppress(OSError):
        write_json_atomic(os.path.join(data_dir, "supervisor.json"), record)
    dev = own_mounts(data_dir)
    _ready_byte()
    supervisor = Daemon(listener, os.path.join(os.path.realpath(data_dir), "pods"))
    supervisor.dev = dev
    supervisor.serve()
    listener.close()
    with contextlib.suppress(OSError):
        # a kubelet that found nobody listening may have started the next supervisor on
        # this name meanwhile: its socket is not ours to remove
        if os.stat(name).st_ino == bound.st_ino:
            os.unlink(name)
    return 0


def own_mounts(data_dir: str) -> str | None:
    """As root, give the supervisor (and so every sandbox it starts) a mount namespace of its
    own, and in it the template of a sandbox's /dev; returns the template's path, or None.

    bwrap's `--dev` binds six device nodes one by one, and after every bind bwrap reads the
    whole mount table again: about 0.7 ms of CPU per sandbox. Bound once here, the template is
    one bind (`_use_dev_template`). It is the same /dev as `--dev` makes (bwrap's device nodes,
    links and a devpts of its own, shared by the sandboxes), read-only, with `/dev/shm` a tmpfs
    of each sandbox's and `termination-log` the link `sandbox.bwrap_command` would have made.
    Mounts on the host still reach the namespace (it is a slave of the host's); nothing made
    here is seen outside it, and it ends with the supervisor and its sandboxes. Without root,
    or where a step fails, sandboxes get `--dev` as before.
    """
    if os.geteuid() != 0 or not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
    except (ImportError, OSError):
        return None

    def mount(source: str, target: str, fstype: str | None, flags: int, data: str = "") -> None:
        done = libc.mount(source.encode(), target.encode(), fstype.encode() if fstype else None,
                          flags, data.encode() if data else None)  # fmt: skip
        if done != 0:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err), target)

    if libc.unshare(_CLONE_NEWNS) != 0:
        return None
    dev = os.path.join(os.path.realpath(data_dir), "sandbox-dev")
    try:
        mount("none", "/", None, _MS_REC | _MS_SLAVE)
        os.makedirs(dev, exist_ok=True)
        mount("tmpfs", dev, "tmpfs", _MS_NOSUID | _MS_NOEXEC, "mode=0755")
        for name in _DEV_NODES:
            path = os.path.join(dev, name)
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o666))
            mount(f"/dev/{name}", path, None, _MS_BIND)
        for name in ("shm", "pts"):
            os.mkdir(os.path.join(dev, name), 0o755)
        mount("devpts", os.path.join(dev, "pts"), "devpts", _MS_NOSUID | _MS_NOEXEC,
              "newinstance,ptmxmode=0666,mode=620")  # fmt: skip
        for name, target in _DEV_LINKS.items():
            os.symlink(target, os.path.join(dev, name))
    except OSError:
        return None  # the namespace stays the supervisor's; sandboxes use --dev
    return dev


def _use_dev_template(argv: list[str], where: Any, dev: str | None) -> None:
    """Replace `argv[start:end]` (the kubelet's `--dev /dev` and its termination-log link,
    marked in spec.json's `devTemplate` when nothing else is mounted under /dev) by one bind
    of the template `own_mounts` made, made read-only, and a tmpfs /dev/shm as Docker gives."""
    if dev is None or not isinstance(where, list) or len(where) != 2:
        return
    start, end = int(where[0]), int(where[1])
    if argv[start : start + 2] != ["--dev", "/dev"]:
        return  # not what the kubelet marked: leave its command alone
    argv[start:end] = ["--dev-bind", dev, "/dev", "--remount-ro", "/dev",
                       "--perms", "1777", "--tmpfs", "/dev/shm"]  # fmt: skip


def _raise_fd_limit() -> None:
    """Three descriptors per running container: take the hard limit, not the usual 1024."""
    with contextlib.suppress(ImportError, ValueError, OSError):
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft < hard:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def _ready_byte() -> None:
    with contextlib.suppress(OSError):
        os.write(READY_FD, b"r")
        os.close(READY_FD)


def run(state: str) -> int:
    """Supervise the one attempt described in `state/spec.json`, in the foreground."""
    supervisor = Daemon(None)
    supervisor.start(state, None)
    supervisor.serve()
    return 0


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == DAEMON_ARG:
        return daemon(argv[1])
    if len(argv) != 1:
        print("usage: shim STATE_DIR | shim --daemon DATA_DIR", file=sys.stderr)
        return 2
    return run(argv[0])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
