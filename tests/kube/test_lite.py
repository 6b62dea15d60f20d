"""LiteKube (the executor's stdlib client) against the same localkube, from another thread.

The calls run in `asyncio.to_thread` because localkube serves on this test's event loop.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from argoapp.kube.errors import AlreadyExists, NotFound, Unauthorized, Unavailable
from argoapp.kube.lite import (
    DEFAULT_SERVICEACCOUNT_DIR,
    SERVICEACCOUNT_DIR_ENV,
    LiteKube,
    service_account_dir,
)
from argoapp.kube.resources import KINDS
from argoapp.localkube.cluster import LocalKube

from .conftest import workflow


def test_importing_lite_pulls_in_no_heavy_library() -> None:
    code = (
        "import sys, argoapp.kube.lite; "
        "bad = [m for m in ('aiohttp', 'kubernetes_asyncio', 'yaml') if m in sys.modules]; "
        "print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


async def test_lite_verbs_through_the_kubeconfig(localkube: LocalKube) -> None:
    lite = LiteKube.from_kubeconfig(localkube.kubeconfig)

    def scenario() -> None:
        made = lite.create("Workflow", workflow("w1"))
        assert made["metadata"]["uid"]
        with pytest.raises(AlreadyExists):
            lite.create(KINDS["Workflow"], workflow("w1"))
        got = lite.get(("argoproj.io/v1alpha1", "workflows"), "w1", "default")
        assert got["metadata"]["uid"] == made["metadata"]["uid"]
        lite.patch("Workflow", "w1", {"metadata": {"labels": {"a": "b"}}})
        lite.patch(
            "Workflow",
            "w1",
            [{"op": "add", "path": "/metadata/labels/c", "value": "d"}],
            patch_type="json",
        )
        listed = lite.list("Workflow", label_selector="a=b")
        assert [i["metadata"]["labels"] for i in listed["items"]] == [{"a": "b", "c": "d"}]
        lite.delete("Workflow", "w1")
        with pytest.raises(NotFound):
            lite.get("Workflow", "w1")

    await asyncio.to_thread(scenario)


async def test_lite_in_cluster_reads_the_service_account_dir(
    localkube: LocalKube, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = yaml.safe_load(localkube.kubeconfig.read_text())
    sa = tmp_path / "sa"
    sa.mkdir()
    (sa / "token").write_text(config["users"][0]["user"]["token"])
    (sa / "ca.crt").write_bytes((localkube.settings.data_dir / "pki" / "ca.crt").read_bytes())
    (sa / "namespace").write_text("argo")
    monkeypatch.setenv(SERVICEACCOUNT_DIR_ENV, str(sa))
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", str(localkube.port))
    lite = LiteKube.in_cluster()
    assert lite.namespace == "argo"
    made = await asyncio.to_thread(lite.create, "ConfigMap", {"metadata": {"name": "c"}})
    assert made["metadata"]["namespace"] == "argo"
    (sa / "token").write_text("wrong")
    with pytest.raises(Unauthorized):
        await asyncio.to_thread(lite.get, "ConfigMap", "c")


async def test_lite_gives_up_on_a_dead_server_after_retries() -> None:
    lite = LiteKube("https://127.0.0.1:1", token="t")
    with pytest.raises(Unavailable, match="tries"):
        await asyncio.to_thread(lite.get, "Pod", "p")


def test_service_account_dir_follows_localkube_mounts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SERVICEACCOUNT_DIR_ENV, raising=False)
    monkeypatch.setenv("LOCALKUBE_MOUNTS", json.dumps({DEFAULT_SERVICEACCOUNT_DIR: "/host/sa"}))
    assert service_account_dir() == Path("/host/sa")
    monkeypatch.setenv(SERVICEACCOUNT_DIR_ENV, "/explicit")
    assert service_account_dir() == Path("/explicit")
    monkeypatch.delenv(SERVICEACCOUNT_DIR_ENV)
    monkeypatch.setenv("LOCALKUBE_MOUNTS", "{not json")
    assert service_account_dir() == Path(DEFAULT_SERVICEACCOUNT_DIR)
