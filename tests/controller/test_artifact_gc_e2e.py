"""Artifact GC end to end: the real engine and controller, localkube's kubelet running the pod
(bubblewrap sandbox, the executor's roles in process), its outputs saved to a real S3 server
and then deleted by the controller as Argo's artifact-gc example asks: one artifact when the
workflow completes, the other (and the archived log) when it is deleted.

The S3 server is moto on loopback with a configured repository, or argoapp's own built-in store
(served by the API app on loopback) as the default repository with nothing configured: then the
controller also puts the store's Secret in the workflow's new namespace before its pod.
"""

from __future__ import annotations

import asyncio
import base64
import os
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from argoapp.artifacts import MappingSecrets, driver_for
from argoapp.artifacts.builtin import BUCKET, SECRET_NAME, BuiltinStore
from argoapp.controller.controller import Controller
from argoapp.engine.api import Settings
from argoapp.kube.client import Kube
from argoapp.kube.errors import NotFound
from argoapp.localkube.cluster import LocalKube, LocalKubeSettings
from argoapp.model.types import Obj
from argoapp.server.app import build_app
from argoapp.server.s3store import S3Store, load_or_create_credentials
from argoapp.store import Store
from tests.artifacts.s3server import SECRET, MotoS3, start_moto
from tests.conftest import require_tool
from tests.kubelet.conftest import kill_leftovers

from .conftest import eventually

pytestmark = pytest.mark.timeout(120)
FINALIZER = "workflows.argoproj.io/artifact-gc"


@pytest.fixture(scope="module")
def moto_s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoS3]:
    with start_moto(tmp_path_factory.mktemp("moto-gc-e2e")) as store:
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


def gc_example(name: str, namespace: str = "default") -> Obj:
    """Argo's examples/artifact-gc-workflow.yaml, with a fixed name and keys of its own."""
    outputs = [
        {
            "name": "on-completion",
            "path": "/tmp/on-completion.txt",
            "s3": {"key": f"{name}/on-completion.txt"},
            "artifactGC": {"strategy": "OnWorkflowCompletion"},
        },
        {
            "name": "on-deletion",
            "path": "/tmp/on-deletion.txt",
            "s3": {"key": f"{name}/on-deletion.txt"},
        },
    ]
    script = "echo hello > /tmp/on-completion.txt; echo hello > /tmp/on-deletion.txt"
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "entrypoint": "main",
            "artifactGC": {"strategy": "OnWorkflowDeletion"},
            "templates": [
                {
                    "name": "main",
                    "container": {"image": "busybox", "command": ["sh", "-c", script]},
                    "outputs": {"artifacts": outputs},
                }
            ],
        },
    }


async def keys_under(store: MotoS3, prefix: str) -> list[str]:
    def keys() -> list[str]:
        location = store.location(prefix)
        return sorted(driver_for(location, store.secrets()).list(location))

    return await asyncio.to_thread(keys)


async def test_the_artifact_gc_example_end_to_end(
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
        await kube.create("Workflow", gc_example("gc-e2e"))

        async def completed_gc() -> Obj | None:
            wf = await kube.get("Workflow", "gc-e2e", "default")
            status = wf.get("status") or {}
            processed = (status.get("artifactGCStatus") or {}).get("strategiesProcessed") or {}
            return wf if processed.get("OnWorkflowCompletion") else None

        wf = await eventually(completed_gc, timeout=90)
        assert wf["status"]["phase"] == "Succeeded", wf["status"].get("message")
        assert FINALIZER in wf["metadata"]["finalizers"]
        (node,) = [n for n in wf["status"]["nodes"].values() if n["type"] == "Pod"]
        deleted = {a["name"]: bool(a.get("deleted")) for a in node["outputs"]["artifacts"]}
        assert deleted["on-completion"] is True
        assert deleted["on-deletion"] is False
        # The log is archived under the repository's key format, {{workflow.name}}/{{pod.name}}.
        assert await keys_under(moto_s3, "gc-e2e") == ["gc-e2e/main.log", "on-deletion.txt"]

        await kube.delete("Workflow", "gc-e2e", "default")
        await eventually(lambda: _gone(kube, "gc-e2e"), timeout=60)
        assert await keys_under(moto_s3, "gc-e2e") == []  # the log went with the workflow's
    finally:
        controller.stop()
        await task
        await kube.close()
        await store.close()


async def _gone(kube: Kube, name: str, namespace: str = "default") -> bool:
    try:
        await kube.get("Workflow", name, namespace)
    except NotFound:
        return True
    return False


async def test_the_example_with_the_builtin_store_and_nothing_configured(
    cluster: LocalKube, tmp_path: Path
) -> None:
    access_key, secret_key = load_or_create_credentials(tmp_path)
    s3 = S3Store(tmp_path / "artifacts", access_key, secret_key)
    await s3.start()
    server = TestServer(build_app(s3store=s3), host="127.0.0.1")
    await server.start_server()
    builtin = BuiltinStore(f"127.0.0.1:{server.port}", access_key, secret_key)
    kube = await Kube.connect(cluster.kubeconfig)
    store = Store(tmp_path / "argoapp.db")
    await store.start()
    controller = Controller(kube, store, Settings(), artifact_store=builtin)
    task = asyncio.create_task(controller.run())

    async def keys(prefix: str) -> list[str]:
        location = {"s3": {**builtin.repository()["s3"], "key": prefix}}
        values = {(SECRET_NAME, "accesskey"): access_key, (SECRET_NAME, "secretkey"): secret_key}

        def listing() -> list[str]:
            return sorted(driver_for(location, MappingSecrets(values)).list(location))

        return await asyncio.to_thread(listing)

    try:
        await kube.create("Namespace", {"metadata": {"name": "team"}})
        await controller.wait_ready()
        await kube.create("Workflow", gc_example("gc-builtin", "team"), "team")

        async def completed_gc() -> Obj | None:
            wf = await kube.get("Workflow", "gc-builtin", "team")
            status = wf.get("status") or {}
            processed = (status.get("artifactGCStatus") or {}).get("strategiesProcessed") or {}
            return wf if processed.get("OnWorkflowCompletion") else None

        wf = await eventually(completed_gc, timeout=90)
        assert wf["status"]["phase"] == "Succeeded", wf["status"].get("message")
        assert wf["status"]["artifactRepositoryRef"]["artifactRepository"]["s3"]["bucket"] == BUCKET
        assert (await kube.get("Secret", SECRET_NAME, "team"))["data"] == builtin.secret("team")[
            "data"
        ]
        assert await keys("gc-builtin") == ["gc-builtin/main.log", "on-deletion.txt"]

        await kube.delete("Workflow", "gc-builtin", "team")
        await eventually(lambda: _gone(kube, "gc-builtin", "team"), timeout=60)
        assert await keys("gc-builtin") == []
    finally:
        controller.stop()
        await task
        await kube.close()
        await store.close()
        await server.close()
        await s3.close()
