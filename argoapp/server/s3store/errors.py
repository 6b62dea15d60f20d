"""S3's error answers for the built-in store.

Every refusal the store makes is an `S3Error` carrying S3's code, its HTTP status and a message a
person (or Argo's executor, which prints it) can act on. `error_response` renders one as S3's XML
error document (no body for HEAD, as S3 does). The request handlers raise; only the store's
middleware (`store.py`) renders. This module does no I/O.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from aiohttp import web

from argoapp.errors import ArgoappError

_STATUS = {
    "AccessDenied": 403,
    "AuthorizationHeaderMalformed": 400,
    "AuthorizationQueryParametersError": 400,
    "BadDigest": 400,
    "BucketAlreadyOwnedByYou": 409,
    "BucketNotEmpty": 409,
    "EntityTooSmall": 400,
    "IncompleteBody": 400,
    "InternalError": 500,
    "InvalidAccessKeyId": 403,
    "InvalidArgument": 400,
    "InvalidBucketName": 400,
    "InvalidDigest": 400,
    "InvalidPart": 400,
    "InvalidPartOrder": 400,
    "InvalidRange": 416,
    "InvalidRequest": 400,
    "KeyTooLongError": 400,
    "MalformedXML": 400,
    "MethodNotAllowed": 405,
    "MissingContentLength": 411,
    "NoSuchBucket": 404,
    "NoSuchKey": 404,
    "NoSuchUpload": 404,
    "NotImplemented": 501,
    "PreconditionFailed": 412,
    "RequestTimeTooSkewed": 403,
    "SignatureDoesNotMatch": 403,
    "XAmzContentSHA256Mismatch": 400,
}


class S3Error(ArgoappError):
    """A request the store refuses, as S3 names the reason."""

    def __init__(self, code: str, message: str, *, resource: str = "") -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.resource = resource
        self.status = _STATUS.get(code, 400)


def no_such_bucket(bucket: str) -> S3Error:
    """The bucket named does not exist."""
    return S3Error(
        "NoSuchBucket", f"The specified bucket does not exist: {bucket}", resource=bucket
    )


def no_such_key(bucket: str, key: str) -> S3Error:
    """The key named does not exist in the bucket."""
    return S3Error(
        "NoSuchKey",
        f"The specified key does not exist: {key} (bucket {bucket})",
        resource=f"/{bucket}/{key}",
    )


def error_response(err: S3Error, method: str, request_id: str) -> web.Response:
    """S3's XML error document for `err` (headers only for HEAD)."""
    headers = {"x-amz-request-id": request_id}
    if method == "HEAD":
        return web.Response(status=err.status, headers=headers)
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error>'
        f"<Code>{escape(err.code)}</Code><Message>{escape(err.message)}</Message>"
        f"<Resource>{escape(err.resource)}</Resource><RequestId>{request_id}</RequestId></Error>"
    )
    return web.Response(
        status=err.status, body=body.encode(), content_type="application/xml", headers=headers
    )
