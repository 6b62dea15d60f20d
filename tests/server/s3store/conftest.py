"""The built-in store under test: an `S3Store` on a temp root, served by `build_app(s3store=…)`
on loopback (aiohttp's test server), and the real `minio` client pointed at it.

The minio client blocks, so tests call it through `asyncio.to_thread` while the server runs on
the test's loop, reading response bodies too (`Served.read`). `Served.restart()` closes the
store and opens a new one on the same root with the credentials read back from disk, as a
restarted argoapp does.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from aiohttp.test_utils import TestClient, TestServer
from minio import Minio

from argoapp.server.app import build_app
from argoapp.server.s3store import S3Store, load_or_create_credentials

T = TypeVar("T")


@dataclass
class Served:
    """A running store, its HTTP client and a minio client for it."""

    data_dir: Path
    store: S3Store
    http: TestClient[object, object]
    minio: Minio
    access_key: str
    secret_key: str

    @property
    def endpoint(self) -> str:
        """host:port of the server."""
        return f"{self.http.host}:{self.http.port}"

    def client(self, secret_key: str | None = None) -> Minio:
        """A minio client for the store, with another secret key when given."""
        return Minio(
            self.endpoint,
            access_key=self.access_key,
            secret_key=secret_key or self.secret_key,
            secure=False,
        )

    async def call(self, fn: Callable[..., T], *args: object, **kwargs: object) -> T:
        """Run a blocking minio call off the loop."""
        return await asyncio.to_thread(fn, *args, **kwargs)

    async def read(self, key: str, **kwargs: Any) -> bytes:
        """An object's body from the `argoapp` bucket, fetched and read in a thread (reading
        on the loop would block the server that is sending it)."""

        def fetch() -> bytes:
            response = self.minio.get_object("argoapp", key, **kwargs)
            try:
                return bytes(response.data)
            finally:
                response.close()
                response.release_conn()

        return await asyncio.to_thread(fetch)

    async def restart(self, while_stopped: Callable[[], None] | None = None) -> None:
        """Close the store and serve a new one on the same root and saved credentials;
        `while_stopped` runs in between (a crash's leftovers, an aged upload)."""
        await self.http.close()
        await self.store.close()
        if while_stopped is not None:
            while_stopped()
        self.access_key, self.secret_key = load_or_create_credentials(self.data_dir)
        self.store, self.http = await _serve(self.data_dir, self.access_key, self.secret_key)
        self.minio = self.client()


async def _serve(
    data_dir: Path, access_key: str, secret_key: str
) -> tuple[S3Store, TestClient[object, object]]:
    store = S3Store(data_dir / "artifacts", access_key, secret_key)
    await store.start()
    http: TestClient[object, object] = TestClient(TestServer(build_app(s3store=store)))
    await http.start_server()
    return store, http


@pytest.fixture
async def s3(tmp_path: Path) -> AsyncIterator[Served]:
    """The store served on loopback with fresh credentials."""
    access_key, secret_key = load_or_create_credentials(tmp_path)
    store, http = await _serve(tmp_path, access_key, secret_key)
    served = Served(tmp_path, store, http, None, access_key, secret_key)  # type: ignore[arg-type]
    served.minio = served.client()
    yield served
    await served.http.close()
    await served.store.close()
