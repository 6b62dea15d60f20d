"""S3's multipart upload: CreateMultipartUpload, UploadPart, CompleteMultipartUpload,
AbortMultipartUpload and ListParts.

Each part is its own blob, recorded in the index under the upload once its body checked out.
Complete checks the list it is sent (ascending numbers, known parts with matching ETags, every
part but the last at least 5 MiB), writes the parts one after another into a new blob off the
event loop, then in one index transaction records the object and forgets the upload; the ETag
is S3's `md5(binary md5s)-N`. Until then no object exists, so an upload abandoned half-way is
never visible. Called by `store.py`'s dispatch.
"""

from __future__ import annotations

import hashlib
import secrets
import time

from aiohttp import web

from argoapp.server.s3store.body import Body, read_small
from argoapp.server.s3store.errors import S3Error, no_such_bucket
from argoapp.server.s3store.index import ObjectRow, Upload
from argoapp.server.s3store.objects import DEFAULT_CONTENT_TYPE
from argoapp.server.s3store.request import (
    S3Request,
    Storage,
    check_key,
    iso_time,
    parse_xml,
    tag,
    user_meta,
    xml_response,
)

MIN_PART = 5 * 1024 * 1024
MAX_PART_NUMBER = 10000


async def _upload(s: Storage, r: S3Request) -> Upload:
    upload_id = r.arg("uploadId")
    upload = await s.index.get_upload(upload_id)
    if upload is None or upload.bucket != r.bucket or upload.key != r.key:
        raise S3Error(
            "NoSuchUpload",
            f"The multipart upload {upload_id} of {r.bucket}/{r.key} does not exist "
            "(it may have been completed or aborted)",
        )
    return upload


async def create_upload(s: Storage, r: S3Request) -> web.StreamResponse:
    """Start an upload; its id."""
    check_key(r.key)
    if not await s.index.bucket_exists(r.bucket):
        raise no_such_bucket(r.bucket)
    content_type = r.http.headers.get("Content-Type", DEFAULT_CONTENT_TYPE)
    upload = Upload(secrets.token_urlsafe(24), r.bucket, r.key, content_type, user_meta(r.http))
    await s.index.create_upload(upload, time.time())
    inner = tag("Bucket", r.bucket) + tag("Key", r.key) + tag("UploadId", upload.id)
    return xml_response("InitiateMultipartUploadResult", inner)


async def upload_part(s: Storage, r: S3Request) -> web.StreamResponse:
    """Store one part's body."""
    number = r.int_arg("partNumber", 0, 1, MAX_PART_NUMBER)
    if "x-amz-copy-source" in r.http.headers:
        raise S3Error("NotImplemented", "UploadPartCopy is not supported by the built-in store")
    await _upload(s, r)
    body = Body(r.http, r.signed)
    blob = await s.blobs.write(body)
    part = ObjectRow(str(number), blob, body.size, body.md5.hexdigest(), "", time.time(), "{}")
    try:
        stray = await s.index.put_part(r.arg("uploadId"), number, part)
    except BaseException:
        await s.blobs.remove([blob])
        raise
    if stray:
        await s.blobs.remove([stray])
    if stray == blob:
        await _upload(s, r)  # aborted while the body streamed: NoSuchUpload
    return web.Response(headers={"ETag": f'"{part.etag}"'})


def _asked_parts(body: bytes) -> list[tuple[int, str]]:
    asked = []
    for element in parse_xml(body).findall("Part"):
        try:
            number = int((element.findtext("PartNumber") or "").strip())
        except ValueError:
            raise S3Error("MalformedXML", "A part has no valid PartNumber") from None
        asked.append((number, (element.findtext("ETag") or "").strip().strip('"')))
    if not asked:
        raise S3Error("MalformedXML", "The part list is empty")
    return asked


async def complete_upload(s: Storage, r: S3Request) -> web.StreamResponse:
    """Join the listed parts into the object."""
    upload = await _upload(s, r)
    asked = _asked_parts(await read_small(r.http, r.signed))
    have = dict(await s.index.parts(upload.id))
    numbers = [n for n, _ in asked]
    if numbers != sorted(set(numbers)):
        raise S3Error("InvalidPartOrder", "The parts must be listed once each, in ascending order")
    chosen: list[ObjectRow] = []
    for number, etag in asked:
        part = have.get(number)
        if part is None or part.etag != etag:
            raise S3Error("InvalidPart", f"Part {number} was not uploaded or its ETag differs")
        chosen.append(part)
    for part in chosen[:-1]:
        if part.size < MIN_PART:
            raise S3Error("EntityTooSmall", f"Part {part.key} is smaller than 5 MiB")
    digest = hashlib.md5(b"".join(bytes.fromhex(p.etag) for p in chosen)).hexdigest()
    blob = await s.blobs.concat(p.blob for p in chosen)
    size = sum(p.size for p in chosen)
    row = ObjectRow(
        r.key, blob, size, f"{digest}-{len(chosen)}", upload.content_type, time.time(), upload.meta
    )
    try:
        unused = await s.index.end_upload(upload.id, r.bucket, row)
    except BaseException:
        await s.blobs.remove([blob])
        raise
    await s.blobs.remove(unused)
    inner = (
        tag("Location", f"/{r.bucket}/{r.key}")
        + tag("Bucket", r.bucket)
        + tag("Key", r.key)
        + tag("ETag", f'"{row.etag}"')
    )
    return xml_response("CompleteMultipartUploadResult", inner)


async def abort_upload(s: Storage, r: S3Request) -> web.StreamResponse:
    """Forget an upload and its parts."""
    upload = await _upload(s, r)
    await s.blobs.remove(await s.index.end_upload(upload.id, r.bucket, None))
    return web.Response(status=204)


async def list_parts(s: Storage, r: S3Request) -> web.StreamResponse:
    """The parts uploaded so far, from part-number-marker on, at most max-parts."""
    upload = await _upload(s, r)
    marker = r.int_arg("part-number-marker", 0, 0, MAX_PART_NUMBER)
    limit = r.int_arg("max-parts", 1000, 0, 1000)
    later = [(n, p) for n, p in await s.index.parts(upload.id) if n > marker]
    page, truncated = later[:limit], len(later) > limit
    inner = tag("Bucket", r.bucket) + tag("Key", r.key) + tag("UploadId", upload.id)
    inner += tag("PartNumberMarker", marker) + tag("MaxParts", limit)
    inner += tag("IsTruncated", "true" if truncated else "false")
    if page:
        inner += tag("NextPartNumberMarker", page[-1][0])
    for number, part in page:
        inner += (
            f"<Part>{tag('PartNumber', number)}{tag('LastModified', iso_time(part.mtime))}"
            f"{tag('ETag', chr(34) + part.etag + chr(34))}{tag('Size', part.size)}</Part>"
        )
    return xml_response("ListPartsResult", inner)
