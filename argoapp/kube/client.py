"""`Kube`: the async Kubernetes client the controller and the API server use.

It loads credentials with kubernetes_asyncio's config loaders (a kubeconfig, or the in-cluster
service account) and sends plain JSON over the aiohttp session of kubernetes_asyncio's REST
client (one connection pool, its TLS and proxy settings), encoding bodies itself so large ones
are streamed. It does not use the generated typed models or the dynamic client: objects go in
and come out as the wire's camelCase dicts (`Obj`).

Every failure is a `kube.errors.KubeError` (connection problems are `Unavailable`); every request
is counted in `request_counts[(kind, verb, status code)]` for Argo's `k8s_request_total` metric.
Watches and pod logs are async generators: iterate them under `contextlib.aclosing` (or to the
end) so their HTTP response is released promptly. This module must not be imported by the
executor (it pulls in aiohttp and kubernetes_asyncio); the executor has `lite`.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import io
import json
from collections.abc import AsyncGenerator, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from kubernetes_asyncio import client as k8s_client

from argoapp.kube import credentials, watching
from argoapp.kube.errors import BadRequest, KubeError, NotFound, Unavailable, from_status
from argoapp.kube.resources import KINDS, Kind, kind_of
from argoapp.model.types import Obj

# Requests other than watches and log follows must answer within this; a hung API server is
# `Unavailable`, not a stuck controller.
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=60, sock_connect=10)
# Response bodies larger than this are parsed off the event loop; request bodies are streamed.
_BIG_BODY = 256 * 1024
_CHANGES = ("ADDED", "MODIFIED")  # the watch events a `seen` filter is asked about
_OBJECT_EVENTS = ("ADDED", "MODIFIED", "DELETED")  # the ones a `transform` makes
_PATCH_TYPES = {
    "merge": "application/merge-patch+json",
    "json": "application/json-patch+json",
    "strategic": "application/strategic-merge-patch+json",
}
USER_AGENT = "argoapp"
# Aliases because the `list` method shadows the builtin inside the class.
Patch = Obj | list[Any]
Query = dict[str, str]


class Kube:
    """One API server, one identity; `connect()` to make one, `close()` (or `async with`)."""

    def __init__(
        self,
        api: k8s_client.ApiClient,
        *,
        token: str | None = None,
        parent: Kube | None = None,
    ) -> None:
        self._api = api
        self._token = token
        self._parent = parent
        self._closed = False
        self.request_counts: dict[tuple[str, str, int], int] = (
            parent.request_counts if parent else {}
        )
        self._discovered: dict[tuple[str, str], Kind] = parent._discovered if parent else {}
        # The pool `with_token` clients use when this one authenticates with a client
        # certificate (made on first use, closed with this client).
        self._token_api: k8s_client.ApiClient | None = None

    @classmethod
    async def connect(cls, kubeconfig: Path | None = None, *, context: str | None = None) -> Kube:
        """A client from `kubeconfig`, else in-cluster, else $KUBECONFIG or ~/.kube/config.

        In-cluster credentials come from the service account directory, which
        `ARGOAPP_SERVICEACCOUNT_DIR` may move (see `lite`).
        """
        configuration = await credentials.load(kubeconfig, context)
        api = k8s_client.ApiClient(configuration)
        api.user_agent = USER_AGENT
        return cls(api)

    def with_token(self, token: str) -> Kube:
        """The same server, acting with another bearer token (sharing the connection pool).

        Closing it is optional and leaves the shared pool open; closing the client it came
        from ends it too.
        """
        root = self._parent or self
        return Kube(root._pool_for_tokens(), token=token, parent=root)

    def _pool_for_tokens(self) -> k8s_client.ApiClient:
        """The pool to send other tokens over: ours, unless it presents a client certificate.

        A request carrying both our certificate and someone's token would be authenticated
        as us (the API server tries certificates first), so those get a pool without it.
        """
        conf = self._api.configuration
        if not conf.cert_file:
            return self._api
        if self._token_api is None:
            bare = copy.deepcopy(conf)
            bare.cert_file = bare.key_file = None
            bare.api_key, bare.refresh_api_key_hook = {}, None
            self._token_api = k8s_client.ApiClient(bare)
            self._token_api.user_agent = USER_AGENT
        return self._token_api

    @property
    def host(self) -> str:
        """The API server's base URL."""
        return str(self._api.configuration.host)

    async def close(self) -> None:
        """Close the connection pool (a `with_token` client leaves its parent's pool alone)."""
        if not self._closed and self._parent is None:
            await self._api.close()
            if self._token_api is not None:
                await self._token_api.close()
        self._closed = True

    async def __aenter__(self) -> Kube:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # --- the verbs ---

    async def get(self, kind: str | Kind, name: str, namespace: str = "") -> Obj:
        """One object; `NotFound` when it does not exist."""
        k = self._kind(kind)
        return await self._json("GET", k, "get", k.path(namespace, name))

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
        k = self._kind(kind)
        query = _query(
            labelSelector=label_selector,
            fieldSelector=field_selector,
            limit=limit or None,
            resourceVersion=resource_version,
        )
        if continue_:
            query["continue"] = continue_
        return await self._json("GET", k, "list", k.path(namespace), query=query)

    async def create(
        self, kind: str | Kind, body: Obj, namespace: str = "", *, dry_run: bool = False
    ) -> Obj:
        """Create `body`; the namespace defaults to its `metadata.namespace`. A dry run
        (`dryRun=All`) answers with the object as it would be stored (a name made from
        generateName, uid, timestamps) and stores nothing."""
        k = self._kind(kind)
        namespace = namespace or (body.get("metadata") or {}).get("namespace", "")
        if k.namespaced and not namespace:
            raise BadRequest(f"a {k.kind} needs a namespace: none given and none in its metadata")
        query = {"dryRun": "All"} if dry_run else None
        return await self._json("POST", k, "create", k.path(namespace), query=query, body=body)

    async def replace(self, kind: str | Kind, body: Obj, namespace: str = "") -> Obj:
        """PUT `body` whole; `Conflict` when its resourceVersion is stale."""
        k = self._kind(kind)
        meta = body.get("metadata") or {}
        namespace = namespace or meta.get("namespace", "")
        path = k.path(namespace, meta.get("name", ""))
        return await self._json("PUT", k, "update", path, body=body)

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
        k = self._kind(kind)
        if patch_type not in _PATCH_TYPES:
            raise KubeError(f"unknown patch type {patch_type!r}", status=0, reason="BadRequest")
        path = k.path(namespace, name, subresource)
        ctype = _PATCH_TYPES[patch_type]
        return await self._json("PATCH", k, "patch", path, body=patch, content_type=ctype)

    async def delete(
        self,
        kind: str | Kind,
        name: str,
        namespace: str = "",
        *,
        grace_seconds: int | None = None,
        propagation: str | None = None,
        preconditions: Obj | None = None,
        dry_run: bool = False,
    ) -> None:
        """Delete one object; `NotFound` when it is already gone, `Conflict` when
        `preconditions` (uid, resourceVersion) do not hold; a dry run deletes nothing."""
        k = self._kind(kind)
        options: Obj = {"kind": "DeleteOptions", "apiVersion": "v1"}
        if grace_seconds is not None:
            options["gracePeriodSeconds"] = grace_seconds
        if propagation is not None:
            options["propagationPolicy"] = propagation
        if preconditions:
            options["preconditions"] = preconditions
        if dry_run:
            options["dryRun"] = ["All"]
        query = {"dryRun": "All"} if dry_run else None
        path = k.path(namespace, name)
        await self._json("DELETE", k, "delete", path, query=query, body=options)

    async def delete_collection(
        self,
        kind: str | Kind,
        namespace: str,
        *,
        label_selector: str = "",
        field_selector: str = "",
        propagation: str | None = None,
    ) -> int:
        """Delete every object of `kind` in `namespace` the selectors match (all of them when
        none is given, as the API does); how many the API says it deleted."""
        k = self._kind(kind)
        options: Obj = {"kind": "DeleteOptions", "apiVersion": "v1"}
        if propagation is not None:
            options["propagationPolicy"] = propagation
        query = _query(labelSelector=label_selector, fieldSelector=field_selector)
        path = k.path(namespace)
        answer = await self._json(
            "DELETE", k, "deletecollection", path, query=query or None, body=options
        )
        return len(answer.get("items") or [])

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
        """(type, object) pairs, BOOKMARKs included, until the server ends the watch.

        A resourceVersion older than the server keeps raises `Gone` (an HTTP 410 or an ERROR
        event with code 410); other ERROR events raise their error. `seen` drops events and
        `transform` makes their objects as `api.KubeApi.watch` says.
        """
        k = self._kind(kind)
        query = _query(
            watch="true",
            allowWatchBookmarks="true",
            labelSelector=label_selector,
            fieldSelector=field_selector,
            resourceVersion=resource_version,
            timeoutSeconds=timeout_seconds,
        )
        # The server ends the watch at timeout_seconds; the read timeout only catches a dead
        # connection that never says so.
        timeout = aiohttp.ClientTimeout(sock_connect=10, sock_read=timeout_seconds + 30)
        resp = await self._send("GET", k, "watch", k.path(namespace), query=query, timeout=timeout)
        try:
            async for event in watching.events(resp.content):
                if seen is not None and event[0] in _CHANGES and seen(event[1]):
                    continue
                if transform is not None and event[0] in _OBJECT_EVENTS:
                    event = (event[0], transform(event[1]))
                yield event
        except (aiohttp.ClientError, TimeoutError, OSError) as e:
            raise Unavailable(f"watch of {k.plural} broke: {_describe(e)}") from None
        finally:
            resp.release()

    async def pod_log(
        self,
        name: str,
        namespace: str,
        *,
        container: str = "main",
        follow: bool = False,
        tail_lines: int | None = None,
        since_seconds: int | None = None,
        timestamps: bool = False,
        limit_bytes: int | None = None,
        previous: bool = False,
    ) -> AsyncGenerator[bytes, None]:
        """The container's log as it arrives, in chunks of bytes (`previous`: of the
        container's previous run, after a restart)."""
        k = KINDS["Pod"]
        query = _query(
            container=container,
            follow="true" if follow else "",
            tailLines=tail_lines,
            sinceSeconds=since_seconds,
            timestamps="true" if timestamps else "",
            limitBytes=limit_bytes,
            previous="true" if previous else "",
        )
        timeout = aiohttp.ClientTimeout(sock_connect=10) if follow else REQUEST_TIMEOUT
        path = k.path(namespace, name, "log")
        resp = await self._send("GET", k, "log", path, query=query, timeout=timeout)
        try:
            async for chunk in resp.content.iter_any():
                yield chunk
        except (aiohttp.ClientError, TimeoutError, OSError) as e:
            raise Unavailable(f"log of pod {namespace}/{name} broke: {_describe(e)}") from None
        finally:
            resp.release()

    async def resolve(self, api_version: str, kind: str) -> Kind:
        """The `Kind` for any served apiVersion/kind, through discovery (cached)."""
        known = KINDS.get(kind)
        if known is not None and known.api_version == api_version:
            return known
        key = (api_version, kind)
        if key not in self._discovered:
            group, _, version = api_version.rpartition("/")
            path = f"/apis/{group}/{version}" if group else f"/api/{version}"
            try:
                listing = await self._json("GET", None, "discovery", path)
            except NotFound:
                raise NotFound(f"the API serves no {api_version}") from None
            for res in listing.get("resources") or []:
                if "/" not in res.get("name", "") and res.get("kind"):
                    found = Kind(res["kind"], group, version, res["name"], bool(res["namespaced"]))
                    self._discovered.setdefault((api_version, found.kind), found)
            if key not in self._discovered:
                raise NotFound(f"the API serves no kind {kind} in {api_version}")
        return self._discovered[key]

    # --- plumbing ---

    def _kind(self, kind: str | Kind) -> Kind:
        return kind if isinstance(kind, Kind) else kind_of(kind)

    async def _json(
        self,
        method: str,
        kind: Kind | None,
        verb: str,
        path: str,
        *,
        query: Query | None = None,
        body: Any = None,
        content_type: str = "application/json",
    ) -> Obj:
        resp = await self._send(
            method, kind, verb, path, query=query, body=body, ctype=content_type
        )
        try:
            data = await resp.read()
        except (aiohttp.ClientError, TimeoutError, OSError) as e:
            raise Unavailable(f"{verb} {path}: {_describe(e)}") from None
        finally:
            resp.release()
        parsed = await asyncio.to_thread(_loads, data) if len(data) > _BIG_BODY else _loads(data)
        if not isinstance(parsed, dict):
            raise Unavailable(f"{verb} {path}: the API answered something other than an object")
        return parsed

    async def _send(
        self,
        method: str,
        kind: Kind | None,
        verb: str,
        path: str,
        *,
        query: Query | None = None,
        body: Any = None,
        ctype: str = "application/json",
        timeout: aiohttp.ClientTimeout = REQUEST_TIMEOUT,
    ) -> aiohttp.ClientResponse:
        """Send one request; a response that is not 2xx is read and raised as its error."""
        if self._closed or (self._parent is not None and self._parent._closed):
            raise KubeError("the Kubernetes client is closed", status=0, reason="Closed")
        headers = await self._headers(ctype)
        label = kind.kind if kind else ""
        url = self.host + path + ("?" + urlencode(query) if query else "")
        rest = self._api.rest_client
        # kubernetes_asyncio's aiohttp session, used directly: the REST client's `request`
        # would send a large body as one blocking write.
        options: dict[str, Any] = {"headers": headers, "timeout": timeout}
        if body is not None:
            options["data"] = _payload(body)
        if rest.proxy:
            options["proxy"] = rest.proxy
        if rest.proxy_headers:
            options["proxy_headers"] = rest.proxy_headers
        if rest.server_hostname:
            options["server_hostname"] = rest.server_hostname
        try:
            resp = await rest.pool_manager.request(method, url, **options)
        except (aiohttp.ClientError, TimeoutError, OSError) as e:
            self._count(label, verb, 0)
            raise Unavailable(f"{verb} {path}: {_describe(e)}") from None
        self._count(label, verb, resp.status)
        if resp.status >= 300:
            raw = b""
            with contextlib.suppress(aiohttp.ClientError, TimeoutError, OSError):
                raw = await resp.read()
            resp.release()
            raise from_status(resp.status, raw)
        return resp

    async def _headers(self, ctype: str) -> dict[str, str]:
        headers = {"Content-Type": ctype, "Accept": "application/json"}
        headers.update(self._api.default_headers)
        if self._token is not None:
            headers["Authorization"] = f"Bearer {self._token}"
            return headers
        for setting in (await self._api.configuration.auth_settings()).values():
            if setting.get("in") == "header" and setting.get("value"):
                headers[setting["key"]] = setting["value"]
        return headers

    def _count(self, kind: str, verb: str, status: int) -> None:
        key = (kind, verb, status)
        self.request_counts[key] = self.request_counts.get(key, 0) + 1


def _query(**params: Any) -> Query:
    """Query parameters, leaving out the unset (None or "") ones."""
    return {k: str(v) for k, v in params.items() if v is not None and v != ""}


def _payload(body: Any) -> bytes | io.BytesIO:
    """A request body as JSON bytes; a large one as a stream aiohttp writes in pieces."""
    encoded = json.dumps(body, separators=(",", ":")).encode()
    return io.BytesIO(encoded) if len(encoded) > _BIG_BODY else encoded


def _loads(data: bytes) -> Any:
    try:
        return json.loads(data) if data else {}
    except ValueError:
        raise Unavailable("the API answered with a body that is not JSON") from None


def _describe(e: BaseException) -> str:
    return str(e) or type(e).__name__
