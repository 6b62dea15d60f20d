"""The Kubernetes side of `argoexec resource`: find a manifest's kind, then get/create/apply/….

Argo shells out to kubectl; this does the same requests with the executor's stdlib client
(`LiteKube`). `ResourceApi` maps a manifest's (apiVersion, kind) to its REST plural and scope
through discovery (`GET /api/v1`, `GET /apis/GROUP/VERSION`; the `resources.KINDS` table first),
or a kubectl-style type name from `flags` (`pod`, `configmaps`, `cm`, `deployments.apps`), and
performs one verb. `apply` is client-side apply, as kubectl without `--server-side` does: create
when absent, else a three-way patch (strategic merge for built-in kinds, JSON merge for custom
ones) computed from the `kubectl.kubernetes.io/last-applied-configuration` annotation.
Errors read as kubectl's (`Error from server (NotFound): …`). Called by `executor.resource`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from argoapp.errors import ArgoappError
from argoapp.executor.env import Obj
from argoapp.kube.errors import KubeError, NotFound, Unavailable
from argoapp.kube.resources import KINDS, Kind

if TYPE_CHECKING:
    from argoapp.kube.lite import LiteKube

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
MANIFEST_PATH = "/tmp/manifest.yaml"  # where Argo stages it; kubectl's messages name it
PATCH_TYPES = {
    "strategic": "application/strategic-merge-patch+json",
    "merge": "application/merge-patch+json",
    "json": "application/json-patch+json",
}


class ResourceError(ArgoappError):
    """The resource action failed; the message is the node's.

    `reason` is the API's reason when the API refused ("NotFound", …); `transient` says that
    no usable answer came (the connection failed, or a 429/5xx), so a poll may try again.
    """

    def __init__(self, message: str, *, reason: str = "", transient: bool = False) -> None:
        super().__init__(message)
        self.reason = reason
        self.transient = transient


@dataclass(frozen=True)
class Target:
    """One object: its kind (with plural and scope), namespace ("" if cluster-wide) and name."""

    kind: Kind
    namespace: str
    name: str

    def path(self, subresource: str = "") -> str:
        """The object's request path."""
        return self.kind.path(self.namespace, self.name, subresource)

    def __str__(self) -> str:
        group = f".{self.kind.group}" if self.kind.group else ""
        return f"{self.kind.kind}{group}/{self.name}"


