"""Printing an install as YAML, and applying it to a cluster, object by object.

`argoapp install` calls `to_yaml` for `--dry-run` (and scripts/install_yaml.py writes
packaging/install.yaml with it), else `apply_all`. Applying is create-or-update: an object
that is missing is created, one that exists gets a JSON merge patch of our fields, so what a
cluster added (a Service's clusterIP, a bound PVC's volumeName) stays as it is. It must not
print tracebacks: Kubernetes errors become one-line `InstallError`s naming the object.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from argoapp.errors import ArgoappError
from argoapp.model.types import Obj

if TYPE_CHECKING:
    from argoapp.kube.client import Kube


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
    """`kind/name` (with the namespace when there is one), as kubectl names objects."""
    meta = obj.get("metadata") or {}
    where = f" -n {meta['namespace']}" if meta.get("namespace") else ""
    return f"{obj['kind'].lower()}/{meta.get('name', '')}{where}"


async def apply_all(
    objects: list[Obj],
    *,
    kubeconfig: Path | None = None,
    context: str | None = None,
    say: Callable[[str], None] = print,
) -> None:
    """Create or update each object in order, saying what happened to each."""
    from argoapp.kube.client import Kube
    from argoapp.kube.errors import Forbidden, KubeError, Unauthorized, Unavailable

    try:
        kube = await Kube.connect(kubeconfig, context=context)
    except ArgoappError as e:
        raise InstallError(str(e)) from None
    async with kube:
        for obj in objects:
            try:
                say(f"{describe(obj)} {await _apply_one(kube, obj)}")
            except Unavailable as e:
                raise InstallError(f"cannot reach the cluster at {kube.host}: {e}") from None
            except (Forbidden, Unauthorized) as e:
                raise InstallError(f"not allowed to apply {describe(obj)}: {e}") from None
            except KubeError as e:
                raise InstallError(f"cannot apply {describe(obj)}: {e}") from None


async def _apply_one(kube: Kube, obj: Obj) -> str:
    """Create `obj`, or merge-patch it when it exists: "created" or "configured"."""
    from argoapp.kube.errors import AlreadyExists, NotFound

    kind = await kube.resolve(obj["apiVersion"], obj["kind"])
    meta = obj["metadata"]
    namespace = meta.get("namespace", "")
    try:
        await kube.get(kind, meta["name"], namespace)
    except NotFound:
        try:
            await kube.create(kind, obj, namespace)
            return "created"
        except AlreadyExists:
            pass  # made by someone else meanwhile: update it as below
    await kube.patch(kind, meta["name"], obj, namespace)
    return "configured"
