"""Argo's WorkflowTemplateService and ClusterWorkflowTemplateService: create, get, list, update
(PUT), delete and lint of `/api/v1/workflow-templates/{ns}[/{name}]` and
`/api/v1/cluster-workflow-templates[/{name}]`; `GET /api/v1/workflow-templates/` lists the
templates of every namespace.

Both kinds share one implementation (`_Kind` says which); cluster templates have no namespace.
Templates are validated as the workflow they stand for before create, update and lint; lists are
sorted by name and can be narrowed with `namePattern` (a substring of the name).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from argoapp.model.types import Obj
from argoapp.server.context import (
    delete_options,
    delete_with,
    json_body,
    json_response,
    kube_for,
    object_field,
    query_int,
)
from argoapp.server.validation import validate_template

API_VERSION = "argoproj.io/v1alpha1"


@dataclass(frozen=True)
class _Kind:
    kind: str
    namespaced: bool

    def namespace(self, request: web.Request) -> str:
        return request.match_info.get("namespace", "") if self.namespaced else ""

    def body(self, body: Obj, missing: str, namespace: str) -> Obj:
        tmpl = object_field(body, "template", missing)
        tmpl.setdefault("apiVersion", API_VERSION)
        tmpl.setdefault("kind", self.kind)
        if self.namespaced and not tmpl["metadata"].get("namespace"):
            tmpl["metadata"]["namespace"] = namespace
        return tmpl


_TEMPLATE = _Kind("WorkflowTemplate", True)
_CLUSTER = _Kind("ClusterWorkflowTemplate", False)


def setup(app: web.Application) -> None:
    """Register the routes of both services."""
    for kind, base, item in (
        (_TEMPLATE, "/api/v1/workflow-templates/{namespace}", "{name}"),
        (_CLUSTER, "/api/v1/cluster-workflow-templates", "{name}"),
    ):
        app.router.add_post(base, _handler(_create, kind))
        app.router.add_get(base, _handler(_list, kind))
        app.router.add_post(f"{base}/lint", _handler(_lint, kind))
        app.router.add_get(f"{base}/{item}", _handler(_get, kind))
        app.router.add_put(f"{base}/{item}", _handler(_update, kind))
        app.router.add_delete(f"{base}/{item}", _handler(_delete, kind))
    # An empty namespace lists every namespace's templates (`argo template list -A`).
    app.router.add_get("/api/v1/workflow-templates/", _handler(_list, _TEMPLATE))


KindHandler = Callable[[web.Request, _Kind], Awaitable[web.Response]]


def _handler(fn: KindHandler, kind: _Kind) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        return await fn(request, kind)

    return handle


async def _create(request: web.Request, k: _Kind) -> web.Response:
    namespace = k.namespace(request)
    tmpl = k.body(
        await json_body(request), "workflow template was not found in the request body", namespace
    )
    kube = kube_for(request)
    await validate_template(kube, namespace, tmpl)
    return json_response(await kube.create(k.kind, tmpl, namespace))


async def _lint(request: web.Request, k: _Kind) -> web.Response:
    namespace = k.namespace(request)
    tmpl = k.body(
        await json_body(request), "workflow template was not found in the request body", ""
    )
    await validate_template(kube_for(request), namespace, tmpl)
    return json_response(tmpl)


async def _get(request: web.Request, k: _Kind) -> web.Response:
    kube = kube_for(request)
    return json_response(await kube.get(k.kind, request.match_info["name"], k.namespace(request)))


async def _list(request: web.Request, k: _Kind) -> web.Response:
    q = request.query
    pattern = q.get("namePattern", "")
    listed = await kube_for(request).list(
        k.kind,
        k.namespace(request),
        label_selector=q.get("listOptions.labelSelector", ""),
        field_selector=q.get("listOptions.fieldSelector", ""),
        # A name pattern filters here, so Kubernetes must send everything.
        limit=0 if pattern else query_int(request, "listOptions.limit"),
        continue_="" if pattern else q.get("listOptions.continue", ""),
    )
    items = [
        t for t in listed.get("items") or [] if pattern in (t.get("metadata") or {}).get("name", "")
    ]
    listed["items"] = sorted(items, key=_name_order)
    return json_response(listed)


def _name_order(t: Obj) -> tuple[str, str]:
    meta = t.get("metadata") or {}
    return (meta.get("name", ""), meta.get("namespace", ""))


async def _update(request: web.Request, k: _Kind) -> web.Response:
    namespace = k.namespace(request)
    tmpl = k.body(
        await json_body(request), "WorkflowTemplate is not found in Request body", namespace
    )
    tmpl["metadata"].setdefault("name", request.match_info["name"])
    kube = kube_for(request)
    await validate_template(kube, namespace, tmpl)
    return json_response(await kube.replace(k.kind, tmpl, namespace))


async def _delete(request: web.Request, k: _Kind) -> web.Response:
    options = delete_options(request)
    kube = kube_for(request)
    namespace, name = k.namespace(request), request.match_info["name"]
    await kube.get(k.kind, name, namespace)
    await delete_with(kube, k.kind, name, namespace, options)
    return json_response({})
