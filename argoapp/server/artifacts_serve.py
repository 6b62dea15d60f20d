"""Sending an artifact's bytes to the client: streamed, a chunk at a time, never whole.

`stream` reads a blocking `Body` (a driver's open object, or a member of a tarball being read)
in a thread a chunk at a time and writes each to an aiohttp `StreamResponse`, so a download of
any size holds one chunk in memory. The headers go out with the first chunk: a store that fails
at once is still a 500 with a message; one that fails later cuts the connection (with a
chunked body, a clean end would make a truncated download look whole). `blocking` runs any
driver call in a thread and turns a store failure into a 500 naming the artifact and the cause.
Used by `artifacts` and `artifacts_files`; it knows nothing of workflows or nodes and must not
call a driver on the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import mimetypes
import posixpath
import re
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from typing import Any, BinaryIO, Protocol

from aiohttp import web

from argoapp.artifacts import ArtifactError, Driver
from argoapp.model.types import Obj
from argoapp.server.errors import ApiError, Code

log = logging.getLogger(__name__)

CHUNK = 256 * 1024  # bytes per blocking read: the most a download holds at once
# Argo's defaults for the headers that keep an artifact's HTML from running scripts or framing.
CSP = (
    "sandbox; base-uri 'none'; default-src 'none'; img-src 'self'; style-src 'self' 'unsafe-inline'"
)
X_FRAME_OPTIONS = "SAMEORIGIN"
_UNSAFE_FILENAME = re.compile(r'[\x00-\x1f\x7f"\\]')


@dataclass(frozen=True)
class Headers:
    """The security headers every artifact answer carries (the environment may change them)."""

    csp: str = CSP
    x_frame_options: str = X_FRAME_OPTIONS

    def apply(self, headers: MutableMapping[str, str]) -> None:
        """Set them on a response's headers."""
        headers["Content-Security-Policy"] = self.csp
        headers["X-Frame-Options"] = self.x_frame_options


HEADERS = web.AppKey("artifact_headers", Headers)


class Body(Protocol):
    """A blocking byte stream being served: read in a thread, closed when done."""

    def read(self, size: int, /) -> bytes: ...

    def close(self) -> None: ...


class Opened:
    """A driver's open object kept across threads until `close` exits the driver's context."""

    def __init__(self, stack: contextlib.ExitStack, stream: BinaryIO) -> None:
        self._stack = stack
        self.stream = stream

    def read(self, size: int, /) -> bytes:
        # Drivers' streams raise ArtifactError on a body cut short: an empty read is the end.
        return self.stream.read(size)

    def close(self) -> None:
        self._stack.close()


def open_object(driver: Driver, art: Obj) -> Opened:
    """`driver.open(art)` entered, to be read and closed from other threads (blocking)."""
    stack = contextlib.ExitStack()
    try:
        stream = stack.enter_context(driver.open(art))
    except BaseException:
        stack.close()
        raise
    return Opened(stack, stream)


def content_type(name: str) -> str:
    """The Content-Type guessed from a file name's extension."""
    guessed, encoding = mimetypes.guess_type(name, strict=False)
    if encoding == "gzip":
        return "application/gzip"
    if guessed:
        return guessed
    return "text/plain" if name.endswith(".log") else "application/octet-stream"


def disposition(name: str) -> str:
    """Argo's `Content-Disposition: filename="…"` with what cannot go in a header dropped."""
    return f'filename="{_UNSAFE_FILENAME.sub("", posixpath.basename(name.rstrip("/")))}"'


def file_headers(name: str) -> dict[str, str]:
    """Content-Disposition and Content-Type for a file called `name`."""
    return {"Content-Disposition": disposition(name), "Content-Type": content_type(name)}


async def blocking(artifact: str, fn: Callable[..., Any], *args: Any) -> Any:
    """`fn(*args)` in a thread; a store failure is a 500 naming the artifact and the cause."""
    try:
        return await asyncio.to_thread(fn, *args)
    except ArtifactError as e:
        text = str(e)
        message = text if artifact in text else f"artifact {artifact}: {text}"
        raise ApiError(Code.INTERNAL, message) from None
    except ApiError:
        raise
    except Exception as e:  # the driver's client library's own, or a bad archive
        message = f"artifact {artifact}: {type(e).__name__}: {e}"
        raise ApiError(Code.INTERNAL, message) from None


async def stream(
    request: web.Request,
    artifact: str,
    body: Body,
    headers: dict[str, str],
    *,
    size: int | None = None,
) -> web.StreamResponse:
    """Send `body` a chunk at a time, then close it (even when sending fails)."""
    response = web.StreamResponse(headers=headers)
    request.app[HEADERS].apply(response.headers)
    if size is not None:
        response.content_length = size
    try:
        chunk = await blocking(artifact, body.read, CHUNK)
        await response.prepare(request)
        while chunk:
            await response.write(chunk)
            try:
                chunk = await blocking(artifact, body.read, CHUNK)
            except ApiError as e:
                log.warning("the download of artifact %s broke off: %s", artifact, e.message)
                if request.transport is not None:
                    request.transport.abort()  # the client sees a broken body, not an end
                return response
        await response.write_eof()
        return response
    except ConnectionError:  # the client went away: nobody is left to answer
        if request.transport is not None:
            request.transport.abort()
        return response
    finally:
        await asyncio.to_thread(body.close)


async def html_page(request: web.Request, text: str) -> web.Response:
    """An HTML page (a directory listing) with the artifact security headers."""
    response = web.Response(text=text, content_type="text/html", charset="utf-8")
    request.app[HEADERS].apply(response.headers)
    return response
