"""Whole workflows through `argoapp up` (local mode, every step a real `true` in a bwrap pod).

1. a chain of 200 sequential steps, with the executor roles in-process and as processes: wall
   time, overhead per step (wall ÷ steps - one bare sandboxed spawn), peak RSS of the tree;
2. a 2,000-item `withSequence` fan-out at `parallelism: 50`: wall time, peak RSS;
3. a 10,000-node fan-out: wall time, peak RSS, status size, whether node status was offloaded,
   and the time of a full GET (all nodes) and of a list request.

Targets from the issue are printed next to the figures; nothing asserts them. Sizes can be
changed with env vars for a quick run: BENCH_CHAIN, BENCH_FANOUT, BENCH_HUGE (0 skips one);
BENCH_TRACE=1 (or =FILE, kept) prints the fan-out's per-pod stage timeline
(`engine_timeline.print_fanout`);
BENCH_CHAIN_MODES=true runs the chain with the in-process executor only; BENCH_FANOUT_RUNS
(default 3) is how many fan-outs are run, each in a fresh `argoapp up`, for the median wall time.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.engine_harness import NS, Up, _children_index, argoapp_up, bare_spawn_ms
from benchmarks.engine_timeline import PodTimeline, print_fanout

IMAGE = "busybox"  # any image: localkube runs the host's `true`


def chain(steps: int) -> dict[str, Any]:
    """A steps template with `steps` sequential groups of one `true` step each."""
    groups = [[{"name": f"s{i}", "template": "t"}] for i in range(steps)]
    return {
        "metadata": {"generateName": "bench-chain-"},
        "spec": {
            "entrypoint": "main",
            "templates": [
                {"name": "main", "steps": groups},
                {"name": "t", "container": {"image": IMAGE, "command": ["true"]}},
            ],
        },
    }


def fanout(count: int, parallelism: int) -> dict[str, Any]:
    """One steps group looping `count` times over a `true` step."""
    step = {"name": "item", "template": "t", "withSequence": {"count": str(count)}}
    return {
        "metadata": {"generateName": f"bench-fan{count}-"},
        "spec": {
            "entrypoint": "main",
            "parallelism": parallelism,
            "templates": [
                {"name": "main", "steps": [[step]]},
                {"name": "t", "container": {"image": IMAGE, "command": ["true"]}},
            ],
        },
    }


def _size(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _line(label: str, value: str, target: str = "") -> None:
    print(f"  {label:<40} {value:>14}  {target}")


async def _run(up: Up, wf: dict[str, Any], limit: float) -> tuple[str, float, dict[str, Any]]:
    up.rss.reset()
    start = time.perf_counter()
    name = await up.submit(wf)
    status = await up.wait_done(name, poll=0.05, limit=limit)
    return name, time.perf_counter() - start, status


def _own_cpu() -> float:
    """CPU-seconds this benchmark process has used (its sampling competes with argoapp)."""
    times = os.times()
    return times.user + times.system


def _machine_busy() -> float:
    """CPU-seconds the whole machine has been busy (every process, not only argoapp's)."""
    with open("/proc/stat") as f:
        ticks = [int(x) for x in f.readline().split()[1:]]
    idle = ticks[3] + ticks[4]  # idle, iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _tree_cpu(root: int) -> dict[str, float]:
    """CPU-seconds of argoapp itself, and of the pod supervisor with the children it reaped
    (bwrap and the pods' commands)."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for pid in [root, *_descendants(root)]:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            cmd = Path(f"/proc/{pid}/cmdline").read_text()
        except OSError:
            continue
        own, reaped = int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14])
        if pid == root:
            out["argoapp up itself"] = own / tick
        elif "--daemon" in cmd or "shim" in cmd:
            out["supervisor"] = own / tick
            out["supervisor's children (bwrap, true)"] = reaped / tick
    return out


def _descendants(root: int) -> list[int]:
    kids = _children_index()
    found, todo = [], [root]
    while todo:
        for kid in kids.get(todo.pop(), ()):
            found.append(kid)
            todo.append(kid)
    return found


def _pids_now() -> int:
    """How many processes the machine has (a sanity check that pods are cleaned up)."""
    return sum(1 for e in os.scandir("/proc") if e.name.isdigit())


async def bench_chain(steps: int, spawn_ms: float) -> None:
    """Benchmark 1, once per executor setting."""
    for in_process in os.environ.get("BENCH_CHAIN_MODES", "true,false").split(","):
        async with argoapp_up({"ARGOAPP_EXECUTOR_IN_PROCESS": in_process}) as up:
            await _run(up, chain(2), 60)  # warm-up: imports, first pod, caches
            timeline = PodTimeline(up)
            timeline.start()
            try:
                _name, wall, status = await _run(up, chain(steps), 600)
            finally:
                await timeline.stop()
            per_step = wall / steps * 1000
            print(f"-- engine: {steps}-step chain, executor in-process={in_process}")
            _line("phase", str(status.get("phase")))
            _line("wall time", f"{wall:.2f} s")
            _line("wall ÷ steps", f"{per_step:.1f} ms")
            _line("overhead per step (- bare spawn)", f"{per_step - spawn_ms:.1f} ms", "≤ 20 ms")
            _line("peak RSS, argoapp process tree", f"{up.rss.peak_mib:.0f} MiB")
            print(f"    {up.rss.describe()}")
            first, last = (
                timeline.chain_breakdown(slice(21)),
                timeline.chain_breakdown(slice(-21, None)),
            )
            print("    median per stage, first 20 steps / last 20 steps:")
            for stage, ms in timeline.chain_breakdown().items():
                when = f"{first.get(stage, 0):.1f} / {last.get(stage, 0):.1f} ms"
                _line(f"  {stage}", when, f"all steps {ms:.1f} ms")


async def bench_fanout(count: int) -> None:
    """Benchmark 2 (BENCH_TRACE=1: with argoapp's own per-pod stamps, and their timeline)."""
    with tempfile.TemporaryDirectory(prefix="argoapp-trace-") as tmp:
        wanted = os.environ.get("BENCH_TRACE", "")
        trace = Path(tmp) / "trace.log" if wanted in ("", "0", "1") else Path(wanted)
        env = {"ARGOAPP_TRACE": str(trace)} if wanted not in ("", "0") else {}
        trace.unlink(missing_ok=True)  # argoapp appends to it
        async with argoapp_up(env) as up:
            await _run(up, chain(1), 60)
            walls = [await _fanout_in(up, count)]
        if env:
            print_fanout(trace, 50)
    # The wall time of one run moves by ±0.5 s with the machine; the target is read off the
    # median of several, each in an `argoapp up` of its own
    for _ in range(_size("BENCH_FANOUT_RUNS", 3) - 1):
        async with argoapp_up() as up:
            await _run(up, chain(1), 60)
            _name, wall, _status = await _run(up, fanout(count, 50), 900)
            walls.append(wall)
    if len(walls) > 1:
        runs = " / ".join(f"{w:.2f}" for w in walls)
        _line(f"wall time, median of {len(walls)} runs", f"{statistics.median(walls):.2f} s",
              f"≤ 10 s (2,000 items); runs {runs} s")  # fmt: skip


async def _fanout_in(up: Up, count: int) -> float:
    before = await PodTimeline(up).resource_version()
    busy, cpu, own = _machine_busy(), _tree_cpu(up.proc.pid), _own_cpu()
    _name, wall, status = await _run(up, fanout(count, 50), 900)
    busy, after, own = _machine_busy() - busy, _tree_cpu(up.proc.pid), _own_cpu() - own
    writes = await PodTimeline(up).resource_version() - before
    print(f"-- engine: withSequence {count} items at parallelism 50")
    _line("phase", str(status.get("phase")))
    _line("wall time", f"{wall:.2f} s", "≤ 10 s (2,000 items)")
    _line("per item", f"{wall / count * 1000:.1f} ms")
    _line("object writes per item", f"{writes / count:.1f}")
    cores = os.cpu_count() or 1
    _line("machine CPU busy (all processes)", f"{busy:.1f} CPU-s", f"of {wall * cores:.1f}")
    for who, seconds in after.items():
        _line(f"  CPU: {who}", f"{seconds - cpu.get(who, 0.0):.1f} CPU-s")
    _line("  CPU: this benchmark (RSS sampling, polls)", f"{own:.1f} CPU-s")
    _line("peak RSS, argoapp process tree", f"{up.rss.peak_mib:.0f} MiB", "≤ 300 MB")
    print(f"    {up.rss.describe()}")
    return wall


async def bench_huge(count: int) -> None:
    """Benchmark 3: a workflow of `count` + 2 nodes (the root, one group, the items)."""
    async with argoapp_up() as up:
        await _run(up, chain(1), 60)
        name, wall, status = await _run(up, fanout(count, 200), 3600)
        print(f"-- engine: {count}-item workflow at parallelism 200")
        _line("phase", str(status.get("phase")))
        _line("wall time", f"{wall:.2f} s")
        _line("peak RSS, argoapp process tree", f"{up.rss.peak_mib:.0f} MiB")
        print(f"    {up.rss.describe()}")
        _line("RSS after it ended", f"{up.rss.now_mib():.0f} MiB")
        offloaded = status.get("offloadNodeStatusVersion")
        _line("node status offloaded", f"{bool(offloaded)}", f"version {offloaded or '-'}")
        await _reads(up, name)


async def _reads(up: Up, name: str) -> None:
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        code, body, size = await up.call("GET", f"/api/v1/workflows/{NS}/{name}")
        timings.append(time.perf_counter() - start)
    nodes = len((body.get("status") or {}).get("nodes") or {}) if code == 200 else 0
    status_bytes = len(json.dumps(body.get("status") or {}, separators=(",", ":")))
    _line("GET workflow (full) status", f"{code}, {nodes} nodes")
    _line("GET workflow, best of 3", f"{min(timings) * 1000:.0f} ms", f"{size / 1e6:.1f} MB body")
    _line("status size (compact JSON)", f"{status_bytes / 1e6:.2f} MB")
    start = time.perf_counter()
    code, body, size = await up.call("GET", f"/api/v1/workflows/{NS}")
    listed = len(body.get("items") or []) if code == 200 else 0
    _line("list workflows", f"{(time.perf_counter() - start) * 1000:.0f} ms", f"{listed} items")
    start = time.perf_counter()
    path = f"/api/v1/workflows/{NS}?fields=items.metadata.name,items.status.phase"
    code, body, size = await up.call("GET", path)
    _line("list workflows (fields=name,phase)", f"{(time.perf_counter() - start) * 1000:.0f} ms")


def _minimal_spawn_ms(runs: int = 20) -> float:
    argv = ["bwrap", "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev"]
    argv += ["--unshare-pid", "--", "true"]
    start = time.perf_counter()
    for _ in range(runs):
        subprocess.run(argv, check=True)
    return (time.perf_counter() - start) / runs * 1000


async def run() -> None:
    """Every engine workflow benchmark, in order."""
    spawn = bare_spawn_ms()
    print("-- engine: one bare sandboxed spawn of `true`")
    _line("kubelet's bwrap argv (median of 30)", f"{spawn:.1f} ms")
    _line("minimal bwrap (ro-bind / /)", f"{_minimal_spawn_ms():.1f} ms")
    if steps := _size("BENCH_CHAIN", 200):
        await bench_chain(steps, spawn)
    if count := _size("BENCH_FANOUT", 2000):
        await bench_fanout(count)
    if count := _size("BENCH_HUGE", 10000):
        await bench_huge(count)
