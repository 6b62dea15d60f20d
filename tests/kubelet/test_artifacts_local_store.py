"""The in-process kubelet reaches the built-in store directly, and the objects are S3's.

The built-in `S3Store` is served on loopback (aiohttp) for the test's own reads with the real
minio client; the pod is given an endpoint nobody answers (`argoapp.invalid:9`), which the
kubelet's `LocalTarget` names, so only the direct path can load the input and save the output
and the log. Credentials still come from the Secret of the pod's namespace: a missing one and a
wrong key fail as they would over HTTP.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from minio import Minio

from argoapp.artifacts import ArtifactError, MappingSecrets
from argoapp.artifacts.local import LocalDriver, LocalTarget
from argoapp.localkube import resources as r
from argoapp.localkube.cluster import LocalKube, LocalKubeSettings
from argoapp.server.app import build_app
from argoapp.server.s3store import S3Store
from tests.conftest import require_tool
from tests.kubelet.conftest import kill_leftovers
from tests.kubelet.test_executor_roles import Obj, codes, run_pod

pytestmark = pytest.mark.timeout(120)

ACCESS, SECRET_KEY = "local-access", "local-secret"
UNREACHABLE = "argoapp.invalid:9"  # only the direct path can reach the store under this name
SECRET = "store-creds"


def location(key: str, secret: str = SECRET) -> Obj:
    """An s3 location in the built-in store, as pods are given it."""
    return {
        "s3": {
            "endpoint": UNREACHABLE,
            "bucket": "argoapp",
            "insecure": True,
            "key": key,
            "accessKeySecret": {"name": secret, "key": "accesskey"},
            "secretKeySecret": {"name": secret, "key": "secretkey"},
        }
    }


def secret(name: str, access: str, key: str) -> Obj:
    data = {"accesskey": access, "secretkey": key}
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name},
        "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()},
    }


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[tuple[S3Store, Minio]]:
    s3 = S3Store(tmp_path / "artifacts", ACCESS, SECRET_KEY)
    await s3.start()
    http: TestClient[object, object] = TestClient(TestServer(build_app(s3store=s3)))
    await http.start_server()
    client = Minio(f"{http.host}:{http.port}", ACCESS, SECRET_KEY, secure=False)
    yield s3, client
    await http.close()
    await s3.close()


@pytest.fixture
async def kube(tmp_path: Path, store: tuple[S3Store, Minio]) -> AsyncIterator[LocalKube]:
    require_tool("bwrap")
    settings = LocalKubeSettings(
        data_dir=tmp_path / "data", port=0, extra_path=(os.path.dirname(sys.executable),)
    )
    k = LocalKube(settings)
    await k.start()
    assert k.kubelet is not None
    k.kubelet.config.artifact_store = LocalTarget(store[0], UNREACHABLE, "argoapp")
    await k.service.create(r.SECRETS, "default", secret(SECRET, ACCESS, SECRET_KEY))
    await k.service.create(r.SECRETS, "default", secret("wrong", ACCESS, "not-the-key"))
    yield k
    await k.stop()
    kill_leftovers(tmp_path / "data")


def read(client: Minio, key: str) -> tuple[bytes, str, str]:
    """An object's body, ETag and content type, over HTTP."""
    response = client.get_object("argoapp", key)
    try:
        headers = response.headers
        return bytes(response.data), headers["ETag"].strip('"'), headers["Content-Type"]
    finally:
        response.close()
        response.release_conn()


