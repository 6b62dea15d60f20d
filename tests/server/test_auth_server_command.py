"""`argoapp server` (runtime.run_server) against a real localkube through its kubeconfig: TLS by
default with a generated certificate, client auth mode (no token 401, the admin token works),
/metrics from its controller (with a token, as Argo Server asks), info naming the namespace of
`-n`, and a clean stop."""

from __future__ import annotations

import asyncio
import socket
import ssl
from pathlib import Path

import aiohttp

from argoapp.config import ServerSettings
from argoapp.localkube.cluster import LocalKube
from argoapp.runtime import run_server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def test_argoapp_server_serves_tls_and_client_auth(
    localkube: LocalKube, tmp_path: Path
) -> None:
    port = _free_port()
    settings = ServerSettings(
        kubeconfig=localkube.kubeconfig,
        controller_config={},
        data_dir=tmp_path / "server",
        address="127.0.0.1",
        port=port,
        namespace="argo",
    )
    stop = asyncio.Event()
    said: list[str] = []
    ran = asyncio.create_task(run_server(settings, say=said.append, stop=stop))
    token = (localkube.settings.data_dir / "kube-token").read_text().strip()
    url = f"https://127.0.0.1:{port}"
    try:
        serving = f"argoapp server: Argo API and UI on https://127.0.0.1:{port}"
        async with asyncio.timeout(30):
            while not any(line.startswith(serving) for line in said):
                assert not ran.done(), ran.exception()
                await asyncio.sleep(0.05)
        # no --artifact-endpoint: the built-in store is served but not the default repository
        assert any("no --artifact-endpoint" in line for line in said)
        trust = ssl.create_default_context(cafile=str(tmp_path / "server" / "tls" / "argoapp.crt"))
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=trust)) as http:
            async with http.get(url + "/api/v1/workflows/argo") as resp:
                assert resp.status == 401
                assert (await resp.json())["code"] == 16
            headers = {"Authorization": f"Bearer {token}"}
            async with http.get(url + "/api/v1/workflows/argo", headers=headers) as resp:
                assert resp.status == 200
            async with http.get(url + "/metrics") as resp:
                assert resp.status == 403
            async with http.get(url + "/metrics", headers=headers) as resp:
                assert resp.status == 200
                assert "argo_workflows_queue_depth_gauge" in await resp.text()
            async with http.get(url + "/api/v1/info") as resp:
                assert resp.status == 401
            async with http.get(url + "/api/v1/info", headers=headers) as resp:
                assert (await resp.json())["managedNamespace"] == "argo"
    finally:
        stop.set()
        await ran