class ResourceApi:
    """Discovery and the verbs of a resource template, over one client."""

    def __init__(self, kube: LiteKube) -> None:
        self.kube = kube
        self.default_namespace = kube.namespace
        self._versions: dict[str, list[Obj]] = {}

    # --- finding kinds ---

    def kind(self, api_version: str, kind: str) -> Kind:
        """The served kind of a manifest's apiVersion and kind."""
        known = KINDS.get(kind)
        if known is not None and known.api_version == api_version:
            return known
        for res in self._resources(api_version):
            if res.get("kind") == kind and "/" not in str(res.get("name", "")):
                return _kind_of(api_version, res)
        raise ResourceError(f'no matches for kind "{kind}" in version "{api_version}"')

    def kind_named(self, type_name: str) -> Kind:
        """A kind from a kubectl type name: plural, singular, short name or kind, `.group` too."""
        name, _, group = type_name.lower().partition(".")
        for known in KINDS.values():
            if _names(known.plural, known.kind, ()) & {name} and group in ("", known.group):
                return known
        versions = ["v1"] if group in ("", "core") else []
        versions += self._group_versions(group)
        for api_version in versions:
            for res in self._resources(api_version):
                if "/" in str(res.get("name", "")):
                    continue
                shorts = tuple(res.get("shortNames") or ())
                names = _names(str(res.get("name")), str(res.get("kind")), shorts)
                names.add(str(res.get("singularName") or "").lower())
                if name in names:
                    return _kind_of(api_version, res)
        raise ResourceError(f'the server doesn\'t have a resource type "{type_name}"')

    def target(self, kind: Kind, namespace: str, name: str) -> Target:
        """The object, in the pod's namespace when a namespaced manifest names none."""
        return Target(kind, (namespace or self.default_namespace) if kind.namespaced else "", name)

    def _resources(self, api_version: str) -> list[Obj]:
        if api_version not in self._versions:
            group, _, version = api_version.rpartition("/")
            path = f"/apis/{group}/{version}" if group else f"/api/{version}"
            try:
                listing = self.kube.request("GET", path)
            except NotFound:
                listing = {}
            self._versions[api_version] = list(listing.get("resources") or [])
        return self._versions[api_version]

    def _group_versions(self, group: str) -> list[str]:
        groups = self.kube.request("GET", "/apis").get("groups") or []
        found: list[str] = []
        for entry in groups:
            if group and entry.get("name") != group:
                continue
            preferred = (entry.get("preferredVersion") or {}).get("groupVersion")
            if preferred:
                found.append(str(preferred))
        return found

    # --- verbs ---

    def get(self, target: Target) -> Obj:
        """The object as the API has it now."""
        return self._call("GET", target.path(), verb="")

    def create(self, target: Target, body: Obj) -> Obj:
        """POST the object (the server fills a generateName)."""
        path = target.kind.path(target.namespace)
        return self._call("POST", path, body=body, verb="creating")

    def replace(self, target: Target, body: Obj) -> Obj:
        """PUT the whole object; its resourceVersion is the current one unless given."""
        current = self._call("GET", target.path(), verb="replacing")
        meta = body.setdefault("metadata", {})
        meta.setdefault("resourceVersion", (current.get("metadata") or {}).get("resourceVersion"))
        return self._call("PUT", target.path(), body=body, verb="replacing")

    def apply(self, target: Target, manifest: Obj) -> Obj:
        """Create, or patch by the difference from the last applied configuration."""
        applied = json.loads(json.dumps(manifest))
        annotations = applied.setdefault("metadata", {}).setdefault("annotations", {})
        annotations.pop(LAST_APPLIED, None)
        record = json.dumps(applied, separators=(",", ":"), sort_keys=True)
        annotations[LAST_APPLIED] = record
        try:
            current = self.kube.request("GET", target.path())
        except NotFound:
            return self.create(target, applied)
        except KubeError as e:
            raise _error(e, "retrieving current configuration of") from None
        last_text = ((current.get("metadata") or {}).get("annotations") or {}).get(LAST_APPLIED)
        try:
            last = json.loads(last_text) if last_text else {}
        except ValueError:
            last = {}
        patch = three_way(last, applied)
        strategy = "strategic" if is_builtin(target.kind) else "merge"
        return self.patch(target, patch, strategy, verb="applying patch to")

    def patch(self, target: Target, patch: Any, strategy: str, *, verb: str = "") -> Obj:
        """PATCH with `strategy` (strategic, merge or json)."""
        content_type = PATCH_TYPES[strategy]
        return self._call("PATCH", target.path(), body=patch, content_type=content_type, verb=verb)

    def delete(self, target: Target) -> bool:
        """Delete in the background (kubectl's default); False when it was already gone."""
        body = {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Background"}
        try:
            self.kube.request("DELETE", target.path(), body=body)
        except NotFound:
            return False
        except KubeError as e:
            raise _error(e, "") from None
        return True

    def _call(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        content_type: str = "application/json",
        verb: str,
    ) -> Obj:
        try:
            return self.kube.request(method, path, body=body, content_type=content_type)
        except KubeError as e:
            raise _error(e, verb) from None


def _kind_of(api_version: str, res: Obj) -> Kind:
    group, _, version = api_version.rpartition("/")
    return Kind(str(res["kind"]), group, version, str(res["name"]), bool(res.get("namespaced")))


def _names(plural: str, kind: str, shorts: tuple[str, ...]) -> set[str]:
    return {plural.lower(), kind.lower(), *(s.lower() for s in shorts)}


def is_builtin(kind: Kind) -> bool:
    """Kubernetes' own groups take strategic merge patches; custom resources do not."""
    return "." not in kind.group or kind.group.endswith(".k8s.io")


def three_way(last: Any, desired: Any) -> Any:
    """A merge patch that makes the object `desired` and removes what only `last` set."""
    if not isinstance(desired, dict):
        return desired
    patch: Obj = {}
    previous = last if isinstance(last, dict) else {}
    for key in previous:
        if key not in desired:
            patch[key] = None
    for key, value in desired.items():
        if isinstance(value, dict) and isinstance(previous.get(key), dict):
            patch[key] = three_way(previous[key], value)
        else:
            patch[key] = value
    return patch


def _error(e: KubeError, verb: str) -> ResourceError:
    """kubectl's wording: `Error from server (Reason): error when <verb> "<file>": message`."""
    if isinstance(e, Unavailable) or not e.status:
        return ResourceError(str(e), reason=e.reason, transient=True)
    where = f'error when {verb} "{MANIFEST_PATH}": ' if verb else ""
    return ResourceError(f"Error from server ({e.reason}): {where}{e.message}", reason=e.reason)
