"""Argo's ArchivedWorkflowService over the store's archive (`argoapp.store.archive`).

Routes: `GET /api/v1/archived-workflows` (listOptions.labelSelector, .fieldSelector, .limit,
.continue, `namespace`, `namePrefix`, `nameFilter`), `GET` and `DELETE
/api/v1/archived-workflows/{uid}` (`namespace` and `name` must match when given),
`GET /api/v1/archived-workflows-label-keys`, `GET /api/v1/archived-workflows-label-values`
(`listOptions.labelSelector` is the key, one `exists` term, as Argo requires; both only of
the `namespace` given, where Argo's answer every namespace's, so that a caller allowed one
namespace learns nothing of the others), and
`PUT /api/v1/archived-workflows/{uid}/resubmit` and `/retry`, which make a live workflow from an
archived one with the engine's operations (retry refuses when a live workflow has its name).

Lists answer Argo's WorkflowList with summaries (metadata and the status' headline, no nodes)
and a keyset `continue` token. Without a store that keeps an archive every route answers
Argo's "archive disabled" (NotFound for lists, as Argo's nullWorkflowArchive gives nothing).
Authorisation goes through `kube_for` where Kubernetes is touched; in `client` auth mode every
archive read or delete first asks Kubernetes whether the caller may list, get or delete
workflows there (a SelfSubjectAccessReview, as Argo Server's `auth.CanI`).
"""

from __future__ import annotations

import dataclasses
import secrets
import string
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

from aiohttp import web

from argoapp.engine import operations
from argoapp.engine.operations_retry import dropped_task_results
from argoapp.kube.errors import NotFound
from argoapp.kube.resources import Kind
from argoapp.model.types import Obj
from argoapp.server.context import AUTH_MODE, STORE, body_bool, json_body, json_response, kube_for
from argoapp.server.errors import ApiError, Code, invalid
from argoapp.server.fields import Fields
from argoapp.server.listing import ListFilter
from argoapp.server.validation import validate
from argoapp.server.workflow_ops import delete_leftovers
from argoapp.store.archive import ArchiveError, ArchiveQuery, decode_position
from argoapp.store.archive_selector import SelectorError, parse_selector

_SUFFIX_ALPHABET = string.ascii_lowercase + string.digits
_ACCESS_REVIEW = Kind(
    "SelfSubjectAccessReview", "authorization.k8s.io", "v1", "selfsubjectaccessreviews", False
)


@runtime_checkable
class ArchiveStore(Protocol):
    """The archive calls of `argoapp.store.Store` the API uses."""

    async def archive_get(self, uid: str) -> Obj | None: ...

    async def archive_list(
        self, query: ArchiveQuery, limit: int = 0, continue_token: str = ""
    ) -> tuple[list[Obj], str]: ...

    async def archive_rows(
        self, query: ArchiveQuery, limit: int = 0
    ) -> list[tuple[str, str, Obj]]: ...

    async def archive_count(self, query: ArchiveQuery) -> int: ...

    async def archive_delete(self, uid: str) -> bool: ...

    async def archive_label_keys(self, namespace: str = "") -> list[str]: ...

    async def archive_label_values(self, key: str, namespace: str = "") -> list[str]: ...


def archive_of(request: web.Request) -> ArchiveStore | None:
    """The app's store when it keeps an archive."""
    store = request.app.get(STORE)
    return store if isinstance(store, ArchiveStore) else None


def setup(app: web.Application) -> None:
    """Register the routes."""
    app.router.add_get("/api/v1/archived-workflows", list_archived)
    app.router.add_get("/api/v1/archived-workflows/", list_archived)
    app.router.add_get("/api/v1/archived-workflows-label-keys", label_keys)
    app.router.add_get("/api/v1/archived-workflows-label-values", label_values)
    app.router.add_get("/api/v1/archived-workflows/{uid}", get_archived)
    app.router.add_delete("/api/v1/archived-workflows/{uid}", delete_archived)
    app.router.add_put("/api/v1/archived-workflows/{uid}/resubmit", resubmit)
    app.router.add_put("/api/v1/archived-workflows/{uid}/retry", retry)