async def test_an_input_output_and_log_go_straight_to_the_store(
    kube: LocalKube, store: tuple[S3Store, Minio], tmp_path: Path
) -> None:
    client = store[1]
    seed = tmp_path / "seed.txt"
    seed.write_text("hello direct\n")
    await asyncio.to_thread(client.fput_object, "argoapp", "in/seed.txt", str(seed))
    template: Obj = {
        "name": "shout",
        "container": {
            "image": "busybox",
            "command": ["sh", "-c", "tr a-z A-Z < /in/seed.txt > /tmp/out.txt; echo done"],
        },
        "inputs": {
            "artifacts": [{"name": "seed", "path": "/in/seed.txt", **location("in/seed.txt")}]
        },
        "outputs": {
            "artifacts": [{"name": "loud", "path": "/tmp/out.txt", "archive": {"none": {}}}]
        },
        "archiveLocation": {**location("wf-direct/pod"), "archiveLogs": True},
    }
    pod, result = await run_pod(kube, template, "wf-direct")
    assert pod["status"]["phase"] == "Succeeded", pod["status"]
    assert codes(pod) == {"init": 0, "wait": 0, "main": 0}
    assert result is not None
    assert [a["s3"]["key"] for a in result["outputs"]["artifacts"]] == [
        "wf-direct/pod/out.txt",
        "wf-direct/pod/main.log",
    ]
    body, etag, content_type = await asyncio.to_thread(read, client, "wf-direct/pod/out.txt")
    assert body == b"HELLO DIRECT\n"
    assert etag == hashlib.md5(body).hexdigest()
    assert content_type == "application/octet-stream"
    log, _, _ = await asyncio.to_thread(read, client, "wf-direct/pod/main.log")
    assert log == b"done\n"
    listed = await asyncio.to_thread(
        lambda: [o.object_name for o in client.list_objects("argoapp", "wf-direct/", True)]
    )
    assert listed == ["wf-direct/pod/main.log", "wf-direct/pod/out.txt"]


async def test_a_missing_secret_or_a_wrong_key_fails_the_pod(kube: LocalKube) -> None:
    missing: Obj = {
        "name": "locked",
        "container": {"image": "busybox", "command": ["true"]},
        "inputs": {"artifacts": [{"name": "in", "path": "/in/x", "s3": {"key": "any"}}]},
        "archiveLocation": location("wf/locked", secret="no-such-secret"),
    }
    pod, _ = await run_pod(kube, missing, "wf-locked")
    init = pod["status"]["initContainerStatuses"][0]["state"]["terminated"]
    assert pod["status"]["phase"] == "Failed"
    assert init["message"] == 'artifact in failed to load: secrets "no-such-secret" not found'
    wrong: Obj = {
        "name": "wrong",
        "container": {"image": "busybox", "command": ["sh", "-c", "echo x > /tmp/o"]},
        "outputs": {"artifacts": [{"name": "o", "path": "/tmp/o"}]},
        "archiveLocation": location("wf/wrong", secret="wrong"),
    }
    pod, _ = await run_pod(kube, wrong, "wf-wrong")
    assert pod["status"]["phase"] == "Failed"
    wait = pod["status"]["containerStatuses"]
    message = next(c for c in wait if c["name"] == "wait")["state"]["terminated"]["message"]
    assert "access denied (SignatureDoesNotMatch" in message, message


async def test_a_changed_or_deleted_secret_is_what_the_next_pod_gets(kube: LocalKube) -> None:
    """The kubelet keeps the Secrets its roles read (pod after pod of a workflow names the
    same one), but never past a change: the next pod sees the new keys, or no Secret."""

    def logged(name: str) -> Obj:
        return {
            "name": name,
            "container": {"image": "busybox", "command": ["sh", "-c", "echo hi"]},
            "archiveLocation": {**location(f"wf/{name}", secret="rotating"), "archiveLogs": True},
        }

    def wait_message(pod: Obj) -> str:
        wait = next(c for c in pod["status"]["containerStatuses"] if c["name"] == "wait")
        return str(wait["state"]["terminated"].get("message") or "")

    await kube.service.create(r.SECRETS, "default", secret("rotating", ACCESS, SECRET_KEY))
    pod, _ = await run_pod(kube, logged("first"), "wf-first")
    assert pod["status"]["phase"] == "Succeeded", wait_message(pod)
    await kube.service.replace(
        r.SECRETS, "default", "rotating", secret("rotating", ACCESS, "rotated-away")
    )
    pod, _ = await run_pod(kube, logged("second"), "wf-second")
    assert pod["status"]["phase"] == "Failed"
    assert "access denied (SignatureDoesNotMatch" in wait_message(pod)
    await kube.service.delete(r.SECRETS, "default", "rotating")
    pod, _ = await run_pod(kube, logged("third"), "wf-third")
    assert pod["status"]["phase"] == "Failed"
    assert 'secrets "rotating" not found' in wait_message(pod)


