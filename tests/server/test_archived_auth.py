"""Archived workflows in Argo's `client` auth mode: the caller's token must be allowed to list
workflows in the namespace it reads (Kubernetes RBAC on a real localkube decides); two tokens
of different rights, and none."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from argoapp.kube.client import Kube
from argoapp.server.app import build_app
from argoapp.store import Store

from .test_archived import archived_wf

Client = TestClient[object, object]
RBAC = "rbac.authorization.k8s.io/v1"
READER, NOBODY = "archive-reader-token-0123456789", "archive-nobody-token-0123456789"


# The callers' accounts live apart from the workflows: every ServiceAccount holds localkube's
# built-in workload role in its own namespace, which includes Argo's resources.
PEOPLE = "people"


async def _account(kube: Kube, name: str, token: str) -> None:
    await kube.create("ServiceAccount", {"metadata": {"name": name}}, PEOPLE)
    secret = {
        "metadata": {
            "name": f"{name}-token",
            "annotations": {"kubernetes.io/service-account.name": name},
        },
        "type": "kubernetes.io/service-account-token",
        "data": {"token": base64.b64encode(token.encode()).decode()},
    }
    await kube.create("Secret", secret, PEOPLE)


@pytest.fixture
async def api(kube: Kube, store: Store) -> AsyncIterator[Client]:
    """Client mode; `reader` may list and get workflows in `argo` only, `nobody` nothing."""
    await kube.create("Namespace", {"metadata": {"name": PEOPLE}})
    await _account(kube, "reader", READER)
    await _account(kube, "nobody", NOBODY)
    role = {
        "metadata": {"name": "wf-lister"},
        "rules": [
            {"apiGroups": ["argoproj.io"], "resources": ["workflows"], "verbs": ["list", "get"]}
        ],
    }
    await kube.create(await kube.resolve(RBAC, "Role"), role, "argo")
    binding = {
        "metadata": {"name": "reader-lists"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "wf-lister"},
        "subjects": [{"kind": "ServiceAccount", "name": "reader", "namespace": PEOPLE}],
    }
    await kube.create(await kube.resolve(RBAC, "RoleBinding"), binding, "argo")
    await store.archive_put(archived_wf(1, ns="argo"))
    await store.archive_put(archived_wf(2, ns="default"))
    client: Client = TestClient(TestServer(build_app(kube=kube, store=store, auth_mode="client")))
    await client.start_server()
    yield client
    await client.close()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_reader_sees_its_namespace_only(api: Client) -> None:
    resp = await api.get(
        "/api/v1/archived-workflows", params={"namespace": "argo"}, headers=bearer(READER)
    )
    assert resp.status == 200
    assert [i["metadata"]["uid"] for i in (await resp.json())["items"]] == ["uid-01"]
    resp = await api.get("/api/v1/archived-workflows/uid-01", headers=bearer(READER))
    assert resp.status == 200 and (await resp.json())["metadata"]["namespace"] == "argo"
    for path, params in (
        ("/api/v1/archived-workflows", {"namespace": "default"}),
        ("/api/v1/archived-workflows", {}),  # every namespace needs cluster-wide rights
        ("/api/v1/archived-workflows/uid-02", {}),
        ("/api/v1/archived-workflows-label-keys", {"namespace": "default"}),
    ):
        resp = await api.get(path, params=params, headers=bearer(READER))
        assert resp.status == 403, path
        assert await resp.json() == {"code": 7, "message": "permission denied", "details": []}
    for uid in ("uid-01", "uid-02"):  # deleting needs the delete verb
        resp = await api.delete(f"/api/v1/archived-workflows/{uid}", headers=bearer(READER))
        assert resp.status == 403
    resp = await api.get("/api/v1/archived-workflows/uid-01", headers=bearer(READER))
    assert resp.status == 200  # still there


async def test_no_rights_and_no_token(api: Client) -> None:
    resp = await api.get(
        "/api/v1/archived-workflows", params={"namespace": "argo"}, headers=bearer(NOBODY)
    )
    assert resp.status == 403 and (await resp.json())["code"] == 7
    resp = await api.get("/api/v1/archived-workflows", params={"namespace": "argo"})
    assert resp.status == 401 and (await resp.json())["code"] == 16


async def test_label_keys_and_values_stay_in_the_namespace_asked(api: Client, store: Store) -> None:
    """A caller allowed one namespace learns no label of another's archived workflows."""
    await store.archive_put(archived_wf(3, ns="default", secret="default-only"))
    await store.archive_put(archived_wf(4, ns="argo", team="argo-team"))
    resp = await api.get(
        "/api/v1/archived-workflows-label-keys",
        params={"namespace": "argo"},
        headers=bearer(READER),
    )
    assert resp.status == 200
    keys = (await resp.json())["items"]
    assert "team" in keys and "secret" not in keys
    for key, expected in (("team", ["argo-team"]), ("secret", [])):
        resp = await api.get(
            "/api/v1/archived-workflows-label-values",
            params={"namespace": "argo", "listOptions.labelSelector": key},
            headers=bearer(READER),
        )
        assert resp.status == 200
        assert (await resp.json())["items"] == expected
