"""Finding a node's artifact and its store, for the download routes.

`live_or_archived` reads a workflow live with the request's identity, else the newest archived
one of that name; `by_uid` reads an archived one (the caller must be allowed to `get` it, asked
of Kubernetes in client mode as the archive API does); both restore offloaded nodes. `locate`
then finds the node by id and the artifact by name in its outputs or inputs, completes a
key-only location from the node's template `archiveLocation` (when that names a store) or the
workflow's `status.artifactRepositoryRef.artifactRepository` with `resolve.relocate`, reads the
Secrets that location names in the workflow's namespace through `kube_for` (so the caller's RBAC
applies), and builds the driver, in a thread. A missing workflow, node or artifact is a 404
naming it. Used by `artifacts` and `artifacts_files`; it sends nothing to the client.
"""

from __future__ import annotations

import base64
import binascii
import posixpath
from dataclasses import dataclass

from aiohttp import web

from argoapp.artifacts import Driver, MappingSecrets, driver_for, resolve
from argoapp.kube.errors import NotFound
from argoapp.model.types import Obj
from argoapp.server import archived
from argoapp.server.artifacts_serve import Opened, blocking, open_object
from argoapp.server.context import ARTIFACT_STORE, kube_for, store_of
from argoapp.server.errors import ApiError, Code
from argoapp.server.validation import hydrate
from argoapp.store.archive import ArchiveQuery

OUTPUTS, INPUTS = "outputs", "inputs"


@dataclass(frozen=True)
class Located:
    """A node's artifact with its full location, and the driver that reads it."""

    name: str  # the artifact's name, for messages
    art: Obj
    driver: Driver

    @property
    def key(self) -> str:
        return resolve.get_key(self.art)

    async def open(self) -> Opened:
        """The stored object, open for reading."""
        opened: Opened = await blocking(self.name, open_object, self.driver, self.art)
        return opened

    async def is_directory(self) -> bool:
        return bool(await blocking(self.name, self.driver.is_directory, self.art))

    async def list(self) -> list[str]:
        """The keys under the location, relative to it."""
        return list(await blocking(self.name, self.driver.list, self.art))


def find_artifact(wf: Obj, node_id: str, name: str, direction: str) -> tuple[Obj, Obj]:
    """(node, artifact) of the workflow; a 404 naming what is missing."""
    meta = wf.get("metadata") or {}
    nodes = (wf.get("status") or {}).get("nodes") or {}
    node = nodes.get(node_id) if isinstance(nodes, dict) else None
    if not isinstance(node, dict):
        message = f"node {node_id} not found in workflow {meta.get('name', '')}"
        raise ApiError(Code.NOT_FOUND, message)
    arts = (node.get(direction) or {}).get("artifacts") or []
    for art in arts if isinstance(arts, list) else []:
        if isinstance(art, dict) and art.get("name") == name:
            return node, art
    message = f"artifact {name} not found in the {direction} of node {node_id}"
    raise ApiError(Code.NOT_FOUND, message)


def _template(wf: Obj, name: str) -> Obj | None:
    status = wf.get("status") or {}
    for spec in (wf.get("spec") or {}, status.get("storedWorkflowTemplateSpec") or {}):
        for tmpl in spec.get("templates") or []:
            if isinstance(tmpl, dict) and tmpl.get("name") == name:
                return tmpl
    return None


def repository_location(wf: Obj, node: Obj) -> Obj | None:
    """Where a key-only artifact of `node` lives: its template's own `archiveLocation` when
    that names a store, else the repository the workflow resolved when it started."""
    tmpl = _template(wf, str(node.get("templateName") or ""))
    own = (tmpl or {}).get("archiveLocation")
    if isinstance(own, dict) and resolve.kind(own):
        return own
    ref = (wf.get("status") or {}).get("artifactRepositoryRef") or {}
    repo = ref.get("artifactRepository") if isinstance(ref, dict) else None
    return repo if isinstance(repo, dict) else None


async def secrets_for(request: web.Request, namespace: str, art: Obj) -> MappingSecrets:
    """The values of the Secrets the location names, read with the request's identity."""
    kube = kube_for(request)
    values: dict[tuple[str, str], str] = {}
    secrets: dict[str, Obj] = {}
    for secret_name, key in resolve.secret_refs(art):
        if secret_name not in secrets:
            try:
                secrets[secret_name] = await kube.get("Secret", secret_name, namespace)
            except NotFound:
                secrets[secret_name] = {}  # the driver names the value as missing
        data = secrets[secret_name].get("data") or {}
        if isinstance(data.get(key), str):
            try:
                values[(secret_name, key)] = base64.b64decode(data[key]).decode()
            except (binascii.Error, UnicodeDecodeError):
                pass  # not a credential: the driver names it as missing
    return MappingSecrets(values)


async def locate(
    request: web.Request, wf: Obj, node_id: str, name: str, direction: str, sub_path: str = ""
) -> Located:
    """The node's artifact with its full location (`sub_path` joined onto its key)."""
    node, art = find_artifact(wf, node_id, name, direction)
    if sub_path:
        art = {**art, "subPath": posixpath.join(str(art.get("subPath") or ""), sub_path)}
    repo = repository_location(wf, node)
    builtin = request.app.get(ARTIFACT_STORE)
    if repo is not None and builtin is not None:
        repo = builtin.rebase(repo)  # recorded by an earlier run elsewhere: reach it here
    full: Obj = await blocking(name, resolve.relocate, art, repo)
    namespace = str((wf.get("metadata") or {}).get("namespace") or "")
    secrets = await secrets_for(request, namespace, full)
    driver = await blocking(name, driver_for, full, secrets)
    return Located(name, full, driver)


async def live_or_archived(request: web.Request, namespace: str, name: str) -> Obj:
    """The live workflow read with the caller's identity, else the newest archived one of
    that name (as the API's get falls back); its nodes restored."""
    try:
        wf = await kube_for(request).get("Workflow", name, namespace)
    except NotFound:
        return await _archived_by_name(request, namespace, name)
    await hydrate(wf, store_of(request), strict=True)
    return wf


async def _archived_by_name(request: web.Request, namespace: str, name: str) -> Obj:
    store = archived.archive_of(request)
    query = ArchiveQuery(namespace=namespace, name=name)
    found = await store.archive_list(query, 1) if store is not None else None
    first = found[0][0] if found and found[0] else {}
    uid = str((first.get("metadata") or {}).get("uid") or "")
    if not uid:
        raise ApiError(Code.NOT_FOUND, f'workflows.argoproj.io "{name}" not found')
    return await by_uid(request, uid, namespace)


async def by_uid(request: web.Request, uid: str, namespace: str = "") -> Obj:
    """The archived workflow `uid` (in `namespace` when one is given) the caller may get."""
    kube_for(request)  # client mode without a token: 401 before anything is looked up
    store = archived.archive_of(request)
    wf = await store.archive_get(uid) if store is not None else None
    meta = (wf or {}).get("metadata") or {}
    if wf is None or (namespace and meta.get("namespace") != namespace):
        raise ApiError(Code.NOT_FOUND, f"archived workflow {uid} not found")
    # The archive API's own check (a SelfSubjectAccessReview in client mode), shared on purpose.
    await archived._authorised(
        request, "get", str(meta.get("namespace") or ""), str(meta.get("name") or "")
    )
    await hydrate(wf, store_of(request), strict=True)
    return wf
