"""Argo's WorkflowService, the plain calls: create, list, get, delete, lint, and submit from a
workflow template, cluster workflow template or cron workflow.

Objects are stored through the request's Kubernetes client (`context.kube_for`) and returned as
Kubernetes returns them. Reads put offloaded nodes back into `status.nodes` before the `fields`
selection. The list is Argo's: filtered by the label selector in Kubernetes and by Argo's field
selector keys here, sorted running first (newest created first), then finished ones (latest
finished first), merged with the archived workflows of the store, newest first, in keyset pages
(`archived_merge`; however many are asked for, or all of them without a limit, they are taken
and encoded a bounded slice at a time with the event loop free in between); `get` falls back to
the newest archived workflow of that name when no live one has it, as Argo Server does. The
state-changing calls (resume, stop, retry, …) are in `workflow_ops`.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from argoapp.engine.submit import from_cron_workflow, from_workflow_template
from argoapp.kube.errors import NotFound
from argoapp.model.types import Obj
from argoapp.server import archived
from argoapp.server.archived_merge import ArchiveRows, Page, merged_page
from argoapp.server.context import (
    body_bool,
    delete_options,
    delete_with,
    json_body,
    json_response,
    kube_for,
    list_response,
    object_field,
    query_bool,
    query_int,
    store_of,
)
from argoapp.server.errors import ApiError, Code, invalid
from argoapp.server.fields import Fields
from argoapp.server.listing import ListFilter
from argoapp.server.validation import hydrate, validate
from argoapp.store.archive import ArchiveQuery

WORKFLOW = "Workflow"
LIST_PAGE = 500  # merged list items taken per turn of the event loop
API_VERSION = "argoproj.io/v1alpha1"

_CRON_KINDS = frozenset({"CronWorkflow", "cronworkflow", "cronworkflows", "cronwf", "cwf"})
_TEMPLATE_KINDS = frozenset({"WorkflowTemplate", "workflowtemplate", "workflowtemplates", "wftmpl"})
_CLUSTER_KINDS = frozenset(
    {
        "ClusterWorkflowTemplate",
        "clusterworkflowtemplate",
        "clusterworkflowtemplates",
        "cwftmpl",
        "cwft",
    }
)


def setup(app: web.Application) -> None:
    """Register the routes (before `workflow_ops`, whose paths are longer)."""
    app.router.add_post("/api/v1/workflows/{namespace}", create)
    app.router.add_get("/api/v1/workflows/", list_workflows)
    app.router.add_get("/api/v1/workflows/{namespace}", list_workflows)
    app.router.add_post("/api/v1/workflows/{namespace}/lint", lint)
    app.router.add_post("/api/v1/workflows/{namespace}/submit", submit)
    app.router.add_get("/api/v1/workflows/{namespace}/{name}", get)
    app.router.add_delete("/api/v1/workflows/{namespace}/{name}", delete)


def _with_type(obj: Obj, kind: str, namespace: str) -> Obj:
    obj.setdefault("apiVersion", API_VERSION)
    obj.setdefault("kind", kind)
    if namespace and not obj["metadata"].get("namespace"):
        obj["metadata"]["namespace"] = namespace
    return obj


async def create(request: web.Request) -> web.Response:
    namespace = request.match_info["namespace"]
    body = await json_body(request)
    wf = _with_type(
        object_field(body, "workflow", "workflow body not specified"), WORKFLOW, namespace
    )
    kube = kube_for(request)
    await validate(kube, namespace, wf)
    if (body.get("createOptions") or {}).get("dryRun"):
        return json_response(wf)  # as Argo: a client dry run answers the workflow unaltered
    # A server dry run is Kubernetes' dry-run create: the workflow as it would be stored
    # (a name made from generateName, uid, timestamps), storing nothing.
    server_dry = body_bool(body, "serverDryRun")
    return json_response(await kube.create(WORKFLOW, wf, namespace, dry_run=server_dry))


async def lint(request: web.Request) -> web.Response:
    namespace = request.match_info["namespace"]
    body = await json_body(request)
    wf = _with_type(object_field(body, "workflow", "unable to get a workflow"), WORKFLOW, "")
    await validate(kube_for(request), namespace, wf, lint=True)
    return json_response(wf)


async def load(request: web.Request, namespace: str, name: str) -> Obj:
    """The live workflow; the name `@latest` is the newest one in the namespace."""
    kube = kube_for(request)
    if name != "@latest":
        return await kube.get(WORKFLOW, name, namespace)
    return latest((await kube.list(WORKFLOW, namespace)).get("items") or [])


def latest(items: list[Obj]) -> Obj:
    """The newest workflow by creation time. Creation times have one-second resolution; as
    Argo's alias does (it keeps the first of the list, by name, unless a later one is strictly
    newer), a tie goes to the smallest name, whatever order the items came in."""
    if not items:
        raise ApiError(Code.NOT_FOUND, "no workflows found")
    newest = max(str(_meta(w).get("creationTimestamp") or "") for w in items)
    tied = [w for w in items if str(_meta(w).get("creationTimestamp") or "") == newest]
    return min(tied, key=lambda w: str(_meta(w).get("name") or ""))


def _meta(obj: Obj) -> Obj:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


async def get(request: web.Request) -> web.Response:
    namespace, name = request.match_info["namespace"], request.match_info["name"]
    fields = Fields(request.query.get("fields", ""))
    try:
        wf = await load(request, namespace, name)
    except NotFound:
        wf = await _archived(request, namespace, name)
    if not fields.will_exclude("status.nodes"):
        await hydrate(wf, store_of(request), strict=False)
    return json_response(fields.clean(wf))


async def _archived(request: web.Request, namespace: str, name: str) -> Obj:
    """The newest archived workflow `namespace/name` (Argo's get falls back to the archive);
    the live NotFound when there is none."""
    store = archived.archive_of(request)
    found = (
        await store.archive_list(ArchiveQuery(namespace=namespace, name=name), 1) if store else None
    )
    uid = ((found[0][0].get("metadata") or {}).get("uid") if found and found[0] else None) or ""
    wf = await store.archive_get(uid) if store and uid else None
    if wf is None:
        raise ApiError(Code.NOT_FOUND, f'workflows.argoproj.io "{name}" not found')
    return wf


async def delete(request: web.Request) -> web.Response:
    namespace, name = request.match_info["namespace"], request.match_info["name"]
    force = query_bool(request, "force")  # a bad value is an error before any lookup
    options = delete_options(request, "Background")
    kube = kube_for(request)
    wf = await load(request, namespace, name)
    name = wf["metadata"]["name"]
    if force and not options.dry_run:
        await kube.patch(WORKFLOW, name, {"metadata": {"finalizers": None}}, namespace)
    await delete_with(kube, WORKFLOW, name, namespace, options)
    return json_response({})


async def list_workflows(request: web.Request) -> web.Response:
    namespace = request.match_info.get("namespace", "")
    q = request.query
    fields = Fields(q.get("fields", ""))
    flt = ListFilter.parse(
        field_selector=q.get("listOptions.fieldSelector", ""),
        name_filter=q.get("nameFilter", ""),
        created_after=q.get("createdAfter", ""),
        finished_before=q.get("finishedBefore", ""),
    )
    limit = query_int(request, "listOptions.limit")
    if limit < 0:
        raise invalid("listOptions.limit must be >= 0")
    listed = await kube_for(request).list(
        WORKFLOW, flt.namespace or namespace, label_selector=q.get("listOptions.labelSelector", "")
    )
    everything = listed.get("items") or []
    uids = {str((w.get("metadata") or {}).get("uid") or "") for w in everything}
    query, _ = archived.query_from(request, namespace)
    page = await _merged(
        [w for w in everything if flt.matches(w)],
        uids,
        archived.archive_of(request),
        query,
        limit,
        q.get("listOptions.continue", ""),
        count_remaining=flt.show_remaining,
    )
    if not fields.will_exclude("items.status.nodes"):
        store = store_of(request)
        for wf in page.items:
            await hydrate(wf, store, strict=False)
    meta: Obj = {"resourceVersion": (listed.get("metadata") or {}).get("resourceVersion", "")}
    if page.continue_token:
        meta["continue"] = page.continue_token
    if flt.show_remaining:
        meta["remainingItemCount"] = page.remaining
    return await list_response(meta, page.items, fields)


async def _merged(
    live: list[Obj],
    live_uids: set[str],
    archive: ArchiveRows | None,
    query: ArchiveQuery,
    limit: int,
    token: str,
    *,
    count_remaining: bool,
) -> Page:
    """`merged_page` for any limit (0: everything), taken LIST_PAGE items at a time with the
    event loop free in between, so a list of the whole archive never holds it for long."""
    items: list[Obj] = []
    while True:
        want = LIST_PAGE if limit <= 0 else min(LIST_PAGE, limit - len(items))
        last = limit > 0 and len(items) + want >= limit
        page = await merged_page(
            live, live_uids, archive, query, want, token, count_remaining=count_remaining and last
        )
        items += page.items
        token = page.continue_token
        if not token or last:
            return Page(items, token, page.remaining)
        await asyncio.sleep(0)


async def submit(request: web.Request) -> web.Response:
    namespace = request.match_info["namespace"]
    body = await json_body(request)
    kind = str(body.get("resourceKind") or "")
    name = str(body.get("resourceName") or "")
    options: Any = body.get("submitOptions") or {}
    if not isinstance(options, dict):
        raise invalid("submitOptions must be an object")
    kube = kube_for(request)
    if kind in _CRON_KINDS:
        cron = await kube.get("CronWorkflow", name, namespace)
        wf = from_cron_workflow(cron, options, now=datetime.now(UTC))
    elif kind in _TEMPLATE_KINDS:
        tmpl = await kube.get("WorkflowTemplate", name, namespace)
        wf = from_workflow_template(tmpl, cluster_scope=False, options=options)
    elif kind in _CLUSTER_KINDS:
        tmpl = await kube.get("ClusterWorkflowTemplate", name)
        wf = from_workflow_template(tmpl, cluster_scope=True, options=options)
    else:
        raise invalid(f"Resource kind '{kind}' is not supported for submitting")
    wf["metadata"]["namespace"] = namespace
    await validate(kube, namespace, wf)
    if body_bool(options, "dryRun"):
        return json_response(wf)
    server_dry = body_bool(options, "serverDryRun")
    return json_response(await kube.create(WORKFLOW, wf, namespace, dry_run=server_dry))
