"""CLI fixtures: one real `argoapp up` per test module, and the CLI run against it.

The appliance is a child process on a fresh data dir (as tests/e2e's `UpProcess`, but started
synchronously so that a module can share it: starting one per test would cost seconds each).
`Cli.run` invokes the click command in process with the environment a user's shell would have
(ARGOAPP_DATA_DIR set, no ARGO_* variables), so discovery goes through `server.json`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from argoapp.cli.main import cli
from tests.e2e.upproc import free_port

ARGO_VARS = (
    "ARGO_SERVER",
    "ARGO_TOKEN",
    "ARGO_NAMESPACE",
    "ARGO_SECURE",
    "ARGO_INSECURE_SKIP_VERIFY",
    "ARGO_HTTP1",
    "ARGO_BASE_HREF",
)


@dataclass
class Cli:
    data_dir: Path
    port: int

    def env(self) -> dict[str, str | None]:
        env: dict[str, str | None] = dict.fromkeys(ARGO_VARS)
        env["ARGOAPP_DATA_DIR"] = str(self.data_dir)
        return env

    def run(self, *args: str, input: str | None = None) -> Result:
        """`argoapp ARGS…` in process; the result has exit_code, stdout and stderr."""
        return CliRunner().invoke(cli, list(args), input=input, env=self.env())

    def ok(self, *args: str, input: str | None = None) -> str:
        """Run a command that must succeed; its stdout."""
        result = self.run(*args, input=input)
        assert result.exit_code == 0, (args, result.output)
        return result.stdout

    def process(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`argoapp ARGS…` as a real child process with its output piped."""
        env = {k: v for k, v in os.environ.items() if k not in ARGO_VARS}
        env["ARGOAPP_DATA_DIR"] = str(self.data_dir)
        return subprocess.run(
            [sys.executable, "-m", "argoapp", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=90,
            check=False,
        )


def start_up(
    data_dir: Path, log: Path, *extra: str, auth_mode: str = "server"
) -> tuple[subprocess.Popen[bytes], int]:
    """Start `argoapp up` and wait until it has written server.json."""
    port = free_port()
    data_dir.mkdir(parents=True)
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "argoapp", "up", "--data-dir", str(data_dir),
             "--port", str(port), "--kube-port", "0", "--auth-mode", auth_mode, *extra],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    deadline = time.monotonic() + 60
    while not (data_dir / "server.json").exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise AssertionError("argoapp up did not start:\n" + log.read_text())
        time.sleep(0.05)
    return proc, port


def stop_up(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="module")
def argo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cli]:
    """One `argoapp up` for the module, and a CLI that finds it through the data dir."""
    home = tmp_path_factory.mktemp("cli")
    proc, port = start_up(home / "data", home / "up.log")
    yield Cli(home / "data", port)
    stop_up(proc)
    assert not (home / "data" / "server.json").exists(), "a clean stop forgets the address"


@pytest.fixture
def manifests(tmp_path: Path) -> Path:
    """A folder for the test's manifest files."""
    return tmp_path
