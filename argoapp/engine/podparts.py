"""The pieces `pods.build_pod` assembles: main containers, volumes, mirrors and the emissary wrap.

Each function here changes one aspect of a pod spec being built (a plain dict) or returns the
containers of a template, following the matching step of Argo's `workflowpod.go`. Only
`pods.build_pod` calls them; pure, no I/O. A template that cannot become a pod (a mount of an
unknown volume, an input artifact without a path) raises `PodBuildError`, which the engine turns
into an Error node.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from argoapp.engine.api import Settings
from argoapp.errors import ArgoappError
from argoapp.model import labels as L
from argoapp.model.types import Obj, copy_json

MAIN = "main"
WAIT = "wait"
STAGING_VOLUME = "argo-staging"
STAGING_DIR = posixpath.dirname(L.SCRIPT_PATH)
INPUT_ARTIFACTS_VOLUME = "input-artifacts"
_ARTIFACT_LOCATIONS = ("s3", "gcs", "http", "git", "raw", "hdfs", "oss", "azure", "artifactory")


class PodBuildError(ArgoappError):
    """The template cannot be turned into a pod; the node errors with this message."""


def main_containers(tmpl: Obj, kind: str, settings: Settings) -> list[Obj]:
    """The user's container(s) of a container, script or containerSet template, unwrapped
    (copies: JSON-shaped, so `copy_json`, several times faster than `copy.deepcopy`)."""
    if kind == "containerSet":
        cset = tmpl["containerSet"]
        shared = list(cset.get("volumeMounts") or [])
        ctrs = []
        for c in cset.get("containers") or []:
            ctr = copy_json(c)
            ctr.pop("dependencies", None)  # the emissary reads them from the template
            ctr["volumeMounts"] = [*(ctr.get("volumeMounts") or []), *copy_json(shared)]
            ctrs.append(ctr)
    elif kind == "script":
        ctr = copy_json(tmpl["script"])
        source = ctr.pop("source", "")
        if source:
            ctr["args"] = [*(ctr.get("args") or []), L.SCRIPT_PATH]
        ctrs = [ctr]
    else:
        ctrs = [copy_json(tmpl.get("container") or {})]
    for ctr in ctrs:
        ctr.setdefault("name", MAIN)
        if not ctr["name"]:
            ctr["name"] = MAIN
        _main_defaults(ctr, settings.main_container)
    return ctrs


def _main_defaults(ctr: Obj, defaults: Mapping[str, Any]) -> None:
    """The controller's `mainContainer` settings under what the template set itself."""
    for key, value in defaults.items():
        if key in ("name", "image", "command", "args"):
            continue
        if key == "resources" and (ctr.get("resources") or {}).get("limits"):
            continue
        if key == "resources" or ctr.get(key) in (None, "", [], {}):
            ctr[key] = copy_json(value)


def template_mounts(tmpl: Obj) -> list[Obj]:
    """Every volumeMount the template's own containers declare."""
    mounts: list[Obj] = []
    for kind in ("container", "script"):
        mounts += (tmpl.get(kind) or {}).get("volumeMounts") or []
    cset = tmpl.get("containerSet") or {}
    mounts += cset.get("volumeMounts") or []
    for c in [*(cset.get("containers") or []), *_users(tmpl)]:
        mounts += c.get("volumeMounts") or []
    return mounts


def _users(tmpl: Obj) -> list[Obj]:
    return [*(tmpl.get("initContainers") or []), *(tmpl.get("sidecars") or [])]


def add_volume_references(pod_spec: Obj, tmpl: Obj, spec: Obj, claims: Sequence[Obj]) -> None:
    """Add the workflow volumes and claims the template's containers mount."""
    have = {v.get("name") for v in pod_spec["volumes"]}
    known = [*(tmpl.get("volumes") or []), *(spec.get("volumes") or []), *claims]
    for mount in template_mounts(tmpl):
        name = mount.get("name")
        if name in have:
            continue
        volume = next((v for v in known if v.get("name") == name), None)
        if volume is None:
            raise PodBuildError(f"volume '{name}' not found in workflow spec")
        pod_spec["volumes"].append(copy_json(volume))
        have.add(name)


