"""The API server under test: a real localkube (HTTPS, bearer token; no kubelet, so nothing
runs), a real `Kube` connected to it, and argoapp's API app on aiohttp's test server.

`api` is an aiohttp test client for the app; `kube` is the same `Kube` the app uses, for
checking what was stored; `store` is argoapp's real SQLite store (for offloaded nodes).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from argoapp.kube.client import Kube
from argoapp.server.app import build_app
from argoapp.store import Store


@pytest.fixture
async def api(kube: Kube, store: Store) -> AsyncIterator[TestClient[object, object]]:
    client: TestClient[object, object] = TestClient(TestServer(build_app(kube=kube, store=store)))
    await client.start_server()
    yield client
    await client.close()
