"""Suite-wide fixtures: no test may leave asyncio tasks behind, and tools must be present.

In CI a test that needs bubblewrap or kubectl fails when they are missing; it never skips.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from argoapp.kube.client import Kube
from argoapp.localkube import credentials
from argoapp.localkube.cluster import LocalKube, LocalKubeSettings
from argoapp.localkube.objects import ObjectService
from argoapp.store import Store


@pytest.fixture(autouse=True)
async def no_leftover_tasks() -> AsyncIterator[None]:
    """Fail a test that leaves tasks running on its loop."""
    before = asyncio.all_tasks()
    yield
    await asyncio.sleep(0)
    current = asyncio.current_task()
    left = [t for t in asyncio.all_tasks() - before if t is not current and not t.done()]
    if left:
        for task in left:
            task.cancel()
        await asyncio.gather(*left, return_exceptions=True)
        pytest.fail(f"test left {len(left)} task(s) running: {[t.get_name() for t in left]}")


def require_tool(name: str) -> str:
    """The path of a tool the test needs; a missing one is a failure, not a skip."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is required for this test and is not on PATH")
    return path


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[ObjectService]:
    """A fresh localkube object service on its own database."""
    svc = ObjectService(tmp_path / "kube.db")
    await svc.start()
    yield svc
    await svc.close()


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One localkube token and CA for the whole run (key generation is not free), copied
    into each cluster's data dir."""
    src = tmp_path_factory.mktemp("localkube-creds")
    credentials.load_or_create(src)
    return src


@pytest.fixture
async def localkube(tmp_path: Path, pki: Path) -> AsyncIterator[LocalKube]:
    """A real localkube API over HTTPS, without a kubelet (nothing runs)."""
    data = tmp_path / "lk"
    shutil.copytree(pki, data)
    cluster = LocalKube(LocalKubeSettings(data_dir=data, port=0, run_kubelet=False))
    await cluster.start()
    yield cluster
    await cluster.stop()


@pytest.fixture
async def kube(localkube: LocalKube) -> AsyncIterator[Kube]:
    """The real `Kube` client connected to `localkube` through its kubeconfig."""
    client = await Kube.connect(localkube.kubeconfig)
    yield client
    await client.close()


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    """argoapp's own SQLite store in the test's directory."""
    s = Store(tmp_path / "argoapp.db")
    await s.start()
    yield s
    await s.close()
