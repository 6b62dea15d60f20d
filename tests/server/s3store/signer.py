"""A small SigV4 signer written for the tests from AWS's description, independent of the
store's own code: signed headers, presigned URLs and aws-chunked bodies with chunk signatures.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from urllib.parse import quote

EMPTY = hashlib.sha256(b"").hexdigest()


def _h(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


class Signer:
    """Signs requests for one host with one key pair, in region us-east-1."""

    def __init__(self, host: str, access_key: str, secret_key: str) -> None:
        self.host = host
        self.access_key = access_key
        self.secret_key = secret_key

    def _key(self, day: str) -> bytes:
        return _h(
            _h(_h(_h(f"AWS4{self.secret_key}".encode(), day), "us-east-1"), "s3"), "aws4_request"
        )

    def _sts(self, stamp: str, canonical: str) -> str:
        scope = f"{stamp[:8]}/us-east-1/s3/aws4_request"
        digest = hashlib.sha256(canonical.encode()).hexdigest()
        return f"AWS4-HMAC-SHA256\n{stamp}\n{scope}\n{digest}"

    def headers(
        self,
        method: str,
        path: str,
        payload_hash: str,
        extra: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
        when: datetime | None = None,
    ) -> tuple[dict[str, str], str]:
        """Headers carrying the signature for `path` (a decoded key path); and the signature."""
        stamp = (when or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
        headers = {"host": self.host, "x-amz-date": stamp, "x-amz-content-sha256": payload_hash}
        headers.update({k.lower(): v for k, v in (extra or {}).items()})
        names = sorted(headers)
        canonical = "\n".join(
            [
                method,
                quote(path, safe="/-_.~"),
                "&".join(
                    f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}"
                    for k, v in sorted((query or {}).items())
                ),
                "".join(f"{n}:{headers[n].strip()}\n" for n in names),
                ";".join(names),
                payload_hash,
            ]
        )
        signature = hmac.new(
            self._key(stamp[:8]), self._sts(stamp, canonical).encode(), hashlib.sha256
        ).hexdigest()
        credential = f"{self.access_key}/{stamp[:8]}/us-east-1/s3/aws4_request"
        headers["authorization"] = (
            f"AWS4-HMAC-SHA256 Credential={credential}, SignedHeaders={';'.join(names)}, "
            f"Signature={signature}"
        )
        del headers["host"]
        return headers, signature

    def chunked(
        self,
        stamp_headers: dict[str, str],
        seed: str,
        chunks: list[bytes],
        trailer: list[str] | None = None,
    ) -> bytes:
        """An aws-chunked body of `chunks` (then the empty final chunk), each signed; with
        `trailer` (header lines) a signed trailer follows, laid out as minio-go lays it out."""
        stamp = stamp_headers["x-amz-date"]
        scope = f"{stamp[:8]}/us-east-1/s3/aws4_request"
        key = self._key(stamp[:8])
        previous, out = seed, []
        for chunk in [*chunks, b""]:
            text = (
                f"AWS4-HMAC-SHA256-PAYLOAD\n{stamp}\n{scope}\n{previous}\n{EMPTY}\n"
                f"{hashlib.sha256(chunk).hexdigest()}"
            )
            previous = hmac.new(key, text.encode(), hashlib.sha256).hexdigest()
            out.append(f"{len(chunk):x};chunk-signature={previous}\r\n".encode() + chunk + b"\r\n")
        if trailer is None:
            return b"".join(out)
        out[-1] = out[-1][:-2]
        lines = "".join(f"{line}\n" for line in trailer)
        digest = hashlib.sha256(lines.encode()).hexdigest()
        text = f"AWS4-HMAC-SHA256-TRAILER\n{stamp}\n{scope}\n{previous}\n{digest}"
        signature = hmac.new(key, text.encode(), hashlib.sha256).hexdigest()
        out.append(f"{lines}\r\nx-amz-trailer-signature:{signature}\r\n\r\n".encode())
        return b"".join(out)
