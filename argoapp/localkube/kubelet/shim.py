"""The per-container supervisor ("shim"): runs one container process and records its life on disk.

The kubelet starts one shim per container attempt, in its own session, with the attempt's state
directory as its only argument (see `config.PodPaths`). The shim reads `spec.json` (argv, env,
cwd, whether argv is a bwrap sandbox), then:
- writes `shim.json` (its pid, start time in clock ticks and the boot id) so a kubelet that
  restarts can tell whether this very shim is still alive;
- starts the process, writes `started.json`, and copies its stdout and stderr to
  `container.log` in the CRI format (`<RFC3339Nano> stdout|stderr F|P <line>`);
- on SIGTERM or SIGINT sends SIGTERM to the container's main process (the command, not the
  sandbox's init); on SIGUSR1 kills the whole container with SIGKILL;
- when the process ends, writes `exit.json` (exit code, end time, and a reason when it could not
  start) with write-then-rename, and exits.

It outlives the kubelet on purpose: pods keep running across an argoapp restart and are adopted.
It must stay stdlib-only and import nothing from argoapp, because it starts once per container
and must start fast; `shim_argv()` runs it by file path with `python -I -S` (no site-packages).
`shim --warm` starts a shim ahead of need, which takes its state directory from stdin (`warm`).
A frozen binary runs it by dispatching `sys.argv[1] == SHIM_ARG` to `main(sys.argv[2:])` before
importing anything else.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
from typing import Any

SHIM_ARG = "__localkube-shim__"
WARM_ARG = "--warm"
WARM_NOTIFY_FD = 3
_PARTIAL_AT = 16 * 1024  # a line longer than this is logged in "P" (partial) pieces, as CRI does
_BWRAP_FAILED = 1  # bwrap's own exit code when it cannot set up the sandbox or exec the command


def shim_argv() -> list[str]:
    """The argv prefix that starts a shim; append the attempt's state directory."""
    if getattr(sys, "frozen", False):
        return [sys.executable, SHIM_ARG]
    return [sys.executable, "-I", "-S", os.path.realpath(__file__)]


def rfc3339_nano(ns: int | None = None) -> str:
    """`2006-01-02T15:04:05.999999999Z`, the timestamp of CRI log lines."""
    ns = time.time_ns() if ns is None else ns
    secs, frac = divmod(ns, 1_000_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(secs)) + f".{frac:09d}Z"


def write_json_atomic(
    path: str | os.PathLike[str], data: dict[str, Any], *, durable: bool = False
) -> None:
    """Write `data` to `path` so that readers see either nothing or all of it.

    The temporary name is the writer's own: the kubelet and the shim both write `shim.json`.
    The rename is what a kubelet restart needs; `durable` adds an fsync, which only a power
    loss needs and which cost ~8 ms per record on a busy disk, several times per container.
    """
    folder, name = os.path.split(os.fspath(path))
    tmp = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
    with open(tmp, "w") as f:
        json.dump(data, f)
        if durable:
            f.flush()
            os.fsync(f.fileno())
    os.replace(tmp, path)


