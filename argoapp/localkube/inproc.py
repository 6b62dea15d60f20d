"""`InProcessKube`: the `kube.api.KubeApi` of local mode's controller, with no HTTP in between.

In `argoapp up` the controller, the Argo API server and localkube share one event loop.
`argoapp.runtime` hands the controller one of these over `LocalKube.service`, so a workflow
write is a call into `objects.ObjectService` instead of JSON, TLS, an aiohttp handler and the
same again for every watch event. The API server keeps the HTTP `kube.client.Kube`.

It must be indistinguishable from `Kube` against localkube's HTTP API, so it does what the HTTP
path does around the object service: the client-side checks of `Kube` (`Kind.path`, namespaces,
patch types), the routing of `apiserver` (an unserved kind or subresource is a 404, a method a
path does not take a 405), the parsing of `params` that matters for these arguments, the
watch timeout of `streams`, and `ApiError`s turned into the same `kube.errors` classes with the
same messages (`kube.errors.from_status` over the `Status` body the server would have sent).
Anything else that escapes the service is a 500 "internal error", as `apiserver` makes it.
Every request is counted in `request_counts` as `Kube._count` counts it.

Objects handed out never alias localkube's or each other: reads come fresh from SQLite, but
a write returns the very dict its commit event carries to every watcher, and live watch events
are shared by all watchers, so those (and only those) are copied, as their JSON text reads back
(`jsontext.copy`): what a client over HTTP would hold.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any, TypeVar

from argoapp.kube import jsontext
from argoapp.kube.api import Patch, RequestCounts
from argoapp.kube.errors import BadRequest, KubeError, NotFound, Unavailable, from_status
from argoapp.kube.jsontext import encoded_size
from argoapp.kube.resources import KINDS, Kind, kind_of
from argoapp.localkube import resources
from argoapp.localkube.apiserver import MAX_BODY_BYTES
from argoapp.localkube.errors import ApiError, MethodNotAllowed, TooLarge
from argoapp.localkube.errors import BadRequest as ApiBadRequest
from argoapp.localkube.errors import NotFound as ApiNotFound
from argoapp.localkube.objects import ObjectService
from argoapp.localkube.resources import Resource
from argoapp.localkube.watches import Watch
from argoapp.model.types import Obj

log = logging.getLogger(__name__)
T = TypeVar("T")

# The content types `Kube.patch` sends, by its patch_type.
PATCH_TYPES = {
    "merge": "application/merge-patch+json",
    "json": "application/json-patch+json",
    "strategic": "application/strategic-merge-patch+json",
}
# The methods each subresource route of `apiserver` takes.
_SUBRESOURCE_METHODS = {"status": ("GET", "PUT", "PATCH"), "log": ("GET",)}
_EVENT_TYPES = ("ADDED", "MODIFIED", "DELETED", "BOOKMARK")
_INITIAL_EVENTS_END = "k8s.io/initial-events-end"


class InProcessKube:
    """The `KubeApi` of one localkube `ObjectService`, in this event loop."""

    def __init__(self, service: ObjectService, *, host: str = "inprocess://localkube") -> None:
        self._service = service
        self._host = host
        self._closed = False
        self.request_counts: RequestCounts = {}
        self._discovered: dict[tuple[str, str], Kind] = {}

    @property
    def host(self) -> str:
        """Where the same API is served over HTTP (for messages)."""
        return self._host

    async def close(self) -> None:
        """Refuse further requests; the object service belongs to its `LocalKube`."""
        self._closed = True

    async def __aenter__(self) -> InProcessKube:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # --- the verbs ---

    async def get(self, kind: str | Kind, name: str, namespace: str = "") -> Obj:
        """One object; `NotFound` when it does not exist."""
        k = _kind(kind)
        k.path(namespace, name)
        if not name:  # the collection's path, as over HTTP: a GET there lists
            return await self._call(k, "get", 200, lambda: self._list(k, namespace))
        return await self._call(
            k,
            "get",
            200,
            lambda: self._service.get(self._res(k, namespace), _scope(k, namespace), name),
        )

    async def list(
        self,
        kind: str | Kind,
        namespace: str = "",
        *,
        label_selector: str = "",
        field_selector: str = "",
        limit: int = 0,
        continue_: str = "",
        resource_version: str = "",
    ) -> Obj:
        """The List object (`items`, `metadata.resourceVersion`, `metadata.continue`)."""
        k = _kind(kind)
        k.path(namespace)
        return await self._call(
            k,
            "list",
            200,
            lambda: self._list(k, namespace, label_selector, field_selector, limit, continue_),
        )

    async def _list(
        self,
        k: Kind,
        namespace: str,
        label_selector: str = "",
        field_selector: str = "",
        limit: int = 0,
        continue_: str = "",
    ) -> Obj:
        if limit < 0:
            raise ApiBadRequest(f"invalid value '{limit}' for query parameter 'limit': below 0")
        return await self._service.list(
            self._res(k, namespace),
            _scope(k, namespace),
            label_selector=label_selector,
            field_selector=field_selector,
            limit=limit,
            continue_token=continue_,
        )

    async def create(self, kind: str | Kind, body: Obj, namespace: str = "") -> Obj:
        """Create `body`; the namespace defaults to its `metadata.namespace`."""
        k = _kind(kind)
        namespace = namespace or (body.get("metadata") or {}).get("namespace", "")
        if k.namespaced and not namespace:
            raise BadRequest(f"a {k.kind} needs a namespace: none given and none in its metadata")
        k.path(namespace)

        async def create() -> Obj:
            res = self._res(k, namespace, method="POST")
            _check_size(body)
            return jsontext.copy(await self._service.create(res, _scope(k, namespace), body))

        return await self._call(k, "create", 201, create)

    async def replace(self, kind: str | Kind, body: Obj, namespace: str = "") -> Obj:
        """PUT `body` whole; `Conflict` when its resourceVersion is stale."""
        k = _kind(kind)
        meta = body.get("metadata") or {}
        namespace = namespace or meta.get("namespace", "")
        name = meta.get("name", "")
        k.path(namespace, name)

        async def replace() -> Obj:
            res = self._res(k, namespace, name, method="PUT")
            _check_size(body)
            return jsontext.copy(await self._service.replace(res, _scope(k, namespace), name, body))

        return await self._call(k, "update", 200, replace)

    async def patch(
        self,
        kind: str | Kind,
        name: str,
        patch: Patch,
        namespace: str = "",
        *,
        patch_type: str = "merge",
        subresource: str = "",
    ) -> Obj:
        """Patch one object: `patch_type` is "merge", "json" or "strategic"."""
        k = _kind(kind)
        if patch_type not in PATCH_TYPES:
            raise KubeError(f"unknown patch type {patch_type!r}", status=0, reason="BadRequest")
        k.path(namespace, name, subresource)

        async def patch_() -> Obj:
            res = self._res(k, namespace, name, subresource, method="PATCH")
            _check_size(patch)
            ctype = PATCH_TYPES[patch_type]
            scope = _scope(k, namespace)
            return jsontext.copy(
                await self._service.patch(res, scope, name, ctype, patch, subresource=subresource)
            )

        return await self._call(k, "patch", 200, patch_)

    async def delete(
        self,
        kind: str | Kind,
        name: str,
        namespace: str = "",
        *,
        grace_seconds: int | None = None,
        propagation: str | None = None,
    ) -> None:
        """Delete one object; `NotFound` when it is already gone."""
        k = _kind(kind)
        k.path(namespace, name)

        async def delete() -> None:
            res = self._res(k, namespace, name, method="DELETE")
            if not name:  # the collection's path, as over HTTP: a DELETE there empties it
                await self._delete_all(res, namespace, grace_seconds, propagation)
                return
            await self._service.delete(
                res,
                _scope(k, namespace),
                name,
                propagation_policy=propagation,
                grace_period_seconds=grace_seconds,
            )

        await self._call(k, "delete", 200, delete)

    async def delete_collection(
        self,
        kind: str | Kind,
        namespace: str,
        *,
        label_selector: str = "",
        field_selector: str = "",
        propagation: str | None = None,
    ) -> int:
        """Delete the objects of `kind` in `namespace` the selectors match (every one when
        none is given); how many went."""
        k = _kind(kind)
        k.path(namespace)

        async def delete() -> int:
            res = self._res(k, namespace, method="DELETE")
            selectors = (label_selector, field_selector)
            return await self._delete_all(res, namespace, None, propagation, *selectors)

        return await self._call(k, "deletecollection", 200, delete)

    async def _delete_all(
        self,
        res: Resource,
        namespace: str,
        grace: int | None,
        propagation: str | None,
        label_selector: str = "",
        field_selector: str = "",
    ) -> int:
        """What `handlers.delete_collection` does: delete every object listed that the
        selectors match, gone or not; how many this call deleted."""
        listed = await self._service.list(
            res, namespace or None, label_selector=label_selector, field_selector=field_selector
        )
        deleted = 0
        for obj in listed["items"]:
            meta = obj["metadata"]
            try:
                await self._service.delete(
                    res,
                    meta.get("namespace") or namespace,
                    meta["name"],
                    propagation_policy=propagation,
                    grace_period_seconds=grace,
                )
                deleted += 1
            except ApiNotFound:
                pass  # gone meanwhile: that is what was asked
        return deleted

    async def watch(
        self,
        kind: str | Kind,
        namespace: str = "",
        *,
        label_selector: str = "",
        field_selector: str = "",
        resource_version: str = "",
        timeout_seconds: int = 300,
        seen: Callable[[Obj], bool] | None = None,
        transform: Callable[[Obj], Obj] | None = None,
    ) -> AsyncGenerator[tuple[str, Obj], None]:
        """(type, object) pairs, BOOKMARKs included, until localkube ends the watch.

        A resourceVersion older than localkube keeps raises `Gone`; the watch ends after
        `timeout_seconds` (0: never), as the HTTP server ends it. `seen` drops events and
        `transform` makes their objects as `api.KubeApi.watch` says, both before the object
        is copied (so only what `transform` keeps is).
        """
        k = _kind(kind)
        k.path(namespace)

        async def open_watch() -> Watch:
            return self._service.watch(
                self._res(k, namespace),
                _scope(k, namespace),
                resource_version=resource_version,
                label_selector=label_selector,
                field_selector=field_selector,
                allow_bookmarks=True,
            )

        w = await self._call(k, "watch", 200, open_watch)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_seconds if timeout_seconds else None
        # The initial ADDED events of a watch from "now" are read for this watch alone; after
        # them objects may be the bus's, shared by every watcher (replayed ones are not, but
        # cannot be told apart from live ones), so those are copied.
        fresh = resource_version in ("", "0")
        events = aiter(w)
        try:
            while True:
                try:
                    async with asyncio.timeout_at(deadline):
                        event = await anext(events)
                except (StopAsyncIteration, TimeoutError):
                    return
                except ApiError as e:
                    raise from_status(e.code, e.status()) from None
                except Exception:
                    log.exception("localkube: a watch of %s failed", k.plural)
                    raise Unavailable(f"watch of {k.plural} broke: internal error") from None
                kind_, obj = event["type"], event["object"]
                if kind_ == "ERROR":
                    code = obj.get("code") if isinstance(obj.get("code"), int) else 500
                    raise from_status(code, obj)
                if kind_ not in _EVENT_TYPES:
                    raise Unavailable(f"unknown watch event type {kind_!r}")
                if kind_ == "BOOKMARK":
                    annotations = obj["metadata"].get("annotations") or {}
                    fresh = fresh and _INITIAL_EVENTS_END not in annotations
                elif seen is not None and kind_ != "DELETED" and seen(obj):
                    continue  # the caller has it: a big workflow is not copied for nothing
                else:
                    if transform is not None:
                        obj = transform(obj)
                    if not fresh:
                        obj = jsontext.copy(obj)
                yield kind_, obj
        finally:
            w.close()
            if isinstance(events, AsyncGenerator):
                await events.aclose()

    async def resolve(self, api_version: str, kind: str) -> Kind:
        """The `Kind` for any served apiVersion/kind, from localkube's own table (cached)."""
        known = KINDS.get(kind)
        if known is not None and known.api_version == api_version:
            return known
        key = (api_version, kind)
        if key not in self._discovered:
            self._check_open()
            group, _, version = api_version.rpartition("/")
            served = resources.in_group_version(group, version) if version else []
            # Counted as `Kube` counts its discovery request.
            self._count("", "discovery", 200 if served else 404)
            if not served:
                raise NotFound(f"the API serves no {api_version}")
            for res in served:
                found = Kind(res.kind, group, version, res.plural, res.namespaced)
                self._discovered.setdefault((api_version, res.kind), found)
            if key not in self._discovered:
                raise NotFound(f"the API serves no kind {kind} in {api_version}")
        return self._discovered[key]

    # --- plumbing ---

    def _res(
        self,
        k: Kind,
        namespace: str,
        name: str = "",
        subresource: str = "",
        *,
        method: str = "GET",
    ) -> Resource:
        """The Resource `apiserver` would route `k`'s path to, or the routing error."""
        res = resources.lookup(k.group, k.version, k.plural)
        if res is None:
            raise ApiNotFound("the server could not find the requested resource")
        if subresource and subresource not in res.subresources:
            raise ApiNotFound("the server could not find the requested resource")
        if subresource:
            allowed: tuple[str, ...] = _SUBRESOURCE_METHODS.get(subresource, ("GET",))
        elif name:
            allowed = ("GET", "PUT", "PATCH", "DELETE")
        elif res.namespaced and not namespace:
            allowed = ("GET",)  # across all namespaces: list and watch only
        else:
            allowed = ("GET", "POST", "DELETE")
        if method not in allowed:
            raise MethodNotAllowed(
                "the server does not allow this method on the requested resource"
            )
        return res

    async def _call(self, k: Kind, verb: str, ok: int, request: Callable[[], Awaitable[T]]) -> T:
        """Run one request against the service, counting it and mapping its errors."""
        self._check_open()
        try:
            result = await request()
        except ApiError as e:
            self._count(k.kind, verb, e.code)
            raise from_status(e.code, e.status()) from None
        except Exception:
            log.exception("localkube: %s %s failed", verb, k.plural)
            self._count(k.kind, verb, 500)
            raise from_status(500, ApiError("internal error").status()) from None
        self._count(k.kind, verb, ok)
        return result

    def _check_open(self) -> None:
        if self._closed:
            raise KubeError("the Kubernetes client is closed", status=0, reason="Closed")

    def _count(self, kind: str, verb: str, status: int) -> None:
        key = (kind, verb, status)
        self.request_counts[key] = self.request_counts.get(key, 0) + 1


def _kind(kind: str | Kind) -> Kind:
    return kind if isinstance(kind, Kind) else kind_of(kind)


def _scope(k: Kind, namespace: str) -> str | None:
    """The namespace argument the handlers pass: None for cluster scope or all namespaces."""
    return namespace if k.namespaced and namespace else None


def _check_size(body: Any) -> None:
    """Refuse what `apiserver` refuses as too large a request body (as `Kube` encodes it)."""
    try:
        size = encoded_size(body, under=MAX_BODY_BYTES + 1)
    except ValueError as e:  # NaN or Infinity, which the server's JSON parser refuses
        raise ApiBadRequest(f"the request body is not valid JSON: {e}") from None
    if size > MAX_BODY_BYTES:
        raise TooLarge(f"the request body is larger than the limit of {MAX_BODY_BYTES} bytes")
