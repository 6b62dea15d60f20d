"""`make bench`: run every benchmark and print its figures.

`make bench ARGS="engine_reconcile localkube_api"` runs only the named modules (a name may be a
prefix: `engine` runs every engine benchmark). Sizes of the engine workflows: BENCH_CHAIN,
BENCH_FANOUT, BENCH_HUGE (0 skips one). Where the time goes:
`.venv/bin/python -m benchmarks.engine_profile chain 200` (needs py-spy in the venv).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable

from benchmarks import (
    archive_query,
    artifact_stream,
    binary,
    engine_reconcile,
    engine_workflows,
    localkube_api,
    localkube_pods,
    ui_render,
)

BENCHMARKS: dict[str, Callable[[], Awaitable[None]]] = {
    "localkube_api": localkube_api.run,
    "localkube_pods": localkube_pods.run,
    "engine_reconcile": engine_reconcile.run,
    "engine_workflows": engine_workflows.run,
    "archive_query": archive_query.run,
    "artifact_stream": artifact_stream.run,
    "ui_render": ui_render.run,
    "binary": binary.run,
}


async def main(wanted: list[str]) -> None:
    for name, run in BENCHMARKS.items():
        if not wanted or any(name.startswith(w) for w in wanted):
            await run()


asyncio.run(main(sys.argv[1:]))
