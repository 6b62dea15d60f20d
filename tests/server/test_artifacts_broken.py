"""A store that breaks off in the middle of a download: the client must see a broken body, never
a short one that looks whole. The store is a real HTTP server on loopback (an `http:` artifact)
that announces 4 MiB and sends one before closing; a whole answer from the same server
downloads as usual."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest

from argoapp.kube.client import Kube
from tests.artifacts.s3server import MotoS3

from .test_artifacts import NODE, NS, Client, api, live_workflow, moto, seeded

__all__ = ["api", "moto", "seeded"]  # fixtures

MIB = 1024 * 1024


@pytest.fixture
async def web_store() -> AsyncIterator[str]:
    """`http://host:port`: `/whole` answers 1 MiB, `/cut` announces 4 MiB and sends 1."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await reader.readuntil(b"\r\n\r\n")
        announced = 4 * MIB if request.startswith(b"GET /cut ") else MIB
        writer.write(f"HTTP/1.1 200 OK\r\nContent-Length: {announced}\r\n\r\n".encode())
        writer.write(b"x" * MIB)
        await writer.drain()
        writer.close()
        await writer.wait_closed()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.close()
    await server.wait_closed()


async def test_a_store_breaking_off_mid_download_breaks_the_body(
    api: Client, kube: Kube, moto: MotoS3, web_store: str
) -> None:
    wf = await live_workflow(kube, moto, name="web")
    wf["status"]["nodes"][NODE]["outputs"]["artifacts"] += [
        {"name": "whole", "http": {"url": f"{web_store}/whole"}},
        {"name": "cut", "http": {"url": f"{web_store}/cut"}},
    ]
    await kube.replace("Workflow", wf, NS)
    async with api.get(f"/artifacts/{NS}/web/{NODE}/whole") as resp:
        assert resp.status == 200
        assert resp.headers["Content-Disposition"] == 'filename="whole"'
        assert await resp.read() == b"x" * MIB
    async with api.get(f"/artifacts/{NS}/web/{NODE}/cut") as resp:
        assert resp.status == 200  # the first bytes went out before the store failed
        with pytest.raises(aiohttp.ClientPayloadError):
            await resp.read()
    async with api.get(f"/artifacts/{NS}/web/{NODE}/whole") as resp:  # the server carries on
        assert (resp.status, len(await resp.read())) == (200, MIB)
