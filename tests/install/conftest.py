"""`run_argoapp`: the real CLI in a process, for `argoapp install` to apply to the suite's
localkube (tests/conftest.py's `localkube` and `kube` fixtures: HTTPS, no kubelet), and
`kubectl` against that localkube."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from argoapp.localkube.cluster import LocalKube


@dataclass
class Run:
    code: int
    out: str
    err: str


RunArgoapp = Callable[..., Awaitable[Run]]


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


async def kubectl(localkube: LocalKube, tmp_path: Path, *args: str) -> str:
    """`kubectl ARGS...` against `localkube` (HOME and cache under `tmp_path`); its stdout."""
    env = {**os.environ, "HOME": str(tmp_path), "KUBECONFIG": str(localkube.kubeconfig)}
    proc = await asyncio.create_subprocess_exec(
        "kubectl", f"--cache-dir={tmp_path / 'cache'}", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    return out.decode()
