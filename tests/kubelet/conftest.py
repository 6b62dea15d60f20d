"""Fixtures for the kubelet suite: a real object service, a real kubelet, real bwrap sandboxes.

Every test runs real processes; a missing bwrap fails the test. Processes a test leaves running
on purpose (a stopped kubelet never kills its pods) are killed when the test ends.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from argoapp.localkube.kubelet import Kubelet, KubeletConfig
from argoapp.localkube.kubelet.procs import read_handle
from argoapp.localkube.objects import ObjectService


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "data"
    yield path
    kill_leftovers(path)


@pytest.fixture
def config() -> KubeletConfig:
    if shutil.which("bwrap") is None:
        pytest.fail("bwrap is required for this test and is not on PATH")
    return KubeletConfig(
        api_host="127.0.0.1",
        api_port=2747,
        api_token="test-token",
        ca_cert_pem=b"-----BEGIN CERTIFICATE-----\ntest\n-----END CERTIFICATE-----\n",
        extra_path=[os.path.dirname(sys.executable)],
        restart_backoff=0.2,
        resync_interval=2.0,
    )


@pytest.fixture
async def kubelet(
    service: ObjectService, data_dir: Path, config: KubeletConfig
) -> AsyncIterator[Kubelet]:
    k = Kubelet(service, data_dir=data_dir, config=config)
    await k.start()
    yield k
    await k.stop()


def kill_leftovers(data_dir: Path) -> None:
    """SIGKILL every container still running under `data_dir`, and its supervisor."""
    for state in data_dir.glob("pods/*/containers/*/*"):
        handle = read_handle(state)
        if handle is not None and handle.alive():
            handle.kill_group()
    kill_supervisor(data_dir)


def kill_supervisor(data_dir: Path) -> None:
    """SIGKILL the container supervisor of `data_dir` (its sandboxes die with it)."""
    try:
        pid = json.loads((data_dir / "supervisor.json").read_text())["pid"]
    except (OSError, ValueError, KeyError):
        return
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        os.waitpid(pid, 0)  # the supervisors this test process started are its children
