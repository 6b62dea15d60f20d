"""The built-in S3 store: answers S3 requests that arrive on the Argo API's own port.

`S3Store(root, access_key, secret_key)` owns the index and blobs under `root`
(DATA_DIR/artifacts); the runtime awaits `start()` before serving and `close()` after the HTTP
server stopped. `build_app(s3store=…)` puts `store.middleware()` first, so a request signed for
S3 (`is_s3_request`: an `AWS4-HMAC-SHA256` Authorization header or presigned query) is answered
here before routing, auth or the API's middlewares see it; every other request passes through.

Path style only: `/`, `/{bucket}`, `/{bucket}/{key…}`. Each request's signature is checked
(`sigv4.verify`) before anything else; the operation is picked from the method, whether a key
is present and the query's subresource (`_route`). Every refusal is S3's XML error; an
unexpected fault is logged and answered InternalError, never a traceback.

The store is also an `argoapp.artifacts.local.LocalStore`: blocking, thread-safe `put_file`,
`open_object`, `exists`, `list_keys`, `delete_keys` for the kubelet's in-process executor roles
(threads of this process), run on the store's loop with `run_coroutine_threadsafe` over the same
index and blob code, so they make exactly the objects S3 requests would, without HTTP or SigV4.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import os
import secrets
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from aiohttp import web
from aiohttp.typedefs import Middleware

from argoapp.server.s3store import buckets, multipart, objects, sigv4
from argoapp.server.s3store.blobs import Blobs
from argoapp.server.s3store.errors import S3Error, error_response, no_such_bucket
from argoapp.server.s3store.index import Index, ObjectRow
from argoapp.server.s3store.request import (
    S3Request,
    Storage,
    check_key,
    parse_query,
    split_path,
)

log = logging.getLogger(__name__)

BUCKET = "argoapp"
INDEX_FILE = "index.db"
STALE_UPLOAD = 7 * 24 * 3600  # a multipart upload this old at start is abandoned: drop its parts
Op = Callable[[Storage, S3Request], Awaitable[web.StreamResponse]]
T = TypeVar("T")
LOCAL_PIECE = 1 << 20
LOCAL_CONTENT_TYPE = "application/octet-stream"  # what minio's fput_object sends
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Subresources the store does not implement: refused rather than mistaken for a plain request.
_UNSUPPORTED = frozenset(
    {
        "acl",
        "tagging",
        "policy",
        "versioning",
        "lifecycle",
        "cors",
        "encryption",
        "notification",
        "object-lock",
        "retention",
        "legal-hold",
        "replication",
        "website",
        "logging",
        "versions",
        "select",
        "restore",
        "attributes",
        "torrent",
        "accelerate",
        "requestPayment",
        "ownershipControls",
        "publicAccessBlock",
    }
)


def is_s3_request(request: web.Request) -> bool:
    """Whether a request is signed for S3 (header or presigned query, V4 or the old V2)."""
    if request.headers.get("Authorization", "").startswith((sigv4.ALGORITHM, "AWS ")):
        return True
    if "AWSAccessKeyId" in request.query and "Signature" in request.query:
        return True  # a V2 presigned URL: refused below, in S3's words
    return request.query.get("X-Amz-Algorithm") == sigv4.ALGORITHM


def _signed_v2(request: web.Request) -> bool:
    return request.headers.get("Authorization", "").startswith("AWS ") or (
        "AWSAccessKeyId" in request.query
    )


def _head(s: Storage, r: S3Request) -> Awaitable[web.StreamResponse]:
    return objects.get_object(s, r, head=True)


def _get(s: Storage, r: S3Request) -> Awaitable[web.StreamResponse]:
    return objects.get_object(s, r, head=False)


def _route(method: str, bucket: str, key: str, query: dict[str, str]) -> Op:
    """The operation a request asks for."""
    if _UNSUPPORTED & query.keys():
        raise S3Error(
            "NotImplemented", "This S3 subresource is not supported by the built-in store"
        )
    if not bucket:
        if method == "GET":
            return buckets.list_buckets
    elif not key:
        if method == "GET":
            if "location" in query:
                return buckets.get_location
            if "uploads" in query:
                raise S3Error("NotImplemented", "ListMultipartUploads is not supported")
            return buckets.list_objects
        if method == "POST" and "delete" in query:
            return buckets.delete_objects
        bucket_ops: dict[str, Op] = {
            "HEAD": buckets.head_bucket,
            "PUT": buckets.create_bucket,
            "DELETE": buckets.delete_bucket,
        }
        if method in bucket_ops:
            return bucket_ops[method]
    elif "uploadId" in query:
        upload_ops: dict[str, Op] = {
            "PUT": multipart.upload_part,
            "GET": multipart.list_parts,
            "POST": multipart.complete_upload,
            "DELETE": multipart.abort_upload,
        }
        if method in upload_ops:
            return upload_ops[method]
    else:
        if method == "POST" and "uploads" in query:
            return multipart.create_upload
        object_ops: dict[str, Op] = {
            "PUT": objects.put_object,
            "GET": _get,
            "HEAD": _head,
            "DELETE": objects.delete_object,
        }
        if method in object_ops:
            return object_ops[method]
    raise S3Error("MethodNotAllowed", f"The method {method} is not allowed against this resource")


class S3Store:
    """The built-in store's state and its request handling."""

    def __init__(self, root: Path, access_key: str, secret_key: str) -> None:
        self.root = root
        self._keys = (access_key, secret_key)
        self._storage = Storage(Index(root / INDEX_FILE), Blobs(root))
        self._started = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._local_prefix = secrets.token_hex(16)
        self._local_count = 0
        self._local_lock = threading.Lock()
        self._local_dirs: set[str] = set()  # blob directories known to exist

    async def start(self) -> None:
        """Open the index, make sure the `argoapp` bucket exists and clear what a crash left
        (temp files, blobs no object or part names) and uploads abandoned a week ago."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(
            None, lambda: self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        )
        await loop.run_in_executor(None, self._storage.blobs.sweep)
        await self._storage.index.open([BUCKET], time.time())
        named = await self._storage.index.blobs_named()
        strays = await loop.run_in_executor(None, self._storage.blobs.unnamed, named)
        await self._storage.blobs.remove(strays)
        for upload in await self._storage.index.uploads_before(time.time() - STALE_UPLOAD):
            unused = await self._storage.index.end_upload(upload.id, upload.bucket, None)
            await self._storage.blobs.remove(unused)
        self._loop = asyncio.get_running_loop()
        self._started = True

    async def close(self) -> None:
        """Close the index."""
        if self._started:
            self._started = False
            await self._storage.index.close()
        self._storage.blobs.close()

    def middleware(self) -> Middleware:
        """The aiohttp middleware that answers S3 requests and passes the rest on."""

        @web.middleware
        async def s3(request: web.Request, handler: Handler) -> web.StreamResponse:
            if not is_s3_request(request):
                return await handler(request)
            return await self.handle(request)

        return s3

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Answer one S3 request."""
        request_id = secrets.token_hex(8).upper()
        try:
            if not self._started:
                raise S3Error("InternalError", "The built-in store is not started")
            if _signed_v2(request):
                raise S3Error(
                    "InvalidRequest",
                    "Signature Version 2 is not supported: sign requests with AWS4-HMAC-SHA256",
                )
            raw_path, raw_query = request.rel_url.raw_path, request.rel_url.raw_query_string
            signed = sigv4.verify(
                request.method, raw_path, raw_query, request.headers, self._keys, datetime.now(UTC)
            )
            bucket, key = split_path(raw_path)
            query = parse_query(raw_query)
            op = _route(request.method, bucket, key, query)
            response = await op(
                self._storage, S3Request(request, bucket, key, query, signed, request_id)
            )
        except S3Error as err:
            log.debug("s3 %s %s: %s", request.method, request.path, err)
            return error_response(err, request.method, request_id)
        except (ConnectionError, asyncio.CancelledError):
            raise
        except Exception:
            log.exception("s3 %s %s failed", request.method, request.path)
            fault = S3Error("InternalError", "The built-in store failed; see argoapp's log")
            return error_response(fault, request.method, request_id)
        if not response.prepared:
            response.headers["x-amz-request-id"] = request_id
        return response

    # -- blocking entry points for threads of this process (artifacts.local.LocalStore) -----

    def _call(self, work: Coroutine[Any, Any, T]) -> T:
        """Run `work` on the store's loop and wait for it (never from that loop's own thread)."""
        try:
            self._blocking_allowed()
        except BaseException:
            work.close()
            raise
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(work, self._loop).result()

    def refusal(self, access_key: str, secret_key: str) -> str | None:
        """Why a request signed with these keys would be refused, in S3's words (None: it would
        not be)."""
        if not hmac.compare_digest(access_key.encode(), self._keys[0].encode()):
            return "InvalidAccessKeyId: The access key ID does not exist in our records"
        if not hmac.compare_digest(secret_key.encode(), self._keys[1].encode()):
            return "SignatureDoesNotMatch: The request signature we calculated does not match"
        return None

    def exists(self, bucket: str, key: str) -> bool:
        """Whether `key` is an object in `bucket` (NoSuchBucket when there is no bucket)."""
        return self._call(self._exists(bucket, key))

    async def _exists(self, bucket: str, key: str) -> bool:
        try:
            await objects.find(self._storage, bucket, key)
        except S3Error as err:
            if err.code == "NoSuchKey":
                return False
            raise
        return True

    def put_file(self, bucket: str, key: str, path: Path) -> None:
        """Store the file as `bucket/key`, the object a PutObject of its bytes would make (MD5
        ETag, size, minio's default content type); a failed write leaves nothing.

        The blob is written on the calling thread, straight under its final name (no reader
        finds it before the index names it, and one a crash left unnamed goes at start), and
        the index's thread records it: the store's loop is not involved. Few system calls on
        purpose: each one a role thread makes gives up the GIL and costs context switches to
        get it back."""
        self._blocking_allowed()
        check_key(key)
        blob = self._local_blob_id()
        final = self._storage.blobs.path(blob)
        if final.parent.name not in self._local_dirs:
            final.parent.mkdir(parents=True, exist_ok=True)
            self._local_dirs.add(final.parent.name)
        digest, size = hashlib.md5(), 0
        src = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            out = os.open(final, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
            try:
                while piece := os.read(src, LOCAL_PIECE):
                    digest.update(piece)
                    size += len(piece)
                    view = memoryview(piece)
                    while view:
                        view = view[os.write(out, view) :]
                os.fsync(out)
            finally:
                os.close(out)
            row = ObjectRow(
                key, blob, size, digest.hexdigest(), LOCAL_CONTENT_TYPE, time.time(), "{}"
            )
            old = self._storage.index.put_waiting(bucket, row)
        except BaseException:
            final.unlink(missing_ok=True)  # not written whole, or not recorded: not kept
            raise
        finally:
            os.close(src)
        if old:
            self._storage.blobs.path(old).unlink(missing_ok=True)  # the object it replaced

    def _blocking_allowed(self) -> None:
        """Refuse a blocking call before the store started, or on its own loop's thread."""
        loop = self._loop
        if loop is None or not self._started:
            raise S3Error("InternalError", "The built-in store is not started")
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            raise RuntimeError("the store's blocking calls cannot be made on its own loop")

    def _local_blob_id(self) -> str:
        """A new blob id without a system call: a hash of this store's random prefix and a
        counter (unique, and spread over the blob directories as random ids are)."""
        with self._local_lock:
            self._local_count += 1
            count = self._local_count
        seed = f"{self._local_prefix}:{count}".encode()
        return hashlib.blake2b(seed, digest_size=16).hexdigest()

    def open_object(self, bucket: str, key: str) -> BinaryIO | None:
        """A reader of the object's bytes, or None when there is no such key."""
        for _ in range(3):  # its blob replaced between the index read and the open: look again
            try:
                row = self._call(objects.find(self._storage, bucket, key))
            except S3Error as err:
                if err.code == "NoSuchKey":
                    return None
                raise
            try:
                return self._storage.blobs.path(row.blob).open("rb")
            except FileNotFoundError:
                continue
        return None

    def list_keys(self, bucket: str, prefix: str) -> list[str]:
        """Every object key under `prefix`, in S3's order."""
        return self._call(self._list_keys(bucket, prefix))

    async def _list_keys(self, bucket: str, prefix: str) -> list[str]:
        if not await self._storage.index.bucket_exists(bucket):
            raise no_such_bucket(bucket)
        keys: list[str] = []
        start: str | None = prefix
        while start is not None:
            rows, _, start = await self._storage.index.list_page(bucket, prefix, "", start, 1000)
            keys.extend(row.key for row in rows)
        return keys

    def delete_keys(self, bucket: str, keys: list[str]) -> None:
        """Delete the objects; keys already gone are fine."""
        if keys:
            self._call(self._delete_keys(bucket, keys))

    async def _delete_keys(self, bucket: str, keys: list[str]) -> None:
        for key in keys:
            old = await self._storage.index.delete(bucket, key)
            if old:
                await self._storage.blobs.remove([old])
