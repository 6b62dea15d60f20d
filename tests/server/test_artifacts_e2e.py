"""Artifacts end to end, downloaded as a user does: a workflow run for real (the engine, the
controller, localkube's kubelet running the pod in a bubblewrap sandbox with the executor's roles
in process) saves a file, a directory and its log to argoapp's built-in store, the default
repository with nothing configured, served by the same API app the downloads then go through.
So the server reads the store over S3 from itself, with the Secret the controller made."""

from __future__ import annotations

import asyncio
import io
import os
import sys
import tarfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from argoapp.artifacts.builtin import BuiltinStore
from argoapp.controller.controller import Controller
from argoapp.engine.api import Settings
from argoapp.kube.client import Kube
from argoapp.localkube.cluster import LocalKube, LocalKubeSettings
from argoapp.model.types import Obj
from argoapp.server.app import build_app
from argoapp.server.s3store import S3Store, load_or_create_credentials
from argoapp.store import Store
from tests.conftest import require_tool
from tests.controller.conftest import eventually
from tests.kubelet.conftest import kill_leftovers

pytestmark = pytest.mark.timeout(120)
NS = "default"
SCRIPT = "echo made by a step > /tmp/hello.txt; mkdir -p /tmp/out/sub; echo A > /tmp/out/a.txt; "
SCRIPT += "echo B > /tmp/out/sub/b.txt; echo logged line"


def workflow(name: str) -> Obj:
    outputs = [
        {"name": "hello", "path": "/tmp/hello.txt"},  # packed as .tgz, Argo's default
        {"name": "plain", "path": "/tmp/hello.txt", "archive": {"none": {}}},
        {"name": "out", "path": "/tmp/out"},
    ]
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": name, "namespace": NS},
        "spec": {
            "entrypoint": "main",
            "templates": [
                {
                    "name": "main",
                    "container": {"image": "busybox", "command": ["sh", "-c", SCRIPT]},
                    "outputs": {"artifacts": outputs},
                }
            ],
        },
    }


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[tuple[TestClient[Any, Any], Kube]]:
    """localkube with its kubelet, the controller, and the API app that is also the store."""
    require_tool("bwrap")
    cluster = LocalKube(
        LocalKubeSettings(
            data_dir=tmp_path / "data",
            port=0,
            extra_path=(os.path.dirname(sys.executable),),
            executor_in_process=True,
        )
    )
    await cluster.start()
    kube = await Kube.connect(cluster.kubeconfig)
    store = Store(tmp_path / "argoapp.db")
    await store.start()
    access_key, secret_key = load_or_create_credentials(tmp_path)
    s3 = S3Store(tmp_path / "artifacts", access_key, secret_key)
    await s3.start()
    api: TestClient[Any, Any] = TestClient(
        TestServer(build_app(kube=kube, store=store, s3store=s3), host="127.0.0.1")
    )
    await api.start_server()
    builtin = BuiltinStore(f"127.0.0.1:{api.server.port}", access_key, secret_key)
    controller = Controller(kube, store, Settings(), artifact_store=builtin)
    task = asyncio.create_task(controller.run())
    try:
        await controller.wait_ready()
        yield api, kube
    finally:
        controller.stop()
        await task
        await api.close()
        await s3.close()
        await store.close()
        await kube.close()
        await cluster.stop()
        kill_leftovers(tmp_path / "data")


async def test_a_workflows_artifacts_download_from_the_builtin_store(
    running: tuple[TestClient[Any, Any], Kube],
) -> None:
    api, kube = running
    await kube.create("Workflow", workflow("e2e-arts"), NS)

    async def finished() -> Obj | None:
        wf = await kube.get("Workflow", "e2e-arts", NS)
        done = (wf.get("status") or {}).get("phase") in ("Succeeded", "Failed", "Error")
        return wf if done else None

    wf = await eventually(finished, timeout=90)
    assert wf["status"]["phase"] == "Succeeded", wf["status"].get("message")
    (node,) = [n for n in wf["status"]["nodes"].values() if n["type"] == "Pod"]
    base = f"/artifacts/{NS}/e2e-arts/{node['id']}"
    files = f"/artifact-files/{NS}/workflows/e2e-arts/{node['id']}/outputs"

    resp = await api.get(f"{base}/hello")
    assert resp.status == 200, await resp.text()
    assert resp.headers["Content-Disposition"] == 'filename="hello.tgz"'
    with tarfile.open(fileobj=io.BytesIO(await resp.read())) as tar:
        assert tar.getnames() == ["hello.txt"]
    for path in (f"{files}/hello", f"{base}/plain", f"{files}/plain"):
        resp = await api.get(path)
        assert (resp.status, await resp.read()) == (200, b"made by a step\n"), path
    resp = await api.get(f"{files}/out/")
    assert resp.status == 200
    assert 'href="./a.txt"' in await resp.text() and 'href="./sub/"' in await resp.text()
    resp = await api.get(f"{files}/out/sub/b.txt")
    assert (resp.status, await resp.read()) == (200, b"B\n")
    for path in (f"{base}/main-logs", f"{files}/main-logs"):
        resp = await api.get(path)
        assert resp.status == 200, path
        assert b"logged line" in await resp.read()
