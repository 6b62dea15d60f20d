"""Printing an install as YAML, and applying it to a cluster as `kubectl apply` does.

`argoapp install` calls `to_yaml` for `--dry-run` (and scripts/install_yaml.py writes
packaging/install.yaml with it), else `apply_all`. Applying is kubectl's client-side apply,
so that `argoapp install` and `kubectl apply -f packaging/install.yaml` may follow each other
in any order:

- every object we write carries `kubectl.kubernetes.io/last-applied-configuration`, the object
  as we built it, serialized byte for byte as kubectl 1.32 serializes it (a following kubectl
  apply then sees nothing to do);
- a missing object is created; one that exists gets a three-way JSON merge patch
  (`three_way_patch`): what we build now that the cluster does not have, and `null` for what we
  applied last time and build no more. What the cluster or a user added stays. No patch at
  all when nothing differs: the object is `unchanged`;
- a PersistentVolumeClaim that exists keeps its spec (immutable once bound, and a user may have
  grown it): only its labels and annotations are brought up to date.

It must not print tracebacks: Kubernetes errors become one-line `InstallError`s naming the object.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from argoapp.errors import ArgoappError
from argoapp.model.types import Obj

if TYPE_CHECKING:
    from argoapp.kube.client import Kube
    from argoapp.kube.resources import Kind

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
# Go's encoding/json (which writes kubectl's annotation) escapes these inside strings, where
# Python's leaves them as they are; outside strings JSON never has them, so a plain replace is
# exact.
_GO_ESCAPES = (
    ("<", "\\u003c"),
    (">", "\\u003e"),
    ("&", "\\u0026"),
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
)


class InstallError(ArgoappError):
    """An install that could not be applied (no cluster, not allowed, refused)."""


class _Dumper(yaml.SafeDumper):
    """PyYAML's safe dumper with a string style of its own: a library imported alongside (Hera
    registers one on the shared SafeDumper) must not change what `to_yaml` writes."""


def _str(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = "|" if "\n" in text else None  # a ConfigMap's config reads as the file it is
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _str)


def to_yaml(objects: list[Obj]) -> str:
    """One multi-document YAML stream, keys in the order they were built."""
    return yaml.dump_all(objects, Dumper=_Dumper, sort_keys=False, default_flow_style=False)


def describe(obj: Obj) -> str:
    """`kind.group/name`, as kubectl apply names objects (`deployment.apps/argoapp`)."""
    group = obj["apiVersion"].rpartition("/")[0]
    kind = obj["kind"].lower() + (f".{group}" if group else "")
    return f"{kind}/{(obj.get('metadata') or {}).get('name', '')}"


def _named(obj: Obj) -> str:
    """`describe` with the namespace, for errors."""
    namespace = (obj.get("metadata") or {}).get("namespace")
    return f"{describe(obj)} in namespace {namespace}" if namespace else describe(obj)


def last_applied(obj: Obj) -> str:
    """The last-applied-configuration annotation's value for `obj`, as kubectl writes it:
    compact JSON, keys sorted, Go's escapes, `metadata.annotations` always present (less this
    annotation itself), one newline at the end."""
    body = copy.deepcopy(obj)
    meta = body.setdefault("metadata", {})
    annotations = dict(meta.get("annotations") or {})
    annotations.pop(LAST_APPLIED, None)
    meta["annotations"] = annotations
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    for raw, escaped in _GO_ESCAPES:
        text = text.replace(raw, escaped)
    return text + "\n"


def with_last_applied(obj: Obj) -> Obj:
    """A copy of `obj` carrying its last-applied-configuration annotation."""
    body = copy.deepcopy(obj)
    meta = body.setdefault("metadata", {})
    meta["annotations"] = {**(meta.get("annotations") or {}), LAST_APPLIED: last_applied(obj)}
    return body


def previous_config(live: Obj) -> Obj | None:
    """What was applied last to `live`, from its annotation; None when it has none (made by
    hand, or unreadable): then nothing is known to be ours to delete."""
    text = ((live.get("metadata") or {}).get("annotations") or {}).get(LAST_APPLIED)
    if not isinstance(text, str):
        return None
    try:
        found = json.loads(text)
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


def three_way_patch(new: Obj, live: Obj, previous: Obj | None) -> Obj:
    """The JSON merge patch taking `live` to `new`: the fields of `new` that `live` lacks or
    has otherwise, recursing into maps, and `null` for each field `live` still has that was in
    `previous` (the last applied configuration) and is not in `new`. Lists are replaced whole
    when they differ; `{}` is the empty patch."""
    patch: Obj = {}
    for key, value in new.items():
        before = previous.get(key) if previous is not None else None
        if key not in live:
            if value != {}:  # an empty map and none mean the same; servers drop empty ones
                patch[key] = value
        elif isinstance(value, dict) and isinstance(live[key], dict):
            inner = three_way_patch(value, live[key], before if isinstance(before, dict) else None)
            if inner:
                patch[key] = inner
        elif not _same(value, live[key], before):
            patch[key] = value
    for key in previous or {}:
        if key not in new and key in live:
            patch[key] = None
    return patch


def _same(new: Any, live: Any, previous: Any) -> bool:
    """Whether `live` already is `new`. Within lists an element may hold more than we built
    (the fields a server defaults, a container's terminationMessagePath), but not a field we
    applied before and build no more."""
    if isinstance(new, dict) and isinstance(live, dict):
        return not three_way_patch(new, live, previous if isinstance(previous, dict) else None)
    if isinstance(new, list) and isinstance(live, list):
        if len(new) != len(live):
            return False
        befores = previous if isinstance(previous, list) else []
        return all(
            _same(item, have, _counterpart(item, befores, i))
            for i, (item, have) in enumerate(zip(new, live, strict=True))
        )
    # bool is an int to Python, not to JSON: `true` is not `1`
    return isinstance(new, bool) == isinstance(live, bool) and new == live


def _counterpart(item: Any, befores: list[Any], index: int) -> Any:
    """The element of the previous list that `item` was: by name when elements have names."""
    if isinstance(item, dict) and "name" in item:
        for before in befores:
            if isinstance(before, dict) and before.get("name") == item["name"]:
                return before
        return None
    return befores[index] if index < len(befores) else None


def _metadata_only(obj: Obj) -> Obj:
    """`obj` cut down to its labels and annotations (a PVC's spec is not ours to re-send)."""
    meta = obj.get("metadata") or {}
    kept = {k: meta[k] for k in ("labels", "annotations") if k in meta}
    return {"metadata": kept}


async def apply_all(
    objects: list[Obj],
    *,
    kubeconfig: Path | None = None,
    context: str | None = None,
    say: Callable[[str], None] = print,
) -> None:
    """Create or update each object in order, saying what happened to each as kubectl does."""
    from argoapp.kube.client import Kube
    from argoapp.kube.errors import Forbidden, KubeError, Unauthorized, Unavailable

    try:
        kube = await Kube.connect(kubeconfig, context=context)
    except ArgoappError as e:
        raise InstallError(str(e)) from None
    async with kube:
        for obj in objects:
            try:
                say(f"{describe(obj)} {await apply_one(kube, obj)}")
            except Unavailable as e:
                raise InstallError(f"cannot reach the cluster at {kube.host}: {e}") from None
            except (Forbidden, Unauthorized) as e:
                raise InstallError(f"not allowed to apply {_named(obj)}: {e}") from None
            except KubeError as e:
                raise InstallError(f"cannot apply {_named(obj)}: {e}") from None


async def apply_one(kube: Kube, obj: Obj) -> str:
    """Create `obj`, or bring the existing one up to it: "created", "configured" or
    "unchanged"."""
    from argoapp.kube.errors import AlreadyExists, NotFound

    kind = await kube.resolve(obj["apiVersion"], obj["kind"])
    meta = obj["metadata"]
    namespace = meta.get("namespace", "")
    body = with_last_applied(obj)
    try:
        live = await kube.get(kind, meta["name"], namespace)
    except NotFound:
        try:
            await kube.create(kind, body, namespace)
            return "created"
        except AlreadyExists:
            # made by someone else meanwhile: update it as any existing one
            live = await kube.get(kind, meta["name"], namespace)
    return await _update(kube, kind, body, live)


async def _update(kube: Kube, kind: Kind, body: Obj, live: Obj) -> str:
    """Patch `live` to `body` (which carries its annotation) when they differ."""
    meta = body["metadata"]
    previous = previous_config(live)
    if body["kind"] == "PersistentVolumeClaim":
        body, live = _metadata_only(body), _metadata_only(live)
        previous = _metadata_only(previous) if previous is not None else None
    patch = three_way_patch(body, live, previous)
    if not patch:
        return "unchanged"
    await kube.patch(kind, meta["name"], patch, meta.get("namespace", ""))
    return "configured"
