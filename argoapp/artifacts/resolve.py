"""Where an artifact lives: its location kind, key, and how it borrows the repository's location.

Argo separates an artifact's *key* from the rest of its *location* (endpoint, bucket,
credentials). A key-only artifact (`s3: {key: k}`) is completed from the artifact repository
(`relocate`); an output artifact with no location at all gets the archive location's key joined
with its packed file name (`output`). The executor, server, CLI and controller's GC all call these
so they agree on every key. Pure functions over plain dicts: no I/O, no driver imports.
"""

from __future__ import annotations

import posixpath

from argoapp.artifacts.errors import ArtifactError
from argoapp.model.types import Obj, copy_json

# Argo's ArtifactLocation members, in the order its Get() looks at them.
KINDS = ("s3", "git", "http", "artifactory", "hdfs", "raw", "oss", "gcs", "azure", "plugin")

# The field holding each kind's key; kinds absent here have no key (git, raw, hdfs's is `path`).
_KEY_FIELD = {
    "s3": "key",
    "oss": "key",
    "gcs": "key",
    "azure": "blob",
    "hdfs": "path",
    "plugin": "key",
}

# Fields beside the key that a kind needs before it names one object (Argo's HasLocation).
_LOCATION_FIELDS = {
    "s3": ("endpoint", "bucket"),
    "oss": ("endpoint", "bucket"),
    "gcs": ("bucket",),
    "azure": ("endpoint", "container"),
    "hdfs": (),
    "plugin": ("name",),
}

# Repository-only settings that never belong on an artifact's location.
_REPOSITORY_ONLY = ("keyFormat", "keyPrefix", "archiveLogs")


def kind(art: Obj) -> str:
    """The artifact's location kind ("s3", "http", "git", "raw", …), or "" when it has none."""
    for name in KINDS:
        if isinstance(art.get(name), dict):
            return name
    return ""


def get_key(art: Obj) -> str:
    """The artifact's key within its store ("" when its kind has no key or none is set)."""
    name = kind(art)
    if name == "http":
        return str(art["http"].get("url") or "")
    if name == "artifactory":
        return str(art["artifactory"].get("url") or "")
    field = _KEY_FIELD.get(name)
    return str(art[name].get(field) or "") if field else ""


def set_key(art: Obj, key: str) -> None:
    """Set the artifact's key in place; ArtifactError for kinds that have none (git, raw)."""
    name = kind(art)
    field = _KEY_FIELD.get(name)
    if not field:
        raise ArtifactError(f'artifact "{_name(art)}": {name or "no"} location has no key to set')
    art[name][field] = key


def has_location(art: Obj) -> bool:
    """Whether the artifact names one object on its own, with nothing taken from a repository."""
    name = kind(art)
    if not name:
        return False
    loc = art[name]
    if name in ("raw",):
        return True
    if name == "git":
        return bool(loc.get("repo"))
    if name in ("http", "artifactory"):
        return bool(loc.get("url"))
    return bool(get_key(art)) and all(loc.get(f) for f in _LOCATION_FIELDS[name])


def repository_location(repo: Obj) -> Obj:
    """An artifact repository (config shape) or archiveLocation, as a location without a key."""
    name = kind(repo)
    if not name:
        return {}
    loc = {k: copy_json(v) for k, v in repo[name].items() if k not in _REPOSITORY_ONLY}
    return {name: loc}


def relocate(art: Obj, repo_location: Obj | None) -> Obj:
    """A copy of `art` with its location completed from `repo_location`, and `subPath` applied."""
    out = copy_json(art)
    if not has_location(out):
        if not repo_location or not kind(repo_location):
            raise ArtifactError(
                f'artifact "{_name(art)}" has only a key and no artifact repository is configured'
            )
        key = get_key(out)
        for name in KINDS:
            out.pop(name, None)
        out.update(repository_location(repo_location))
        if kind(out) in _KEY_FIELD:
            set_key(out, key)
    sub_path = out.pop("subPath", None)
    if sub_path:
        _join_sub_path(out, str(sub_path))
    return out


def _join_sub_path(art: Obj, sub_path: str) -> None:
    clean = posixpath.normpath("/" + sub_path).lstrip("/")
    if not clean:
        return
    name = kind(art)
    if name == "git":
        raise ArtifactError(f'artifact "{_name(art)}": subPath is not supported for git artifacts')
    if name in ("http", "artifactory"):
        art[name]["url"] = get_key(art).rstrip("/") + "/" + clean
        return
    set_key(art, posixpath.join(get_key(art), clean))


def output(art: Obj, archive_location: Obj | None, file_name: str) -> Obj:
    """Where an output artifact is saved, as it is reported in the task result (see module doc)."""
    out = copy_json(art)
    out.pop("subPath", None)
    name = kind(out)
    if name in ("git", "raw"):
        raise ArtifactError(f'artifact "{_name(art)}": {name} artifacts cannot be outputs')
    if get_key(out):
        return out
    archive_key = get_key(archive_location) if archive_location else ""
    if not archive_location or not kind(archive_location) or not archive_key:
        raise ArtifactError(
            f'output artifact "{_name(art)}" has no location '
            "and no artifact repository is configured"
        )
    key = posixpath.join(archive_key, file_name)
    if not name:
        out[kind(archive_location)] = {}
    set_key(out, key)
    return out


def secret_refs(art: Obj) -> list[tuple[str, str]]:
    """Every (secret name, key) the artifact's location credentials refer to."""
    name = kind(art)
    found: list[tuple[str, str]] = []
    if name:
        _collect_secrets(art[name], found)
    return found


def _collect_secrets(value: object, found: list[tuple[str, str]]) -> None:
    if not isinstance(value, dict):
        return
    for field, child in value.items():
        if field.endswith("Secret") and isinstance(child, dict):
            ref = (str(child.get("name") or ""), str(child.get("key") or ""))
            if ref[0] and ref[1] and ref not in found:
                found.append(ref)
        else:
            _collect_secrets(child, found)


def _name(art: Obj) -> str:
    return str(art.get("name") or "")
