"""Artifact downloads over HTTP: `/artifacts`, `/input-artifacts`, the by-uid routes and the
archive, against a real localkube, argoapp's real store and a real S3 server (moto, in its own
process on loopback).

The objects are uploaded by the test and a Workflow whose status names them is written
straight to Kubernetes: what the executor saves and how the engine copies it to the node is
tested elsewhere (tests/executor, tests/engine); here the point is the server finding the
node's artifact, its repository and its credentials, and streaming the object. The fixtures
here are shared by the other tests/server/test_artifacts_*.py files.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import io
import tarfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from argoapp.kube.client import Kube
from argoapp.server.app import build_app
from argoapp.store import Store
from tests.artifacts.s3server import SECRET, MotoS3, start_moto

Client = TestClient[Any, Any]
NS = "argo"
WF, NODE, UID = "arts", "arts-1234", "uid-arts-archived"
PREFIX = "arts/arts-1234"
TEXT = b"hello from a step\n"
LOG = b"line one\nline two\n"


@pytest.fixture(scope="module")
def moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoS3]:
    """A real S3 server for the module, with the objects every test reads."""
    with start_moto(tmp_path_factory.mktemp("moto")) as s3:
        for key, body in objects().items():
            put(s3, key, body)
        yield s3


def s3_client(s3: MotoS3) -> Any:
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=f"http://{s3.endpoint}",
        region_name="us-east-1",
        aws_access_key_id=s3.access_key,
        aws_secret_access_key=s3.secret_key,
    )


def put(s3: MotoS3, key: str, body: bytes | Path) -> None:
    """Upload one object (blocking: for fixtures and threads)."""
    client = s3_client(s3)
    if isinstance(body, Path):
        client.upload_file(str(body), s3.bucket, key)
    else:
        client.put_object(Bucket=s3.bucket, Key=key, Body=body)


def tgz(files: dict[str, bytes], directory: str = "") -> bytes:
    """A tar+gzip as the executor packs it: a file at the root, or a directory and its files."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        if directory:
            info = tarfile.TarInfo(directory)
            info.type, info.mode = tarfile.DIRTYPE, 0o755
            tar.addfile(info)
        for name, data in files.items():
            info = tarfile.TarInfo(f"{directory}/{name}" if directory else name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


@functools.cache
def objects() -> dict[str, bytes]:
    """Key -> body of what the workflow's artifacts point at."""
    return {
        f"{PREFIX}/hello.txt": TEXT,
        f"{PREFIX}/hello.tgz": tgz({"hello.txt": TEXT}),
        f"{PREFIX}/out.tgz": tgz({"a.txt": b"A", "sub/b.txt": b"B"}, directory="out"),
        f"{PREFIX}/tree/notes.txt": b"notes",
        f"{PREFIX}/tree/sub/deep.json": b'{"deep": true}',
        f"{PREFIX}/tree/<b>&x.txt": b"odd name",
        f"{PREFIX}/site/index.html": b"<html>site</html>",
        f"{PREFIX}/main.log": LOG,
        "elsewhere/full.txt": b"full location",
    }


def repository(s3: MotoS3) -> dict[str, Any]:
    """The repository as the engine records it in status.artifactRepositoryRef."""
    loc = s3.location("")["s3"]
    loc.pop("key")
    return {"archiveLogs": True, "s3": loc}


def status(s3: MotoS3, name: str = WF, repo: dict[str, Any] | None = None) -> dict[str, Any]:
    """A finished one-node workflow's status naming key-only artifacts, as Argo reports them."""
    key_only = [
        ("plain", "hello.txt"),
        ("packed", "hello.tgz"),
        ("packed-dir", "out.tgz"),
        ("tree", "tree"),
        ("site", "site"),
        ("main-logs", "main.log"),
    ]
    outputs: list[dict[str, Any]] = [
        {"name": art, "s3": {"key": f"{PREFIX}/{key}"}} for art, key in key_only
    ]
    outputs.append({"name": "full", **s3.location("elsewhere/full.txt")})
    node = {
        "id": NODE,
        "name": name,
        "displayName": name,
        "type": "Pod",
        "templateName": "main",
        "phase": "Succeeded",
        "inputs": {
            "artifacts": [{"name": "in", "path": "/in", "s3": {"key": f"{PREFIX}/hello.txt"}}]
        },
        "outputs": {"artifacts": outputs},
    }
    return {
        "phase": "Succeeded",
        "artifactRepositoryRef": {
            "configMap": "artifact-repositories",
            "key": "default",
            "namespace": NS,
            "artifactRepository": repo if repo is not None else repository(s3),
        },
        "nodes": {NODE: node},
    }


def spec() -> dict[str, Any]:
    return {
        "entrypoint": "main",
        "templates": [{"name": "main", "container": {"image": "alpine", "command": ["true"]}}],
    }


async def live_workflow(kube: Kube, s3: MotoS3, name: str = WF, **kw: Any) -> dict[str, Any]:
    """Store the workflow with its status in Kubernetes."""
    created = await kube.create("Workflow", {"metadata": {"name": name}, "spec": spec()}, NS)
    created["status"] = status(s3, name, **kw)
    return await kube.replace("Workflow", created, NS)


def archived_workflow(s3: MotoS3, name: str = "gone", uid: str = UID) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {
            "name": name,
            "namespace": NS,
            "uid": uid,
            "creationTimestamp": "2026-01-01T00:00:00Z",
        },
        "spec": spec(),
        "status": {
            **status(s3, name),
            "startedAt": "2026-01-01T00:00:00Z",
            "finishedAt": "2026-01-01T00:01:00Z",
        },
    }