def proc_start_ticks(pid: int) -> int | None:
    """A process's start time in clock ticks since boot (field 22 of /proc/PID/stat)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[19])


def boot_id() -> str:
    try:
        with open("/proc/sys/kernel/random/boot_id") as f:
            return f.read().strip()
    except OSError:
        return ""


def children_of(pid: int) -> list[int]:
    """The pids whose parent is `pid` (found by scanning /proc)."""
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
        self._file = open(path, "ab")  # noqa: SIM115 - open for the shim's lifetime
        self._pending = {"stdout": b"", "stderr": b""}

    def feed(self, stream: str, data: bytes) -> None:
        buf = self._pending[stream] + data
        out = []
        while True:
            cut = buf.find(b"\n")
            if cut < 0:
                break
            out.append(self._line(stream, b"F", buf[:cut]))
            buf = buf[cut + 1 :]
        while len(buf) >= _PARTIAL_AT:
            out.append(self._line(stream, b"P", buf[:_PARTIAL_AT]))
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


class Supervisor:
    """One container process, its signals and its output."""

    def __init__(self, state: str, spec: dict[str, Any]) -> None:
        self.state = state
        self.spec = spec
        self.sandboxed = bool(spec.get("sandboxed"))
        self.child: subprocess.Popen[bytes] | None = None
        self.init_pid: int | None = None
        self.first_stderr = b""
        self.terminate_asked = False
        self.kill_asked = False

    def start(self, stdout: int, stderr: int) -> str | None:
        """Start the process; returns an error message when it cannot be started."""
        argv = list(self.spec["argv"])
        info_r = info_w = -1
        if self.sandboxed:
            info_r, info_w = os.pipe()
            argv[1:1] = ["--info-fd", str(info_w)]
        try:
            self.child = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr,
                env=self.spec.get("env") or {},
                cwd=None if self.sandboxed else self.spec.get("cwd") or None,
                pass_fds=(info_w,) if self.sandboxed else (),
                process_group=None if self.sandboxed else 0,
            )
        except OSError as e:
            return f'failed to start container process: exec: "{argv[0]}": {e.strerror}'
        finally:
            if info_w >= 0:
                os.close(info_w)
        if info_r >= 0:
            self.init_pid = _read_info(info_r)
        return None

    def main_pid(self) -> int | None:
        """The container's main process: the sandbox init's child, or the direct child."""
        assert self.child is not None
        if not self.sandboxed:
            return self.child.pid
        if self.init_pid is None:
            return None
        for _ in range(50):
            kids = children_of(self.init_pid)
            if kids:
                return kids[0]
            if self.child.poll() is not None:
                return None
            time.sleep(0.02)
        return None

    def on_signal(self, signum: int) -> None:
        if self.child is None or self.child.poll() is not None:
            return
        if signum == signal.SIGUSR1:
            self.kill_asked = True
            self.kill_all()
        elif signum in (signal.SIGTERM, signal.SIGINT) and not self.terminate_asked:
            self.terminate_asked = True
            pid = self.main_pid()
            if pid is None:
                self.kill_all()
            else:
                _signal(pid, signal.SIGTERM)

    def kill_all(self) -> None:
        """SIGKILL every process of the container."""
        assert self.child is not None
        if self.sandboxed:
            # Killing the pid namespace's init takes every process in it down.
            _signal(self.init_pid or self.child.pid, signal.SIGKILL)
        else:
            try:
                os.killpg(self.child.pid, signal.SIGKILL)
            except OSError:
                pass

    def exit_record(self) -> dict[str, Any]:
        assert self.child is not None
        code = self.child.returncode
        code = 128 - code if code < 0 else code
        record: dict[str, Any] = {"exitCode": code, "finishedAt": rfc3339_nano()}
        text = self.first_stderr.decode(errors="replace")
        if self.sandboxed and code == _BWRAP_FAILED and text.startswith("bwrap: "):
            record.update(exitCode=128, reason="StartError", message=_start_error(text))
        return record


def _read_info(fd: int) -> int | None:
    data = b""
    with os.fdopen(fd, "rb") as f:
        data = f.read()
    try:
        return int(json.loads(data)["child-pid"])
    except (ValueError, KeyError, TypeError):
        return None


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except OSError:
        pass


def _start_error(bwrap_line: str) -> str:
    line = bwrap_line.splitlines()[0].removeprefix("bwrap: ")
    if line.startswith("execvp ") and line.endswith(": No such file or directory"):
        command = line.removeprefix("execvp ").removesuffix(": No such file or directory")
        return (
            f'failed to start container process: exec: "{command}": '
            "executable file not found in $PATH"
        )
    return f"failed to start container process: {line}"


def pump(sup: Supervisor, logs: LogWriter, out_r: int, err_r: int, wake_r: int) -> None:
    """Copy output to the log and serve signals until the process and its pipes are done."""
    sel = selectors.DefaultSelector()
    streams = {out_r: "stdout", err_r: "stderr"}
    for fd in (out_r, err_r, wake_r):
        os.set_blocking(fd, False)
        sel.register(fd, selectors.EVENT_READ)
    assert sup.child is not None
    exited_at: float | None = None
    while streams:
        for key, _ in sel.select(timeout=0.2):
            fd = int(key.fd)
            if fd == wake_r:
                for signum in os.read(fd, 64):
                    sup.on_signal(signum)
                continue
            data = os.read(fd, 65536)
            if data:
                if fd == err_r and len(sup.first_stderr) < 512:
                    sup.first_stderr += data
                logs.feed(streams[fd], data)
            else:
                logs.end(streams.pop(fd))
                sel.unregister(fd)
        if exited_at is None and sup.child.poll() is not None:
            exited_at = time.monotonic()
            if not sup.sandboxed:
                sup.kill_all()  # the container ends with its main process, as in a runtime
        if exited_at is not None and time.monotonic() - exited_at > 1.0:
            break  # pipes held open by something that survived the kill: stop reading
    sel.close()
    sup.child.wait()


def _notify(fd: int | None) -> None:
    """Tell the kubelet that the process started (or could not): one byte, then EOF."""
    if fd is None:
        return
    try:
        os.write(fd, b"s")
        os.close(fd)
    except OSError:
        pass


def run(state: str, notify: int | None = None) -> int:
    """Supervise the container attempt described in `state/spec.json`."""
    with open(os.path.join(state, "spec.json")) as f:
        spec = json.load(f)
    write_json_atomic(
        os.path.join(state, "shim.json"),
        {"pid": os.getpid(), "startTicks": proc_start_ticks(os.getpid()), "bootId": boot_id()},
    )
    sup = Supervisor(state, spec)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGUSR1, signal.SIGCHLD):
        signal.signal(signum, lambda *_: None)
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    logs = LogWriter(os.path.join(state, "container.log"))
    error = sup.start(out_w, err_w)
    os.close(out_w)
    os.close(err_w)
    if error is not None:
        logs.close()
        write_json_atomic(
            os.path.join(state, "exit.json"),
            {
                "exitCode": 128,
                "finishedAt": rfc3339_nano(),
                "reason": "StartError",
                "message": error,
            },
        )
        _notify(notify)
        return 0
    assert sup.child is not None
    write_json_atomic(
        os.path.join(state, "started.json"),
        {"startedAt": rfc3339_nano(), "pid": sup.child.pid, "initPid": sup.init_pid},
    )
    _notify(notify)
    pump(sup, logs, out_r, err_r, wake_r)
    logs.close()
    write_json_atomic(os.path.join(state, "exit.json"), sup.exit_record())
    return 0


def warm() -> int:
    """Wait, started and imported, for the kubelet to hand over an attempt on stdin.

    The kubelet keeps a few of these ready (`procs.ShimPool`) so that a container start does
    not wait for Python to start. Stdin at EOF (the kubelet stopped or has no use for this
    shim) ends it. Fd 3 is where it says that the process started.
    """
    line = sys.stdin.readline().strip()
    if not line:
        return 0
    log = os.open(os.path.join(line, "shim.log"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(null)
    os.close(log)
    return run(line, notify=WARM_NOTIFY_FD)


def main(argv: list[str]) -> int:
    if argv == [WARM_ARG]:
        return warm()
    if len(argv) != 1:
        print("usage: shim STATE_DIR | shim --warm", file=sys.stderr)
        return 2
    return run(argv[0])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
