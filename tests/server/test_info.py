"""InfoService over HTTP: `/api/v1/info`, `/api/v1/userinfo` and the UI's tracking beacon."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from argoapp.kube.client import Kube
from argoapp.server.app import build_app
from argoapp.server.info import info_body, info_from_config


async def test_info_with_defaults_shows_argos_modals(
    api: TestClient[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    for env in ("FEEDBACK_MODAL", "FIRST_TIME_USER_MODAL", "NEW_VERSION_MODAL"):
        monkeypatch.delenv(env, raising=False)
    resp = await api.get("/api/v1/info")
    assert resp.status == 200
    assert await resp.json() == {
        "modals": {"feedback": True, "firstTimeUser": True, "newVersion": True}
    }


async def test_info_from_the_controller_config() -> None:
    config = {
        "links": [{"name": "Logs", "scope": "pod-logs", "url": "http://logs/${metadata.name}"}],
        "columns": [{"name": "Done", "type": "label", "key": "workflows.argoproj.io/completed"}],
        "navColor": "red",
    }
    settings = info_from_config(config, managed_namespace="argo")
    app = build_app(info_settings=settings)
    async with TestClient(TestServer(app)) as client:
        resp = await client.get("/api/v1/info")
        body = await resp.json()
    assert body["managedNamespace"] == "argo"
    assert body["links"] == config["links"]
    assert body["columns"] == config["columns"]
    assert body["navColor"] == "red"
    assert set(body["modals"]) == {"feedback", "firstTimeUser", "newVersion"}


def test_modals_are_turned_off_by_their_environment_variables() -> None:
    body = info_body(info_from_config({}), {"FEEDBACK_MODAL": "false", "NEW_VERSION_MODAL": "x"})
    assert body == {"modals": {"feedback": False, "firstTimeUser": True, "newVersion": True}}


async def test_userinfo_without_sso_is_empty(api: TestClient[Any, Any]) -> None:
    resp = await api.get("/api/v1/userinfo")
    assert resp.status == 200 and await resp.json() == {}


async def test_tracking_event_is_accepted(api: TestClient[Any, Any]) -> None:
    resp = await api.post("/api/v1/tracking/event", json={"name": "openedWorkflow"})
    assert resp.status == 200 and await resp.json() == {}


async def test_info_service_needs_a_token_in_client_mode(kube: Kube) -> None:
    # Every InfoService call passes Argo's auth gatekeeper; the version stays open (readiness).
    app = build_app(kube=kube, auth_mode="client")
    token = {"Authorization": "Bearer some-token"}
    async with TestClient(TestServer(app)) as client:
        for method, path in (
            ("GET", "/api/v1/info"),
            ("GET", "/api/v1/userinfo"),
            ("POST", "/api/v1/tracking/event"),
        ):
            resp = await client.request(method, path, json={})
            assert resp.status == 401 and (await resp.json())["code"] == 16, path
            resp = await client.request(method, path, json={}, headers=token)
            assert resp.status == 200, path
        assert (await client.get("/api/v1/version")).status == 200
