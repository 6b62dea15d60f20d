"""Argo's `client` auth mode over a real localkube with RBAC: two ServiceAccount tokens of
different rights, the header and the cookie, the empty header, the 401 and 403 bodies, the
endpoints that need no token, and the login link that sets the cookie."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from argoapp.kube.client import Kube
from argoapp.server.app import build_app
from argoapp.store import Store

Client = TestClient[object, object]
RBAC = "rbac.authorization.k8s.io/v1"
READER, NOBODY = "reader-token-0123456789", "nobody-token-0123456789"


async def _account_with_token(kube: Kube, name: str, token: str) -> None:
    await kube.create("ServiceAccount", {"metadata": {"name": name}}, "argo")
    secret = {
        "metadata": {
            "name": f"{name}-token",
            "annotations": {"kubernetes.io/service-account.name": name},
        },
        "type": "kubernetes.io/service-account-token",
        "data": {"token": base64.b64encode(token.encode()).decode()},
    }
    await kube.create("Secret", secret, "argo")


@pytest.fixture
async def api(kube: Kube, store: Store) -> AsyncIterator[Client]:
    """The API in client mode; `reader` may list workflows in `argo`, `nobody` nothing."""
    await _account_with_token(kube, "reader", READER)
    await _account_with_token(kube, "nobody", NOBODY)
    role = {
        "metadata": {"name": "wf-lister"},
        "rules": [{"apiGroups": ["argoproj.io"], "resources": ["workflows"], "verbs": ["list"]}],
    }
    await kube.create(await kube.resolve(RBAC, "Role"), role, "argo")
    binding = {
        "metadata": {"name": "reader-lists"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "wf-lister"},
        "subjects": [{"kind": "ServiceAccount", "name": "reader", "namespace": "argo"}],
    }
    await kube.create(await kube.resolve(RBAC, "RoleBinding"), binding, "argo")
    client: Client = TestClient(TestServer(build_app(kube=kube, store=store, auth_mode="client")))
    await client.start_server()
    yield client
    await client.close()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_token_with_rights_lists_workflows_in_its_namespace(api: Client) -> None:
    resp = await api.get("/api/v1/workflows/argo", headers=bearer(READER))
    assert resp.status == 200
    body = await resp.json()
    assert body["items"] in (None, [])


async def test_kubernetes_rbac_denials_are_permission_denied(api: Client) -> None:
    for token, namespace in ((READER, "default"), (NOBODY, "argo")):
        resp = await api.get(f"/api/v1/workflows/{namespace}", headers=bearer(token))
        assert resp.status == 403
        body = await resp.json()
        assert body["code"] == 7
        assert "forbidden" in body["message"]
        assert 'cannot list resource "workflows"' in body["message"]
        assert body["details"] == []


async def test_no_token_is_unauthenticated(api: Client) -> None:
    for headers in ({}, {"Authorization": ""}, {"Authorization": "Bearer "}):
        resp = await api.get("/api/v1/workflows/argo", headers=headers)
        assert resp.status == 401, headers
        body = await resp.json()
        assert body["code"] == 16
        assert body["message"].startswith("token not valid")


async def test_a_token_kubernetes_does_not_know_is_unauthenticated(api: Client) -> None:
    resp = await api.get("/api/v1/workflows/argo", headers=bearer("made-up"))
    assert resp.status == 401
    assert (await resp.json())["code"] == 16


async def test_the_cookie_carries_the_token_when_there_is_no_header(api: Client) -> None:
    for value in (f'"Bearer {READER}"', f"Bearer%20{READER}", READER):
        resp = await api.get("/api/v1/workflows/argo", headers={"Cookie": f"authorization={value}"})
        assert resp.status == 200, value
    # a header wins over the cookie
    resp = await api.get(
        "/api/v1/workflows/argo",
        headers={**bearer(NOBODY), "Cookie": f"authorization={READER}"},
    )
    assert resp.status == 403


async def test_version_and_healthz_need_no_token(api: Client) -> None:
    assert (await api.get("/api/v1/version")).status == 200
    assert (await api.get("/healthz")).status == 200


async def test_the_login_link_sets_the_cookie_and_redirects(api: Client) -> None:
    resp = await api.get(f"/?token={READER}&x=1", allow_redirects=False)
    assert resp.status == 302
    assert resp.headers["Location"] == "/?x=1"
    cookie = resp.cookies["authorization"]
    assert cookie.value == f"Bearer {READER}"
    assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == "/"
    login = await api.get(f"/login?token={READER}", allow_redirects=False)
    assert login.status == 302 and login.headers["Location"] == "/"
    # the cookie the link set is enough for the API
    resp = await api.get(
        "/api/v1/workflows/argo", headers={"Cookie": f"authorization={cookie.coded_value}"}
    )
    assert resp.status == 200


async def test_server_mode_needs_no_token(kube: Kube, store: Store) -> None:
    async with TestClient(TestServer(build_app(kube=kube, store=store))) as client:
        assert (await client.get("/api/v1/workflows/argo")).status == 200
