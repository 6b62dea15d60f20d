"""The resource endpoints: list, watch, create, get, replace, patch and delete over HTTP.

Each handler is bound to one `resources.Resource` by `apiserver.resource_routes` and reads the
namespace and name from the URL. It parses the request with `params`, makes one call to
`objects.ObjectService`, and shapes the answer: plain JSON, or a `tables` Table when kubectl
asks for one. Watches and logs are handed to `streams`. Errors are raised as `ApiError`s and
become `Status` responses in `apiserver`'s middleware; nothing here catches them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web

from argoapp.localkube import params, streams, tables
from argoapp.localkube import resources as r
from argoapp.localkube.errors import ApiError, MethodNotAllowed
from argoapp.localkube.objects import ObjectService
from argoapp.localkube.podlogs import PodLogSource
from argoapp.localkube.resources import Resource

Obj = dict[str, Any]


@dataclass(frozen=True)
class Api:
    """What the handlers of one app share."""

    service: ObjectService
    token: str
    logs: PodLogSource | None
    streams: streams.Streams


API = web.AppKey("localkube_api", Api)


def _require(res: Resource, verb: str) -> None:
    if verb not in res.verbs:
        raise MethodNotAllowed(f"{verb} is not supported on {res.key}")


def _namespace(request: web.Request) -> str | None:
    return request.match_info.get("namespace")


def _name(request: web.Request) -> str:
    return request.match_info["name"]


def _respond(request: web.Request, res: Resource, obj: Obj, status: int = 200) -> web.Response:
    """One object, as JSON or as a one-row Table."""
    table_version = tables.wants_table(request.headers.get("Accept", ""))
    if table_version and obj.get("kind") == res.kind:
        include = request.query.get("includeObject", "Metadata")
        obj = tables.table(res, [obj], table_version, include=include)
    return web.json_response(obj, status=status)


# -- collections: /…/PLURAL -------------------------------------------------------------------


async def list_or_watch(res: Resource, request: web.Request) -> web.StreamResponse:
    """GET on a collection: a `<Kind>List` (or Table), or a watch stream."""
    api = request.app[API]
    query = params.list_query(request.query)
    _require(res, "watch" if query.watch else "list")
    if query.watch:
        return await streams.watch(
            request, api.streams, api.service, res, _namespace(request), query
        )
    listed = await api.service.list(
        res,
        _namespace(request),
        label_selector=query.label_selector,
        field_selector=query.field_selector,
        limit=query.limit,
        continue_token=query.continue_token,
    )
    table_version = tables.wants_table(request.headers.get("Accept", ""))
    if table_version:
        listed = tables.table(
            res,
            listed["items"],
            table_version,
            list_meta=listed["metadata"],
            include=request.query.get("includeObject", "Metadata"),
        )
    return web.json_response(listed)


async def create(res: Resource, request: web.Request) -> web.Response:
    """POST on a collection; the namespace in the URL wins over an empty one in the body."""
    _require(res, "create")
    dry_run = params.dry_run(request.query)
    body = await params.object_body(request)
    created = await request.app[API].service.create(res, _namespace(request), body, dry_run=dry_run)
    return _respond(request, res, created, status=201)


async def delete_collection(res: Resource, request: web.Request) -> web.Response:
    """DELETE on a collection: delete what the selectors match; answer with what went."""
    _require(res, "deletecollection")
    service = request.app[API].service
    options = await params.delete_options(request)
    query = params.list_query(request.query)
    namespace = _namespace(request)
    listed = await service.list(
        res, namespace, label_selector=query.label_selector, field_selector=query.field_selector
    )
    deleted = []
    for obj in listed["items"]:
        meta = obj["metadata"]
        try:
            deleted.append(
                await service.delete(
                    res,
                    meta.get("namespace") or namespace,
                    meta["name"],
                    propagation_policy=options.propagation_policy,
                    grace_period_seconds=options.grace_period_seconds,
                    preconditions=options.preconditions,
                    dry_run=options.dry_run,
                )
            )
        except ApiError as exc:
            if exc.code != 404:  # gone meanwhile: that is what was asked
                raise
    return web.json_response(
        {
            "kind": f"{res.kind}List",
            "apiVersion": res.group_version,
            "metadata": {"resourceVersion": listed["metadata"].get("resourceVersion", "")},
            "items": deleted,
        }
    )


# -- one object: /…/PLURAL/NAME and its status ------------------------------------------------


async def get(res: Resource, request: web.Request) -> web.Response:
    """GET one object (also its `/status`, which is the whole object)."""
    _require(res, "get")
    obj = await request.app[API].service.get(res, _namespace(request), _name(request))
    return _respond(request, res, obj)


async def replace(res: Resource, request: web.Request, subresource: str = "") -> web.Response:
    """PUT one object, or its status."""
    _require(res, "update")
    dry_run = params.dry_run(request.query)
    body = await params.object_body(request)
    obj = await request.app[API].service.replace(
        res, _namespace(request), _name(request), body, subresource=subresource, dry_run=dry_run
    )
    return _respond(request, res, obj)


async def patch(res: Resource, request: web.Request, subresource: str = "") -> web.Response:
    """PATCH one object, or its status, with any of the four patch types."""
    _require(res, "patch")
    dry_run = params.dry_run(request.query)
    content_type, body = await params.patch_body(request)
    obj = await request.app[API].service.patch(
        res,
        _namespace(request),
        _name(request),
        content_type,
        body,
        subresource=subresource,
        dry_run=dry_run,
    )
    return _respond(request, res, obj)


async def replace_status(res: Resource, request: web.Request) -> web.Response:
    return await replace(res, request, "status")


async def patch_status(res: Resource, request: web.Request) -> web.Response:
    return await patch(res, request, "status")


def _lingers(obj: Obj) -> bool:
    """Whether a deleted object remains, waiting for its finalizers."""
    meta = obj.get("metadata") or {}
    return bool(meta.get("deletionTimestamp")) and bool(meta.get("finalizers"))


async def delete(res: Resource, request: web.Request) -> web.Response:
    """DELETE one object: the object while it lingers, else a `Success` Status.

    Pods and namespaces always answer with the object, as the real API server's do.
    """
    _require(res, "delete")
    options = await params.delete_options(request)
    obj = await request.app[API].service.delete(
        res,
        _namespace(request),
        _name(request),
        propagation_policy=options.propagation_policy,
        grace_period_seconds=options.grace_period_seconds,
        preconditions=options.preconditions,
        dry_run=options.dry_run,
    )
    if res in (r.PODS, r.NAMESPACES) or _lingers(obj):
        return web.json_response(obj)
    meta = obj.get("metadata") or {}
    return web.json_response(
        {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Success",
            "details": {
                "name": meta.get("name", _name(request)),
                "group": res.group,
                "kind": res.plural,
                "uid": meta.get("uid", ""),
            },
        }
    )


async def log(res: Resource, request: web.Request) -> web.StreamResponse:
    """GET `pods/NAME/log`."""
    api = request.app[API]
    return await streams.pod_log(
        request, api.streams, api.service, api.logs, res, _namespace(request), _name(request)
    )
