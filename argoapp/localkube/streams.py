"""Long-lived responses: watch streams and pod logs, and ending them on time.

A watch is chunked `application/json`, one `{"type", "object"}` event per line (clients read
with `readline()`); a log is chunked `text/plain`. Each stream is pumped by its own task,
registered in `Streams`, and ends when its source ends, `timeoutSeconds` passes, the client
goes away (noticed by polling the connection, since aiohttp does not cancel handlers by
default) or the app shuts down: `Streams.close_all` runs from `on_shutdown`, so SIGTERM does
not wait on open watches. An ApiError raised before anything was sent becomes an ordinary
`Status` response; one raised by a watch after that is sent as an ERROR event.

Called by `handlers` for `?watch=true` and by `apiserver` for `pods/NAME/log`.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from aiohttp import web

from argoapp.localkube import params, tables
from argoapp.localkube.errors import ApiError, BadRequest
from argoapp.localkube.objects import ObjectService
from argoapp.localkube.podlogs import PodLogSource
from argoapp.localkube.resources import Resource

log = logging.getLogger(__name__)
Obj = dict[str, Any]

# How often an idle stream checks that its client is still connected.
DISCONNECT_POLL_SECONDS = 1.0


class Streams:
    """The open streams of one app, so that shutdown can end them all."""

    def __init__(self) -> None:
        self._pumps: set[asyncio.Task[None]] = set()

    def __len__(self) -> int:
        """How many streams are open."""
        return len(self._pumps)

    def close_all(self) -> None:
        """End every open stream (its handler then finishes the response)."""
        for task in list(self._pumps):
            task.cancel()

    async def run(
        self,
        request: web.Request,
        resp: web.StreamResponse,
        pump: Awaitable[None],
        timeout: float | None = None,
    ) -> web.StreamResponse:
        """Run `pump` (which writes `resp`) until it ends, times out, the client leaves or
        the app shuts down; then `resp` is what the handler returns.

        A failure of the pump before it sent the headers is re-raised (the middleware makes
        it a Status); after that it can only be logged, and the stream just ends.
        """
        task = asyncio.ensure_future(pump)
        self._pumps.add(task)
        try:
            async with asyncio.timeout(timeout):
                while not task.done():
                    await asyncio.wait({task}, timeout=DISCONNECT_POLL_SECONDS)
                    if request.transport is None or request.transport.is_closing():
                        break
        except TimeoutError:
            pass
        finally:
            self._pumps.discard(task)
            task.cancel()
            await asyncio.wait({task})
        error = None if task.cancelled() else task.exception()
        if error is None or isinstance(error, ConnectionError):
            return resp
        if not resp.prepared:
            raise error
        log.error("localkube: stream %s failed", request.path_qs, exc_info=error)
        return resp


def _line(event: Obj) -> bytes:
    return json.dumps(event, separators=(",", ":")).encode() + b"\n"


def _as_table(res: Resource, api_version: str, include: str) -> Callable[[Obj], Obj]:
    """Turns each watch event's object into a one-row Table (headers on the first only)."""
    first = True

    def convert(event: Obj) -> Obj:
        nonlocal first
        if event.get("type") not in ("ADDED", "MODIFIED", "DELETED"):
            return event
        row = tables.table(res, [event["object"]], api_version, include=include, headers=first)
        first = False
        return {"type": event["type"], "object": row}

    return convert


async def watch(
    request: web.Request,
    streams: Streams,
    service: ObjectService,
    res: Resource,
    namespace: str | None,
    query: params.ListQuery,
) -> web.StreamResponse:
    """Serve `?watch=true`: events from `service.watch` as newline-delimited JSON."""
    w = service.watch(
        res,
        namespace,
        resource_version=query.resource_version,
        label_selector=query.label_selector,
        field_selector=query.field_selector,
        allow_bookmarks=query.allow_bookmarks,
        send_initial_events=query.send_initial_events,
    )
    table_version = tables.wants_table(request.headers.get("Accept", ""))
    convert = (
        _as_table(res, table_version, request.query.get("includeObject", "Metadata"))
        if table_version
        else None
    )
    resp = web.StreamResponse(headers={"Content-Type": "application/json"})
    resp.enable_chunked_encoding()

    async def pump() -> None:
        await resp.prepare(request)
        try:
            async for event in w:
                await resp.write(_line(convert(event) if convert else event))
        except ApiError as exc:
            await resp.write(_line({"type": "ERROR", "object": exc.status()}))

    try:
        return await streams.run(request, resp, pump(), query.timeout_seconds or None)
    finally:
        w.close()


async def pod_log(
    request: web.Request,
    streams: Streams,
    service: ObjectService,
    logs: PodLogSource | None,
    res: Resource,
    namespace: str | None,
    name: str,
) -> web.StreamResponse:
    """Serve `GET pods/NAME/log`: the container's log from `logs`, as text."""
    options = params.log_options(request.query)
    if logs is None:
        raise BadRequest("pod logs are not available: this localkube runs no kubelet")
    pod = await service.get(res, namespace, name)
    resp = web.StreamResponse(headers={"Content-Type": "text/plain"})
    resp.enable_chunked_encoding()
    chunks = aiter(logs.stream(pod, options))

    async def pump() -> None:
        # The first chunk comes before the headers, so that the log source's errors
        # (no such container, not started) reach the client as a Status.
        first = await anext(chunks, b"")
        await resp.prepare(request)
        if first:
            await resp.write(first)
        async for chunk in chunks:
            await resp.write(chunk)

    try:
        return await streams.run(request, resp, pump())
    finally:
        await _aclose(chunks)


async def _aclose(iterator: AsyncIterator[bytes]) -> None:
    """Let the log source clean up (an async generator's `finally`)."""
    close = getattr(iterator, "aclose", None)
    if close is None:
        return
    try:
        await close()
    except Exception:
        log.exception("localkube: closing a pod log stream failed")
