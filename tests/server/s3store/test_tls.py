"""The store behind TLS, as `argoapp server` serves it by default: minio then signs with
UNSIGNED-PAYLOAD and relies on Content-MD5, and verifies the server's certificate."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import urllib3
from aiohttp.test_utils import TestServer
from minio import Minio

from argoapp.server.app import build_app
from argoapp.server.s3store import S3Store, load_or_create_credentials
from argoapp.server.tls import self_signed, server_context


async def test_minio_over_tls(tmp_path: Path) -> None:
    access_key, secret_key = load_or_create_credentials(tmp_path)
    store = S3Store(tmp_path / "artifacts", access_key, secret_key)
    await store.start()
    tls = server_context(secure=True, cert=None, key=None, data_dir=tmp_path, address="127.0.0.1")
    server = TestServer(build_app(s3store=store), host="127.0.0.1")
    await server.start_server(ssl=tls)
    try:
        cert, _ = self_signed(tmp_path / "tls", "127.0.0.1")
        pool = urllib3.PoolManager(cert_reqs="CERT_REQUIRED", ca_certs=str(cert))
        client = Minio(
            f"127.0.0.1:{server.port}",
            access_key=access_key,
            secret_key=secret_key,
            secure=True,
            http_client=pool,
        )
        data = b"over tls" * 1000
        await asyncio.to_thread(client.put_object, "argoapp", "tls/k", io.BytesIO(data), len(data))
        got = await asyncio.to_thread(lambda: client.get_object("argoapp", "tls/k").data)
        assert got == data
        pool.clear()
    finally:
        await server.close()
        await store.close()
