"""S3's bucket operations: HeadBucket, CreateBucket, DeleteBucket (empty only),
GetBucketLocation, ListBuckets, ListObjects (V2, and V1's marker form) and DeleteObjects.

A listing is one index range scan (`Index.list_page`); the continuation token is the key the next
page starts at, base64url-encoded, so paging never rescans earlier keys. With
`encoding-type=url` keys and prefixes in the answer are percent-encoded as S3 does. Called by
`store.py`'s dispatch.
"""

from __future__ import annotations

import base64
import binascii
import time
from urllib.parse import quote

from aiohttp import web

from argoapp.server.s3store.body import read_small
from argoapp.server.s3store.errors import S3Error, no_such_bucket
from argoapp.server.s3store.request import (
    S3Request,
    Storage,
    check_bucket,
    check_key,
    iso_time,
    parse_xml,
    tag,
    xml_response,
)

MAX_DELETE = 1000
REGION = "us-east-1"


async def _existing(s: Storage, bucket: str) -> None:
    if not await s.index.bucket_exists(bucket):
        raise no_such_bucket(bucket)


async def head_bucket(s: Storage, r: S3Request) -> web.StreamResponse:
    """200 when the bucket exists."""
    await _existing(s, r.bucket)
    return web.Response(headers={"x-amz-bucket-region": REGION})


async def create_bucket(s: Storage, r: S3Request) -> web.StreamResponse:
    """Create a bucket (the body, a location constraint, is read and ignored)."""
    check_bucket(r.bucket)
    await read_small(r.http, r.signed)
    if not await s.index.create_bucket(r.bucket, time.time()):
        raise S3Error("BucketAlreadyOwnedByYou", f"The bucket {r.bucket} already exists")
    return web.Response(headers={"Location": f"/{r.bucket}"})


async def delete_bucket(s: Storage, r: S3Request) -> web.StreamResponse:
    """Delete an empty bucket."""
    await s.index.delete_bucket(r.bucket)
    return web.Response(status=204)


async def get_location(s: Storage, r: S3Request) -> web.StreamResponse:
    """The bucket's region (the store has one)."""
    await _existing(s, r.bucket)
    return xml_response("LocationConstraint", "")


async def list_buckets(s: Storage, r: S3Request) -> web.StreamResponse:
    """Every bucket."""
    entries = "".join(
        f"<Bucket>{tag('Name', name)}{tag('CreationDate', iso_time(created))}</Bucket>"
        for name, created in await s.index.list_buckets()
    )
    owner = "<Owner><ID>argoapp</ID><DisplayName>argoapp</DisplayName></Owner>"
    return xml_response("ListAllMyBucketsResult", f"{owner}<Buckets>{entries}</Buckets>")


def _token(start: str) -> str:
    return base64.urlsafe_b64encode(start.encode()).decode()


def _untoken(token: str) -> str:
    try:
        return base64.urlsafe_b64decode(token.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise S3Error("InvalidArgument", "The continuation token provided is incorrect") from None


async def list_objects(s: Storage, r: S3Request) -> web.StreamResponse:
    """ListObjectsV2 (list-type=2), or V1 with its marker."""
    await _existing(s, r.bucket)
    v2 = r.arg("list-type") == "2"
    prefix, delimiter = r.arg("prefix"), r.arg("delimiter")
    max_keys = r.int_arg("max-keys", 1000, 0, 1 << 31)
    encoding = r.arg("encoding-type")
    if encoding not in ("", "url"):
        raise S3Error("InvalidArgument", "encoding-type must be url")

    def enc(text: str) -> str:
        return quote(text, safe="/") if encoding else text

    if v2 and "continuation-token" in r.query:
        start = _untoken(r.arg("continuation-token"))
    else:
        after = r.arg("start-after" if v2 else "marker")
        start = after + "\x00" if after else ""
    objects, prefixes, next_start = await s.index.list_page(
        r.bucket, prefix, delimiter, start, min(max_keys, 1000)
    )
    parts = [tag("Name", r.bucket), tag("Prefix", enc(prefix)), tag("MaxKeys", max_keys)]
    parts += [tag("Delimiter", enc(delimiter))] if delimiter else []
    parts += [tag("EncodingType", encoding)] if encoding else []
    parts.append(tag("IsTruncated", "true" if next_start is not None else "false"))
    if v2:
        parts.append(tag("KeyCount", len(objects) + len(prefixes)))
        for name in ("continuation-token", "start-after"):
            if name in r.query:
                value = r.arg(name)
                parts.append(
                    tag("StartAfter", enc(value))
                    if name == "start-after"
                    else tag("ContinuationToken", value)
                )
        if next_start is not None:
            parts.append(tag("NextContinuationToken", _token(next_start)))
    else:
        parts.append(tag("Marker", enc(r.arg("marker"))))
        if next_start is not None:
            last = max([o.key for o in objects] + prefixes)
            parts.append(tag("NextMarker", enc(last)))
    for obj in objects:
        parts.append(
            f"<Contents>{tag('Key', enc(obj.key))}{tag('LastModified', iso_time(obj.mtime))}"
            f"{tag('ETag', chr(34) + obj.etag + chr(34))}{tag('Size', obj.size)}"
            f"{tag('StorageClass', 'STANDARD')}</Contents>"
        )
    parts += [f"<CommonPrefixes>{tag('Prefix', enc(p))}</CommonPrefixes>" for p in prefixes]
    return xml_response("ListBucketResult", "".join(parts))


async def delete_objects(s: Storage, r: S3Request) -> web.StreamResponse:
    """DeleteObjects (POST ?delete): each key named in the XML body; per-key errors reported."""
    await _existing(s, r.bucket)
    document = parse_xml(await read_small(r.http, r.signed))
    quiet = (document.findtext("Quiet") or "").strip().lower() == "true"
    keys = [element.findtext("Key") or "" for element in document.findall("Object")]
    if len(keys) > MAX_DELETE:
        raise S3Error("MalformedXML", f"At most {MAX_DELETE} keys can be deleted at once")
    answers = []
    for key in keys:
        try:
            check_key(key)
        except S3Error as err:
            answers.append(
                f"<Error>{tag('Key', key)}{tag('Code', err.code)}"
                f"{tag('Message', err.message)}</Error>"
            )
            continue
        old = await s.index.delete(r.bucket, key)
        if old:
            await s.blobs.remove([old])
        if not quiet:
            answers.append(f"<Deleted>{tag('Key', key)}</Deleted>")
    return xml_response("DeleteResult", "".join(answers))
