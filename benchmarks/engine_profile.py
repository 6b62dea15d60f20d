"""Profile `argoapp up` under a chain or a fan-out with py-spy and say where the time goes.

Not part of `make bench`: run `.venv/bin/python -m benchmarks.engine_profile chain 200` (or
`fanout 2000`) after `.venv/bin/pip install py-spy`; `PROFILE_KEEP=FILE` keeps the raw
samples, `PROFILE_GIL=1` samples only the thread holding the GIL (the work that serializes).
py-spy samples the running server from the outside (`record --pid --subprocesses`, no code
changes) at 200 Hz; the samples are grouped by
the first matching part of argoapp on the stack and printed as thread-milliseconds per step.
py-spy leaves out threads it sees idle, so a sum above wall time means several threads were
busy (or waiting for the GIL) at once.
"""

from __future__ import annotations

import asyncio
import collections
import os
import shutil
import sys
import tempfile
from collections.abc import Callable

from benchmarks.engine_harness import argoapp_up
from benchmarks.engine_workflows import _run, chain, fanout

RATE = 200
Test = Callable[[str, int], bool]


def _has(*parts: str) -> Test:
    return lambda stack, _procs: any(p in stack for p in parts)


# The first that matches a sample's stack names it.
PARTS: tuple[tuple[str, Test], ...] = (
    ("child processes (shims, bwrap, argoapp exec)", lambda _s, procs: procs > 1),
    ("engine reconcile", _has("reconcile (argoapp/engine/reconcile.py")),
    ("controller write (size, offload, PUT)", _has("Persister.write")),
    ("controller actions (create pods, events)", _has("ActionRunner")),
    ("controller pass, the rest", _has("Controller._pass", "Controller._worker")),
    ("informers (watch decode, caches)", _has("Informer.", "kube/watching.py")),
    ("localkube storage (SQLite, copies, JSON)", _has("localkube/storage.py")),
    ("localkube API (handlers, watches)", _has("localkube/handlers.py", "localkube/objects.py",
                                               "localkube/streams.py", "localkube/watches.py")),
    ("kubelet sandbox root (prepare_root)", _has("kubelet/sandbox.py")),
    ("kubelet volumes (token, files)", _has("kubelet/volumes.py")),
    ("kubelet in-process executor roles", _has("kubelet/inprocess.py", "kubelet/roles.py",
                                               "argoapp/executor/")),
    ("kubelet, the rest", _has("localkube/kubelet/")),
    ("argo server (the benchmark's polling)", _has("argoapp/server/")),
)  # fmt: skip


def summarize(raw: str, steps: int) -> None:
    """Print the share and thread-ms per step of each part, from py-spy's raw output."""
    counts: collections.Counter[str] = collections.Counter()
    total = 0
    with open(raw) as f:
        for line in f:
            stack, _, n = line.rstrip().rpartition(" ")
            if not n.isdigit():  # a process's command line can break a record over lines
                continue
            total += int(n)
            procs = stack.count("process ")
            name = next((p for p, test in PARTS if test(stack, procs)), "other (asyncio, idle)")
            counts[name] += int(n)
    per_step = total / RATE / steps * 1000
    print(f"  {total} samples, {per_step:.0f} thread-ms per step")
    for part, hits in counts.most_common():
        print(f"  {part:<48} {hits / total:6.1%} {hits / RATE / steps * 1000:7.1f} ms/step")


async def profile(shape: str, steps: int) -> None:
    """Run one workflow under py-spy and print the summary."""
    spy_exe = os.path.join(os.path.dirname(sys.executable), "py-spy")
    wf = chain(steps) if shape == "chain" else fanout(steps, 50)
    with tempfile.TemporaryDirectory(prefix="argoapp-spy-") as tmp:
        raw = f"{tmp}/samples.txt"
        async with argoapp_up() as up:
            await _run(up, chain(2), 60)
            spy = await asyncio.create_subprocess_exec(
                spy_exe, "record", "--pid", str(up.proc.pid), "--subprocesses", "--nonblocking",
                "--rate", str(RATE), "--format", "raw", "--output", raw,
                *(["--gil"] if os.environ.get("PROFILE_GIL") else []),
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
            )  # fmt: skip
            await asyncio.sleep(1.5)  # py-spy attaches
            _name, wall, status = await _run(up, wf, 1800)
            spy.send_signal(2)
            await spy.wait()
        print(f"-- profile: {shape} of {steps}, {status.get('phase')} in {wall:.1f} s")
        if os.environ.get("PROFILE_KEEP"):  # the raw samples, for a closer look
            shutil.copy(raw, os.environ["PROFILE_KEEP"])
        summarize(raw, steps)


if __name__ == "__main__":
    args = sys.argv[1:]
    asyncio.run(profile(args[0] if args else "chain", int(args[1]) if len(args) > 1 else 200))
