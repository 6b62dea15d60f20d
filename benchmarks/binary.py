"""The static binary's budgets: size, and start-up of `--help` and of the executor's path.

`make bench` (benchmarks/__main__.py) runs it after `make binary`; without dist/argoapp it says
so and skips. Start-up is the median of RUNS runs after one warm-up (page cache warm), as the
issue's budget reads: at most MAX_MB megabytes, and under MAX_SECONDS for `argoapp --help` and
`argoapp exec init --help` (the executor up to the point where it would act).
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import time
from pathlib import Path

BINARY = Path(__file__).resolve().parent.parent / "dist" / "argoapp"
RUNS = 5
MAX_MB = 40.0
MAX_SECONDS = 0.5
COMMANDS = (["--help"], ["exec", "init", "--help"])


def _verdict(value: float, limit: float) -> str:
    return "ok" if value <= limit else f"over the {limit:g} budget"


def _start_seconds(args: list[str]) -> float:
    """Median wall time of RUNS runs of the binary with `args`, after one warm-up run."""
    times = []
    for i in range(RUNS + 1):
        start = time.perf_counter()
        subprocess.run([str(BINARY), *args], capture_output=True, check=True, timeout=60)
        if i:
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure() -> None:
    """Print the size and the start-up figures."""
    if not BINARY.exists():
        print(f"binary: skipped, no {BINARY.name} in dist/ (run `make binary` first)")
        return
    mb = BINARY.stat().st_size / 1e6
    print(f"binary: dist/argoapp, median of {RUNS} runs after a warm-up")
    print(f"  {'size':<44} {mb:9.1f} MB  {_verdict(mb, MAX_MB)}")
    for args in COMMANDS:
        seconds = _start_seconds(args)
        what = "argoapp " + " ".join(args)
        print(f"  {what:<44} {seconds:9.3f} s   {_verdict(seconds, MAX_SECONDS)}")


async def run() -> None:
    await asyncio.to_thread(measure)


if __name__ == "__main__":
    measure()
