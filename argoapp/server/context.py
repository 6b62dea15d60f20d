"""What the API handlers share: the app keys, the Kubernetes client a request acts with, the
node store, and request parsing helpers (query booleans and ints, JSON bodies).

`kube_for(request)` is the one place that decides whose identity a request uses. In `server`
auth mode it is the server's own client; in `client` mode the caller's bearer token's client
(`auth.client_for`: 401 without a token). Handlers never touch `request.app[KUBE]` directly.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any, Protocol

from aiohttp import web

from argoapp.artifacts.builtin import BuiltinStore
from argoapp.kube.client import Kube
from argoapp.model.types import Obj
from argoapp.server import auth
from argoapp.server.errors import ApiError, Code, invalid
from argoapp.server.fields import Fields

ENCODE_SLICE = 200  # items encoded between two turns of the event loop


class NodeStore(Protocol):
    """Where the controller offloads `status.nodes` of big workflows (`argoapp.store.Store`)."""

    async def load_nodes(self, uid: str, version: str) -> Obj | None: ...

    async def save_nodes(
        self, uid: str, nodes: Obj, base: tuple[str, Obj] | None = None
    ) -> tuple[str, list[str]]: ...


KUBE = web.AppKey("kube", Kube)
STORE: web.AppKey[NodeStore | None] = web.AppKey("store")
AUTH_MODE = web.AppKey("auth_mode", str)
# the built-in artifact store as pods reach it now (None: not this server's default repository)
ARTIFACT_STORE: web.AppKey[BuiltinStore | None] = web.AppKey("artifact_store")


def kube_for(request: web.Request) -> Kube:
    """The client this request acts with: the server's own, or the caller's (client mode)."""
    if request.app[AUTH_MODE] == "client":
        return auth.client_for(request)
    return request.app[KUBE]


def store_of(request: web.Request) -> NodeStore | None:
    return request.app.get(STORE)


def query_bool(request: web.Request, name: str) -> bool:
    """A boolean query parameter as Go's strconv.ParseBool reads it."""
    raw = request.query.get(name, "")
    if raw in ("", "0", "f", "F", "false", "FALSE", "False"):
        return False
    if raw in ("1", "t", "T", "true", "TRUE", "True"):
        return True
    raise invalid(f'strconv.ParseBool: parsing "{raw}": invalid syntax ({name})')


def query_int(request: web.Request, name: str) -> int:
    raw = request.query.get(name, "")
    if not raw:
        return 0
    try:
        return int(raw)
    except ValueError:
        raise invalid(f'strconv.ParseInt: parsing "{raw}": invalid syntax ({name})') from None


@dataclass(frozen=True)
class DeleteOptions:
    """Kubernetes DeleteOptions as Argo's delete calls take them (`deleteOptions.*` query)."""

    grace_seconds: int | None = None
    propagation: str | None = None
    preconditions: Obj | None = None
    dry_run: bool = False


_PROPAGATIONS = ("Orphan", "Background", "Foreground")


def delete_options(request: web.Request, propagation: str | None = None) -> DeleteOptions:
    """The request's `deleteOptions.*`; `propagation` is the default policy."""
    q = request.query
    grace = q.get("deleteOptions.gracePeriodSeconds")
    policy = q.get("deleteOptions.propagationPolicy") or propagation
    if policy is not None and policy not in _PROPAGATIONS:
        raise invalid(f"deleteOptions.propagationPolicy {policy!r} is not one of Orphan, "
                      "Background, Foreground")  # fmt: skip
    if query_bool(request, "deleteOptions.orphanDependents") and policy is None:
        policy = "Orphan"
    preconditions = {
        key: q[f"deleteOptions.preconditions.{key}"]
        for key in ("uid", "resourceVersion")
        if q.get(f"deleteOptions.preconditions.{key}")
    }
    dry = q.getall("deleteOptions.dryRun", [])
    if any(d != "All" for d in dry):
        raise invalid(f"deleteOptions.dryRun must be All, not {dry}")
    return DeleteOptions(
        grace_seconds=query_int(request, "deleteOptions.gracePeriodSeconds") if grace else None,
        propagation=policy,
        preconditions=preconditions or None,
        dry_run=bool(dry),
    )


def body_bool(body: Obj, name: str) -> bool:
    value = body.get(name)
    if isinstance(value, str):
        return value.lower() in ("1", "t", "true")
    return bool(value)


async def json_body(request: web.Request) -> Obj:
    """The request's JSON object; an empty body is `{}`."""
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        body: Any = json.loads(raw)
    except ValueError as e:
        raise invalid(f"invalid JSON body: {e}") from None
    if not isinstance(body, dict):
        raise invalid("the request body must be a JSON object")
    return body


def object_field(body: Obj, key: str, missing: str, code: Code = Code.INVALID_ARGUMENT) -> Obj:
    """`body[key]` as an object (the workflow, template, cron workflow in a request)."""
    value = body.get(key)
    if not isinstance(value, dict):
        raise ApiError(code, missing)
    value.setdefault("metadata", {})
    if not isinstance(value["metadata"], dict):
        raise invalid(f"{key}.metadata must be an object")
    return value


def json_response(obj: Any, status: int = 200) -> web.Response:
    return web.json_response(obj, status=status, dumps=_dumps)


async def list_response(meta: Obj, items: list[Obj], fields: Fields) -> web.Response:
    """`{"metadata": meta, "items": items}` with `fields` applied, encoded a slice of items at a
    time with the event loop free in between: a list of thousands of workflows is megabytes
    of JSON, and one `json.dumps` of it would hold the loop (and the controller) that long."""
    head = fields.clean({"metadata": meta, "items": []})
    parts: list[str] = []
    if "metadata" in head:
        parts.append('"metadata":' + _dumps(head["metadata"]))
    if "items" in head:
        encoded: list[str] = []
        for start in range(0, len(items), ENCODE_SLICE):
            if start:
                await asyncio.sleep(0)
            chunk = fields.clean({"items": items[start : start + ENCODE_SLICE]})["items"]
            encoded += [_dumps(item) for item in chunk]
        parts.append('"items":[' + ",".join(encoded) + "]")
    return web.Response(
        text="{" + ",".join(parts) + "}", content_type="application/json", charset="utf-8"
    )


def _dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


async def delete_with(
    kube: Kube, kind: str, name: str, namespace: str, options: DeleteOptions
) -> None:
    """Delete one object as `options` say."""
    await kube.delete(
        kind,
        name,
        namespace,
        grace_seconds=options.grace_seconds,
        propagation=options.propagation,
        preconditions=options.preconditions,
        dry_run=options.dry_run,
    )
