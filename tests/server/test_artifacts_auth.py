"""Artifact downloads in Argo's `client` auth mode: the caller's token reads the workflow and
the store's credentials, so Kubernetes RBAC on a real localkube decides. Three callers: one
allowed workflows and Secrets in the namespace, one allowed workflows only (its download is
refused at the Secret), one allowed nothing; and no token at all."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from argoapp.kube.client import Kube
from argoapp.server.app import build_app
from argoapp.store import Store
from tests.artifacts.s3server import MotoS3

from .test_artifacts import NODE, NS, TEXT, UID, WF, Client, moto, seeded

__all__ = ["moto", "seeded"]  # fixtures

RBAC = "rbac.authorization.k8s.io/v1"
PEOPLE = "people"  # the callers' accounts live apart from the workflows
TOKENS = {
    "downloader": "artifact-downloader-token-0123456789",
    "viewer": "artifact-viewer-token-0123456789",
    "nobody": "artifact-nobody-token-0123456789",
}
RULES = {
    "downloader": [
        {"apiGroups": ["argoproj.io"], "resources": ["workflows"], "verbs": ["get", "list"]},
        {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]},
    ],
    "viewer": [
        {"apiGroups": ["argoproj.io"], "resources": ["workflows"], "verbs": ["get", "list"]}
    ],
}


async def _account(kube: Kube, name: str) -> None:
    await kube.create("ServiceAccount", {"metadata": {"name": name}}, PEOPLE)
    secret = {
        "metadata": {
            "name": f"{name}-token",
            "annotations": {"kubernetes.io/service-account.name": name},
        },
        "type": "kubernetes.io/service-account-token",
        "data": {"token": base64.b64encode(TOKENS[name].encode()).decode()},
    }
    await kube.create("Secret", secret, PEOPLE)
    if name not in RULES:
        return
    await kube.create(
        await kube.resolve(RBAC, "Role"), {"metadata": {"name": name}, "rules": RULES[name]}, NS
    )
    binding = {
        "metadata": {"name": name},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
        "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": PEOPLE}],
    }
    await kube.create(await kube.resolve(RBAC, "RoleBinding"), binding, NS)


@pytest.fixture
async def api(kube: Kube, store: Store, seeded: MotoS3) -> AsyncIterator[Client]:
    await kube.create("Namespace", {"metadata": {"name": PEOPLE}})
    for name in TOKENS:
        await _account(kube, name)
    client: Client = TestClient(TestServer(build_app(kube=kube, store=store, auth_mode="client")))
    await client.start_server()
    yield client
    await client.close()


PATHS = (
    f"/artifacts/{NS}/{WF}/{NODE}/plain",
    f"/artifacts-by-uid/{UID}/{NODE}/plain",
    f"/artifact-files/{NS}/workflows/{WF}/{NODE}/outputs/plain",
    f"/artifact-files/{NS}/archived-workflows/{UID}/{NODE}/outputs/plain",
)


async def test_a_caller_allowed_workflows_and_secrets_downloads(api: Client) -> None:
    headers = {"Authorization": f"Bearer {TOKENS['downloader']}"}
    for path in PATHS:
        resp = await api.get(path, headers=headers)
        assert (resp.status, await resp.read()) == (200, TEXT), path
    # The UI sends the token in its cookie.
    resp = await api.get(PATHS[0], cookies={"authorization": f"Bearer {TOKENS['downloader']}"})
    assert (resp.status, await resp.read()) == (200, TEXT)


async def test_callers_without_the_rights_are_refused(api: Client) -> None:
    for caller in ("viewer", "nobody"):
        headers = {"Authorization": f"Bearer {TOKENS[caller]}"}
        for path in PATHS:
            resp = await api.get(path, headers=headers)
            body = await resp.json()
            assert resp.status == 403, (caller, path, body)
            assert body["code"] == 7


async def test_no_token_is_a_401(api: Client) -> None:
    for path in PATHS:
        resp = await api.get(path)
        assert resp.status == 401, path
        assert (await resp.json())["code"] == 16
