"""The S3 driver against argoapp's own built-in store, configured exactly as workflows see it.

The store is served by the real server app on loopback; the repository and its credentials come
from `BuiltinStore.repository()` and `BuiltinStore.secret()`, so a key-only artifact is relocated
and moved the way a pod does it. The driver blocks, so it runs in a thread beside the server's loop.
"""

from __future__ import annotations

import asyncio
import base64
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from argoapp.artifacts import ArtifactError, MappingSecrets, archive, resolve
from argoapp.artifacts.builtin import SECRET_NAME, BuiltinStore
from argoapp.artifacts.s3 import S3Driver
from argoapp.server.app import build_app
from argoapp.server.s3store import S3Store, load_or_create_credentials
from tests.artifacts.faults import cutting_proxy


@pytest.fixture
async def builtin(tmp_path: Path) -> AsyncIterator[BuiltinStore]:
    access_key, secret_key = load_or_create_credentials(tmp_path)
    store = S3Store(tmp_path / "artifacts", access_key, secret_key)
    await store.start()
    http: TestClient[object, object] = TestClient(TestServer(build_app(s3store=store)))
    await http.start_server()
    yield BuiltinStore(f"{http.host}:{http.port}", access_key, secret_key)
    await http.close()
    await store.close()


def secrets_of(store: BuiltinStore) -> MappingSecrets:
    data = store.secret("argo")["data"]
    return MappingSecrets({(SECRET_NAME, k): base64.b64decode(v).decode() for k, v in data.items()})


async def test_key_only_round_trip_through_the_default_repository(
    builtin: BuiltinStore, tmp_path: Path
) -> None:
    src = tmp_path / "outdir"
    (src / "nested").mkdir(parents=True)
    (src / "nested" / "big.bin").write_bytes(os.urandom(6 * 1024 * 1024))
    (src / "small.txt").write_text("small")
    archive_location = {"s3": {"key": "wf/wf-pod"}}
    packed, file_name = archive.pack(src, tmp_path / "work", {"name": "out"})
    reported = resolve.output(
        {"name": "out"}, resolve.relocate(archive_location, builtin.repository()), file_name
    )
    assert reported["s3"] == {"key": "wf/wf-pod/out.tgz"}
    full = resolve.relocate(reported, builtin.repository())
    driver = S3Driver(secrets_of(builtin), part_size=5 * 1024 * 1024)
    await asyncio.to_thread(driver.upload, packed, full)
    downloaded = tmp_path / "in.tmp"
    await asyncio.to_thread(driver.download, full, downloaded)
    archive.unpack(downloaded, tmp_path / "in", reported)
    assert (tmp_path / "in" / "small.txt").read_text() == "small"
    assert (tmp_path / "in" / "nested" / "big.bin").read_bytes() == (
        src / "nested" / "big.bin"
    ).read_bytes()


async def test_directories_list_delete_and_missing_keys(
    builtin: BuiltinStore, tmp_path: Path
) -> None:
    src = tmp_path / "d"
    (src / "sub").mkdir(parents=True)
    (src / "a").write_text("a")
    (src / "sub" / "b").write_text("b")
    full = resolve.relocate({"name": "d", "s3": {"key": "wf/pod/d"}}, builtin.repository())
    driver = S3Driver(secrets_of(builtin))
    await asyncio.to_thread(driver.upload, src, full)
    assert await asyncio.to_thread(driver.is_directory, full)
    assert sorted(await asyncio.to_thread(driver.list, full)) == ["a", "sub/b"]
    await asyncio.to_thread(driver.delete, full)
    with pytest.raises(ArtifactError, match="no such key"):
        await asyncio.to_thread(driver.download, full, tmp_path / "gone")


async def test_wrong_secret_key_is_refused(builtin: BuiltinStore, tmp_path: Path) -> None:
    full = resolve.relocate({"name": "x", "s3": {"key": "k"}}, builtin.repository())
    wrong = MappingSecrets(
        {(SECRET_NAME, "accesskey"): builtin.access_key, (SECRET_NAME, "secretkey"): "wrong"}
    )
    with pytest.raises(ArtifactError, match="access denied"):
        await asyncio.to_thread(S3Driver(wrong).download, full, tmp_path / "x")


async def test_one_driver_reuses_its_connection(builtin: BuiltinStore, tmp_path: Path) -> None:
    # The proxy sees every TCP connection the driver opens (two pump threads each): a driver
    # keeps one client, so one kept-alive connection carries every upload and read.
    src = tmp_path / "main.log"
    src.write_text("a line of log\n")
    host, port = builtin.endpoint.split(":")
    driver = S3Driver(secrets_of(builtin))

    def round_trips(proxy_port: int) -> None:
        for i in range(5):
            key = f"reuse/{i}/main.log"
            location = resolve.relocate({"name": "log", "s3": {"key": key}}, builtin.repository())
            location["s3"]["endpoint"] = f"127.0.0.1:{proxy_port}"
            driver.upload(src, location)
            with driver.open(location) as stream:
                assert stream.read() == b"a line of log\n"

    with cutting_proxy((host, int(port)), budget=1 << 30) as proxy:
        await asyncio.to_thread(round_trips, proxy.port)
        assert len(proxy.threads) == 2
