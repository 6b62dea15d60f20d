"""The workflow's artifact repository, and the archive location a pod's template carries.

`resolve_repository` runs on a workflow's first pass (Argo's `operate` does it whenever the
status has no `artifactRepositoryRef`): `spec.artifactRepositoryRef` names a ConfigMap (default
`artifact-repositories`) and a key (default: the ConfigMap's
`workflows.argoproj.io/default-artifact-repository` annotation); without a ref the namespace's
`artifact-repositories` ConfigMap is tried, then the controller's repository
(`Settings.artifact_repository`, `default: true`). The outcome is written to
`status.artifactRepositoryRef` with the repository itself, so later passes (and the server and
the artifact GC) read the status and a config change never moves a running workflow.

`add_archive_location` is called by `podnode` for each pod it creates: a template that needs
somewhere to put artifacts or logs gets `archiveLocation` = the repository as a location, its key
the repository's `keyFormat` substituted for this pod. Pure: ConfigMaps come from
`Observed.objects`, never fetched here.
"""

from __future__ import annotations

import posixpath
from typing import Any

import yaml

from argoapp.engine.state import Pass
from argoapp.errors import ArgoappError
from argoapp.model.types import Obj, copy_json
from argoapp.template import substitute

DEFAULT_CONFIG_MAP = "artifact-repositories"
DEFAULT_KEY_ANNOTATION = "workflows.argoproj.io/default-artifact-repository"
DEFAULT_ARCHIVE_PATTERN = "{{workflow.name}}/{{pod.name}}"
NO_ARCHIVE_LOCATION = "controller is not configured with a default archive location"

# What makes each kind of location complete (Argo's HasLocation per driver).
_REQUIRED: dict[str, tuple[str, ...]] = {
    "s3": ("endpoint", "bucket", "key"),
    "gcs": ("bucket", "key"),
    "oss": ("endpoint", "bucket", "key"),
    "azure": ("endpoint", "container", "blob"),
    "http": ("url",),
    "artifactory": ("url",),
    "git": ("repo",),
    "hdfs": ("addresses", "path"),
    "raw": (),
}
# The repository field that becomes each location's key, and the key field it becomes.
_KEY_FIELDS = {"s3": "key", "gcs": "key", "oss": "key", "azure": "blob"}


class ArchiveLocationError(ArgoappError):
    """A template needs an archive location and there is no repository to give one."""


def has_location(art: Obj | None) -> bool:
    """Whether an artifact (or archive location) names a complete place (Argo's HasLocation)."""
    if not art:
        return False
    for kind, required in _REQUIRED.items():
        loc = art.get(kind)
        if loc is None:
            continue
        if kind == "raw":
            return True
        if isinstance(loc, dict) and all(loc.get(f) for f in required):
            return True
    return False


def resolve_repository(p: Pass) -> str:
    """Set `status.artifactRepositoryRef` if it is not there yet; "" or why the workflow errors."""
    if "artifactRepositoryRef" in p.status:
        return ""
    ref = p.spec.get("artifactRepositoryRef")
    if ref is not None:
        found = _from_config_map(p, ref if isinstance(ref, dict) else {})
        if isinstance(found, str):
            return f"failed to resolve artifact repository: {found}"
        if found is None:
            name = f"{(ref or {}).get('configMap', '')}#{(ref or {}).get('key', '')}"
            return (
                "failed to resolve artifact repository: failed to find any artifact repository "
                f'for artifact repository ref "{name}"'
            )
        p.status["artifactRepositoryRef"] = found
        return ""
    found = _from_config_map(p, {})
    if isinstance(found, str):
        return f"failed to resolve artifact repository: {found}"
    if found is None:
        found = {"default": True}
        if p.settings.artifact_repository:
            found["artifactRepository"] = copy_json(dict(p.settings.artifact_repository))
    p.status["artifactRepositoryRef"] = found
    return ""


