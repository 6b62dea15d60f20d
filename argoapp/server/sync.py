"""Argo's SyncService: the limits of semaphores kept in ConfigMaps (`argo sync`).

    POST   /api/v1/sync/{namespace}         create a limit  {cmName, key, limit, type}
    GET    /api/v1/sync/{namespace}/{key}   read it         ?cmName=…&type=…
    PUT    /api/v1/sync/{namespace}/{key}   change it       {cmName, limit, type}
    DELETE /api/v1/sync/{namespace}/{key}   remove the key  ?cmName=…&type=…

A limit is one key of a ConfigMap (`data[key] = "<limit>"`), the same place a workflow's
`synchronization.semaphores[].configMapKeyRef` reads. Answers are `SyncLimitResponse`
(`{cmName, namespace, key, limit, type}`), delete answers `{}`. Only the CONFIGMAP type is served:
DATABASE limits need Argo's database synchronization, which argoapp does not have (Argo answers
the same way when its sync API is not enabled). Messages and codes are Argo's.
"""

from __future__ import annotations

from aiohttp import web

from argoapp.kube.errors import NotFound
from argoapp.model.types import Obj
from argoapp.server.context import json_body, json_response, kube_for
from argoapp.server.errors import ApiError, Code, invalid

CONFIGMAP = "CONFIGMAP"
_TYPES = {"": CONFIGMAP, "0": CONFIGMAP, CONFIGMAP: CONFIGMAP, "1": "DATABASE"}


def setup(app: web.Application) -> None:
    """Register the routes."""
    app.router.add_post("/api/v1/sync/{namespace}", create_limit)
    app.router.add_get("/api/v1/sync/{namespace}/{key}", get_limit)
    app.router.add_put("/api/v1/sync/{namespace}/{key}", update_limit)
    app.router.add_delete("/api/v1/sync/{namespace}/{key}", delete_limit)


def _type(raw: object) -> None:
    """Refuse any type but CONFIGMAP, with Argo's message."""
    kind = _TYPES.get(str(raw if raw is not None else ""), str(raw))
    if kind != CONFIGMAP:
        raise invalid(f"unsupported sync config type: {kind}")


def _limit(body: Obj) -> int:
    raw = body.get("limit")
    try:
        limit = int(raw) if isinstance(raw, (int, str)) and not isinstance(raw, bool) else 0
    except ValueError:
        raise invalid(f"invalid value for limit: {raw!r}") from None
    if limit <= 0:
        raise invalid("limit must be greater than zero")
    return limit


def _cm_name(value: object) -> str:
    name = str(value or "")
    if not name:
        raise invalid("cmName is required")
    return name


def _answer(cm: Obj, key: str, limit: int) -> web.Response:
    meta = cm.get("metadata") or {}
    return json_response(
        {
            "cmName": meta.get("name", ""),
            "namespace": meta.get("namespace", ""),
            "key": key,
            "limit": limit,
            "type": CONFIGMAP,
        }
    )


async def create_limit(request: web.Request) -> web.Response:
    namespace = request.match_info["namespace"]
    body = await json_body(request)
    limit = _limit(body)
    _type(body.get("type"))
    name, key = _cm_name(body.get("cmName")), str(body.get("key") or "")
    if not key:
        raise invalid("key is required")
    kube = kube_for(request)
    try:
        cm = await kube.get("ConfigMap", name, namespace)
    except NotFound:
        cm = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": namespace},
            "data": {key: str(limit)},
        }
        return _answer(await kube.create("ConfigMap", cm, namespace), key, limit)
    if key in (cm.get("data") or {}):
        raise ApiError(Code.ALREADY_EXISTS, "sync limit cannot be created as it already exists")
    return await _store(request, cm, key, limit)


async def _store(request: web.Request, cm: Obj, key: str, limit: int) -> web.Response:
    data = cm.get("data") or {}
    cm["data"] = {**data, key: str(limit)}
    stored = await kube_for(request).replace("ConfigMap", cm, request.match_info["namespace"])
    return _answer(stored, key, limit)


async def get_limit(request: web.Request) -> web.Response:
    namespace, key = request.match_info["namespace"], request.match_info["key"]
    _type(request.query.get("type"))
    cm = await kube_for(request).get("ConfigMap", _cm_name(request.query.get("cmName")), namespace)
    raw = (cm.get("data") or {}).get(key)
    if raw is None:
        raise ApiError(Code.NOT_FOUND, f"key {key} not found in configmap {namespace}/{_n(cm)}")
    try:
        limit = int(raw)
    except ValueError:
        raise invalid(
            f"invalid limit format for key {key} in configmap {namespace}/{_n(cm)}"
        ) from None
    return _answer(cm, key, limit)


def _n(cm: Obj) -> str:
    return str((cm.get("metadata") or {}).get("name", ""))


async def update_limit(request: web.Request) -> web.Response:
    namespace, key = request.match_info["namespace"], request.match_info["key"]
    body = await json_body(request)
    limit = _limit(body)
    _type(body.get("type"))
    cm = await kube_for(request).get("ConfigMap", _cm_name(body.get("cmName")), namespace)
    if key not in (cm.get("data") or {}):
        raise ApiError(
            Code.NOT_FOUND,
            f"key {key} not found in configmap {namespace}/{_n(cm)} - please create it first",
        )
    return await _store(request, cm, key, limit)


async def delete_limit(request: web.Request) -> web.Response:
    namespace, key = request.match_info["namespace"], request.match_info["key"]
    _type(request.query.get("type"))
    kube = kube_for(request)
    cm = await kube.get("ConfigMap", _cm_name(request.query.get("cmName")), namespace)
    data = dict(cm.get("data") or {})
    if key in data:
        del data[key]
        cm["data"] = data
        await kube.replace("ConfigMap", cm, namespace)
    return json_response({})
