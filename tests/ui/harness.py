"""A live `argoapp up` child process for the browser tests, driven synchronously.

`Live` starts `python -m argoapp up` on a temporary data dir and free ports in its default auth
mode (a token, kept in `DATA_DIR/token`), waits for `/healthz`, and offers the small API the UI
tests need to make their own objects (`api`, `submit`, `wait`, `kubectl`). It is synchronous on
purpose: Playwright's sync API must not run inside an asyncio loop, so nothing here is async
(subprocess.Popen, urllib, a reader thread that drains the child's output).

Used by tests/ui/conftest.py (the `live` fixture) and scripts/screenshots.py. It must not import
argoapp's server or runtime (the server under test is the child process); it reads only the
kubelet's record of its containers, to end those a stopped server left running.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import yaml

from argoapp.localkube.kubelet.procs import read_handle

FINISHED = ("Succeeded", "Failed", "Error")
START_TIMEOUT = 60.0
# Debian's chromium on a machine with no network: without the background-networking flags it
# keeps trying (and failing) to reach Google's hosts.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveError(AssertionError):
    """The live server answered an error, or did not come up."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


class Live:
    """One `argoapp up` child on `data_dir`: `start()`, use, `stop()`."""

    def __init__(self, data_dir: Path, *extra: str) -> None:
        self.data_dir = data_dir
        self.extra = extra
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = ""
        self.output: list[str] = []
        self._proc: subprocess.Popen[bytes] | None = None
        self._reader: threading.Thread | None = None

    @property
    def kubeconfig(self) -> Path:
        return self.data_dir / "kubeconfig"

    def start(self) -> Live:
        """Start the child and wait until /healthz answers ok and the token is on disk."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "argoapp", "up", "--data-dir", str(self.data_dir),
             "--port", str(self.port), "--kube-port", "0", *self.extra],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        self._reader = threading.Thread(target=self._drain, name="argoapp-up-output", daemon=True)
        self._reader.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not self._healthy():
            if self._proc.poll() is not None:
                raise LiveError("argoapp up exited early:\n" + "".join(self.output))
            if time.monotonic() > deadline:
                self.stop()
                raise LiveError("argoapp up did not become healthy:\n" + "".join(self.output))
            time.sleep(0.1)
        token_file = self.data_dir / "token"
        self.token = token_file.read_text().strip() if token_file.exists() else ""
        return self

    def _drain(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        for line in self._proc.stdout:
            self.output.append(line.decode(errors="replace"))

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/healthz", timeout=2) as resp:
                return bool(resp.status == 200)
        except (OSError, urllib.error.URLError):
            return False

    def stop(self) -> int:
        """SIGTERM the child (SIGKILL after 30 s); its exit code."""
        proc = self._proc
        if proc is None:
            return 0
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            code = proc.wait(timeout=10)
        if self._reader is not None:
            self._reader.join(timeout=5)
        if proc.stdout is not None:
            proc.stdout.close()
        self._proc = None
        self.kill_leftover_containers()
        return code

    def kill_leftover_containers(self) -> None:
        """Kill the containers still running on this data dir once the server is gone.

        localkube's container supervisor outlives `argoapp up` on purpose (a restart takes its
        pods back); a throwaway server's pods must not outlive the tests that made them."""
        for started in self.data_dir.glob("pods/*/containers/*/*/started.json"):
            state = started.parent
            handle = read_handle(state)
            if handle is not None and not (state / "exit.json").exists():
                handle.kill_group()

    def api(self, method: str, path: str, body: Any = None) -> Any:
        """One JSON call to the Argo API with the token; raises LiveError on a status >= 400."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as resp:
                text = resp.read().decode()
        except urllib.error.HTTPError as e:
            detail = e.read().decode(errors="replace")
            e.close()
            raise LiveError(f"{method} {path}: {e.code} {detail}", e.code) from None
        return json.loads(text) if text.strip() else {}

    def kubectl(self, *args: str) -> str:
        """Run the real kubectl against the live localkube; its stdout (raises on failure)."""
        exe = shutil.which("kubectl")
        if exe is None:
            raise LiveError("kubectl is required and is not on PATH")
        env = dict(os.environ, KUBECONFIG=str(self.kubeconfig), HOME=str(self.data_dir))
        done = subprocess.run(
            [exe, *args], env=env, capture_output=True, text=True, timeout=60, check=False
        )
        if done.returncode != 0:
            raise LiveError(f"kubectl {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def submit(self, yaml_text: str, namespace: str = "argo") -> dict[str, Any]:
        """Create the workflow in `yaml_text` through the API; the created object."""
        workflow = yaml.safe_load(yaml_text)
        created: dict[str, Any] = self.api(
            "POST", f"/api/v1/workflows/{namespace}", {"workflow": workflow}
        )
        return created

    def create(self, kind_path: str, key: str, obj: Any, namespace: str = "argo") -> Any:
        """Create any object through the API, e.g. `create("workflow-templates", "template",
        obj)`; for the cluster-scoped kind pass namespace ""."""
        path = f"/api/v1/{kind_path}/{namespace}" if namespace else f"/api/v1/{kind_path}"
        return self.api("POST", path, {key: obj})

    def wait(
        self,
        namespace: str,
        name: str,
        phases: tuple[str, ...] = FINISHED,
        timeout: float = 60,
    ) -> dict[str, Any]:
        """Poll the workflow until its phase is one of `phases`; the workflow."""
        deadline = time.monotonic() + timeout
        while True:
            wf: dict[str, Any] = self.api("GET", f"/api/v1/workflows/{namespace}/{name}")
            phase = wf.get("status", {}).get("phase", "")
            if phase in phases:
                return wf
            if time.monotonic() > deadline:
                raise LiveError(f"workflow {namespace}/{name} is {phase or 'new'}, not {phases}")
            time.sleep(0.2)
