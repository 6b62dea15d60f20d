"""A real localkube API server on a free loopback port, and the real clients pointed at it.

`kube` starts `ObjectService` + `apiserver.build_app` with `web.AppRunner`/`TCPSite`, writes a
kubeconfig carrying the bearer token, and yields a `KubeServer`; `start_kube`
does the same with options (a small event history, no log source, another service). `kubectl`
runs the real kubectl with a fresh HOME and discovery cache per test; `api` is a
kubernetes-asyncio ApiClient loaded from the kubeconfig.

The server speaks HTTPS with `credentials`' CA, as `argoapp up` does: kubectl only sends a
kubeconfig's bearer token over TLS (clientcmd drops user credentials for plain-HTTP servers).
"""

from __future__ import annotations

import asyncio
import os
import ssl
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from kubernetes_asyncio import client, config

from argoapp.localkube import credentials
from argoapp.localkube.apiserver import build_app
from argoapp.localkube.objects import ObjectService
from argoapp.localkube.podlogs import PodLogSource

from .harness import FakeLogs, Kubectl, KubeServer, Run, StartKube


@pytest.fixture(scope="session")
def creds(tmp_path_factory: pytest.TempPathFactory) -> credentials.Credentials:
    """One token and CA for the whole run (made once: key generation is not free)."""
    return credentials.load_or_create(tmp_path_factory.mktemp("credentials"))


@pytest.fixture
async def start_kube(tmp_path: Path, creds: credentials.Credentials) -> AsyncIterator[StartKube]:
    """Start localkube servers with options; all are stopped at the end of the test."""
    started: list[KubeServer] = []
    server_ssl = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ssl.load_cert_chain(creds.cert_path, creds.key_path)
    client_ssl = ssl.create_default_context(cadata=creds.ca_pem.decode())

    async def start(
        *,
        history: int = 50_000,
        logs: PodLogSource | None = None,
        service: Any = None,
    ) -> KubeServer:
        tmp = tmp_path / f"kube{len(started)}"
        tmp.mkdir()
        if service is None:
            service = ObjectService(tmp / "localkube.db", history=history)
            await service.start()
        app = build_app(service, token=creds.token, logs=logs)
        runner = web.AppRunner(app, shutdown_timeout=5.0)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0, ssl_context=server_ssl).start()
        url = f"https://127.0.0.1:{runner.addresses[0][1]}"
        kubeconfig = tmp / "kubeconfig"
        credentials.write_kubeconfig(kubeconfig, url, creds)
        server = KubeServer(url, creds.token, kubeconfig, service, app, runner, tmp, client_ssl)
        started.append(server)
        return server

    yield start
    for server in started:
        await server.runner.cleanup()
        if isinstance(server.service, ObjectService):
            await server.service.close()


@pytest.fixture
def logs() -> FakeLogs:
    return FakeLogs()


@pytest.fixture
async def kube(start_kube: StartKube, logs: FakeLogs) -> KubeServer:
    return await start_kube(logs=logs)


@pytest.fixture
async def api(kube: KubeServer) -> AsyncIterator[client.ApiClient]:
    """A kubernetes-asyncio client configured from the server's kubeconfig."""
    configuration = client.Configuration()
    await config.load_kube_config(
        config_file=str(kube.kubeconfig), client_configuration=configuration
    )
    async with client.ApiClient(configuration) as api_client:
        yield api_client


@pytest.fixture
def kubectl(kube: KubeServer) -> Kubectl:
    """Run the real kubectl against `kube`, with its own HOME and discovery cache."""
    home = kube.tmp / "home"
    home.mkdir(exist_ok=True)
    env = {**os.environ, "HOME": str(home), "KUBECONFIG": str(kube.kubeconfig)}

    async def run(*args: str, stdin: str | None = None, check: bool = True) -> Run:
        proc = await asyncio.create_subprocess_exec(
            "kubectl",
            f"--cache-dir={home / 'cache'}",
            *args,
            stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
        )
        out, err = await proc.communicate(stdin.encode() if stdin is not None else None)
        result = Run(proc.returncode or 0, out.decode(), err.decode())
        if check and result.code != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed: {result}")
        return result

    return run