async def credentials(kube: Kube, s3: MotoS3) -> None:
    """The Secret the repository's credentials name, in the workflow's namespace."""
    data = {"accesskey": s3.access_key, "secretkey": s3.secret_key}
    secret = {
        "metadata": {"name": SECRET},
        "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()},
    }
    await kube.create("Secret", secret, NS)


@pytest.fixture
async def seeded(kube: Kube, store: Store, moto: MotoS3) -> MotoS3:
    """The live workflow, its archived namesake `gone`, and the credentials."""
    await credentials(kube, moto)
    await live_workflow(kube, moto)
    await store.archive_put(archived_workflow(moto))
    return moto


@pytest.fixture
async def api(kube: Kube, store: Store, seeded: MotoS3) -> AsyncIterator[Client]:
    client: Client = TestClient(TestServer(build_app(kube=kube, store=store)))
    await client.start_server()
    yield client
    await client.close()


async def fetch(api: Client, path: str) -> tuple[int, bytes, Any]:
    async with api.get(path, allow_redirects=False) as resp:
        return resp.status, await resp.read(), resp.headers


async def test_output_artifact_is_the_stored_object_with_its_name(api: Client) -> None:
    status_code, body, headers = await fetch(api, f"/artifacts/{NS}/{WF}/{NODE}/plain")
    assert status_code == 200, body
    assert body == TEXT
    assert headers["Content-Disposition"] == 'filename="hello.txt"'
    assert headers["Content-Type"].startswith("text/plain")
    assert "sandbox" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "SAMEORIGIN"


async def test_a_tgz_is_sent_as_stored_and_a_full_location_needs_no_repository(
    api: Client,
) -> None:
    status_code, body, headers = await fetch(api, f"/artifacts/{NS}/{WF}/{NODE}/packed")
    assert status_code == 200
    assert body == objects()[f"{PREFIX}/hello.tgz"]
    assert headers["Content-Disposition"] == 'filename="hello.tgz"'
    status_code, body, _ = await fetch(api, f"/artifacts/{NS}/{WF}/{NODE}/full")
    assert (status_code, body) == (200, b"full location")


async def test_input_artifact_and_archived_logs(api: Client) -> None:
    status_code, body, _ = await fetch(api, f"/input-artifacts/{NS}/{WF}/{NODE}/in")
    assert (status_code, body) == (200, TEXT)
    for path in (
        f"/artifacts/{NS}/{WF}/{NODE}/main-logs",
        f"/artifact-files/{NS}/workflows/{WF}/{NODE}/outputs/main-logs",
        f"/artifact-files/{NS}/archived-workflows/{UID}/{NODE}/outputs/main-logs",
    ):
        status_code, body, headers = await fetch(api, path)
        assert (status_code, body) == (200, LOG), path
        assert headers["Content-Disposition"] == 'filename="main.log"'


