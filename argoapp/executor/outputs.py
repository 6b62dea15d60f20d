"""Output parameters and the script result: copied out by the emissary, read back by wait.

Two halves of Argo's contract over `/var/run/argo`:
- `copy_out` runs in main's emissary after the user's command ends (or in the kubelet, which
  passes the container's private root): each `outputs.parameters[].valueFrom.path` is copied to
  `/var/run/argo/outputs/parameters/<path>`, each `outputs.artifacts[].path` is packed into
  `/var/run/argo/outputs/artifacts/<path>.tgz` (a path that is a link packs what it points
  to). Paths on a volume the template mounts are left alone: wait reads those through
  `/mainctrfs`.
- `collect` runs in wait: it builds the `outputs` to report (parameters with their values, and
  `result` when ARGO_INCLUDE_SCRIPT_OUTPUT is set) and the error that fails the node when a
  parameter's file is missing and it has no default. Artifacts are `artifact_outputs`' work.
Stdlib only; no API calls.
"""

from __future__ import annotations

import copy
import os
import posixpath
import shutil
import tarfile
from pathlib import Path, PurePosixPath

from argoapp.executor.env import ExecEnv, Obj

MAX_RESULT = 256 * 1024  # Argo keeps the last 256 KiB of stdout as outputs.result


def _volume_mounts(template: Obj) -> list[str]:
    mounts: list[str] = []
    for kind in ("container", "script"):
        mounts += [
            m.get("mountPath", "") for m in (template.get(kind) or {}).get("volumeMounts") or []
        ]
    cset = template.get("containerSet") or {}
    mounts += [m.get("mountPath", "") for m in cset.get("volumeMounts") or []]
    for c in cset.get("containers") or []:
        mounts += [m.get("mountPath", "") for m in c.get("volumeMounts") or []]
    return [str(m).rstrip("/") for m in mounts if m]


def on_volume(template: Obj, path: str) -> bool:
    """Whether `path` lies on a volume the template mounts (wait reads it via /mainctrfs)."""
    return any(path == m or path.startswith(m + "/") for m in _volume_mounts(template))


def _inside(root: Path, path: str) -> Path:
    return root / PurePosixPath(path).relative_to("/") if path.startswith("/") else root / path


def copy_out(template: Obj, var_run: Path, root: Path = Path("/")) -> None:
    """Copy main's output files from its filesystem (`root`) into the shared volume."""
    outputs = template.get("outputs") or {}
    for param in outputs.get("parameters") or []:
        path = str((param.get("valueFrom") or {}).get("path") or "")
        if not path or on_volume(template, path):
            continue
        source = _inside(root, path)
        if source.is_file():
            target = _inside(var_run / "outputs" / "parameters", path)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
    for art in outputs.get("artifacts") or []:
        path = str(art.get("path") or "")
        if not path or on_volume(template, path):
            continue
        source = _followed(root, path)
        if source.exists():
            # "/tmp/" is kept as tmp.tgz, as Argo's emissary names it (no trailing slash)
            target = _inside(var_run / "outputs" / "artifacts", path.rstrip("/") + ".tgz")
            target.parent.mkdir(parents=True, exist_ok=True)
            with tarfile.open(target, "w:gz") as tar:
                tar.add(source, arcname=PurePosixPath(path.rstrip("/") or "/").name)


MAX_LINKS = 40  # as the kernel's limit on links followed in one lookup


def _followed(root: Path, path: str) -> Path:
    """`path` in main's filesystem (`root`) with a link at its end followed, as Argo's emissary
    stats it: the link's target is packed under the link's name. An absolute target is read
    inside `root` (the kubelet passes a container's private root, where `/` is not the host's).
    A link loop, or one past the limit, is returned as it is: tar then keeps the link."""
    current = path
    for _ in range(MAX_LINKS):
        here = _inside(root, current)
        if not here.is_symlink():
            return here
        target = os.readlink(here)
        parent = posixpath.dirname(current.rstrip("/"))
        current = posixpath.normpath(posixpath.join(parent, target))
    return _inside(root, path)


def collect(env: ExecEnv, template: Obj) -> tuple[Obj, str]:
    """The outputs to report and an error message ("" when every output was found)."""
    declared = template.get("outputs") or {}
    outputs: Obj = {}
    errors: list[str] = []
    params = []
    for param in declared.get("parameters") or []:
        param = copy.deepcopy(param)
        value_from = param.get("valueFrom") or {}
        path = str(value_from.get("path") or "")
        if path:
            value, error = _read_parameter(env, template, param["name"], path, value_from)
            if error:
                errors.append(error)
            elif value is not None:
                param["value"] = value
        params.append(param)
    if params:
        outputs["parameters"] = params
    if env.include_script_output:
        outputs["result"] = script_result(env.ctr_dir("main") / "stdout")
    return outputs, "; ".join(errors)


def _read_parameter(
    env: ExecEnv, template: Obj, name: str, path: str, value_from: Obj
) -> tuple[str | None, str]:
    if on_volume(template, path):
        source = _inside(env.mainctrfs, path)
    else:
        source = _inside(env.var_run / "outputs" / "parameters", path)
    try:
        text = source.read_text(errors="replace")
    except FileNotFoundError:
        if value_from.get("default") is not None:
            return str(value_from["default"]), ""
        return None, f"open {path}: no such file or directory"
    except IsADirectoryError:
        return None, f"output parameter {name!r}: {path} is a directory"
    except OSError as e:
        return None, f"output parameter {name!r}: {path}: {e.strerror}"
    return text.removesuffix("\n"), ""


def script_result(stdout_file: Path) -> str:
    """The last 256 KiB of main's stdout, without one trailing newline."""
    try:
        with stdout_file.open("rb") as f:
            size = f.seek(0, 2)
            f.seek(max(0, size - MAX_RESULT))
            data = f.read()
    except FileNotFoundError:
        return ""
    return data.decode(errors="replace").removesuffix("\n")
