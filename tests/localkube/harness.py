"""What the localkube API tests share: the server handle and a fake log source."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from argoapp.localkube.errors import BadRequest
from argoapp.localkube.objects import ObjectService
from argoapp.localkube.podlogs import LogOptions


class FakeLogs:
    """A stand-in for the kubelet's `PodLogSource`, which is built and tested elsewhere.

    It serves `lines[(pod name, container)]` and records the options it was asked with.
    """

    def __init__(self) -> None:
        self.lines: dict[tuple[str, str], list[str]] = {}
        self.asked: list[LogOptions] = []

    async def stream(self, pod: dict[str, Any], options: LogOptions) -> AsyncIterator[bytes]:
        self.asked.append(options)
        containers = [c["name"] for c in pod["spec"]["containers"]]
        container = options.container or (containers[0] if len(containers) == 1 else "")
        if container not in containers:
            raise BadRequest(f"container {options.container!r} is not valid for pod")
        lines = self.lines.get((pod["metadata"]["name"], container), [])
        if options.tail_lines is not None:
            lines = lines[len(lines) - options.tail_lines :] if options.tail_lines else []
        for line in lines:
            yield (line + "\n").encode()


@dataclass
class KubeServer:
    """One running localkube API server (HTTPS on loopback) and how to reach it."""

    url: str
    token: str
    kubeconfig: Path
    service: ObjectService
    app: web.Application
    runner: web.AppRunner
    tmp: Path
    client_ssl: ssl.SSLContext

    def headers(self, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **extra}

    def session(self) -> aiohttp.ClientSession:
        """A raw HTTP client that trusts the server's CA (and sends no token by itself)."""
        return aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=self.client_ssl))


@dataclass
class Run:
    code: int
    out: str
    err: str


StartKube = Callable[..., Awaitable[KubeServer]]
Kubectl = Callable[..., Awaitable[Run]]