async def test_archived_workflows_by_uid_and_by_name(api: Client) -> None:
    for path in (
        f"/artifacts-by-uid/{UID}/{NODE}/plain",
        f"/artifacts/{NS}/gone/{NODE}/plain",  # no live workflow `gone`: the archive's
    ):
        status_code, body, _ = await fetch(api, path)
        assert (status_code, body) == (200, TEXT), path
    status_code, body, _ = await fetch(api, f"/input-artifacts-by-uid/{UID}/{NODE}/in")
    assert (status_code, body) == (200, TEXT)


async def test_what_is_missing_is_a_404_naming_it(api: Client) -> None:
    cases = {
        f"/artifacts/{NS}/nowhere/{NODE}/plain": '"nowhere" not found',
        f"/artifacts/{NS}/{WF}/no-such-node/plain": "node no-such-node not found",
        f"/artifacts/{NS}/{WF}/{NODE}/nope": "artifact nope not found in the outputs",
        f"/input-artifacts/{NS}/{WF}/{NODE}/plain": "artifact plain not found in the inputs",
        f"/artifacts-by-uid/no-such-uid/{NODE}/plain": "archived workflow no-such-uid not found",
        f"/artifact-files/{NS}/archived-workflows/{UID}/{NODE}/outputs/nope": "artifact nope",
    }
    for path, words in cases.items():
        resp = await api.get(path)
        body = await resp.json()
        assert resp.status == 404, (path, body)
        assert body["code"] == 5 and words in body["message"], (path, body)


async def test_a_store_that_is_down_is_a_500_naming_the_artifact(
    api: Client, kube: Kube, moto: MotoS3
) -> None:
    down = repository(moto)
    down["s3"]["endpoint"] = "127.0.0.1:9"  # the discard port: nothing listens
    await live_workflow(kube, moto, name="down", repo=down)
    resp = await api.get(f"/artifacts/{NS}/down/{NODE}/plain")
    body = await resp.json()
    assert resp.status == 500, body
    assert body["code"] == 13
    assert "plain" in body["message"] and "127.0.0.1:9" in body["message"]
    assert "Traceback" not in body["message"]


async def test_missing_credentials_are_a_500_naming_the_secret(api: Client, kube: Kube) -> None:
    await kube.delete("Secret", SECRET, NS)
    resp = await api.get(f"/artifacts/{NS}/{WF}/{NODE}/plain")
    body = await resp.json()
    assert resp.status == 500 and SECRET in body["message"], body


async def test_no_repository_for_a_key_only_artifact_is_a_500_saying_so(
    api: Client, kube: Kube, moto: MotoS3
) -> None:
    wf = await live_workflow(kube, moto, name="norepo")
    del wf["status"]["artifactRepositoryRef"]
    await kube.replace("Workflow", wf, NS)
    resp = await api.get(f"/artifacts/{NS}/norepo/{NODE}/plain")
    body = await resp.json()
    assert resp.status == 500 and "no artifact repository" in body["message"], body


async def test_argo_artifact_server_false_turns_the_routes_off(
    kube: Kube, store: Store, seeded: MotoS3, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ARGO_ARTIFACT_SERVER", "false")
    client: Client = TestClient(TestServer(build_app(kube=kube, store=store)))
    await client.start_server()
    try:
        for path in (
            f"/artifacts/{NS}/{WF}/{NODE}/plain",
            f"/artifact-files/{NS}/workflows/{WF}/{NODE}/outputs/plain",
        ):
            resp = await client.get(path)
            assert resp.status == 404, path
        resp = await client.get(f"/api/v1/workflows/{NS}/{WF}")
        assert resp.status == 200  # the rest of the API is unaffected
    finally:
        await client.close()


async def test_downloads_run_side_by_side(api: Client) -> None:
    """Several downloads at once each get their own whole body (the reads are per request)."""
    paths = [f"/artifacts/{NS}/{WF}/{NODE}/{name}" for name in ("plain", "main-logs", "full")]
    results = await asyncio.gather(*(fetch(api, p) for p in paths * 3))
    assert [body for _, body, _ in results] == [TEXT, LOG, b"full location"] * 3
