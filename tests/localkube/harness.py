"""What the localkube API tests share: the server handle, a fake log source, kubeconfigs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from argoapp.localkube.errors import BadRequest
from argoapp.localkube.objects import ObjectService
from argoapp.localkube.podlogs import LogOptions

TOKEN = "test-token-0123456789"


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
    url: str
    token: str
    kubeconfig: Path
    service: ObjectService
    app: web.Application
    runner: web.AppRunner
    tmp: Path

    def headers(self, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **extra}


@dataclass
class Run:
    code: int
    out: str
    err: str


def write_kubeconfig(path: Path, url: str, token: str) -> None:
    path.write_text(
        "apiVersion: v1\nkind: Config\n"
        f"clusters:\n- name: localkube\n  cluster:\n    server: {url}\n"
        f"users:\n- name: localkube\n  user:\n    token: {token}\n"
        "contexts:\n- name: localkube\n  context:\n    cluster: localkube\n"
        "    user: localkube\n    namespace: default\n"
        "current-context: localkube\n"
    )
