"""Run `argoapp exec …` as a real process over a temporary stand-in for /var/run/argo."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any


def exec_env(tmp: Path, template: dict[str, Any] | None = None, **extra: str) -> dict[str, str]:
    """The environment of an executor container whose shared files live under `tmp`."""
    env = dict(os.environ)
    env.update(
        {
            "ARGO_VAR_RUN": str(tmp / "var"),
            "ARGO_STAGING_DIR": str(tmp / "staging"),
            "ARGO_INPUTS_DIR": str(tmp / "inputs"),
            "ARGO_MAINCTRFS": str(tmp / "mainctrfs"),
            "ARGO_TERMINATION_LOG": str(tmp / "termination-log"),
            "ARGO_TEMPLATE": json.dumps(template or {}),
            "ARGO_NODE_ID": "wf-1",
            "ARGO_WORKFLOW_NAME": "wf",
            "ARGO_WORKFLOW_UID": "wf-uid",
        }
    )
    env.update(extra)
    return env


def argoapp(*args: str, env: dict[str, str], **kw: Any) -> subprocess.CompletedProcess[str]:
    """`argoapp ARGS…` to completion."""
    return subprocess.run(
        [sys.executable, "-m", "argoapp", *args], env=env, capture_output=True, text=True,
        timeout=60, **kw,
    )  # fmt: skip


def start(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    """`argoapp ARGS…` in the background."""
    return subprocess.Popen(
        [sys.executable, "-m", "argoapp", *args], env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


def init(tmp: Path, template: dict[str, Any], **extra: str) -> dict[str, str]:
    """Run the init role; the environment for the pod's other containers."""
    env = exec_env(tmp, template, **extra)
    done = argoapp("exec", "init", "--loglevel", "info", "--log-format", "text", env=env)
    assert done.returncode == 0, done.stderr
    return env
