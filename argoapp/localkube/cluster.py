"""`LocalKube`: the object service, its HTTPS API server and the kubelet, started as one.

`argoapp up` (through `argoapp.runtime`) owns one of these. Start order: credentials, the
database, the listening socket (so `--kube-port 0` knows its port before the kubelet needs it),
the API server, the kubeconfig, then the kubelet. Stop order is the reverse, with every watch
ended first so the HTTP server's shutdown never waits on an open stream.
"""

from __future__ import annotations

import fcntl
import logging
import os
import socket
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from argoapp.errors import ConfigError
from argoapp.localkube import credentials
from argoapp.localkube.apiserver import build_app
from argoapp.localkube.kubelet import Kubelet, KubeletConfig
from argoapp.localkube.kubelet.config import DEFAULT_EXECUTOR_IMAGE
from argoapp.localkube.objects import ObjectService

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LocalKubeSettings:
    data_dir: Path
    address: str = "127.0.0.1"
    port: int = 2747
    sandboxed: bool = True
    images: dict[str, Any] = field(default_factory=dict)
    executor_image: str = DEFAULT_EXECUTOR_IMAGE
    extra_path: tuple[str, ...] = ()
    run_kubelet: bool = True
    executor_in_process: bool = True


class LocalKube:
    """One running localkube; `start()`, then `stop()`."""

    def __init__(self, settings: LocalKubeSettings) -> None:
        self.settings = settings
        self.service = ObjectService(settings.data_dir / "localkube.db")
        self.kubelet: Kubelet | None = None
        self._runner: web.AppRunner | None = None
        self._lock: int | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"https://{self.settings.address}:{self.port}"

    @property
    def kubeconfig(self) -> Path:
        return self.settings.data_dir / "kubeconfig"

    async def start(self) -> None:
        s = self.settings
        try:
            self._lock = _claim(s.data_dir)
            creds = credentials.load_or_create(s.data_dir)
            await self.service.start()
            sock = _listen(s.address, s.port)
            self.port = sock.getsockname()[1]
            self.kubelet = Kubelet(
                self.service,
                data_dir=s.data_dir,
                config=KubeletConfig(
                    images=dict(s.images),
                    executor_image=s.executor_image,
                    sandboxed=s.sandboxed,
                    api_host=s.address,
                    api_port=self.port,
                    api_token=creds.token,
                    ca_cert_pem=creds.ca_pem,
                    extra_path=list(s.extra_path),
                    executor_in_process=s.executor_in_process,
                ),
            )
            app = build_app(self.service, token=creds.token, logs=self.kubelet)
            self._runner = web.AppRunner(
                app, handle_signals=False, access_log=None, shutdown_timeout=2.0
            )
            await self._runner.setup()
            tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            tls.load_cert_chain(creds.cert_path, creds.key_path)
            await web.SockSite(self._runner, sock, ssl_context=tls).start()
            credentials.write_kubeconfig(self.kubeconfig, self.url, creds)
            if s.run_kubelet:
                # One node: scheduling is done as a pod is created (no separate binding).
                self.service.schedule_to = self.kubelet.config.node_name
                await self.kubelet.start()
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        """Stop the kubelet (pods keep running), end watches, stop HTTP, close the store."""
        if self.kubelet is not None and self.settings.run_kubelet:
            await self.kubelet.stop()
            self.kubelet = None
        self.service.bus.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self.service.close()
        if self._lock is not None:
            os.close(self._lock)  # closing the descriptor releases the lock
            self._lock = None


def _claim(data_dir: Path) -> int:
    """Make the data dir private and lock it: one argoapp per data dir."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(data_dir, 0o700)  # it holds the token, the CA key and every Secret
        fd = os.open(data_dir / "lock", os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as e:
        raise ConfigError(f"cannot use data dir {data_dir}: {e.strerror}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        holder = os.read(fd, 32).decode(errors="replace").strip() or "unknown"
        os.close(fd)
        raise ConfigError(
            f"another argoapp (pid {holder}) is already running with data dir {data_dir}"
        ) from None
    os.ftruncate(fd, 0)
    os.write(fd, str(os.getpid()).encode())
    return fd


def _listen(address: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((address, port))
    except OSError as e:
        sock.close()
        from argoapp.errors import ConfigError

        raise ConfigError(f"localkube cannot listen on {address}:{port}: {e.strerror}") from None
    sock.listen(128)
    sock.setblocking(False)
    return sock
