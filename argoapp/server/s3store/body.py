"""Request bodies read as they stream, checked against what the request promised.

`Body(request, signed)` is iterated for the body's bytes in pieces of at most `PIECE`, so a 1 GiB
upload never sits in memory. While it streams it keeps the MD5 (the object's ETag) and, at the
end, checks: the hex SHA-256 the signature covered (XAmzContentSHA256Mismatch), each aws-chunked
chunk's signature (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD`, and its `-TRAILER` form whose trailer
is signed too; SignatureDoesNotMatch), Content-MD5 (BadDigest), and that as many bytes arrived
as announced (IncompleteBody). Trailer checksums are read but not checked. The last piece is
yielded before the end checks run, so the caller must treat the body as good only once the
iteration has ended without an error (the store writes to a temp file and keeps it only then).
`read_small` gathers a small XML body (DeleteObjects, CompleteMultipartUpload) the same way.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
from collections.abc import AsyncIterator

from aiohttp import web

from argoapp.server.s3store import sigv4
from argoapp.server.s3store.errors import S3Error

PIECE = 1 << 20
MAX_CHUNK_LINE = 4096
SIGNATURE_LINE = b"x-amz-trailer-signature:"


def _incomplete() -> S3Error:
    return S3Error("IncompleteBody", "The request body ended before the length it announced")


class Body:
    """One request's body, iterated once, checked as it goes."""

    def __init__(self, request: web.Request, signed: sigv4.Signed) -> None:
        self._request = request
        self._signed = signed
        self.md5 = hashlib.md5()
        self.size = 0
        self._content_md5 = b""
        given = request.headers.get("Content-MD5")
        if given is not None:
            try:
                self._content_md5 = base64.b64decode(given, validate=True)
            except binascii.Error:
                self._content_md5 = b""
            if len(self._content_md5) != 16:
                raise S3Error("InvalidDigest", "The Content-MD5 you specified is not valid")

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._pieces()

    async def _pieces(self) -> AsyncIterator[bytes]:
        mode = self._signed.payload_hash
        if mode in (sigv4.STREAMING, sigv4.STREAMING_TRAILER):
            source = self._chunked(signed=True, trailer=mode == sigv4.STREAMING_TRAILER)
        elif mode == sigv4.STREAMING_UNSIGNED_TRAILER:
            source = self._chunked(signed=False, trailer=True)
        elif mode.startswith("STREAMING-"):
            raise S3Error("NotImplemented", f"The payload signing method {mode} is not supported")
        else:
            source = self._plain()
        async for piece in source:
            self.md5.update(piece)
            self.size += len(piece)
            yield piece
        if self._content_md5 and not hmac.compare_digest(self.md5.digest(), self._content_md5):
            raise S3Error(
                "BadDigest", "The Content-MD5 you specified did not match what we received"
            )

    async def _plain(self) -> AsyncIterator[bytes]:
        expected = self._signed.payload_hash
        sha = hashlib.sha256() if expected != sigv4.UNSIGNED else None
        announced = self._request.content_length
        got = 0
        try:
            while piece := await self._request.content.read(PIECE):
                got += len(piece)
                if sha is not None:
                    sha.update(piece)
                yield piece
        except (ConnectionError, asyncio.IncompleteReadError) as err:
            raise _incomplete() from err
        if announced is not None and got != announced:
            raise _incomplete()
        if sha is not None and sha.hexdigest() != expected.lower():
            raise S3Error(
                "XAmzContentSHA256Mismatch",
                "The provided x-amz-content-sha256 header does not match what was computed",
            )

    async def _line(self) -> bytes:
        """One chunk-framing line without its CRLF."""
        line = await self._request.content.readline()
        if not line:
            raise _incomplete()
        if len(line) > MAX_CHUNK_LINE or not line.endswith(b"\r\n"):
            raise S3Error("IncompleteBody", "Bad aws-chunked framing")
        return line.rstrip(b"\r\n")

    async def _chunked(self, *, signed: bool, trailer: bool) -> AsyncIterator[bytes]:
        content = self._request.content
        previous = self._signed.signature
        decoded = 0
        try:
            while True:
                size_text, _, extension = (await self._line()).decode("latin-1").partition(";")
                try:
                    size = int(size_text, 16)
                except ValueError:
                    raise S3Error("IncompleteBody", "Bad aws-chunked chunk size") from None
                sha = hashlib.sha256()
                left = size
                while left:
                    piece = await content.readexactly(min(left, PIECE))
                    left -= len(piece)
                    sha.update(piece)
                    yield piece
                if signed:
                    given = extension.partition("chunk-signature=")[2].strip()
                    previous = self._check(
                        given, sigv4.chunk_signature(self._signed, previous, sha.hexdigest())
                    )
                decoded += size
                if size == 0:
                    break
                if await content.readexactly(2) != b"\r\n":
                    raise S3Error("IncompleteBody", "Bad aws-chunked framing")
            if trailer:
                await self._trailer(previous if signed else "")
            elif await self._line() != b"":
                raise S3Error("IncompleteBody", "Bad aws-chunked framing")
        except (ConnectionError, asyncio.IncompleteReadError) as err:
            raise _incomplete() from err
        announced = self._request.headers.get("x-amz-decoded-content-length")
        if announced is not None and announced.strip() != str(decoded):
            raise _incomplete()

    @staticmethod
    def _check(given: str, want: str) -> str:
        if not hmac.compare_digest(given, want):
            raise S3Error("SignatureDoesNotMatch", "A chunk's signature does not match")
        return want

    async def _trailer(self, previous: str) -> None:
        """The trailing headers (checksums, not checked here) to the body's end; when the
        chunks were signed (`previous` is the last chunk's signature) so is the trailer.
        Read to the end rather than line by line: clients end trailer lines in CRLF or LF."""
        rest = b""
        while piece := await self._request.content.read(MAX_CHUNK_LINE):
            rest += piece
            if len(rest) > 4 * MAX_CHUNK_LINE:
                raise S3Error("IncompleteBody", "The aws-chunked trailer is too long")
        lines = [line.rstrip(b"\r") for line in rest.split(b"\n")]
        headers = [line for line in lines if line and not line.lower().startswith(SIGNATURE_LINE)]
        if not previous:
            return
        given = [
            line[len(SIGNATURE_LINE) :] for line in lines if line.lower().startswith(SIGNATURE_LINE)
        ]
        if len(given) != 1:
            raise S3Error("SignatureDoesNotMatch", "The trailer carries no signature")
        digest = hashlib.sha256(b"".join(h + b"\n" for h in headers)).hexdigest()
        want = sigv4.trailer_signature(self._signed, previous, digest)
        self._check(given[0].strip().decode("latin-1"), want)


async def read_small(request: web.Request, signed: sigv4.Signed, limit: int = PIECE) -> bytes:
    """A small body (an XML document), checked like any other; MalformedXML past `limit`."""
    parts: list[bytes] = []
    size = 0
    async for piece in Body(request, signed):
        size += len(piece)
        if size > limit:
            raise S3Error("MalformedXML", "The XML document is too large")
        parts.append(piece)
    return b"".join(parts)
