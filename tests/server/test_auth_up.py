"""`argoapp up` in its default `client` auth mode (runtime.run_up in this process, unsandboxed,
no workflows run): the token made in the data dir, the printed login link that sets the cookie,
401 without the token, and the token's limited rights on localkube itself."""

from __future__ import annotations

import asyncio
import json
import socket
import stat
from pathlib import Path

import aiohttp
import pytest

from argoapp.config import UpSettings
from argoapp.kube.client import Kube
from argoapp.kube.errors import Forbidden
from argoapp.runtime import run_up


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def test_up_requires_the_data_dir_token_and_prints_a_login_link(tmp_path: Path) -> None:
    port = _free_port()
    data = tmp_path / "data"
    settings = UpSettings(data_dir=data, port=port, kube_port=0, sandboxed=False)
    stop = asyncio.Event()
    said: list[str] = []
    ran = asyncio.create_task(run_up(settings, say=said.append, stop=stop))
    try:
        async with asyncio.timeout(60):
            while not any(line.startswith("Press Ctrl-C") for line in said):
                assert not ran.done(), ran.exception()
                await asyncio.sleep(0.05)
        token = (data / "token").read_text().strip()
        assert stat.S_IMODE((data / "token").stat().st_mode) == 0o600
        url = f"http://127.0.0.1:{port}"
        assert f"  Log in:          {url}/?token={token}" in said
        assert json.loads((data / "server.json").read_text())["authMode"] == "client"

        async with aiohttp.ClientSession() as http:
            async with http.get(url + "/api/v1/workflows/argo") as resp:
                assert resp.status == 401
            headers = {"Authorization": f"Bearer {token}"}
            async with http.get(url + "/api/v1/workflows/argo", headers=headers) as resp:
                assert resp.status == 200
            async with http.get(url + "/api/v1/version") as resp:
                assert resp.status == 200
        # the login link: its cookie alone then authenticates (IP hosts need an unsafe jar)
        jar = aiohttp.CookieJar(unsafe=True)
        async with aiohttp.ClientSession(cookie_jar=jar) as browser:
            async with browser.get(f"{url}/?token={token}", allow_redirects=False) as resp:
                assert resp.status == 302
            async with browser.get(url + "/api/v1/workflows/argo") as resp:
                assert resp.status == 200

        # on localkube the token reads pods (and may delete them, for retry) but not secrets
        async with await Kube.connect(data / "kubeconfig") as admin:
            user = admin.with_token(token)
            await user.list("Pod", "argo")
            with pytest.raises(Forbidden):
                await user.delete("Secret", "any", "argo")
    finally:
        stop.set()
        await ran
