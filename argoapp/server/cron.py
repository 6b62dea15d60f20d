"""Argo's CronWorkflowService: create, get, list, update (PUT), delete and lint of
`/api/v1/cron-workflows/{ns}[/{name}]`, and `PUT …/{name}/suspend|resume`;
`GET /api/v1/cron-workflows/` lists the cron workflows of every namespace.

A cron workflow is validated as the Workflow it would create (its `workflowSpec`); scheduling
itself is the controller's. Suspend and resume are merge patches of `spec.suspend`, as Argo's.
"""

from __future__ import annotations

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
from argoapp.server.errors import Code
from argoapp.server.validation import validate_cron

KIND = "CronWorkflow"
API_VERSION = "argoproj.io/v1alpha1"
BASE = "/api/v1/cron-workflows/{namespace}"


def setup(app: web.Application) -> None:
    """Register the routes."""
    app.router.add_post(BASE, create)
    app.router.add_get(BASE, list_crons)
    app.router.add_get("/api/v1/cron-workflows/", list_crons)  # every namespace's
    app.router.add_post(f"{BASE}/lint", lint)
    app.router.add_get(BASE + "/{name}", get)
    app.router.add_put(BASE + "/{name}", update)
    app.router.add_delete(BASE + "/{name}", delete)
    app.router.add_put(BASE + "/{name}/suspend", suspend)
    app.router.add_put(BASE + "/{name}/resume", resume)


def _cron(body: Obj, namespace: str) -> Obj:
    # Argo answers a request without a cron workflow with NotFound.
    cron = object_field(
        body, "cronWorkflow", "cron workflow was not found in the request body", Code.NOT_FOUND
    )
    cron.setdefault("apiVersion", API_VERSION)
    cron.setdefault("kind", KIND)
    if namespace and not cron["metadata"].get("namespace"):
        cron["metadata"]["namespace"] = namespace
    return cron


async def create(request: web.Request) -> web.Response:
    namespace = request.match_info["namespace"]
    cron = _cron(await json_body(request), namespace)
    kube = kube_for(request)
    await validate_cron(kube, namespace, cron)
    return json_response(await kube.create(KIND, cron, namespace))


async def lint(request: web.Request) -> web.Response:
    namespace = request.match_info["namespace"]
    cron = _cron(await json_body(request), "")
    await validate_cron(kube_for(request), namespace, cron)
    return json_response(cron)


async def get(request: web.Request) -> web.Response:
    namespace, name = request.match_info["namespace"], request.match_info["name"]
    return json_response(await kube_for(request).get(KIND, name, namespace))


async def list_crons(request: web.Request) -> web.Response:
    q = request.query
    listed = await kube_for(request).list(
        KIND,
        request.match_info.get("namespace", ""),
        label_selector=q.get("listOptions.labelSelector", ""),
        field_selector=q.get("listOptions.fieldSelector", ""),
        limit=query_int(request, "listOptions.limit"),
        continue_=q.get("listOptions.continue", ""),
    )
    listed["items"] = listed.get("items") or []
    return json_response(listed)


async def update(request: web.Request) -> web.Response:
    namespace = request.match_info["namespace"]
    cron = _cron(await json_body(request), namespace)
    cron["metadata"].setdefault("name", request.match_info["name"])
    kube = kube_for(request)
    await kube.get(KIND, cron["metadata"]["name"], namespace)
    await validate_cron(kube, namespace, cron)
    return json_response(await kube.replace(KIND, cron, namespace))


async def delete(request: web.Request) -> web.Response:
    namespace, name = request.match_info["namespace"], request.match_info["name"]
    options = delete_options(request)
    kube = kube_for(request)
    await kube.get(KIND, name, namespace)
    await delete_with(kube, KIND, name, namespace, options)
    return json_response({})


async def _set_suspend(request: web.Request, value: bool) -> web.Response:
    namespace, name = request.match_info["namespace"], request.match_info["name"]
    patched = await kube_for(request).patch(KIND, name, {"spec": {"suspend": value}}, namespace)
    return json_response(patched)


async def suspend(request: web.Request) -> web.Response:
    return await _set_suspend(request, True)


async def resume(request: web.Request) -> web.Response:
    return await _set_suspend(request, False)
