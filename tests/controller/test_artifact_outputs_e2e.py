"""Output artifacts end to end through the real controller and localkube's kubelet: a step whose
one output is missing still reports what it saved, as Argo's wait does.

The pod saves one output, misses a required one, and archives its log to moto's S3 server (a
configured repository): the node is Error with the missing artifact's message, and its outputs
hold the saved artifact and `main-logs`, whose objects exist.
"""

from __future__ import annotations

import asyncio
import base64
import os
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from argoapp.artifacts import driver_for
from argoapp.controller.controller import Controller
from argoapp.engine.api import Settings
from argoapp.kube.client import Kube
from argoapp.localkube.cluster import LocalKube, LocalKubeSettings
from argoapp.model.types import Obj
from argoapp.store import Store
from tests.artifacts.s3server import SECRET, MotoS3, start_moto
from tests.conftest import require_tool
from tests.kubelet.conftest import kill_leftovers

from .conftest import eventually

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def moto_s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoS3]:
    with start_moto(tmp_path_factory.mktemp("moto-outputs-e2e")) as store:
        yield store


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[LocalKube]:
    require_tool("bwrap")
    settings = LocalKubeSettings(
        data_dir=tmp_path / "data",
        port=0,
        extra_path=(os.path.dirname(sys.executable),),
        executor_in_process=True,
    )
    k = LocalKube(settings)
    await k.start()
    yield k
    await k.stop()
    kill_leftovers(tmp_path / "data")


def workflow(name: str) -> Obj:
    outputs = [
        {"name": "good", "path": "/tmp/good.txt"},
        {"name": "absent", "path": "/tmp/never-written.txt"},
    ]
    script = "echo fine > /tmp/good.txt; echo logged"
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "entrypoint": "main",
            "templates": [
                {
                    "name": "main",
                    "container": {"image": "busybox", "command": ["sh", "-c", script]},
                    "outputs": {"artifacts": outputs},
                }
            ],
        },
    }


async def test_a_missing_output_fails_the_node_but_keeps_what_was_saved(
    cluster: LocalKube, moto_s3: MotoS3, tmp_path: Path
) -> None:
    repo_s3 = {k: v for k, v in moto_s3.location("")["s3"].items() if k != "key"}
    settings = Settings(artifact_repository={"archiveLogs": True, "s3": repo_s3})
    kube = await Kube.connect(cluster.kubeconfig)
    store = Store(tmp_path / "argoapp.db")
    await store.start()
    controller = Controller(kube, store, settings)
    task = asyncio.create_task(controller.run())
    try:
        data = {"accesskey": moto_s3.access_key, "secretkey": moto_s3.secret_key}
        secret = {
            "metadata": {"name": SECRET},
            "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()},
        }
        await kube.create("Secret", secret, "default")
        await controller.wait_ready()
        await kube.create("Workflow", workflow("partial"))

        async def finished() -> Obj | None:
            wf = await kube.get("Workflow", "partial", "default")
            done = (wf.get("status") or {}).get("phase") in ("Succeeded", "Failed", "Error")
            return wf if done else None

        wf = await eventually(finished, timeout=90)
        (node,) = [n for n in wf["status"]["nodes"].values() if n["type"] == "Pod"]
        assert node["phase"] == "Error", node
        assert node["message"].endswith(
            "failed to save artifact absent: /tmp/never-written.txt: no such file or directory"
        )
        saved = {a["name"]: a["s3"]["key"] for a in node["outputs"]["artifacts"]}
        assert set(saved) == {"good", "main-logs"}
        assert saved["good"].startswith("partial/") and saved["good"].endswith("/good.tgz")
        assert saved["main-logs"].endswith("/main.log")
        for key in saved.values():
            location = {"name": "check", **moto_s3.location(key)}

            def read(loc: Obj = location) -> bytes:
                with driver_for(loc, moto_s3.secrets()).open(loc) as f:
                    return f.read()

            assert await asyncio.to_thread(read)
    finally:
        controller.stop()
        await task
        await kube.close()
        await store.close()
