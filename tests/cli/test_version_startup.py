"""`argoapp version` as a user runs it, and what the CLI's start-up imports.

Every `argoapp` call and every workflow pod's executor starts through argoapp.cli.main, so the
heavy libraries (aiohttp, kubernetes_asyncio, cryptography, sqlite_utils) must stay out of
`--help` and of the `exec` group. Each check runs in a fresh interpreter: this test process has
long since imported all of them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import ARGO_VARS

HEAVY = ("aiohttp", "kubernetes_asyncio", "cryptography", "sqlite_utils")

# Runs the CLI in process with the given arguments, then prints the heavy modules it loaded.
_PROBE = """
import sys
from argoapp.cli.main import cli
try:
    cli(sys.argv[1:], prog_name="argoapp")
except SystemExit:
    pass
print("LOADED", *sorted(m for m in {heavy!r} if m in sys.modules), file=sys.stderr)
"""


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ARGO_VARS}
    return env | {"ARGOAPP_DATA_DIR": str(tmp_path)} | extra


def test_version_needs_no_server(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "argoapp", "version"],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("argoapp: v")
    keys = [line.split(":")[0].strip() for line in lines[1:]]
    assert keys == ["BuildDate", "GitCommit", "Python", "Platform"]
    assert f"  Python: {sys.version.split()[0]}" in lines
    assert "argo-server" not in done.stdout


def test_version_prints_what_the_build_baked_in(tmp_path: Path) -> None:
    # `make binary` writes this module into the frozen program; here it sits on PYTHONPATH.
    baked = tmp_path / "baked"
    baked.mkdir()
    (baked / "_argoapp_build.py").write_text(
        'COMMIT = "abc123"\nBUILD_DATE = "2026-01-02T03:04:05Z"\n'
    )
    done = subprocess.run(
        [sys.executable, "-m", "argoapp", "version"],
        env=_env(tmp_path, PYTHONPATH=str(baked)),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "  GitCommit: abc123" in done.stdout.splitlines()
    assert "  BuildDate: 2026-01-02T03:04:05Z" in done.stdout.splitlines()
    # the executor's own `version` (Argo's `argoexec version`) says the same
    executor = subprocess.run(
        [sys.executable, "-m", "argoapp", "exec", "version"],
        env=_env(tmp_path, PYTHONPATH=str(baked)),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert executor.returncode == 0, executor.stderr
    assert executor.stdout == done.stdout


@pytest.mark.parametrize(
    "args",
    [["--help"], ["exec", "--help"], ["exec", "init", "--help"], ["exec", "kill", "--help"]],
)
def test_startup_leaves_heavy_libraries_unloaded(tmp_path: Path, args: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE.format(heavy=HEAVY), *args],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    loaded = [line for line in done.stderr.splitlines() if line.startswith("LOADED")]
    assert loaded == ["LOADED"], done.stderr
    assert "Usage: argoapp" in done.stdout


def test_binary_entry_dispatches_the_shim_by_its_argument() -> None:
    # packaging/entry.py spells SHIM_ARG out: importing shim.py's package would load the kubelet.
    from argoapp.localkube.kubelet.shim import SHIM_ARG

    entry = Path(__file__).resolve().parents[2] / "packaging" / "entry.py"
    assert f'SHIM_ARG = "{SHIM_ARG}"' in entry.read_text()


@pytest.mark.parametrize("argv", [["init", "--help"], ["exec", "init", "--help"]])
def test_binary_entry_run_as_argoexec_is_argoapp_exec(tmp_path: Path, argv: list[str]) -> None:
    """Pods run the executor as `argoexec …` (the image's hard link, the copy init places):
    the entry script makes that `argoapp exec …`, and leaves an explicit `exec` alone."""
    entry = Path(__file__).resolve().parents[2] / "packaging" / "entry.py"
    argoexec = tmp_path / "argoexec"
    argoexec.write_text(entry.read_text())
    env = {k: v for k, v in os.environ.items() if k != "STATICX_PROG_PATH"}
    done = subprocess.run(
        [sys.executable, str(argoexec), *argv], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "Usage: argoapp exec init" in done.stdout
