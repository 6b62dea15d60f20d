"""A real localkube (HTTPS, bearer token, no kubelet) for `argoapp install` to apply to, a
`Kube` client to look at what it made, and `run_argoapp` running the real CLI in a process."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from argoapp.kube.client import Kube
from argoapp.localkube.cluster import LocalKube, LocalKubeSettings


@dataclass
class Run:
    code: int
    out: str
    err: str


RunArgoapp = Callable[..., Awaitable[Run]]


@pytest.fixture
async def localkube(tmp_path: Path) -> AsyncIterator[LocalKube]:
    cluster = LocalKube(LocalKubeSettings(data_dir=tmp_path / "lk", port=0, run_kubelet=False))
    await cluster.start()
    yield cluster
    await cluster.stop()


@pytest.fixture
async def kube(localkube: LocalKube) -> AsyncIterator[Kube]:
    client = await Kube.connect(localkube.kubeconfig)
    yield client
    await client.close()


@pytest.fixture
def run_argoapp(tmp_path: Path) -> RunArgoapp:
    """`argoapp ARGS...` as a process, with a HOME of its own (no kubeconfig of the user's)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KUBE", "ARGO_"))}
    env["HOME"] = str(tmp_path / "home")

    async def run(*args: str) -> Run:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "argoapp",
            *args,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
        )
        out, err = await proc.communicate()
        return Run(proc.returncode or 0, out.decode(), err.decode())

    return run
