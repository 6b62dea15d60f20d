"""Input artifacts: what `argoapp exec init` places before any wrapped container starts.

Called by `init.run_init` (the init container, or localkube's kubelet in-process). For each
`inputs.artifacts[]` of the template, as Argo's `loadArtifacts` does:
- one with no location and no key is skipped when `optional`, else the pod fails ("required
  artifact 'x' not supplied");
- a key-only one gets the rest of its location from the template's `archiveLocation`;
- it is downloaded to `<dest>.tmp` beside its destination, then unpacked into place (a tarball
  or zip is extracted, anything else renamed; `mode`/`recurseMode` applied): the destination
  is `/argo/inputs/artifacts/<name>` (mounted into main at its path), or `/mainctrfs/<path>`
  when the path lies on a volume main mounts (init sees main's volumes there);
- an `optional` one whose object does not exist is skipped; any other failure fails the pod
  with "artifact <name> failed to load: <cause>".
Raw artifacts are written here directly: they need no driver and no library import. Nothing is
read from the API unless an artifact's location names a Secret.
"""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path, PurePosixPath

from argoapp.errors import ArgoappError
from argoapp.executor.artifact_access import ArtifactAccess, cause
from argoapp.executor.env import ExecEnv, Obj
from argoapp.executor.outputs import on_volume


class InputArtifactError(ArgoappError):
    """An input artifact cannot be placed; the init container fails with this message."""


def load_inputs(env: ExecEnv, template: Obj, access: ArtifactAccess | None) -> None:
    """Place every input artifact of `template` (see the module docstring)."""
    for art in (template.get("inputs") or {}).get("artifacts") or []:
        name = str(art.get("name") or "")
        if isinstance(art.get("raw"), dict):
            _place_raw(destination(env, template, art), art)
            continue
        from argoapp.artifacts import resolve

        if not resolve.kind(art):
            if art.get("optional"):
                continue
            raise InputArtifactError(f"required artifact '{name}' not supplied")
        _load_one(env, template, art, access)


def destination(env: ExecEnv, template: Obj, art: Obj) -> Path:
    """Where init puts `art`: the input-artifacts volume, or main's volume under /mainctrfs."""
    path = str(art.get("path") or "")
    if path and on_volume(template, path):
        return env.mainctrfs / PurePosixPath(path).relative_to("/")
    return env.inputs / str(art.get("name") or "")


def _load_one(env: ExecEnv, template: Obj, art: Obj, access: ArtifactAccess | None) -> None:
    from argoapp.artifacts import archive, resolve
    from argoapp.artifacts.errors import ArtifactError, ArtifactNotFound

    name = str(art.get("name") or "")
    dest = destination(env, template, art)
    tmp = dest.with_name(dest.name + ".tmp")
    try:
        located = resolve.relocate(art, template.get("archiveLocation") or None)
        if access is None:
            raise ArtifactError("no credentials are available to this executor")
        dest.parent.mkdir(parents=True, exist_ok=True)
        _remove(tmp)
        access.driver(located).download(located, tmp)
    except ArtifactError as e:
        _remove(tmp)
        if art.get("optional") and isinstance(e, ArtifactNotFound):
            return
        raise InputArtifactError(f"artifact {name} failed to load: {cause(name, e)}") from None
    try:
        _remove(dest)
        archive.unpack(tmp, dest, art)
    except ArtifactError as e:
        raise InputArtifactError(f"artifact {name} failed to load: {cause(name, e)}") from None
    finally:
        _remove(tmp)


def _place_raw(path: Path, art: Obj) -> None:
    """A raw artifact's data at `path` (its mode applied)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove(path)
    path.write_text(str((art.get("raw") or {}).get("data") or ""))
    if art.get("mode") is not None:
        path.chmod(int(art["mode"]))


def _remove(path: Path) -> None:
    """Delete a file or directory tree if it exists (a rerun of init starts clean)."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
