"""`argoapp exec init`: prepare the shared files before any wrapped container starts.

Run as the pod's `init` container (or called in-process by localkube's kubelet with the pod's
volume directories in the `ExecEnv`). It:
1. places this program at `/var/run/argo/argoexec` (a copy of the binary when frozen, otherwise
   a small shell wrapper that runs this Python with `-m argoapp`), so every container can run
   `/var/run/argo/argoexec emissary`;
2. writes `ARGO_TEMPLATE` to `/var/run/argo/template` (mode 0444);
3. stages a script template's source at `/argo/staging/script` (mode 0755);
4. places the input artifacts (`artifact_inputs.load_inputs`): downloaded from their stores,
   unpacked, at `/argo/inputs/artifacts/<name>` (or on main's volume under `/mainctrfs`).
It talks to the API server only to read a Secret an artifact's location names (through the
`ArtifactAccess` it is given). Errors are `InitError` or `InputArtifactError`; the CLI prints them
to the termination log and exits 1, as Argo's init does.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import argoapp
from argoapp.errors import ArgoappError
from argoapp.executor.env import ExecEnv, Obj

if TYPE_CHECKING:
    from argoapp.executor.artifact_access import ArtifactAccess


class InitError(ArgoappError):
    """The pod cannot be prepared; the init container fails with this message."""


def run_init(env: ExecEnv, access: ArtifactAccess | None = None) -> Obj:
    """Do the init container's work for the pod described by `env`; the template it wrote."""
    try:
        template = json.loads(env.template_json or "{}")
    except ValueError as e:
        raise InitError(f"ARGO_TEMPLATE is not JSON: {e}") from None
    if not isinstance(template, dict):
        raise InitError("ARGO_TEMPLATE is not a template object")
    env.var_run.mkdir(parents=True, exist_ok=True)
    install_program(env.var_run / "argoexec")
    write_template(env.var_run / "template", env.template_json or "{}")
    stage_script(env.staging, template)
    if (template.get("inputs") or {}).get("artifacts"):
        from argoapp.executor.artifact_inputs import load_inputs

        load_inputs(env, template, access)
    return template


def install_program(target: Path) -> None:
    """This program at `target`, runnable as `target emissary -- …`."""
    tmp = target.with_name(target.name + ".tmp")
    if getattr(sys, "frozen", False):
        shutil.copyfile(sys.executable, tmp)
    else:
        tmp.write_text(_wrapper())
    tmp.chmod(0o755)
    os.replace(tmp, target)


@functools.cache  # the same for every pod this process prepares (the kubelet runs init often)
def _wrapper() -> str:
    package_parent = Path(argoapp.__file__).resolve().parent.parent
    return (
        "#!/bin/sh\n"
        f"PYTHONPATH={_quote(str(package_parent))}${{PYTHONPATH:+:$PYTHONPATH}} "
        f'exec {_quote(sys.executable)} -m argoapp exec "$@"\n'
    )


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"


def write_template(target: Path, template_json: str) -> None:
    """The template, read-only, for the emissary and wait to read."""
    with contextlib.suppress(FileNotFoundError):
        target.unlink()
    target.write_text(template_json)
    target.chmod(0o444)


def stage_script(staging: Path, template: Obj) -> None:
    """A script template's source at `<staging>/script`, executable."""
    source = (template.get("script") or {}).get("source")
    if not source:
        return
    staging.mkdir(parents=True, exist_ok=True)
    path = staging / "script"
    path.write_text(str(source))
    path.chmod(0o755)