def _store(request: web.Request) -> ArchiveStore:
    store = archive_of(request)
    if store is None:
        raise ApiError(Code.NOT_FOUND, "archived workflows are not kept (archive disabled)")
    return store


async def _authorised(request: web.Request, verb: str, namespace: str, name: str = "") -> None:
    """In client mode, may the caller do `verb` on workflows in `namespace`? Asked of
    Kubernetes with a SelfSubjectAccessReview, as Argo Server's `auth.CanI` does."""
    if request.app[AUTH_MODE] != "client":
        return
    attributes = {"verb": verb, "group": "argoproj.io", "resource": "workflows"}
    if namespace:
        attributes["namespace"] = namespace
    if name:
        attributes["name"] = name
    review = await kube_for(request).create(
        _ACCESS_REVIEW,
        {
            "apiVersion": _ACCESS_REVIEW.api_version,
            "kind": _ACCESS_REVIEW.kind,
            "spec": {"resourceAttributes": attributes},
        },
    )
    if not (review.get("status") or {}).get("allowed"):
        raise ApiError(Code.PERMISSION_DENIED, "permission denied")


def query_from(request: web.Request, namespace: str = "") -> tuple[ArchiveQuery, bool]:
    """The archive query Argo's list options and name filters stand for, and whether the
    remaining item count was asked for (`ext.showRemainingItemCount`)."""
    q = request.query
    flt = ListFilter.parse(
        field_selector=q.get("listOptions.fieldSelector", ""),
        name_filter=q.get("nameFilter", ""),
        created_after=q.get("createdAfter", ""),
        finished_before=q.get("finishedBefore", ""),
    )
    try:
        selector = tuple(parse_selector(q.get("listOptions.labelSelector", "")))
    except SelectorError as e:
        raise invalid(str(e)) from None
    query = ArchiveQuery(
        namespace=flt.namespace or namespace,
        selector=selector,
        name=flt.name,
        name_filter=flt.name_filter,
        name_prefix=q.get("namePrefix", ""),
        min_started=flt.min_started,
        max_started=flt.max_started,
        created_after=flt.created_after,
        finished_before=flt.finished_before,
    )
    return query, flt.show_remaining


def _limit(request: web.Request) -> int:
    raw = request.query.get("listOptions.limit", "")
    try:
        limit = int(raw) if raw else 0
    except ValueError:
        raise invalid(f'strconv.ParseInt: parsing "{raw}": invalid syntax') from None
    if limit < 0:
        raise invalid("listOptions.limit must be >= 0")
    return limit


async def list_archived(request: web.Request) -> web.Response:
    store = _store(request)
    query, show_remaining = query_from(request, request.query.get("namespace", ""))
    await _authorised(request, "list", query.namespace)
    try:
        items, token = await store.archive_list(
            query, _limit(request), request.query.get("listOptions.continue", "")
        )
    except ArchiveError as e:
        raise invalid(str(e)) from None
    meta: Obj = {}
    if token:
        meta["continue"] = token
    if show_remaining:
        after = dataclasses.replace(query, after=decode_position(token)) if token else None
        meta["remainingItemCount"] = await store.archive_count(after) if after else 0
    fields = Fields(request.query.get("fields", ""))
    return json_response(fields.clean({"metadata": meta, "items": items}))


async def _load(request: web.Request, verb: str = "get") -> Obj:
    """The archived workflow of the path's uid; `namespace`/`name` queries must match it, and
    the caller may `verb` it."""
    store = _store(request)
    uid = request.match_info["uid"]
    wf = await store.archive_get(uid)
    meta = (wf or {}).get("metadata") or {}
    namespace, name = request.query.get("namespace", ""), request.query.get("name", "")
    if wf is None or (namespace and meta.get("namespace") != namespace):
        raise ApiError(Code.NOT_FOUND, "not found")
    if name and meta.get("name") != name:
        raise ApiError(Code.NOT_FOUND, "not found")
    await _authorised(request, verb, str(meta.get("namespace") or ""), str(meta.get("name") or ""))
    return wf


