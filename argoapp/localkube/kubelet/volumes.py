"""A pod's volumes on disk, and the mounts each container gets.

Called by the pod worker before it starts a container: `materialise` makes each volume's host
directory (creating or refreshing its files), `container_mounts` turns the container's
`volumeMounts` into (host source, path in the sandbox, read-only) triples for `sandbox`.
It must not start processes or talk to the API (the worker fetches ConfigMaps and Secrets).

Volume types:
- `emptyDir`: a directory in the pod's area, shared by its containers, gone with the pod.
- `persistentVolumeClaim`: `DATA_DIR/pvcs/<namespace>/<claim>`, shared by every pod that mounts
  the claim and kept after them; the claim object itself is not required (nothing provisions).
- `configMap`, `secret`, `downwardAPI`, `projected` (including `serviceAccountToken`): files
  written into the pod's area (`items` key->path, `defaultMode`/`mode`), mounted read-only.
- `hostPath`: bound as is (with its `type` checked or created), because a pod author who asks
  for a host path means it; the sandbox protects against accidents, not against its own pods.
  The exception is localkube's data dir, which holds the admin credentials: a path in it is
  refused, and one that holds it (`/`, a home directory) is bound with the data dir hidden
  under an empty tmpfs (`sandbox.HostLayout.hidden`).
Other types (nfs, csi, ...) fail the container with a message naming the type.
The service account token, `ca.crt` and `namespace` are mounted read-only at
`/var/run/secrets/kubernetes.io/serviceaccount` unless `automountServiceAccountToken` is false
or a container already mounts something there; they are mode 0600 in a 0700 directory. The
token is the pod's ServiceAccount's (`spec.serviceAccountName`, from `sources.account_token`),
as is a projected `serviceAccountToken`; localkube's admin token never reaches a pod.

Every directory the kubelet makes for a pod's data sits under a 0700 one (`DATA_DIR/pods`,
`pods/<uid>`, `DATA_DIR/pvcs`, `pvcs/<namespace>`, each claim), so other users of the host read
nothing of it; the pod's processes run as this same user and keep full access.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import posixpath
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argoapp.localkube.kubelet.commands import CommandError, expand
from argoapp.localkube.kubelet.config import (
    KubeletConfig,
    PodPaths,
    api_access_dir,
    pvc_dir,
    pvcs_dir,
)
from argoapp.localkube.kubelet.env import field_value, resource_value
from argoapp.localkube.kubelet.sources import Sources, key_data

Obj = dict[str, Any]
SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
MOUNT_ERROR = "ContainerCreating"
_READ_ONLY_TYPES = ("configMap", "secret", "downwardAPI", "projected")
_DEFAULT_MODE = 0o644
# The service account token lets anything that reads it act on the API: only this user (whom
# the pod's processes run as) may read it.
_PRIVATE_FILE = 0o600
_PRIVATE_DIR = 0o700


@dataclass(frozen=True)
class Volume:
    source: Path
    read_only: bool = False


@dataclass(frozen=True)
class Mount:
    source: Path
    target: str
    read_only: bool


def materialise(
    pod: Obj, paths: PodPaths, sources: Sources, config: KubeletConfig
) -> dict[str, Volume]:
    """Create every volume of the pod on disk; returns them by name."""
    out: dict[str, Volume] = {}
    for volume in (pod.get("spec") or {}).get("volumes") or []:
        name = str(volume.get("name", ""))
        out[name] = _one(pod, volume, paths, sources, config)
    out[".kube-api-access"] = _api_access(pod, paths, sources, config)
    return out


def _one(pod: Obj, volume: Obj, paths: PodPaths, sources: Sources, cfg: KubeletConfig) -> Volume:
    name = str(volume.get("name", ""))
    here = paths.volume(name)
    if "emptyDir" in volume:
        here.mkdir(parents=True, exist_ok=True)
        return Volume(here)
    if "persistentVolumeClaim" in volume:
        claim = volume["persistentVolumeClaim"] or {}
        namespace = str(pod["metadata"].get("namespace", "default"))
        claim_name = str(claim.get("claimName") or "")
        if not claim_name or "/" in claim_name or claim_name in (".", ".."):
            raise CommandError(MOUNT_ERROR, f'volume "{name}": invalid claimName {claim_name!r}')
        where = pvc_dir(paths.data_dir, namespace, claim_name)
        private_dir(pvcs_dir(paths.data_dir))
        private_dir(where.parent)
        where.mkdir(mode=_PRIVATE_DIR, exist_ok=True)
        return Volume(where, bool(claim.get("readOnly")))
    if "hostPath" in volume:
        return Volume(_host_path(name, volume["hostPath"] or {}, paths.data_dir))
    files: dict[str, tuple[bytes, int]] | None = None
    if "configMap" in volume or "secret" in volume:
        files = _key_files(volume, sources)
    elif "downwardAPI" in volume:
        files = _downward_files(pod, volume["downwardAPI"] or {})
    elif "projected" in volume:
        files = _projected_files(pod, volume["projected"] or {}, sources, cfg)
    if files is None:
        kind = next((k for k in volume if k != "name"), "unknown")
        raise CommandError(
            MOUNT_ERROR, f'volume "{name}": {kind} volumes are not supported by localkube'
        )
    write_files(here, files)
    return Volume(here, True)


def _host_path(name: str, spec: Obj, data_dir: Path) -> Path:
    path = Path(str(spec.get("path", "")))
    real, data = Path(os.path.realpath(path)), Path(os.path.realpath(data_dir))
    if real == data or data in real.parents:
        raise CommandError(
            MOUNT_ERROR,
            f'volume "{name}": hostPath {path} is inside localkube\'s data dir {data_dir}, '
            "which holds its credentials; mount another path",
        )
    kind = str(spec.get("type") or "")
    if kind == "DirectoryOrCreate":
        path.mkdir(parents=True, exist_ok=True)
    elif kind == "FileOrCreate" and not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    elif kind == "Directory" and not path.is_dir():
        raise CommandError(MOUNT_ERROR, f"hostPath type check failed: {path} is not a directory")
    elif kind == "File" and not path.is_file():
        raise CommandError(MOUNT_ERROR, f"hostPath type check failed: {path} is not a file")
    if not path.exists():
        raise CommandError(
            MOUNT_ERROR, f'volume "{name}": hostPath {path} does not exist on this host'
        )
    return path


def _key_files(volume: Obj, sources: Sources) -> dict[str, tuple[bytes, int]]:
    secret = "secret" in volume
    spec = volume["secret" if secret else "configMap"] or {}
    name = str(spec.get("secretName" if secret else "name", ""))
    return _object_files(spec, name, secret, sources, int(spec.get("defaultMode", _DEFAULT_MODE)))


def _object_files(
    spec: Obj, name: str, secret: bool, sources: Sources, mode: int
) -> dict[str, tuple[bytes, int]]:
    kind = "secret" if secret else "configmap"
    obj = (sources.secrets if secret else sources.configmaps).get(name)
    if obj is None:
        if spec.get("optional"):
            return {}
        raise CommandError(
            MOUNT_ERROR, f'MountVolume.SetUp failed for volume: {kind} "{name}" not found'
        )
    data = key_data(obj, secret)
    items = spec.get("items")
    if not items:
        return {key: (value, mode) for key, value in data.items()}
    out: dict[str, tuple[bytes, int]] = {}
    for item in items:
        key = str(item.get("key", ""))
        if key not in data:
            if spec.get("optional"):
                continue
            raise CommandError(
                MOUNT_ERROR,
                f"MountVolume.SetUp failed for volume: configmap references non-existent "
                f"config key: {key}"
                if not secret
                else f"MountVolume.SetUp failed for volume: references non-existent secret "
                f"key: {key}",
            )
        out[str(item.get("path", key))] = (data[key], int(item.get("mode", mode)))
    return out


def _downward_files(pod: Obj, spec: Obj, mode: int | None = None) -> dict[str, tuple[bytes, int]]:
    mode = int(spec.get("defaultMode", _DEFAULT_MODE)) if mode is None else mode
    out: dict[str, tuple[bytes, int]] = {}
    for item in spec.get("items") or []:
        if item.get("fieldRef"):
            value = field_value(pod, str(item["fieldRef"].get("fieldPath", "")), {})
        else:
            containers = (pod.get("spec") or {}).get("containers") or [{}]
            value = resource_value(pod, containers[0], item.get("resourceFieldRef") or {})
        out[str(item.get("path", ""))] = (value.encode(), int(item.get("mode", mode)))
    return out


def _projected_files(
    pod: Obj, spec: Obj, sources: Sources, cfg: KubeletConfig
) -> dict[str, tuple[bytes, int]]:
    mode = int(spec.get("defaultMode", _DEFAULT_MODE))
    out: dict[str, tuple[bytes, int]] = {}
    for source in spec.get("sources") or []:
        if source.get("configMap") or source.get("secret"):
            secret = bool(source.get("secret"))
            part = source["secret" if secret else "configMap"]
            out.update(_object_files(part, str(part.get("name", "")), secret, sources, mode))
        elif source.get("downwardAPI"):
            out.update(_downward_files(pod, source["downwardAPI"], mode))
        elif source.get("serviceAccountToken"):
            path = str(source["serviceAccountToken"].get("path", "token"))
            out[path] = (sources.account_token.encode(), mode)
    return out


def _api_access(pod: Obj, paths: PodPaths, sources: Sources, cfg: KubeletConfig) -> Volume:
    """The account's shared service account directory, written once per content.

    Shared because the files are the same for every pod of a namespace and account, and
    writing three files per pod was a good part of a short pod's start.
    """
    namespace = str(pod["metadata"].get("namespace", "default"))
    where = api_access_dir(paths.data_dir, namespace, _safe_name(sources.account))
    files = {
        "token": (sources.account_token.encode(), _PRIVATE_FILE),
        "namespace": (namespace.encode(), _PRIVATE_FILE),
    }
    if cfg.ca_cert_pem:
        files["ca.crt"] = (cfg.ca_cert_pem, _PRIVATE_FILE)
    key = (where, tuple(sorted((name, content) for name, (content, _) in files.items())))
    if key not in _WRITTEN:
        private_dir(where.parent.parent)
        private_dir(where.parent)
        for legacy in _LEGACY_FILES:  # an older kubelet's per-namespace files (admin token)
            with contextlib.suppress(FileNotFoundError, IsADirectoryError):
                (where.parent / legacy).unlink()
        private_dir(where)
        write_files(where, files)
        _WRITTEN.add(key)
    return Volume(where, True)


# Files older kubelets wrote straight into `api-access/<namespace>/`.
_LEGACY_FILES = ("token", "namespace", "ca.crt")
# What this process has written into each api-access directory (a restart writes it again).
_WRITTEN: set[tuple[Path, tuple[tuple[str, bytes], ...]]] = set()


def private_dir(path: Path) -> None:
    """Make `path` (its parent must exist) a directory only this user can enter, read or write."""
    path.mkdir(mode=_PRIVATE_DIR, exist_ok=True)
    os.chmod(path, _PRIVATE_DIR)  # also when an earlier version made it with the umask's mode


def write_files(directory: Path, files: Mapping[str, tuple[bytes, int]]) -> None:
    """Write `files` (relative path -> content, mode) under `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    for rel, (content, mode) in files.items():
        target = directory / _safe_relative(rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, content, mode)


_SERIAL = itertools.count()  # temporary names of `write_atomic`


def write_atomic(target: Path, content: bytes, mode: int = _DEFAULT_MODE) -> None:
    """Replace `target` in one step (containers of a pod may be prepared at the same time)."""
    # a name of our own, created exclusively (mkstemp's random names cost more than the
    # write); the counter makes it unique per call, the key's start says what it is for
    tmp = str(target.parent / f".{target.name[:64]}.{os.getpid()}.{next(_SERIAL)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content)
        os.chmod(tmp, mode & 0o7777)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _safe_name(name: str) -> str:
    """`name` as one path component (a ServiceAccount name has no "/", but a pod may say so)."""
    if not name or "/" in name or name in (".", ".."):
        raise CommandError(MOUNT_ERROR, f"invalid serviceAccountName {name!r}")
    return name


def _safe_relative(rel: str) -> str:
    norm = posixpath.normpath(rel)
    if rel.startswith("/") or norm == ".." or norm.startswith("../"):
        raise CommandError(MOUNT_ERROR, f"invalid path {rel!r}: must be relative, without '..'")
    return norm


def container_mounts(
    pod: Obj, container: Obj, volumes: Mapping[str, Volume], env: Mapping[str, str]
) -> list[Mount]:
    """The container's mounts, parents before children, with the service account's."""
    mounts: list[Mount] = []
    for vm in container.get("volumeMounts") or []:
        name = str(vm.get("name", ""))
        volume = volumes.get(name)
        if volume is None:
            raise CommandError(MOUNT_ERROR, f'volumeMount "{name}" names no volume of the pod')
        source = volume.source
        sub = str(vm.get("subPath") or "")
        if vm.get("subPathExpr"):
            sub = expand(str(vm["subPathExpr"]), lambda n: env.get(n, ""))
        if sub:
            source = _sub_path(source, sub, volume.read_only)
        target = posixpath.normpath("/" + str(vm.get("mountPath", "")).lstrip("/"))
        mounts.append(Mount(source, target, bool(vm.get("readOnly")) or volume.read_only))
    if _automount(pod) and not any(m.target == SERVICE_ACCOUNT_DIR for m in mounts):
        mounts.append(Mount(volumes[".kube-api-access"].source, SERVICE_ACCOUNT_DIR, True))
    return sorted(mounts, key=lambda m: m.target.count("/"))


def _sub_path(source: Path, sub: str, read_only: bool) -> Path:
    rel = _safe_relative(sub)
    path = source / rel
    if not path.exists() and not path.is_symlink():
        if read_only:
            raise CommandError(MOUNT_ERROR, f"subPath {sub!r} does not exist in the volume")
        path.mkdir(parents=True, exist_ok=True)
    base = source.resolve()
    resolved = _plainly_under(base, rel) or path.resolve()
    if resolved != base and base not in resolved.parents:
        raise CommandError(MOUNT_ERROR, f"subPath {sub!r} points outside the volume")
    return resolved


def _plainly_under(base: Path, rel: str) -> Path | None:
    """`base/rel` when no part of `rel` is a symbolic link (then it is already resolved, as
    `base` is, and `rel` has no `..`): an lstat a part instead of resolving the volume's whole
    path again. None when a part is a link (or unreadable): the caller resolves it all."""
    current = base
    for part in rel.split("/"):
        if part in ("", "."):
            continue
        current = current / part
        try:
            if stat.S_ISLNK(os.lstat(current).st_mode):
                return None
        except OSError:
            return None
    return current


def _automount(pod: Obj) -> bool:
    return (pod.get("spec") or {}).get("automountServiceAccountToken") is not False
