"""A real localkube (HTTPS, bearer token, its own CA; no kubelet) and a `Kube` connected to it.

`start_localkube(history=…, bookmark_interval=…, kubelet=…, data_dir=…, port=…)` starts more
with options: a small event history makes a watch from an old resourceVersion get 410 Gone after
enough writes; `kubelet=True` runs pods (sandboxed with bwrap, required); the same data dir and
port restart a stopped one with its objects and history.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from argoapp.kube.client import Kube
from argoapp.localkube import credentials
from argoapp.localkube.cluster import LocalKube, LocalKubeSettings
from argoapp.localkube.objects import ObjectService

StartLocalKube = Callable[..., Awaitable[LocalKube]]


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One token and CA for the whole run (key generation is not free), copied per cluster."""
    src = tmp_path_factory.mktemp("creds")
    credentials.load_or_create(src)
    return src


@pytest.fixture
async def start_localkube(tmp_path: Path, pki: Path) -> AsyncIterator[StartLocalKube]:
    started: list[LocalKube] = []

    async def start(
        *,
        history: int = 50_000,
        bookmark_interval: float = 30.0,
        kubelet: bool = False,
        data_dir: Path | None = None,
        port: int = 0,
    ) -> LocalKube:
        data = data_dir or tmp_path / f"lk{len(started)}"
        if not data.exists():
            shutil.copytree(pki, data)
        if kubelet and shutil.which("bwrap") is None:
            pytest.fail("bwrap is required for this test and is not on PATH")
        settings = LocalKubeSettings(
            data_dir=data,
            port=port,
            run_kubelet=kubelet,
            extra_path=(os.path.dirname(sys.executable),),
        )
        cluster = LocalKube(settings)
        cluster.service = ObjectService(
            data / "localkube.db", history=history, bookmark_interval=bookmark_interval
        )
        await cluster.start()
        started.append(cluster)
        return cluster

    yield start
    for cluster in started:
        await cluster.stop()  # stopping twice (a test that restarted one) is harmless


@pytest.fixture
async def localkube(start_localkube: StartLocalKube) -> LocalKube:
    return await start_localkube()


@pytest.fixture
async def kube(localkube: LocalKube) -> AsyncIterator[Kube]:
    client = await Kube.connect(localkube.kubeconfig)
    yield client
    await client.close()


def configmap(name: str, namespace: str = "default", **data: str) -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace},
        "data": dict(data),
    }


def workflow(name: str, namespace: str = "default") -> dict[str, object]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"entrypoint": "main", "templates": [{"name": "main"}]},
    }