def directory_round_trip(target: LocalTarget, tmp: Path) -> list[str]:
    """Upload a directory, list it, download it, then delete it (a role thread's calls)."""
    secrets = MappingSecrets({(SECRET, "accesskey"): ACCESS, (SECRET, "secretkey"): SECRET_KEY})
    driver = LocalDriver(secrets, target)
    src = tmp / "src"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_text("a")
    (src / "sub" / "b.txt").write_text("b")
    art = {"name": "dir", **location("dirs/out")}
    driver.upload(src, art)
    assert driver.is_directory(art)
    listed = driver.list(art)
    driver.download(art, tmp / "got")
    assert (tmp / "got" / "sub" / "b.txt").read_text() == "b"
    with driver.open({"name": "a", **location("dirs/out/a.txt")}) as f:
        assert f.read() == b"a"
    driver.delete(art)
    assert driver.list(art) == []
    with pytest.raises(ArtifactError, match="no such key"):
        driver.download(art, tmp / "again")
    with pytest.raises(ArtifactError, match="cannot upload"):
        driver.upload(tmp / "no-such-file", {"name": "x", **location("dirs/none")})
    return listed


async def test_the_direct_driver_handles_directories_and_leaves_nothing_on_failure(
    store: tuple[S3Store, Minio], tmp_path: Path
) -> None:
    target = LocalTarget(store[0], UNREACHABLE, "argoapp")
    listed = await asyncio.to_thread(directory_round_trip, target, tmp_path)
    assert listed == ["a.txt", "sub/b.txt"]
    left = await asyncio.to_thread(lambda: list(store[1].list_objects("argoapp", "", True)))
    assert left == []
    assert list((tmp_path / "artifacts" / "tmp").iterdir()) == []


def put_nowhere(s3: S3Store, src: Path) -> str:
    """A put_file into a bucket that does not exist, from a thread; the error it raised."""
    try:
        s3.put_file("no-such-bucket", "k", src)
    except Exception as err:  # the store's own S3 error, whatever its class
        return str(err)
    return ""


async def test_a_put_that_is_not_recorded_leaves_no_blob(
    store: tuple[S3Store, Minio], tmp_path: Path
) -> None:
    src = tmp_path / "f.txt"
    src.write_text("x")
    assert (await asyncio.to_thread(put_nowhere, store[0], src)).startswith("NoSuchBucket")
    assert [p for p in (tmp_path / "artifacts" / "blobs").rglob("*") if p.is_file()] == []


async def test_direct_puts_from_every_default_thread_at_once_all_finish(
    store: tuple[S3Store, Minio], tmp_path: Path
) -> None:
    # The kubelet runs a role whose transfers are all direct on the loop's default executor:
    # the store must answer them without needing a thread of that executor.
    s3, client = store
    src = tmp_path / "f.txt"
    src.write_bytes(os.urandom(64 * 1024))
    puts = (os.cpu_count() or 1) + 4 + 8  # more than asyncio's default max_workers
    async with asyncio.timeout(60):
        await asyncio.gather(
            *(asyncio.to_thread(s3.put_file, "argoapp", f"busy/{i}", src) for i in range(puts))
        )
    listed = await asyncio.to_thread(lambda: list(client.list_objects("argoapp", "busy/", True)))
    assert len(listed) == puts
