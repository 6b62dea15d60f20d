"""What an executor role is told by its pod: the ARGO_* environment and where the shared files are.

Read once at the start of `argoapp exec …` (`ExecEnv.from_environ()`); the roles take the
`ExecEnv` and never read the environment themselves, so the kubelet can run them in-process with
an `ExecEnv` it builds. Stdlib only: this is on the executor's start-up path.

The file locations are Argo's; each can be moved by an environment variable so that tests, and
unsandboxed local pods, can stand a temporary directory in for them:
    ARGO_VAR_RUN            /var/run/argo            the shared `var-run-argo` volume
    ARGO_STAGING_DIR        /argo/staging            where the script source is staged
    ARGO_INPUTS_DIR         /argo/inputs/artifacts   where input artifacts are placed
    ARGO_MAINCTRFS          /mainctrfs               main's volumes, as the wait container sees them
    ARGO_TERMINATION_LOG    /dev/termination-log     the container's termination message file
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from argoapp.model.labels import EXECUTOR_TMPDIR

Obj = dict[str, Any]
NO_DEADLINE = "0001-01-01T00:00:00Z"
OFFLOADED = "{{argo-env-config}}"  # Argo's marker: ARGO_TEMPLATE lives in /argo/config
CONFIG_DIR = "/argo/config"


@dataclass(frozen=True)
class ExecEnv:
    """The pod-given settings of one executor role."""

    var_run: Path = Path("/var/run/argo")
    staging: Path = Path("/argo/staging")
    inputs: Path = Path("/argo/inputs/artifacts")
    mainctrfs: Path = Path("/mainctrfs")
    termination_log: Path = Path("/dev/termination-log")
    container_name: str = "main"
    node_id: str = ""
    pod_name: str = ""
    pod_uid: str = ""
    workflow_name: str = ""
    workflow_uid: str = ""
    template_json: str = ""  # ARGO_TEMPLATE (init only)
    include_script_output: bool = False
    deadline: str = NO_DEADLINE
    grace_seconds: float = 30.0
    extra: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_environ(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        place: Callable[[str], Path] = Path,
        mainctrfs: Path | None = None,
        termination_log: Path | None = None,
    ) -> ExecEnv:
        """The settings from the process environment (or `environ`). A caller outside the pod
        (the kubelet) gives `place`, which maps a pod path to where it is, and the two paths
        that are its own."""
        e = os.environ if environ is None else environ
        template = e.get("ARGO_TEMPLATE", "")
        if template == OFFLOADED:
            template = (Path(CONFIG_DIR) / "ARGO_TEMPLATE").read_text()
        return cls(
            var_run=place(e.get("ARGO_VAR_RUN") or "/var/run/argo"),
            staging=place(e.get("ARGO_STAGING_DIR") or "/argo/staging"),
            inputs=place(e.get("ARGO_INPUTS_DIR") or "/argo/inputs/artifacts"),
            mainctrfs=mainctrfs or place(e.get("ARGO_MAINCTRFS") or "/mainctrfs"),
            termination_log=termination_log
            or place(e.get("ARGO_TERMINATION_LOG") or "/dev/termination-log"),
            container_name=e.get("ARGO_CONTAINER_NAME") or "main",
            node_id=e.get("ARGO_NODE_ID", ""),
            pod_name=e.get("ARGO_POD_NAME", ""),
            pod_uid=e.get("ARGO_POD_UID", ""),
            workflow_name=e.get("ARGO_WORKFLOW_NAME", ""),
            workflow_uid=e.get("ARGO_WORKFLOW_UID", ""),
            template_json=template,
            include_script_output=e.get("ARGO_INCLUDE_SCRIPT_OUTPUT") == "true",
            deadline=e.get("ARGO_DEADLINE") or NO_DEADLINE,
            grace_seconds=_float(e.get("ARGO_TERMINATION_GRACE_PERIOD_SECONDS"), 30.0),
        )

    def ctr_dir(self, name: str) -> Path:
        """`/var/run/argo/ctr/<name>`: one wrapped container's exitcode, signal and logs."""
        return self.var_run / "ctr" / name

    def read_template(self) -> Obj:
        """The template init wrote to /var/run/argo/template ({} when there is none)."""
        try:
            value = json.loads((self.var_run / "template").read_text())
        except (OSError, ValueError):
            return {}
        return value if isinstance(value, dict) else {}


def command_environ(environ: Mapping[str, str], *, frozen: bool | None = None) -> dict[str, str]:
    """The environment a wrapped container's command gets: the container's own, without what
    the executor needed to start. The one-file executor (`frozen`) unpacks itself and points
    LD_LIBRARY_PATH at its own libraries, which a user's program (musl, another glibc) must
    not load; the TMPDIR the controller gave it is not the command's either."""
    if frozen is None:
        frozen = bool(getattr(sys, "frozen", False))
    env = {k: v for k, v in environ.items() if not k.startswith(_BOOTLOADER_PREFIXES)}
    if env.get("TMPDIR") == EXECUTOR_TMPDIR:
        del env["TMPDIR"]
    if frozen:
        original = env.pop("LD_LIBRARY_PATH_ORIG", None)
        if original is None:
            env.pop("LD_LIBRARY_PATH", None)
        else:
            env["LD_LIBRARY_PATH"] = original
    return env


# What PyInstaller's and staticx's boot loaders tell the program they started.
_BOOTLOADER_PREFIXES = ("_PYI_", "_MEIPASS", "STATICX_")


def main_names(template: Obj) -> list[str]:
    """The template's main containers: `main`, or every container of a containerSet."""
    cset = template.get("containerSet")
    if cset is not None:
        return [str(c.get("name")) for c in cset.get("containers") or []]
    return ["main"]


def _float(text: str | None, default: float) -> float:
    try:
        return float(text) if text else default
    except ValueError:
        return default