async def get_archived(request: web.Request) -> web.Response:
    wf = await _load(request)
    wf.setdefault("apiVersion", "argoproj.io/v1alpha1")
    wf.setdefault("kind", "Workflow")
    return json_response(wf)


async def delete_archived(request: web.Request) -> web.Response:
    wf = await _load(request, "delete")
    await _store(request).archive_delete(wf["metadata"]["uid"])
    return json_response({})


async def label_keys(request: web.Request) -> web.Response:
    store = _store(request)
    namespace = request.query.get("namespace", "")
    await _authorised(request, "list", namespace)
    return json_response({"items": await store.archive_label_keys(namespace)})


async def label_values(request: web.Request) -> web.Response:
    store = _store(request)
    try:
        reqs = parse_selector(request.query.get("listOptions.labelSelector", ""))
    except SelectorError as e:
        raise invalid(str(e)) from None
    if len(reqs) != 1:
        raise invalid(f"only allow 1 labelRequirement, found {len(reqs)}")
    if reqs[0].op != "exists":
        raise invalid(f"operation {reqs[0].op} is not supported")
    namespace = request.query.get("namespace", "")
    await _authorised(request, "list", namespace)
    return json_response({"items": await store.archive_label_values(reqs[0].key, namespace)})


def _params(body: Obj) -> list[str] | None:
    value: Any = body.get("parameters")
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(p, str) for p in value):
        raise invalid("parameters must be a list of NAME=VALUE strings")
    return list(value)


def _live(wf: Obj, namespace: str) -> Obj:
    """An archived copy made ready to be created again: no uid, version or archive label."""
    meta = {
        k: v
        for k, v in wf["metadata"].items()
        if k not in ("uid", "resourceVersion", "creationTimestamp", "generation", "managedFields")
    }
    labels = dict(meta.get("labels") or {})
    labels.pop("workflows.argoproj.io/workflow-archiving-status", None)
    meta["labels"] = labels
    meta["namespace"] = namespace
    return {**wf, "metadata": meta}


async def resubmit(request: web.Request) -> web.Response:
    wf = await _load(request)
    body = await json_body(request)
    namespace = str(body.get("namespace") or wf["metadata"].get("namespace") or "")
    suffix = "".join(secrets.choice(_SUFFIX_ALPHABET) for _ in range(5))
    new = operations.resubmit(
        wf,
        memoized=body_bool(body, "memoized"),
        parameters=_params(body),
        now=datetime.now(UTC),
        name_suffix=suffix,
    )
    new["metadata"]["namespace"] = namespace
    kube = kube_for(request)
    await validate(kube, namespace, new)
    return json_response(await kube.create("Workflow", new, namespace))


async def retry(request: web.Request) -> web.Response:
    wf = await _load(request)
    body = await json_body(request)
    namespace = str(body.get("namespace") or wf["metadata"].get("namespace") or "")
    name = wf["metadata"].get("name", "")
    kube = kube_for(request)
    try:
        await kube.get("Workflow", name, namespace)
    except NotFound:
        pass
    else:
        raise ApiError(Code.ALREADY_EXISTS, "workflow already exists")
    selector = body.get("nodeFieldSelector") or ""
    if not isinstance(selector, str):
        raise invalid("nodeFieldSelector must be a string")
    new, pods = operations.retry(
        _live(wf, namespace),
        restart_successful=body_bool(body, "restartSuccessful"),
        node_field_selector=selector,
        parameters=_params(body),
        now=datetime.now(UTC),
    )
    await delete_leftovers(kube, namespace, pods, dropped_task_results(wf, new))
    return json_response(await kube.create("Workflow", new, namespace))
