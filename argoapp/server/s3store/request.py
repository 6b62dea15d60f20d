"""What every S3 operation handler gets, and the small helpers they share.

`S3Request` is one verified request: the aiohttp request, its bucket and key (decoded from the
path as sent, validated), its query and what its signature promised. `Storage` is the store's
index and blobs. Helpers: XML answers and parsing, S3's date formats, user metadata headers.
The operation modules (`buckets`, `objects`, `multipart`) take these; dispatch is `store.py`.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import unquote
from xml.sax.saxutils import escape

from aiohttp import web

from argoapp.server.s3store.blobs import Blobs
from argoapp.server.s3store.errors import S3Error
from argoapp.server.s3store.index import Index
from argoapp.server.s3store.sigv4 import Signed

MAX_KEY_BYTES = 1024
S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/"
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


@dataclass(frozen=True)
class Storage:
    """The store's index and blob files."""

    index: Index
    blobs: Blobs


@dataclass(frozen=True)
class S3Request:
    """One S3 request whose signature has been checked."""

    http: web.Request
    bucket: str
    key: str
    query: dict[str, str]
    signed: Signed
    request_id: str

    def arg(self, name: str, default: str = "") -> str:
        """A query parameter's value (decoded)."""
        return self.query.get(name, default)

    def int_arg(self, name: str, default: int, low: int = 0, high: int = 1 << 62) -> int:
        """An integer query parameter within [low, high]; InvalidArgument otherwise."""
        text = self.query.get(name)
        if text is None or text == "":
            return default
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if not low <= value <= high:
            raise S3Error("InvalidArgument", f"{name} must be an integer from {low} to {high}")
        return value


def split_path(raw_path: str) -> tuple[str, str]:
    """Bucket and key of a path-style request path as sent (percent-encoded)."""
    bucket, _, key = raw_path.lstrip("/").partition("/")
    return unquote(bucket), unquote(key)


def parse_query(raw_query: str) -> dict[str, str]:
    """The query's parameters, decoded (S3 clients send each once)."""
    query: dict[str, str] = {}
    for item in raw_query.split("&") if raw_query else []:
        name, _, value = item.partition("=")
        query[unquote(name)] = unquote(value)
    return query


def check_bucket(bucket: str) -> None:
    """InvalidBucketName unless `bucket` follows S3's naming rules."""
    if not _BUCKET.match(bucket) or ".." in bucket:
        raise S3Error(
            "InvalidBucketName", f"The bucket name {bucket!r} is not valid", resource=bucket
        )


def check_key(key: str) -> None:
    """S3's error for a key the store will not hold: empty, too long, or with . or .. parts."""
    if not key:
        raise S3Error("InvalidArgument", "The object key must not be empty")
    if len(key.encode("utf-8", "surrogatepass")) > MAX_KEY_BYTES:
        raise S3Error("KeyTooLongError", f"The object key is longer than {MAX_KEY_BYTES} bytes")
    if "\x00" in key or any(part in (".", "..") for part in key.split("/")):
        raise S3Error("InvalidArgument", f"The object key {key!r} has a '.', '..' or NUL part")
    try:
        key.encode("utf-8")
    except UnicodeEncodeError:
        raise S3Error("InvalidArgument", "The object key is not valid UTF-8") from None


def xml_response(root: str, inner: str, status: int = 200) -> web.Response:
    """An S3 XML document `<root xmlns=…>inner</root>`."""
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="{S3_NS}">{inner}</{root}>'
    return web.Response(status=status, body=body.encode(), content_type="application/xml")


def tag(name: str, value: object) -> str:
    """`<name>value</name>` with the value escaped."""
    return f"<{name}>{escape(str(value))}</{name}>"


def parse_xml(body: bytes) -> ET.Element:
    """An XML request body with namespaces stripped from tags; MalformedXML when it is not."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        raise S3Error("MalformedXML", "The XML you provided was not well-formed") from None
    for element in root.iter():
        element.tag = element.tag.rpartition("}")[2]
    return root


def iso_time(ts: float) -> str:
    """S3's XML timestamp."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def http_time(ts: float) -> str:
    """An HTTP date (Last-Modified)."""
    return format_datetime(datetime.fromtimestamp(int(ts), UTC), usegmt=True)


def user_meta(request: web.Request) -> str:
    """The request's x-amz-meta-* headers as a JSON object, kept with the object."""
    meta = {k.lower(): v for k, v in request.headers.items() if k.lower().startswith("x-amz-meta-")}
    return json.dumps(meta, sort_keys=True)


def meta_headers(meta: str) -> dict[str, str]:
    """The kept x-amz-meta-* headers, to answer with."""
    loaded = json.loads(meta or "{}")
    return {str(k): str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}
