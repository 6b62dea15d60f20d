"""Where this argoapp came from: its version, git commit and build date, for `argoapp version`.

`make binary` writes a module `_argoapp_build` (COMMIT, BUILD_DATE) next to the frozen program;
run from a git checkout, the commit is asked of git instead (once per process), and anything
not known is "unknown". Read by the version commands and the API server's /api/v1/version; it
must not import anything heavy or touch the network.
"""

from __future__ import annotations

import functools
import importlib
import platform
import subprocess
import sys
from pathlib import Path

import argoapp

UNKNOWN = "unknown"
BUILD_MODULE = "_argoapp_build"


def _baked() -> tuple[str, str] | None:
    try:
        module = importlib.import_module(BUILD_MODULE)
    except ImportError:
        return None
    return str(getattr(module, "COMMIT", UNKNOWN)), str(getattr(module, "BUILD_DATE", UNKNOWN))


def _git_commit() -> str:
    checkout = Path(argoapp.__file__).resolve().parent.parent
    if not (checkout / ".git").exists():
        return UNKNOWN
    try:
        done = subprocess.run(
            ["git", "-C", str(checkout), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return UNKNOWN
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else UNKNOWN


@functools.cache
def build() -> tuple[str, str]:
    """(git commit, build date), each "unknown" when not known; asked once per process."""
    return _baked() or (_git_commit(), UNKNOWN)


def version_lines() -> list[str]:
    """The client's lines of `argoapp version`, Argo's layout: name and version, then details."""
    commit, build_date = build()
    return [
        f"argoapp: v{argoapp.__version__}",
        f"  BuildDate: {build_date}",
        f"  GitCommit: {commit}",
        f"  Python: {platform.python_version()}",
        f"  Platform: {sys.platform}/{platform.machine()}",
    ]
