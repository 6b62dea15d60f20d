"""A LocalKube started in-process on a temporary data dir, with a kubernetes-asyncio client."""

from __future__ import annotations

import contextlib
import resource
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from kubernetes_asyncio import client, config

from argoapp.localkube.cluster import LocalKube, LocalKubeSettings


@contextlib.asynccontextmanager
async def localkube(*, kubelet: bool) -> AsyncIterator[tuple[LocalKube, client.ApiClient]]:
    with tempfile.TemporaryDirectory() as tmp:
        kube = LocalKube(LocalKubeSettings(data_dir=Path(tmp), port=0, run_kubelet=kubelet))
        await kube.start()
        try:
            api = await config.new_client_from_config(config_file=str(kube.kubeconfig))
            async with api:
                yield kube, api
        finally:
            await kube.stop()


def report(name: str, count: int, seconds: float, extra: str = "") -> None:
    rate = count / seconds if seconds else float("inf")
    print(f"{name:<44} {count:>6} in {seconds:7.3f} s  {rate:9.1f}/s  {extra}")


def max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Timer:
    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.seconds = time.perf_counter() - self.start
