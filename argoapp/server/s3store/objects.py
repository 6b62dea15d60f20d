"""S3's single-object operations: PutObject, GetObject, HeadObject, DeleteObject.

PutObject streams the body (checked by `body.Body`) into a new blob and only then records it in
the index, so a body that fails a check or is cut off never becomes an object and leaves no
file; the object it replaces loses its blob afterwards. GetObject streams the blob back with
Range (206, or 416 InvalidRange), If-Match (412) and If-None-Match (304), keeping the
Content-Type and x-amz-meta-* headers it was stored with (or those a `response-*` query
parameter names). Called by `store.py`'s dispatch.
"""

from __future__ import annotations

import contextlib
import logging
import time

from aiohttp import web

from argoapp.server.s3store.body import Body
from argoapp.server.s3store.errors import S3Error, no_such_bucket, no_such_key
from argoapp.server.s3store.index import ObjectRow
from argoapp.server.s3store.request import (
    S3Request,
    Storage,
    check_key,
    http_time,
    meta_headers,
    user_meta,
)

log = logging.getLogger(__name__)

DEFAULT_CONTENT_TYPE = "binary/octet-stream"
_OVERRIDABLE = (
    "content-type",
    "content-language",
    "expires",
    "cache-control",
    "content-disposition",
    "content-encoding",
)


async def put_object(s: Storage, r: S3Request) -> web.StreamResponse:
    """Store the body under bucket/key."""
    check_key(r.key)
    if "x-amz-copy-source" in r.http.headers:
        raise S3Error("NotImplemented", "CopyObject is not supported by the built-in store")
    if not await s.index.bucket_exists(r.bucket):
        raise no_such_bucket(r.bucket)
    body = Body(r.http, r.signed)
    blob = await s.blobs.write(body)
    content_type = r.http.headers.get("Content-Type", DEFAULT_CONTENT_TYPE)
    row = ObjectRow(
        r.key, blob, body.size, body.md5.hexdigest(), content_type, time.time(), user_meta(r.http)
    )
    await record(s, r.bucket, row)
    return web.Response(headers={"ETag": f'"{row.etag}"'})


async def record(s: Storage, bucket: str, row: ObjectRow) -> None:
    """Put `row` in the index, dropping the blob it replaces (or its own, when that fails)."""
    try:
        old = await s.index.put(bucket, row)
    except BaseException:
        await s.blobs.remove([row.blob])
        raise
    if old:
        await s.blobs.remove([old])


async def find(s: Storage, bucket: str, key: str) -> ObjectRow:
    """The object, or NoSuchKey / NoSuchBucket."""
    check_key(key)
    obj = await s.index.get(bucket, key)
    if obj is None:
        if not await s.index.bucket_exists(bucket):
            raise no_such_bucket(bucket)
        raise no_such_key(bucket, key)
    return obj


def _etag_listed(header: str, etag: str) -> bool:
    tags = [t.strip().removeprefix("W/").strip('"') for t in header.split(",")]
    return "*" in tags or etag in tags


def _byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(start, length) asked for by a single `bytes=` range; None to send everything."""
    if not header or not header.startswith("bytes=") or "," in header:
        return None
    first, dash, last = header[6:].strip().partition("-")
    if not dash or not (first.isdigit() or last.isdigit()):
        return None
    if (first and not first.isdigit()) or (last and not last.isdigit()):
        return None
    if not first:
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise S3Error("InvalidRange", "The requested range is not satisfiable")
        return max(0, size - suffix), min(suffix, size)
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        raise S3Error("InvalidRange", "The requested range is not satisfiable")
    return start, end - start + 1


async def get_object(s: Storage, r: S3Request, *, head: bool) -> web.StreamResponse:
    """The object's body (GET) or only its headers (HEAD)."""
    obj = await find(s, r.bucket, r.key)
    headers = {
        "ETag": f'"{obj.etag}"',
        "Last-Modified": http_time(obj.mtime),
        "Content-Type": obj.content_type,
        "Accept-Ranges": "bytes",
        **meta_headers(obj.meta),
    }
    for name in _OVERRIDABLE:  # a (presigned) GET may name the headers to answer with
        if f"response-{name}" in r.query:
            headers[name.title()] = r.arg(f"response-{name}")
    if_match = r.http.headers.get("If-Match")
    if if_match is not None and not _etag_listed(if_match, obj.etag):
        raise S3Error("PreconditionFailed", "At least one of the preconditions did not hold")
    if_none_match = r.http.headers.get("If-None-Match")
    if if_none_match is not None and _etag_listed(if_none_match, obj.etag):
        return web.Response(status=304, headers={k: headers[k] for k in ("ETag", "Last-Modified")})
    wanted = _byte_range(r.http.headers.get("Range"), obj.size)
    status, start, length = 200, 0, obj.size
    if wanted is not None:
        start, length = wanted
        status = 206
        headers["Content-Range"] = f"bytes {start}-{start + length - 1}/{obj.size}"
    response = web.StreamResponse(status=status, headers=headers)
    response.content_length = length
    if head:
        await response.prepare(r.http)
        await response.write_eof()
        return response
    async with contextlib.aclosing(s.blobs.read(obj.blob, start, length)) as pieces:
        try:
            first = await anext(pieces, b"")
        except FileNotFoundError:
            raise no_such_key(r.bucket, r.key) from None  # deleted since the index was read
        await response.prepare(r.http)
        try:
            await response.write(first)
            async for piece in pieces:
                await response.write(piece)
            await response.write_eof()
        except ConnectionError:
            pass  # the client went away: nothing to answer, nothing to log
        except OSError as err:
            # The headers are sent: all that is left is to cut the body short.
            log.error("reading %s/%s failed: %s", r.bucket, r.key, err)
            if r.http.transport is not None:
                r.http.transport.close()
    return response


async def delete_object(s: Storage, r: S3Request) -> web.StreamResponse:
    """Delete bucket/key (204 whether or not it existed)."""
    check_key(r.key)
    if not await s.index.bucket_exists(r.bucket):
        raise no_such_bucket(r.bucket)
    old = await s.index.delete(r.bucket, r.key)
    if old:
        await s.blobs.remove([old])
    return web.Response(status=204)
