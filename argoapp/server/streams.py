"""Argo Server's streamed answers, and the two watch streams of the WorkflowService:
`GET /api/v1/workflow-events/{namespace}` (workflows as `{"type", "object"}` events) and
`GET /api/v1/stream/events/{namespace}` (Kubernetes Events).

`serve(request, source)` writes every item of `source` as one `{"result": item}` message in the
framing Argo's gateway picks from the `Accept` header: server-sent events
(`data: {"result": …} \\n\\n`) when it asks for `text/event-stream`, else newline-delimited
JSON. As Argo's gateway, the `fields` query parameter also applies to each whole message (so
`fields=result.object.metadata.name` leaves out `result.type`), and server-sent events get a
keep-alive comment (`:\\n`) when nothing was sent for `KEEPALIVE` seconds (15, Argo's) so that
proxies keep the connection open; JSON lines get none (a blank line would break line-by-line
JSON readers). An idle stream looks every second whether its client went away. A failure once
the stream has started ends it with one `{"error": {…}}` message (grpc-gateway's stream error);
a client that disconnects ends it quietly. The source runs in a task this module owns and always
cancels and awaits. Open streams are kept in the app (`STREAMS`) and ended when the app shuts
down, so that stopping the server does not wait for them.

Handlers here check what they can (namespace, selectors, the `@latest` alias) before the stream
starts, so those failures are ordinary error answers. Watches resume from the last
resourceVersion when the Kubernetes watch ends (Argo's ends the stream instead).
The logs streams (`logs`) use `serve` too.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from http import HTTPStatus
from typing import Any

from aiohttp import web

from argoapp.kube.client import Kube
from argoapp.model.types import Obj
from argoapp.server.context import kube_for, store_of
from argoapp.server.errors import HTTP_STATUS, invalid, to_api_error
from argoapp.server.fields import Fields
from argoapp.server.validation import hydrate
from argoapp.server.workflows import load

log = logging.getLogger(__name__)

KEEPALIVE = web.AppKey("stream_keepalive", float)
DEFAULT_KEEPALIVE = 15.0
_QUEUE = 64  # messages read ahead of a slow client before the source waits
_CHECK = 1.0  # seconds between an idle stream's looks at whether its client is still there


def wants_sse(request: web.Request) -> bool:
    """Whether the client asked for server-sent events."""
    return "text/event-stream" in request.headers.get("Accept", "")


def _encode(message: Obj, sse: bool) -> bytes:
    text = json.dumps(message, separators=(",", ":"), ensure_ascii=False)
    return f"data: {text} \n\n".encode() if sse else f"{text}\n".encode()


def _error_message(e: BaseException) -> Obj:
    err = to_api_error(e)
    status = HTTP_STATUS[err.code]
    return {
        "error": {
            "grpc_code": int(err.code),
            "http_code": status,
            "message": err.message,
            "http_status": _reason(status),
            "details": [],
        }
    }


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


async def serve(request: web.Request, source: AsyncIterator[Any]) -> web.StreamResponse:
    """Stream `source` to the client until it ends, fails, the client goes or the server stops."""
    sse = wants_sse(request)
    resp = web.StreamResponse(status=200)
    resp.headers["Content-Type"] = "text/event-stream" if sse else "application/json"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Cache-Control"] = "no-cache"
    resp.enable_chunked_encoding()
    # `app`'s middleware stamps answers after the handler, too late for a stream's headers;
    # imported here because `app` imports this module.
    from argoapp.server.app import version_body

    version = version_body()["version"]
    resp.headers["argo-version"] = resp.headers["Grpc-Metadata-Argo-Version"] = version
    keepalive = request.app.get(KEEPALIVE, DEFAULT_KEEPALIVE)
    fields = Fields(request.query.get("fields", ""))
    stream = _Stream(source)
    live = request.app.get(STREAMS)
    if live is not None:
        live.add(stream)
    try:
        await resp.prepare(request)
        await _relay(request, resp, stream.queue, sse, keepalive, fields)
    except ConnectionError:
        pass  # the client went away: nothing to tell it
    finally:
        if live is not None:
            live.discard(stream)
        await stream.close()
    return resp


class _Stream:
    """One open stream: the task reading its source and the queue from it to the client."""

    def __init__(self, source: AsyncIterator[Any]) -> None:
        self.queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue(_QUEUE)
        self.pump = asyncio.create_task(_pump(source, self.queue), name="api-stream-source")

    def end(self) -> None:
        """End the stream at once (the server is stopping); what was read ahead is dropped."""
        self.pump.cancel()
        # The cancelled pump puts nothing more, so after the drain the end always fits.
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(("end", None))

    async def close(self) -> None:
        """Stop reading the source and wait until it is closed."""
        self.pump.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.pump


STREAMS = web.AppKey("api_streams", set[_Stream])


async def _end_streams(app: web.Application) -> None:
    """On shutdown, end the open streams, which would otherwise hold the runner's cleanup
    until its shutdown timeout (a watch has no end of its own)."""
    live: set[_Stream] = app[STREAMS]
    for stream in list(live):
        stream.end()


async def _pump(source: AsyncIterator[Any], queue: asyncio.Queue[tuple[str, Any]]) -> None:
    """Move the source's items into the queue; its end or failure becomes the last entry."""
    closing = source if hasattr(source, "aclose") else None
    try:
        async for item in source:
            await queue.put(("item", item))
        await queue.put(("end", None))
    except Exception as e:
        await queue.put(("error", e))
    finally:
        if closing is not None:
            await closing.aclose()