def _from_config_map(p: Pass, ref: Obj) -> Obj | str | None:
    """The ref's status from the workflow namespace's ConfigMap; None when the ConfigMap or
    its key is missing (the next place is tried), a message when the key does not parse."""
    name = str(ref.get("configMap") or DEFAULT_CONFIG_MAP)
    cm = p.observed.objects.get("ConfigMap", p.namespace, name)
    if cm is None:
        return None
    annotations = (cm.get("metadata") or {}).get("annotations") or {}
    key = str(ref.get("key") or annotations.get(DEFAULT_KEY_ANNOTATION) or "")
    value = (cm.get("data") or {}).get(key)
    if value is None:
        return None
    shown = f"{ref.get('configMap', '')}#{ref.get('key', '')}"
    unparsed = f'failed to unmarshall config map key "{key}" for artifact repository ref "{shown}"'
    try:
        repo = yaml.safe_load(str(value))
    except yaml.YAMLError as e:
        return f"{unparsed}: {e}"
    if not isinstance(repo, dict):
        return f"{unparsed}: not a map"
    return {"configMap": name, "key": key, "namespace": p.namespace, "artifactRepository": repo}


def repository(p: Pass) -> Obj:
    """The workflow's repository as resolved on its first pass ({} when there is none)."""
    ref = p.status.get("artifactRepositoryRef") or {}
    repo = ref.get("artifactRepository")
    return repo if isinstance(repo, dict) else {}


def archive_logs(p: Pass, tmpl: Obj, repo: Obj) -> bool:
    """Whether the main containers' logs are saved, by Argo's priorities: a repository that
    archives logs always does; otherwise the template's archiveLocation, then the workflow's
    `archiveLogs`."""
    if repo.get("archiveLogs"):
        return True
    own = (tmpl.get("archiveLocation") or {}).get("archiveLogs")
    if own is not None:
        return bool(own)
    return bool(p.spec.get("archiveLogs"))


def add_archive_location(p: Pass, tmpl: Obj, pod_name: str) -> None:
    """Give `tmpl` (a copy the pod is built from) the archive location it needs, if any."""
    own = tmpl.get("archiveLocation")
    if has_location(own):
        return  # the template says where: nothing to add
    repo = repository(p)
    logs = archive_logs(p, tmpl, repo)
    needed = logs
    if not needed:
        inputs = (tmpl.get("inputs") or {}).get("artifacts") or []
        outputs = (tmpl.get("outputs") or {}).get("artifacts") or []
        needed = any(not has_location(a) for a in (*inputs, *outputs))
    if not needed:
        return
    location = to_location(repo)
    if location is None:
        raise ArchiveLocationError(NO_ARCHIVE_LOCATION)
    scope = {**p.globals, "pod.name": pod_name}
    for kind, field in _KEY_FIELDS.items():
        if kind in location and isinstance(location[kind].get(field), str):
            text = location[kind][field]
            location[kind][field] = substitute(text, scope, allow_unresolved=True)
    location["archiveLogs"] = logs
    tmpl["archiveLocation"] = location


def to_location(repo: Obj) -> Obj | None:
    """The repository as an artifact location with its key format (unsubstituted)."""
    for kind, field in _KEY_FIELDS.items():
        conf = repo.get(kind)
        if isinstance(conf, dict):
            loc = {k: copy_json(v) for k, v in conf.items() if k not in _FORMAT_FIELDS}
            loc[field] = _key_format(conf)
            return {kind: loc}
    art = repo.get("artifactory")
    if isinstance(art, dict):
        loc = {k: copy_json(v) for k, v in art.items() if k != "repoURL"}
        base = str(art.get("repoURL") or "")
        loc["url"] = f"{base}/{DEFAULT_ARCHIVE_PATTERN}" if base else DEFAULT_ARCHIVE_PATTERN
        return {"artifactory": loc}
    hdfs = repo.get("hdfs")
    if isinstance(hdfs, dict):
        loc = {k: copy_json(v) for k, v in hdfs.items() if k != "pathFormat"}
        loc["path"] = str(hdfs.get("pathFormat") or "")
        return {"hdfs": loc}
    return None


_FORMAT_FIELDS = ("keyFormat", "keyPrefix", "blobNameFormat")


def _key_format(conf: dict[str, Any]) -> str:
    fmt = conf.get("keyFormat") or conf.get("blobNameFormat")
    if fmt:
        return str(fmt)
    prefix = str(conf.get("keyPrefix") or "")
    return posixpath.join(prefix, DEFAULT_ARCHIVE_PATTERN) if prefix else DEFAULT_ARCHIVE_PATTERN
