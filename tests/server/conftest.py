"""The API server under test: a real localkube (HTTPS, bearer token; no kubelet, so nothing
runs), a real `Kube` connected to it, and argoapp's API app on aiohttp's test server.

`api` is an aiohttp test client for the app; `kube` is the same `Kube` the app uses, for
checking what was stored; `store` is a stand-in node store (see `FakeNodeStore`).
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from argoapp.kube.client import Kube
from argoapp.localkube import credentials
from argoapp.localkube.cluster import LocalKube, LocalKubeSettings
from argoapp.model.types import Obj
from argoapp.server.app import build_app


class FakeNodeStore:
    """Offloaded node lists by (uid, version). The real store is argoapp.store's, built and
    tested elsewhere; the server only calls `load_nodes`, so a dict stands in for it here."""

    def __init__(self) -> None:
        self.nodes: dict[tuple[str, str], Obj] = {}

    async def load_nodes(self, uid: str, version: str) -> Obj | None:
        return self.nodes.get((uid, version))


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One token and CA for the whole run (key generation is not free), copied per cluster."""
    src = tmp_path_factory.mktemp("server-creds")
    credentials.load_or_create(src)
    return src


@pytest.fixture
async def localkube(tmp_path: Path, pki: Path) -> AsyncIterator[LocalKube]:
    data = tmp_path / "lk"
    shutil.copytree(pki, data)
    cluster = LocalKube(LocalKubeSettings(data_dir=data, port=0, run_kubelet=False))
    await cluster.start()
    yield cluster
    await cluster.stop()


@pytest.fixture
async def kube(localkube: LocalKube) -> AsyncIterator[Kube]:
    client = await Kube.connect(localkube.kubeconfig)
    yield client
    await client.close()


@pytest.fixture
def store() -> FakeNodeStore:
    return FakeNodeStore()


@pytest.fixture
async def api(kube: Kube, store: FakeNodeStore) -> AsyncIterator[TestClient[object, object]]:
    client: TestClient[object, object] = TestClient(TestServer(build_app(kube=kube, store=store)))
    await client.start_server()
    yield client
    await client.close()
