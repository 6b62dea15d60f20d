"""A minimal OpenAPI v3 document per group/version, so that `kubectl apply -f` needs no flags.

kubectl (`queryParamVerifierV3`) fetches `/openapi/v3`, then the document of the object's
group/version, and looks for a PATCH operation tagged with the object's
`x-kubernetes-group-version-kind` that takes a `fieldValidation` query parameter. Finding it,
kubectl leaves validation to the server and skips its client-side schema check, which would
otherwise fail for want of schemas. So each resource's item path (and its `/status`) carries
exactly that and no schemas. Without a `requestBody` on the PATCH operation kubectl's apply
uses its compiled-in types for strategic merge and JSON merge patch for custom resources.

`/openapi/v2` is deliberately absent (404): kubectl asks for it as protobuf and tolerates 404.
`apiserver.build_app` mounts `routes()`.
"""

from __future__ import annotations

import functools
import hashlib
import json
from typing import Any

from aiohttp import web

from argoapp.localkube import resources
from argoapp.localkube.discovery import GIT_VERSION
from argoapp.localkube.resources import Resource

Obj = dict[str, Any]


def _prefix(group: str, version: str) -> str:
    """The path of a group/version without its leading slash: `api/v1`, `apis/G/V`."""
    return f"apis/{group}/{version}" if group else f"api/{version}"


def _param(name: str, where: str, description: str) -> Obj:
    return {
        "name": name,
        "in": where,
        "description": description,
        "required": where == "path",
        "schema": {"type": "string", "uniqueItems": True},
    }


def _patch_operation(res: Resource, sub: str) -> Obj:
    scope = "Namespaced" if res.namespaced else ""
    group = (res.group or "core").split(".")[0].capitalize()
    return {
        "description": f"partially update {sub or 'the specified'} {res.kind}",
        "operationId": f"patch{group}{res.version.capitalize()}{scope}{res.kind}"
        + sub.capitalize(),
        "x-kubernetes-action": "patch",
        "x-kubernetes-group-version-kind": {
            "group": res.group,
            "version": res.version,
            "kind": res.kind,
        },
        "parameters": [
            _param("dryRun", "query", "When present, modifications are not persisted."),
            _param("fieldManager", "query", "The name of the actor making the change."),
            _param("fieldValidation", "query", "Ignore, Warn or Strict unknown-field handling."),
            _param("force", "query", "Force an apply request."),
        ],
        "responses": {"200": {"description": "OK"}},
    }


def _paths(res: Resource) -> Obj:
    base = "/" + _prefix(res.group, res.version)
    if res.namespaced:
        base += "/namespaces/{namespace}"
    item = f"{base}/{res.plural}/{{name}}"
    path_params = [_param("name", "path", f"name of the {res.kind}")]
    if res.namespaced:
        path_params.append(_param("namespace", "path", "object name and auth scope"))
    paths = {item: {"parameters": path_params, "patch": _patch_operation(res, "")}}
    if res.has_status:
        paths[f"{item}/status"] = {
            "parameters": path_params,
            "patch": _patch_operation(res, "status"),
        }
    return paths


@functools.cache
def document(group: str, version: str) -> Obj | None:
    """The OpenAPI v3 document of one group/version, or None when it is not served."""
    served = resources.in_group_version(group, version)
    if not served:
        return None
    paths: Obj = {}
    for res in served:
        paths.update(_paths(res))
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": GIT_VERSION},
        "paths": paths,
        "components": {"schemas": {}},
    }


def _hash(doc: Obj) -> str:
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:16].upper()


@functools.cache
def index() -> Obj:
    """The body of `GET /openapi/v3`: where each group/version's document is."""
    paths = {}
    for group, version in resources.group_versions():
        doc = document(group, version)
        assert doc is not None
        prefix = _prefix(group, version)
        paths[prefix] = {"serverRelativeURL": f"/openapi/v3/{prefix}?hash={_hash(doc)}"}
    return {"paths": paths}


async def _index(request: web.Request) -> web.Response:
    return web.json_response(index())


async def _document(request: web.Request) -> web.Response:
    info = request.match_info
    doc = document(info.get("group", ""), info["version"])
    if doc is None:
        raise web.HTTPNotFound()
    return web.json_response(doc)


def routes() -> list[web.RouteDef]:
    """The OpenAPI v3 routes (index and one document per group/version)."""
    return [
        web.get("/openapi/v3", _index),
        web.get("/openapi/v3/api/{version}", _document),
        web.get("/openapi/v3/apis/{group}/{version}", _document),
    ]
