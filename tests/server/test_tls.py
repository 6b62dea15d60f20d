"""The API over TLS: a self-signed certificate generated at start (kept and reused), one from
flags, clients that trust its certificate or skip verification, and clear flag errors."""

from __future__ import annotations

import ssl
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from argoapp.errors import ConfigError
from argoapp.server.app import build_app
from argoapp.server.tls import self_signed, server_context


async def _serve(context: ssl.SSLContext) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(build_app())
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context).start()
    return runner, f"https://127.0.0.1:{runner.addresses[0][1]}"


async def test_a_generated_certificate_serves_https_and_is_reused(tmp_path: Path) -> None:
    context = server_context(secure=True, cert=None, key=None, data_dir=tmp_path)
    assert context is not None
    cert = tmp_path / "tls" / "argoapp.crt"
    assert (cert.stat().st_mode & 0o777) == 0o600
    first = cert.read_bytes()
    runner, url = await _serve(context)
    try:
        trusting = ssl.create_default_context(cafile=str(cert))
        async with aiohttp.ClientSession() as session:
            async with session.get(url + "/api/v1/version", ssl=trusting) as resp:
                assert resp.status == 200
                assert (await resp.json())["gitTag"].startswith("v3.")
            async with session.get(url + "/healthz", ssl=False) as resp:  # --insecure-skip-verify
                assert resp.status == 200
            with pytest.raises(aiohttp.ClientConnectorCertificateError):
                await session.get(url + "/healthz")  # the system's CAs do not know it
    finally:
        await runner.cleanup()
    server_context(secure=True, cert=None, key=None, data_dir=tmp_path)
    assert cert.read_bytes() == first


async def test_a_certificate_from_flags_is_used(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path / "elsewhere")
    context = server_context(secure=False, cert=cert, key=key, data_dir=tmp_path / "data")
    assert context is not None
    assert not (tmp_path / "data" / "tls").exists()
    runner, url = await _serve(context)
    try:
        async with aiohttp.ClientSession() as session:
            trusting = ssl.create_default_context(cafile=str(cert))
            async with session.get(url + "/healthz", ssl=trusting) as resp:
                assert resp.status == 200
    finally:
        await runner.cleanup()


def test_plain_http_and_bad_flags(tmp_path: Path) -> None:
    assert server_context(secure=False, cert=None, key=None, data_dir=tmp_path) is None
    with pytest.raises(ConfigError, match="together"):
        server_context(secure=True, cert=tmp_path / "c", key=None, data_dir=tmp_path)
    (tmp_path / "c").write_text("not a certificate")
    (tmp_path / "k").write_text("not a key")
    with pytest.raises(ConfigError, match="cannot load the TLS certificate"):
        server_context(secure=True, cert=tmp_path / "c", key=tmp_path / "k", data_dir=tmp_path)
