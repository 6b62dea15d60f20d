"""The `fields` selection, the error mapping, and the app without a Kubernetes client."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

import argoapp
from argoapp.kube.errors import Conflict, Forbidden, Invalid, NotFound, Unavailable
from argoapp.server.app import build_app
from argoapp.server.errors import Code, from_kube
from argoapp.server.fields import Fields


def doc() -> dict[str, Any]:
    return {
        "metadata": {"name": "a", "namespace": "n", "labels": {"x": "1"}},
        "items": [
            {"metadata": {"name": "i1", "uid": "u1"}, "status": {"phase": "Running", "nodes": {}}}
        ],
    }


def test_include_keeps_only_the_listed_paths() -> None:
    assert Fields("metadata.name,items.status.phase").clean(doc()) == {
        "metadata": {"name": "a"},
        "items": [{"status": {"phase": "Running"}}],
    }
    assert Fields("metadata").clean(doc()) == {"metadata": doc()["metadata"]}
    assert Fields("metadata.nam").clean(doc()) == {"metadata": {}}  # whole segments only


def test_exclude_drops_the_listed_paths() -> None:
    cleaned = Fields("-items.status.nodes,metadata.labels").clean(doc())
    assert cleaned == {
        "metadata": {"name": "a", "namespace": "n"},
        "items": [{"metadata": {"name": "i1", "uid": "u1"}, "status": {"phase": "Running"}}],
    }
    assert Fields("").clean(doc()) == doc()


def test_will_exclude() -> None:
    assert not Fields("").will_exclude("status.nodes")
    assert Fields("metadata.name").will_exclude("status.nodes")
    assert not Fields("status.nodes.x").will_exclude("status.nodes")
    assert Fields("-status.nodes").will_exclude("status.nodes")
    assert not Fields("-status.phase").will_exclude("status.nodes")


def test_kube_errors_map_to_argos_codes() -> None:
    assert from_kube(NotFound("x")).code == Code.NOT_FOUND
    assert from_kube(Conflict("x")).code == Code.ALREADY_EXISTS
    assert from_kube(Forbidden("x")).code == Code.PERMISSION_DENIED
    assert from_kube(Invalid("x")).code == Code.INVALID_ARGUMENT
    assert from_kube(Unavailable("x")).code == Code.UNAVAILABLE


def _checkout_head() -> str:
    """git's HEAD when argoapp runs from a checkout (the commit the server reports), else ""."""
    checkout = Path(argoapp.__file__).resolve().parents[1]
    if not (checkout / ".git").exists():
        return ""
    done = subprocess.run(
        ["git", "-C", str(checkout), "rev-parse", "HEAD"],
        capture_output=True, text=True, check=True, timeout=30,
    )  # fmt: skip
    return done.stdout.strip()


async def test_without_kube_only_version_and_healthz_answer() -> None:
    client: TestClient[Any, Any] = TestClient(TestServer(build_app()))
    await client.start_server()
    try:
        assert (await client.get("/healthz")).status == 200
        version = await (await client.get("/api/v1/version")).json()
        assert len(version) == 8 and version["version"].startswith("v3.")
        assert version["gitCommit"] == _checkout_head()
        assert version["buildDate"] == "" or version["buildDate"].endswith("Z")
        resp = await client.get("/api/v1/workflows/argo")
        assert resp.status == 404 and (await resp.json())["code"] == 5
    finally:
        await client.close()
