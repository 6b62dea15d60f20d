"""AWS Signature Version 4 checked for the built-in store's requests.

`verify` takes what arrived (method, the path and query as sent, the headers) and either returns
the request's `Signed` facts (the payload hash it promised, the key and scope that chunk
signatures chain from) or raises `S3Error` with S3's code: InvalidAccessKeyId for another key,
SignatureDoesNotMatch, RequestTimeTooSkewed past 15 minutes, AccessDenied for an expired
presigned URL. Both forms are read: the `Authorization` header and presigned query parameters.
`chunk_signature` is the per-chunk signature of `STREAMING-AWS4-HMAC-SHA256-PAYLOAD` bodies.

Pure: no I/O and no clock (the caller passes `now`). The body is checked elsewhere (`body.py`).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol
from urllib.parse import quote, unquote

from argoapp.server.s3store.errors import S3Error

ALGORITHM = "AWS4-HMAC-SHA256"
UNSIGNED = "UNSIGNED-PAYLOAD"
STREAMING = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
STREAMING_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
STREAMING_UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
SKEW = timedelta(minutes=15)
MAX_EXPIRES = 7 * 24 * 3600


class Headers(Protocol):
    """The part of a multidict of headers the check reads."""

    def getall(self, key: str, default: list[str]) -> list[str]: ...

    def get(self, key: str, default: str) -> str: ...


@dataclass(frozen=True)
class Signed:
    """What a verified request promised about its body, and the key to check chunks with."""

    payload_hash: str  # hex sha256, UNSIGNED-PAYLOAD or a STREAMING-… marker
    signature: str
    amz_date: str
    scope: str
    signing_key: bytes


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def signing_key(secret_key: str, date8: str, region: str, service: str) -> bytes:
    """The derived key for one day, region and service."""
    key = _hmac(("AWS4" + secret_key).encode(), date8)
    return _hmac(_hmac(_hmac(key, region), service), "aws4_request")


def _uri_encode(text: str, safe: str) -> str:
    return quote(text, safe="-_.~" + safe)


def canonical_query(raw_query: str, drop: str = "") -> str:
    """The query's names and values decoded, encoded as SigV4 says, sorted."""
    pairs = []
    for item in raw_query.split("&") if raw_query else []:
        name, _, value = item.partition("=")
        name, value = unquote(name), unquote(value)
        if name == drop:
            continue
        pairs.append((_uri_encode(name, ""), _uri_encode(value, "")))
    return "&".join(f"{n}={v}" for n, v in sorted(pairs))


def canonical_paths(raw_path: str) -> list[str]:
    """The canonical URIs a client may have signed: re-encoded as SigV4 says, and as sent."""
    normal = _uri_encode(unquote(raw_path), "/") or "/"
    return [normal] if normal == raw_path else [normal, raw_path]


def _canonical_headers(headers: Headers, names: list[str]) -> str:
    lines = []
    for name in names:
        values = headers.getall(name, [])
        lines.append(f"{name}:{','.join(' '.join(v.split()) for v in values)}\n")
    return "".join(lines)


def string_to_sign(amz_date: str, scope: str, canonical_request: str) -> str:
    """SigV4's string to sign for one canonical request."""
    digest = hashlib.sha256(canonical_request.encode()).hexdigest()
    return f"{ALGORITHM}\n{amz_date}\n{scope}\n{digest}"


def chunk_signature(signed: Signed, previous: str, chunk_sha256: str) -> str:
    """The signature one aws-chunked chunk must carry, chained from `previous`."""
    text = (
        f"{ALGORITHM}-PAYLOAD\n{signed.amz_date}\n{signed.scope}\n{previous}\n"
        f"{EMPTY_SHA256}\n{chunk_sha256}"
    )
    return hmac.new(signed.signing_key, text.encode(), hashlib.sha256).hexdigest()


