"""Local mode's API user (`localkube.api_user`) in `client` auth mode over a real localkube with
RBAC: what Argo's server role lets it do, the API must let it do with its token, such as
retrying a failed workflow, live or archived, which deletes the pods of the failed nodes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from argoapp.kube.client import Kube
from argoapp.kube.errors import NotFound
from argoapp.localkube import api_user
from argoapp.localkube.cluster import LocalKube
from argoapp.model.ids import pod_name
from argoapp.server.app import build_app
from argoapp.store import Store

from .docs import workflow
from .test_archived import archived_wf

NS = "argo"
Client = TestClient[Any, Any]


@pytest.fixture
async def token(localkube: LocalKube, tmp_path: Path) -> str:
    """The local API user's token, as `argoapp up` makes it."""
    return await api_user.ensure_api_user(localkube.service, tmp_path)


@pytest.fixture
async def api(kube: Kube, store: Store) -> AsyncIterator[Client]:
    client: Client = TestClient(TestServer(build_app(kube=kube, store=store, auth_mode="client")))
    await client.start_server()
    yield client
    await client.close()


def _pod(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {"containers": [{"name": "main", "image": "busybox"}]},
    }


async def _failed(kube: Kube, name: str) -> str:
    """A stored workflow whose one pod failed, and that pod; the pod's name."""
    created = await kube.create("Workflow", {**workflow(name), "metadata": {"name": name}}, NS)
    node = {"id": name, "name": name, "type": "Pod", "phase": "Failed", "templateName": "main"}
    created["status"] = {
        "phase": "Failed",
        "finishedAt": "2026-01-01T00:00:00Z",
        "nodes": {name: node},
    }
    await kube.replace("Workflow", created, NS)
    pod = pod_name(name, name, "main")
    await kube.create("Pod", _pod(pod), NS)
    return pod


async def _gone(kube: Kube, pod: str) -> bool:
    try:
        got = await kube.get("Pod", pod, NS)
    except NotFound:
        return True
    return bool(got["metadata"].get("deletionTimestamp"))


async def test_the_local_user_retries_a_failed_workflow(
    api: Client, kube: Kube, token: str
) -> None:
    pod = await _failed(kube, "retried")
    resp = await api.put(
        f"/api/v1/workflows/{NS}/retried/retry",
        json={"namespace": NS, "name": "retried"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["status"]["nodes"] == {}
    assert await _gone(kube, pod)


async def test_the_local_user_retries_an_archived_workflow(
    api: Client, kube: Kube, store: Store, token: str
) -> None:
    await store.archive_put(archived_wf(7, phase="Failed"))
    pod = pod_name("old-07", "old-07", "main")
    await kube.create("Pod", _pod(pod), NS)
    resp = await api.put(
        "/api/v1/archived-workflows/uid-07/retry",
        json={"uid": "uid-07", "namespace": NS},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert resp.status == 200, await resp.text()
    assert (await kube.get("Workflow", "old-07", NS))["metadata"]["uid"] != "uid-07"
    assert await _gone(kube, pod)
