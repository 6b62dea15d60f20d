"""A loopback TCP proxy that cuts every connection once a byte budget is spent: a store that
goes away half-way through an upload, without timing games."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class CuttingProxy:
    """Forwards to `target` until `budget` request bytes have passed, then refuses everything."""

    def __init__(self, target: tuple[str, int], budget: int) -> None:
        self.target = target
        self.budget = budget
        self.passed = 0
        self.lock = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.threads: list[threading.Thread] = []

    def serve(self) -> None:
        """Accept connections until the listener is closed."""
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            for src, dst, counted in ((client, upstream, True), (upstream, client, False)):
                thread = threading.Thread(target=self._pump, args=(src, dst, counted), daemon=True)
                thread.start()
                self.threads.append(thread)

    def _pump(self, src: socket.socket, dst: socket.socket, counted: bool) -> None:
        try:
            while data := src.recv(65536):
                if counted:
                    with self.lock:
                        self.passed += len(data)
                        over = self.passed > self.budget
                    if over:
                        break
                dst.sendall(data)
        except OSError:
            pass
        for sock in (src, dst):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()


@contextmanager
def cutting_proxy(target: tuple[str, int], budget: int) -> Iterator[CuttingProxy]:
    """Run a CuttingProxy in a thread for the block."""
    proxy = CuttingProxy(target, budget)
    thread = threading.Thread(target=proxy.serve, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        proxy.listener.close()
        thread.join(timeout=5)