def trailer_signature(signed: Signed, previous: str, trailer_sha256: str) -> str:
    """The signature the trailer of a signed aws-chunked body must carry."""
    text = f"{ALGORITHM}-TRAILER\n{signed.amz_date}\n{signed.scope}\n{previous}\n{trailer_sha256}"
    return hmac.new(signed.signing_key, text.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class _Claim:
    credential: str
    signed_headers: str
    signature: str
    amz_date: str
    payload_hash: str
    expires: int | None  # presigned only


def _from_header(authorization: str, headers: Headers) -> _Claim:
    fields: dict[str, str] = {}
    for part in authorization[len(ALGORITHM) :].split(","):
        name, _, value = part.strip().partition("=")
        fields[name] = value.strip()
    if not {"Credential", "SignedHeaders", "Signature"} <= fields.keys():
        raise S3Error("AuthorizationHeaderMalformed", "The authorization header is malformed")
    amz_date = headers.get("x-amz-date", "") or headers.get("date", "")
    payload_hash = headers.get("x-amz-content-sha256", "")
    if not payload_hash:
        raise S3Error("InvalidRequest", "Missing required header: x-amz-content-sha256")
    return _Claim(
        fields["Credential"],
        fields["SignedHeaders"],
        fields["Signature"],
        amz_date,
        payload_hash,
        None,
    )


def _from_query(query: dict[str, str], headers: Headers) -> _Claim:
    needed = ("X-Amz-Credential", "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Date")
    missing = [name for name in (*needed, "X-Amz-Expires") if name not in query]
    if missing:
        raise S3Error(
            "AuthorizationQueryParametersError", f"Query-string authentication needs {missing[0]}"
        )
    try:
        expires = int(query["X-Amz-Expires"])
    except ValueError:
        expires = -1
    if not 0 <= expires <= MAX_EXPIRES:
        raise S3Error("AuthorizationQueryParametersError", "X-Amz-Expires must be 0 to 604800")
    payload_hash = query.get("X-Amz-Content-Sha256") or headers.get("x-amz-content-sha256", "")
    return _Claim(
        query["X-Amz-Credential"],
        query["X-Amz-SignedHeaders"],
        query["X-Amz-Signature"],
        query["X-Amz-Date"],
        payload_hash or UNSIGNED,
        expires,
    )


def _parse_date(amz_date: str) -> datetime:
    try:
        return datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise S3Error("AccessDenied", "The request has no valid x-amz-date") from None


def _check_time(claim: _Claim, now: datetime) -> None:
    signed_at = _parse_date(claim.amz_date)
    if claim.expires is None:
        if abs(now - signed_at) > SKEW:
            raise S3Error(
                "RequestTimeTooSkewed",
                "The difference between the request time and the server's time is too large",
            )
        return
    if signed_at - now > SKEW:
        raise S3Error("AccessDenied", "Request is not valid yet")
    if now > signed_at + timedelta(seconds=claim.expires):
        raise S3Error("AccessDenied", "Request has expired")


def verify(
    method: str,
    raw_path: str,
    raw_query: str,
    headers: Headers,
    keys: tuple[str, str],
    now: datetime,
) -> Signed:
    """Check a request's signature against `keys` (access key, secret key); what it signed."""
    authorization = headers.get("authorization", "")
    presigned = not authorization.startswith(ALGORITHM)
    query = {unquote(k): unquote(v) for k, _, v in (p.partition("=") for p in raw_query.split("&"))}
    if presigned:
        if query.get("X-Amz-Algorithm") != ALGORITHM:
            raise S3Error("AccessDenied", "Only AWS4-HMAC-SHA256 signatures are accepted")
        claim = _from_query(query, headers)
    else:
        claim = _from_header(authorization, headers)
    parts = claim.credential.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request":
        raise S3Error("AuthorizationHeaderMalformed", "The credential is malformed")
    access_key, date8, region, service, _ = parts
    if not hmac.compare_digest(access_key.encode(), keys[0].encode()):
        raise S3Error("InvalidAccessKeyId", "The access key ID does not exist in our records")
    _check_time(claim, now)
    if not claim.amz_date.startswith(date8):
        raise S3Error("SignatureDoesNotMatch", "The credential date does not match x-amz-date")
    names = claim.signed_headers.split(";")
    if "host" not in names:
        raise S3Error("AccessDenied", "The host header must be signed")
    scope = f"{date8}/{region}/{service}/aws4_request"
    key = signing_key(keys[1], date8, region, service)
    tail = (
        f"{canonical_query(raw_query, 'X-Amz-Signature' if presigned else '')}\n"
        f"{_canonical_headers(headers, names)}\n{claim.signed_headers}\n{claim.payload_hash}"
    )
    for path in canonical_paths(raw_path):
        text = string_to_sign(claim.amz_date, scope, f"{method}\n{path}\n{tail}")
        expected = hmac.new(key, text.encode(), hashlib.sha256).hexdigest()
        if hmac.compare_digest(expected, claim.signature):
            return Signed(claim.payload_hash, claim.signature, claim.amz_date, scope, key)
    raise S3Error(
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. "
        "Check your key and signing method.",
    )
