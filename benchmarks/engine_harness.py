"""What the engine benchmarks share: a real `argoapp up` child, its RSS, the REST API, a bare spawn.

`engine_workflows` drives whole workflows through `argoapp up` (local mode, pods under bwrap) and
measures them from the outside: wall time by polling the Argo REST API, memory by summing VmRSS
over the argoapp process and all its descendants every 100 ms. Nothing here imports the
controller or engine; it talks to the program the way a user does. Used only by `make bench`:
these are measurements, never tests, and they assert nothing about time.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import itertools
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp

from argoapp.localkube.kubelet import sandbox

NS = "argo"
DONE = ("Succeeded", "Failed", "Error")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _argoapp_command() -> list[str]:
    exe = Path(sys.executable).with_name("argoapp")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "argoapp"]


# ---- memory of a process tree ---------------------------------------------------------------
def _children_index() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])  # after "pid (comm) state ppid"
        kids.setdefault(ppid, []).append(int(entry.name))
    return kids


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_kib(root: int, pss: bool = True) -> tuple[int, int, int, int]:
    """(VmRSS summed over `root` and its descendants, `root`'s own, processes, summed PSS or 0).

    Summed VmRSS counts shared pages (the Python interpreter every shim maps) once per process,
    as the issue's measure asks; PSS splits them between the sharers, so it is what the tree
    really holds. The root's own figure shows how much of it is argoapp itself.
    """
    kids = _children_index()
    total, shared, count, todo = 0, 0, 0, [root]
    while todo:
        pid = todo.pop()
        total += _rss_kib(pid)
        shared += _pss_kib(pid) if pss else 0
        count += 1
        todo.extend(kids.get(pid, ()))
    return total, _rss_kib(root), count, shared


class RssSampler:
    """Samples a process tree's summed RSS every 250 ms (PSS every second) and keeps the
    peaks."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.peak_kib = self.peak_root_kib = self.peak_procs = self.peak_pss_kib = 0
        self._task: asyncio.Task[None] | None = None

    def reset(self) -> None:
        self.peak_kib = self.peak_root_kib = self.peak_procs = self.peak_pss_kib = 0
        self._take(tree_rss_kib(self.root))

    def _take(self, sample: tuple[int, int, int, int]) -> None:
        self.peak_kib = max(self.peak_kib, sample[0])
        self.peak_root_kib = max(self.peak_root_kib, sample[1])
        self.peak_procs = max(self.peak_procs, sample[2])
        self.peak_pss_kib = max(self.peak_pss_kib, sample[3])

    @property
    def peak_mib(self) -> float:
        return self.peak_kib / 1024

    def describe(self) -> str:
        """The peaks as one line: tree PSS, argoapp's own RSS, most processes at once."""
        own, pss = self.peak_root_kib / 1024, self.peak_pss_kib / 1024
        return (
            f"tree PSS {pss:.0f} MiB; argoapp itself {own:.0f} MiB RSS; "
            f"≤{self.peak_procs} processes"
        )

    def now_mib(self) -> float:
        return tree_rss_kib(self.root)[0] / 1024

    async def _loop(self) -> None:
        # RSS every 0.25 s, PSS (the kernel walks every page table for it) once a second: the
        # sampler shares the machine's two cores with what it measures, and at 0.1 s with PSS
        # each time it took 1.1 CPU-s of a 10 s fan-out (of ~18 in all)
        for sample in itertools.count():
            self._take(await asyncio.to_thread(tree_rss_kib, self.root, sample % 4 == 0))
            await asyncio.sleep(0.25)

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


# ---- argoapp up and its REST API ------------------------------------------------------------
class Up:
    """A running `argoapp up` child and an HTTP session to its Argo API."""

    def __init__(self, proc: asyncio.subprocess.Process, base: str, session: aiohttp.ClientSession):
        self.proc = proc
        self.base = base
        self.http = session
        self.rss = RssSampler(proc.pid)

    async def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any, int]:
        """(status, decoded JSON, response size in bytes)."""
        async with self.http.request(method, self.base + path, json=body) as resp:
            raw = await resp.read()
            return resp.status, (json.loads(raw) if raw.strip() else {}), len(raw)

    async def submit(self, wf: dict[str, Any]) -> str:
        code, body, _ = await self.call("POST", f"/api/v1/workflows/{NS}", {"workflow": wf})
        if code != 200:
            raise RuntimeError(f"submit failed ({code}): {body}")
        return str(body["metadata"]["name"])

    async def wait_done(self, name: str, poll: float, limit: float) -> dict[str, Any]:
        """Poll a workflow's phase (only a few fields) until it ends; returns those fields."""
        fields = "metadata.name,status.phase,status.message,status.offloadNodeStatusVersion"
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            code, body, _ = await self.call("GET", f"/api/v1/workflows/{NS}/{name}?fields={fields}")
            status = body.get("status") or {} if code == 200 else {}
            if status.get("phase") in DONE:
                return dict(status)
            await asyncio.sleep(poll)
        raise TimeoutError(f"workflow {name} did not end within {limit:.0f} s")


