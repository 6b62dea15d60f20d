"""Wires argoapp's pieces into one process and owns start-up and shutdown order.

`run_up` is local mode: localkube (API server and kubelet), then the Argo API server on
`--port`; it prints the URLs and runs until SIGINT or SIGTERM. Shutdown goes the other way:
stop the Argo HTTP server, then localkube (kubelet, watches, HTTP, store). Pods keep running
across a restart and are adopted again.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable

from aiohttp import web

from argoapp.config import UpSettings
from argoapp.errors import ConfigError
from argoapp.localkube.cluster import LocalKube, LocalKubeSettings
from argoapp.server.app import build_app

log = logging.getLogger(__name__)


async def run_up(
    settings: UpSettings, *, say: Callable[[str], None] = print, stop: asyncio.Event | None = None
) -> None:
    """Run local mode until `stop` is set or a termination signal arrives."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    kube = LocalKube(
        LocalKubeSettings(
            data_dir=settings.data_dir,
            address="127.0.0.1",
            port=settings.kube_port,
            sandboxed=settings.sandboxed,
            images=settings.images,
            executor_image=settings.executor_image,
        )
    )
    runner: web.AppRunner | None = None
    try:
        await kube.start()
        runner = web.AppRunner(build_app(), handle_signals=False, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, settings.address, settings.port).start()
        except OSError as e:
            raise ConfigError(
                f"cannot listen on {settings.address}:{settings.port}: {e.strerror}"
            ) from None
        say(f"argoapp is up (local mode, data in {settings.data_dir})")
        say(f"  Argo API and UI: http://{settings.address}:{settings.port}")
        say(f"  localkube:       {kube.url}  (kubectl --kubeconfig {kube.kubeconfig})")
        say("Press Ctrl-C to stop.")
        await stop.wait()
        say("argoapp is stopping")
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        if runner is not None:
            await runner.cleanup()
        await kube.stop()
