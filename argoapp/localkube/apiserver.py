"""localkube's HTTP API: the Kubernetes REST surface that kubectl and kubernetes-asyncio use.

`build_app` returns an aiohttp application serving discovery (`discovery`), an OpenAPI v3 stub
(`openapi`) and, for every type in `resources.RESOURCES`, the collection, item and subresource
paths of `/api/v1/…` and `/apis/G/V/…` (`handlers`, `streams`). `cluster.LocalKube` and the
tests run it with `web.AppRunner` + `web.TCPSite` on the shared event loop.

It only translates HTTP to `objects.ObjectService` calls and back; it stores nothing and
enforces no API rule beyond parsing. Every request needs a bearer token localkube knows and
an RBAC rule allowing it (`rbac_http.auth_middleware`; the admin token passes at once). Every
failure leaves as a `Status` body: `ApiError`s with their own code, aiohttp's routing errors as 404,
405 and 413, and anything unexpected as a logged 500 "internal error" with no traceback.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from argoapp.localkube import discovery, handlers, openapi, rbac, rbac_http
from argoapp.localkube.errors import (
    ApiError,
    MethodNotAllowed,
    NotFound,
    TooLarge,
)
from argoapp.localkube.handlers import API, Api
from argoapp.localkube.objects import ObjectService
from argoapp.localkube.podlogs import PodLogSource
from argoapp.localkube.resources import RESOURCES, Resource
from argoapp.localkube.streams import Streams

log = logging.getLogger(__name__)

# The kube-apiserver's request size limit; aiohttp's default (1 MiB) is too small for kubectl.
MAX_BODY_BYTES = 3 * 1024 * 1024

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
ResourceHandler = Callable[[Resource, web.Request], Awaitable[web.StreamResponse]]


def build_app(
    service: ObjectService, *, token: str, logs: PodLogSource | None = None
) -> web.Application:
    """The localkube API application over `service`, guarded by `token`."""
    app = web.Application(
        client_max_size=MAX_BODY_BYTES, middlewares=[_statuses, rbac_http.auth_middleware]
    )
    app[API] = Api(service=service, token=token, logs=logs, streams=Streams())
    app[rbac_http.AUTHORIZER] = rbac.Authorizer(service, token)
    app.add_routes(rbac_http.routes())
    app.add_routes(discovery.routes())
    app.add_routes(openapi.routes())
    app.add_routes(resource_routes())
    app.on_shutdown.append(_end_streams)
    return app


async def _end_streams(app: web.Application) -> None:
    """Shutdown: end open watches and log streams so the server does not wait on them."""
    app[API].streams.close_all()


def _status_response(error: ApiError) -> web.Response:
    return web.json_response(error.status(), status=error.code)


def _from_http(exc: web.HTTPException) -> ApiError:
    if isinstance(exc, web.HTTPNotFound):
        return NotFound("the server could not find the requested resource")
    if isinstance(exc, web.HTTPMethodNotAllowed):
        return MethodNotAllowed("the server does not allow this method on the requested resource")
    if isinstance(exc, web.HTTPRequestEntityTooLarge):
        return TooLarge(f"the request body is larger than the limit of {MAX_BODY_BYTES} bytes")
    error = ApiError(exc.text or exc.reason)
    error.code, error.reason = exc.status, exc.reason.replace(" ", "")
    return error


@web.middleware
async def _statuses(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn every failure into a `Status` response."""
    try:
        return await handler(request)
    except ApiError as exc:
        return _status_response(exc)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return _status_response(_from_http(exc))
    except Exception:
        log.exception("localkube: %s %s failed", request.method, request.path_qs)
        return _status_response(ApiError("internal error"))


def _prefix(res: Resource) -> str:
    return f"/apis/{res.group}/{res.version}" if res.group else f"/api/{res.version}"


def _bind(handler: ResourceHandler, res: Resource) -> Handler:
    return functools.partial(handler, res)


def _subresource_routes(res: Resource, item: str) -> list[web.RouteDef]:
    routes = []
    for sub in res.subresources:
        path = f"{item}/{sub}"
        if sub == "status":
            routes += [
                web.get(path, _bind(handlers.get, res)),
                web.put(path, _bind(handlers.replace_status, res)),
                web.patch(path, _bind(handlers.patch_status, res)),
            ]
        elif sub == "log":
            routes.append(web.get(path, _bind(handlers.log, res)))
    return routes


def resource_routes() -> list[web.RouteDef]:
    """The paths of every served resource, from `resources.RESOURCES`."""
    routes = []
    for res in RESOURCES:
        base = _prefix(res)
        if res.namespaced:
            # across all namespaces: list and watch only
            routes.append(web.get(f"{base}/{res.plural}", _bind(handlers.list_or_watch, res)))
            collection = f"{base}/namespaces/{{namespace}}/{res.plural}"
        else:
            collection = f"{base}/{res.plural}"
        item = f"{collection}/{{name}}"
        routes += [
            web.get(collection, _bind(handlers.list_or_watch, res)),
            web.post(collection, _bind(handlers.create, res)),
            web.delete(collection, _bind(handlers.delete_collection, res)),
            web.get(item, _bind(handlers.get, res)),
            web.put(item, _bind(handlers.replace, res)),
            web.patch(item, _bind(handlers.patch, res)),
            web.delete(item, _bind(handlers.delete, res)),
            *_subresource_routes(res, item),
        ]
    return routes