async def _relay(
    request: web.Request,
    resp: web.StreamResponse,
    queue: asyncio.Queue[tuple[str, Any]],
    sse: bool,
    keepalive: float,
    fields: Fields,
) -> None:
    # aiohttp does not tell a handler that its client left (unless it cancels handlers, which
    # the API's runner does not), so an idle stream looks every `_CHECK` seconds.
    loop = asyncio.get_running_loop()
    check = min(_CHECK, keepalive)
    last_write = loop.time()
    while not _client_gone(request):
        try:
            async with asyncio.timeout(check):
                kind, item = await queue.get()
        except TimeoutError:
            if sse and loop.time() - last_write >= keepalive:
                await resp.write(b":\n")
                last_write = loop.time()
            continue
        if kind == "end":
            return
        if kind == "error":
            if not isinstance(item, ConnectionError):
                await resp.write(_encode(_error_message(item), sse))
            return
        await resp.write(_encode(fields.clean({"result": item}), sse))
        last_write = loop.time()


def _client_gone(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


def setup(app: web.Application) -> None:
    """Register the two watch streams, and the ending of open streams at shutdown."""
    app[STREAMS] = set()
    app.on_shutdown.append(_end_streams)
    app.router.add_get("/api/v1/workflow-events/{namespace}", watch_workflows)
    app.router.add_get("/api/v1/workflow-events/", watch_workflows)
    app.router.add_get("/api/v1/stream/events/{namespace}", watch_events)


def stream_fields(text: str, prefix: str) -> Fields:
    """A `fields` value whose paths are relative to the stream message (`result.object.…`)
    applied to the object inside it: the prefix is dropped from every path that has it."""
    exclude = text.startswith("-")
    paths = (text[1:] if exclude else text).split(",")
    cut = [p.removeprefix(prefix) for p in paths if p]
    return Fields(("-" if exclude else "") + ",".join(cut) if cut else "")


def _selected_name(field_selector: str) -> str:
    """The workflow a `metadata.name=…` field selector names ("" if none)."""
    for term in field_selector.split(","):
        for op in ("metadata.name==", "metadata.name="):
            if term.startswith(op):
                return term.removeprefix(op)
    return ""


async def watch_workflows(request: web.Request) -> web.StreamResponse:
    namespace = request.match_info.get("namespace", "")
    q = request.query
    fields = stream_fields(q.get("fields", ""), "result.object.")
    labels = q.get("listOptions.labelSelector", "")
    selector = q.get("listOptions.fieldSelector", "")
    kube = kube_for(request)
    name = _selected_name(selector)
    if name == "@latest":
        wf = await load(request, namespace, name)
        selector = f"metadata.name={wf['metadata']['name']}"
    # Checks the namespace, selectors and rights now, while an error can still be an answer.
    await kube.list("Workflow", namespace, label_selector=labels, field_selector=selector, limit=1)
    store = store_of(request)

    async def events() -> AsyncIterator[Obj]:
        async for kind, wf in _watch(kube, "Workflow", namespace, labels, selector, request):
            if not fields.will_exclude("status.nodes"):
                await hydrate(wf, store, strict=False)
            yield {"type": kind, "object": fields.clean(wf)}

    return await serve(request, events())


async def watch_events(request: web.Request) -> web.StreamResponse:
    namespace = request.match_info["namespace"]
    q = request.query
    labels = q.get("listOptions.labelSelector", "")
    selector = q.get("listOptions.fieldSelector", "")
    kube = kube_for(request)
    await kube.list("Event", namespace, label_selector=labels, field_selector=selector, limit=1)

    async def events() -> AsyncIterator[Obj]:
        async for _kind, event in _watch(kube, "Event", namespace, labels, selector, request):
            yield event

    return await serve(request, events())


async def _watch(
    kube: Kube, kind: str, namespace: str, labels: str, selector: str, request: web.Request
) -> AsyncIterator[tuple[str, Obj]]:
    """Watch events (no bookmarks), resumed from the last resourceVersion when a watch ends."""
    rv = request.query.get("listOptions.resourceVersion", "")
    timeout = _timeout(request)
    while True:
        stream = kube.watch(
            kind, namespace, label_selector=labels, field_selector=selector,
            resource_version=rv, timeout_seconds=timeout,
        )  # fmt: skip
        async with contextlib.aclosing(stream):
            async for event_type, obj in stream:
                rv = str((obj.get("metadata") or {}).get("resourceVersion") or rv)
                if event_type != "BOOKMARK":
                    yield event_type, obj
        if "listOptions.timeoutSeconds" in request.query:
            return  # the client asked for a bounded watch


def _timeout(request: web.Request) -> int:
    raw = request.query.get("listOptions.timeoutSeconds", "")
    if not raw:
        return 300
    try:
        value = int(raw)
    except ValueError:
        raise invalid(f'strconv.ParseInt: parsing "{raw}": invalid syntax') from None
    return max(value, 1)