@contextlib.asynccontextmanager
async def argoapp_up(env: dict[str, str] | None = None) -> AsyncIterator[Up]:
    """Start `argoapp up` on a fresh data dir; stop it (SIGTERM, then SIGKILL) at the end."""
    with _fresh_dir("argoapp-bench-") as tmp:
        port = _free_port()
        cmd = [*_argoapp_command(), "up", "--data-dir", f"{tmp}/data", "--port", str(port)]
        cmd += ["--kube-port", "0", "--auth-mode", "server"]
        with open(f"{tmp}/up.log", "wb") as log:
            proc = await asyncio.create_subprocess_exec(
                *cmd, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
            )
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=300)) as http:
                up = Up(proc, f"http://127.0.0.1:{port}", http)
                await _ready(up, Path(tmp) / "up.log")
                up.rss.start()
                try:
                    yield up
                finally:
                    await up.rss.stop()
        finally:
            await _stop(proc)


_LEFT: list[str] = []  # data dirs of finished runs, removed when the benchmarks end


@contextlib.contextmanager
def _fresh_dir(prefix: str) -> Iterator[str]:
    """A temporary directory, removed only when the benchmarks end (and the removal synced).

    On ext4 without a journal (these machines), a new inode skips over every inode deleted in
    the last minute, so a run that started right after the previous one removed its ~50,000
    files ran up to twice as slow, and each run more so. Real installs delete pods a few at a
    time; the benchmarks measure argoapp, not the previous run's clean-up.
    """
    if not _LEFT:
        atexit.register(_remove_left)
    tmp = tempfile.mkdtemp(prefix=prefix)
    _LEFT.append(tmp)
    yield tmp


def _remove_left() -> None:
    for path in _LEFT:
        shutil.rmtree(path, ignore_errors=True)
    os.sync()


async def _ready(up: Up, log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if up.proc.returncode is not None:
            raise RuntimeError("argoapp up exited early:\n" + log.read_text()[-2000:])
        with contextlib.suppress(aiohttp.ClientError, OSError):
            if (await up.call("GET", "/api/v1/version"))[0] == 200:
                return
        await asyncio.sleep(0.2)
    raise RuntimeError("argoapp up did not answer /api/v1/version within 90 s")


async def _stop(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), 30)
        except TimeoutError:
            proc.kill()
            await proc.wait()


# ---- one bare sandboxed spawn ---------------------------------------------------------------
def bare_spawn_ms(runs: int = 30) -> float:
    """Median ms to run `true` in a bwrap sandbox built by the kubelet's own `bwrap_command`
    (the files it writes into the sandbox come through pipes, as the supervisor passes them)."""
    bwrap = "/usr/bin/bwrap" if os.path.exists("/usr/bin/bwrap") else "bwrap"
    layout = sandbox.host_layout()
    with tempfile.TemporaryDirectory(prefix="argoapp-spawn-") as tmp:
        base = Path(tmp)
        spec = sandbox.SandboxSpec(
            root=base / "root",
            hostname="bench",
            pod_ip="127.0.0.1",
            pod_bin=base / "bin",
            termination_log=base / "termination-log",
            termination_path="/dev/termination-log",
            mounts=(),
            working_dir="/",
        )
        sandbox.prepare_root(layout, spec, "/root", None)
        argv, files = sandbox.bwrap_command(bwrap, layout, spec, ["true"])
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            fds = []
            for slot, content in files:
                read, write = os.pipe()
                os.write(write, content.encode())
                os.close(write)
                argv[slot] = str(read)
                fds.append(read)
            subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, pass_fds=fds)
            for fd in fds:
                os.close(fd)
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)
