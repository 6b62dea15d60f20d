"""Runs `argoapp up` as a real child process for end-to-end tests, and drives kubectl at it."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import sys
from pathlib import Path
from typing import Any

from tests.conftest import require_tool


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class UpProcess:
    """One `argoapp up` child on a data dir; `start()`, then `terminate()` or `kill()`."""

    def __init__(self, data_dir: Path, *extra: str) -> None:
        self.data_dir = data_dir
        self.extra = extra
        self.port = free_port()
        self.kube_url = ""
        self.proc: asyncio.subprocess.Process | None = None
        self.output: list[str] = []

    @property
    def kubeconfig(self) -> Path:
        return self.data_dir / "kubeconfig"

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "argoapp",
            "up",
            "--data-dir",
            str(self.data_dir),
            "--port",
            str(self.port),
            "--kube-port",
            "0",
            "--auth-mode",
            "server",
            *self.extra,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
        assert self.proc.stdout is not None
        async with asyncio.timeout(60):
            while not self.kube_url:
                line = (await self.proc.stdout.readline()).decode()
                if not line:
                    raise AssertionError("argoapp up exited early:\n" + "".join(self.output))
                self.output.append(line)
                if m := re.search(r"localkube:\s+(https://\S+)", line):
                    self.kube_url = m.group(1)
        self._drain = asyncio.create_task(self._read_rest())

    async def _read_rest(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        async for line in self.proc.stdout:
            self.output.append(line.decode())

    async def terminate(self) -> int:
        return await self._stop(signal.SIGTERM)

    async def kill(self) -> int:
        return await self._stop(signal.SIGKILL)

    async def _stop(self, sig: signal.Signals) -> int:
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(sig)
        async with asyncio.timeout(30):
            code = await self.proc.wait()
            await self._drain
        return code


async def kubectl(
    up: UpProcess, home: Path, *args: str, stdin: str | None = None
) -> tuple[int, str, str]:
    """Run the real kubectl against `up`; returns (exit code, stdout, stderr)."""
    exe = require_tool("kubectl")
    env = dict(os.environ, HOME=str(home), KUBECONFIG=str(up.kubeconfig))
    proc = await asyncio.create_subprocess_exec(
        exe,
        *args,
        env=env,
        stdin=asyncio.subprocess.PIPE if stdin else None,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate(stdin.encode() if stdin else None)
    return proc.returncode or 0, out.decode(), err.decode()


async def kubectl_json(up: UpProcess, home: Path, *args: str) -> Any:
    code, out, err = await kubectl(up, home, *args, "-o", "json")
    assert code == 0, err
    return json.loads(out)


async def up_refused(data_dir: Path, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run `argoapp up` where it must refuse to start; returns (exit code, all it printed)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "argoapp", "up", "--data-dir", str(data_dir),
        "--port", str(free_port()), "--kube-port", "0",
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    async with asyncio.timeout(60):
        out, _ = await proc.communicate()
    return proc.returncode or 0, out.decode()
