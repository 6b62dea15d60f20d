"""Output artifacts and archived logs: what `argoapp exec wait` uploads once the mains end.

Called by `wait.finish` (the wait container, or localkube's kubelet in-process). For each
`outputs.artifacts[]` with a path, as Argo's `SaveArtifacts` does:
- its bytes come from `/var/run/argo/outputs/artifacts/<path>.tgz` (the emissary's tar+gzip of
  the path in main's filesystem) or, for a path on a volume main mounts, `/mainctrfs/<path>`;
- they are packed per `archive`: the default tar+gzip uploads the emissary's tarball as it is
  (`<name>.tgz`), `none` the original file or directory (its base name), `zip` a zip
  (`<name>.zip`), and a `tar.compressionLevel` is honoured by packing again;
- the destination is `resolve.output` (the artifact's own location, its key in the repository,
  or the archive location's key joined with the file name), and what is reported is that;
- a missing path leaves an `optional` artifact out, and fails the node otherwise.
With `archiveLogs` on, each main container's `ctr/<name>/combined` goes up as `<name>.log` under
the archive key, reported as `<name>-logs`. As Argo's wait, one output that cannot be saved does
not stop the others: every artifact that was saved is reported, the logs are uploaded all the
same, and the failure (naming the artifact and the cause) fails the node.
Staging happens in a directory under /var/run/argo/outputs, removed afterwards.
"""

from __future__ import annotations

import tarfile
import tempfile
from pathlib import Path, PurePosixPath

from argoapp.executor import artifact_access
from argoapp.executor.artifact_access import ArtifactAccess
from argoapp.executor.env import ExecEnv, Obj, main_names
from argoapp.executor.outputs import on_volume


class _Missing(Exception):
    """The artifact's path does not exist in main (skipped when optional)."""


def save_outputs(
    env: ExecEnv, template: Obj, access: ArtifactAccess | None
) -> tuple[list[Obj], str]:
    """Upload the output artifacts and logs; (every one saved, an error message or "")."""
    from argoapp.artifacts.errors import ArtifactError

    saved: list[Obj] = []
    errors: list[str] = []
    declared = [a for a in (template.get("outputs") or {}).get("artifacts") or [] if a.get("path")]
    if declared:  # (archived logs alone go up as they are: nothing to stage)
        staging_root = env.var_run / "outputs"
        staging_root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="staging-", dir=staging_root) as work:
            for art in declared:  # (one with no path is a `from` output: the controller's)
                try:
                    saved.append(_save_one(env, template, art, access, Path(work)))
                except _Missing as e:
                    if not art.get("optional"):
                        errors.append(str(e))
                except (ArtifactError, OSError) as e:
                    name = str(art.get("name") or "")
                    errors.append(f"failed to save artifact {name}: {_cause(e, name)}")
    if (template.get("archiveLocation") or {}).get("archiveLogs"):
        for name in main_names(template):
            try:
                saved.append(_save_log(env, template, name, access))
            except (ArtifactError, OSError) as e:
                errors.append(f"failed to save logs of {name}: {_cause(e, f'{name}-logs')}")
    return saved, "; ".join(errors)


def _save_one(
    env: ExecEnv, template: Obj, art: Obj, access: ArtifactAccess | None, work: Path
) -> Obj:
    from argoapp.artifacts import archive

    name, path = str(art.get("name") or ""), str(art.get("path") or "")
    (work / name).mkdir()
    here = work / name
    if on_volume(template, path):
        source = _inside(env.mainctrfs, path)
        if not source.exists():  # a dangling link too: there is nothing to save
            raise _Missing(f"failed to save artifact {name}: {path}: no such file or directory")
        staged, file_name = archive.pack(source, here, art)
    else:
        tgz = _inside(env.var_run / "outputs" / "artifacts", path.rstrip("/") + ".tgz")
        if not tgz.is_file():
            raise _Missing(f"failed to save artifact {name}: {path}: no such file or directory")
        staged, file_name = _from_tarball(tgz, here, art, PurePosixPath(path).name)
    return _upload(template, art, staged, file_name, access)


def _from_tarball(tgz: Path, work: Path, art: Obj, base: str) -> tuple[Path, str]:
    """The emissary's tarball as the artifact's archive strategy wants it uploaded."""
    from argoapp.artifacts import archive
    from argoapp.artifacts.errors import ArtifactError

    level = ((art.get("archive") or {}).get("tar") or {}).get("compressionLevel")
    if archive.strategy(art) == "tar" and level is None:
        return tgz, f"{art.get('name')}.tgz"  # already what tar+gzip packs: upload it as is
    unpacked = work / "unpacked" / base
    unpacked.parent.mkdir()
    try:
        with tarfile.open(tgz, "r:*") as tf:
            tf.extractall(work / "unpacked", filter="data")
    except tarfile.TarError as e:
        raise ArtifactError(f"cannot read what the emissary copied out: {e}") from None
    if not unpacked.exists():
        raise _Missing(f"failed to save artifact {art.get('name')}: {base}: not in its tarball")
    return archive.pack(unpacked, work, art)


def _save_log(env: ExecEnv, template: Obj, name: str, access: ArtifactAccess | None) -> Obj:
    """`ctr/<name>/combined` uploaded as `<name>.log` under the archive key."""
    combined = env.ctr_dir(name) / "combined"
    if not combined.is_file():
        combined.parent.mkdir(parents=True, exist_ok=True)
        combined.touch()  # a main that printed nothing (or never started) has an empty log
    return _upload(template, {"name": f"{name}-logs"}, combined, f"{name}.log", access)


def _upload(
    template: Obj, art: Obj, staged: Path, file_name: str, access: ArtifactAccess | None
) -> Obj:
    """Upload `staged` where `art` goes; the artifact as it is reported."""
    from argoapp.artifacts import resolve
    from argoapp.artifacts.errors import ArtifactError

    location = template.get("archiveLocation") or None
    reported = resolve.output(art, location, file_name)
    target = resolve.relocate(reported, location)
    if access is None:
        raise ArtifactError("no credentials are available to this executor")
    access.driver(target).upload(staged, target)
    return reported


def _inside(root: Path, path: str) -> Path:
    return root / PurePosixPath(path).relative_to("/") if path.startswith("/") else root / path


def _cause(error: Exception, name: str) -> str:
    if isinstance(error, OSError) and error.strerror:
        return f"{error.filename or ''}: {error.strerror}".lstrip(": ")
    return artifact_access.cause(name, error)
