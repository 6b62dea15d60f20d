"""Downloads of a workflow that recorded the built-in store at an endpoint it no longer answers
on (an earlier `argoapp up` on another port): the server reaches the store where it is now.

A real store (`S3Store`) served by the API app on loopback, the object put there with the real
minio client, the Secret the controller would have made, and a Workflow whose status says what
an earlier run resolved. The executor is not the point here, so the workflow's status is
written directly.
"""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from minio import Minio

from argoapp.artifacts.builtin import BUCKET, BuiltinStore
from argoapp.kube.client import Kube
from argoapp.model.types import Obj
from argoapp.server.app import build_app
from argoapp.server.s3store import S3Store, load_or_create_credentials
from argoapp.store import Store
from tests.e2e.upproc import free_port

NS = "default"


def _workflow(repository: Obj) -> Obj:
    node = {
        "id": "moved",
        "name": "moved",
        "type": "Pod",
        "phase": "Succeeded",
        "templateName": "main",
        "outputs": {"artifacts": [{"name": "report", "s3": {"key": "moved/moved/report.txt"}}]},
    }
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": "moved", "namespace": NS},
        "spec": {"entrypoint": "main", "templates": [{"name": "main", "container": {}}]},
        "status": {
            "phase": "Succeeded",
            "nodes": {"moved": node},
            "artifactRepositoryRef": {"default": True, "artifactRepository": repository},
        },
    }


async def test_the_builtin_store_of_an_earlier_run_is_reached_where_it_answers_now(
    kube: Kube, store: Store, tmp_path: Path
) -> None:
    access, secret = load_or_create_credentials(tmp_path)
    s3 = S3Store(tmp_path / "artifacts", access, secret)
    await s3.start()
    port = free_port()
    now = BuiltinStore(f"127.0.0.1:{port}", access, secret)
    app = build_app(kube=kube, store=store, s3store=s3, artifact_store=now)
    api: TestClient[Any, Any] = TestClient(TestServer(app, host="127.0.0.1", port=port))
    await api.start_server()
    try:
        body = b"kept across a restart\n"
        client = Minio(now.endpoint, access_key=access, secret_key=secret, secure=False)
        await asyncio.to_thread(  # the store answers on this loop: the client waits elsewhere
            client.put_object, BUCKET, "moved/moved/report.txt", io.BytesIO(body), len(body)
        )
        await kube.create("Secret", now.secret(NS), NS)
        earlier = BuiltinStore("127.0.0.1:9", access, secret).repository()  # nothing there
        await kube.create("Workflow", _workflow(earlier), NS)
        resp = await api.get(f"/artifacts/{NS}/moved/moved/report")
        assert resp.status == 200, await resp.text()
        assert await resp.read() == body
    finally:
        await api.close()
        await s3.close()