def add_input_artifacts(pod_spec: Obj, tmpl: Obj) -> None:
    """The `input-artifacts` volume: init fills it, main sees each artifact at its path."""
    artifacts = (tmpl.get("inputs") or {}).get("artifacts") or []
    if not artifacts:
        return
    pod_spec["volumes"].append({"name": INPUT_ARTIFACTS_VOLUME, "emptyDir": {}})
    user_mounts = template_mounts({k: tmpl.get(k) for k in ("container", "script", "containerSet")})
    init = pod_spec["initContainers"][0]
    init["volumeMounts"] = [
        *(init.get("volumeMounts") or []),
        {"name": INPUT_ARTIFACTS_VOLUME, "mountPath": L.INPUT_ARTIFACTS_DIR},
        *(
            {**m, "mountPath": L.MAIN_CONTAINER_FS + "/" + str(m["mountPath"]).lstrip("/")}
            for m in copy_json(user_mounts)
        ),
    ]
    for ctr in pod_spec["containers"]:
        if ctr["name"] != MAIN:
            continue
        for art in artifacts:
            path = art.get("path")
            if not path:
                raise PodBuildError(f"inputs.artifacts.{art.get('name')} did not specify a path")
            located = art.get("key") or any(art.get(k) for k in _ARTIFACT_LOCATIONS)
            if (art.get("optional") and not located) or _overlaps(user_mounts, path):
                continue
            mount = {"name": INPUT_ARTIFACTS_VOLUME, "mountPath": path, "subPath": art["name"]}
            ctr["volumeMounts"] = [*(ctr.get("volumeMounts") or []), mount]


def _overlaps(mounts: Iterable[Obj], path: str) -> bool:
    for m in mounts:
        root = str(m.get("mountPath", "")).rstrip("/")
        if root and (path == root or path.startswith(root + "/")):
            return True
    return False


def add_script_staging(pod_spec: Obj) -> None:
    """The emptyDir where init stages the script source, mounted in init and main."""
    pod_spec["volumes"].append({"name": STAGING_VOLUME, "emptyDir": {}})
    mount = {"name": STAGING_VOLUME, "mountPath": STAGING_DIR}
    for ctr in [*pod_spec["initContainers"], *pod_spec["containers"]]:
        if ctr["name"] in ("init", MAIN):
            ctr["volumeMounts"] = [*(ctr.get("volumeMounts") or []), dict(mount)]


def _main_mounts(pod_spec: Obj) -> list[Obj]:
    """The mounts of the main containers (every container but `wait`, before sidecars)."""
    mounts: list[Obj] = []
    seen: set[str] = set()
    for ctr in pod_spec["containers"]:
        if ctr["name"] == WAIT:
            continue
        for m in ctr.get("volumeMounts") or []:
            if m.get("mountPath") not in seen:
                seen.add(m.get("mountPath"))
                mounts.append(copy_json(m))
    return mounts


def _user_container(c: Obj, main_mounts: list[Obj]) -> Obj:
    ctr = copy_json(c)
    if ctr.pop("mirrorVolumeMounts", False):
        ctr["volumeMounts"] = [*(ctr.get("volumeMounts") or []), *copy_json(main_mounts)]
    return ctr


def add_user_init_containers(pod_spec: Obj, tmpl: Obj) -> None:
    """The template's initContainers, after Argo's `init`."""
    mounts = _main_mounts(pod_spec)
    for c in tmpl.get("initContainers") or []:
        pod_spec["initContainers"].append(_user_container(c, mounts))


def add_sidecars(pod_spec: Obj, tmpl: Obj) -> None:
    """The template's sidecars, after the main container(s)."""
    mounts = _main_mounts(pod_spec)
    for c in tmpl.get("sidecars") or []:
        pod_spec["containers"].append(_user_container(c, mounts))


def mirror_main_mounts(pod_spec: Obj) -> None:
    """Main's volume mounts again in `wait`, under /mainctrfs, so wait reads outputs there.

    Call before the sidecars are added: every container but `wait` is then a main one."""
    wait = next((c for c in pod_spec["containers"] if c["name"] == WAIT), None)
    if wait is None:
        return
    mirrored = [
        {**m, "mountPath": L.MAIN_CONTAINER_FS + "/" + str(m.get("mountPath", "")).lstrip("/")}
        for m in _main_mounts(pod_spec)
    ]
    wait["volumeMounts"] = [*(wait.get("volumeMounts") or []), *mirrored]


def wrap_emissary(ctr: Obj, settings: Settings, log_opts: Sequence[str]) -> None:
    """Put `/var/run/argo/argoexec emissary … --` in front of the container's command."""
    command = [str(c) for c in ctr.get("command") or []]
    if not command:
        entrypoint, cmd = image_config(str(ctr.get("image") or ""), settings.images)
        command = entrypoint
        if ctr.get("args") is None and cmd:
            ctr["args"] = cmd
    ctr["command"] = [L.EXECUTOR_BINARY, "emissary", *log_opts, "--", *command]


def image_config(
    image: str, images: Mapping[str, Mapping[str, Any]]
) -> tuple[list[str], list[str]]:
    """The image's (entrypoint, cmd) from the controller's `images` map; empty when unknown."""
    found = images.get(image)
    if found is None:
        found = images.get(_repository(image))
    if found is None:
        return [], []
    return [str(x) for x in found.get("entrypoint") or []], [str(x) for x in found.get("cmd") or []]


def _repository(image: str) -> str:
    name = image.split("@", 1)[0]
    slash, colon = name.rfind("/"), name.rfind(":")
    return name[:colon] if colon > slash else name
