"""Request bodies read as they stream, checked against what the request promised.

`Body(request, signed)` is iterated for the body's bytes in pieces of at most `PIECE`, so a 1 GiB
upload never sits in memory. While it streams it keeps the MD5 (the object's ETag) and, at the
end, checks: the hex SHA-256 the signature covered (XAmzContentSHA256Mismatch), each aws-chunked
chunk's signature (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD`, SignatureDoesNotMatch), Content-MD5
(BadDigest), and that as many bytes arrived as announced (IncompleteBody). The last piece is
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
        if mode == sigv4.STREAMING:
            source = self._chunked(signed=True)
        elif mode == sigv4.STREAMING_UNSIGNED_TRAILER:
            source = self._chunked(signed=False)
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
        line = await self._request.content.readline()
        if not line.endswith(b"\r\n") or len(line) > MAX_CHUNK_LINE:
            raise (
                _incomplete() if not line else S3Error("IncompleteBody", "Bad aws-chunked framing")
            )
        return line[:-2]

    async def _chunked(self, *, signed: bool) -> AsyncIterator[bytes]:
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
                    want = sigv4.chunk_signature(self._signed, previous, sha.hexdigest())
                    if not hmac.compare_digest(given, want):
                        raise S3Error("SignatureDoesNotMatch", "A chunk's signature does not match")
                    previous = want
                decoded += size
                if size == 0:
                    break
                if await content.readexactly(2) != b"\r\n":
                    raise S3Error("IncompleteBody", "Bad aws-chunked framing")
            await self._trailer(signed)
        except (ConnectionError, asyncio.IncompleteReadError) as err:
            raise _incomplete() from err
        announced = self._request.headers.get("x-amz-decoded-content-length")
        if announced is not None and announced.strip() != str(decoded):
            raise _incomplete()

    async def _trailer(self, signed: bool) -> None:
        if signed:
            # The signed form ends with an empty line after the last chunk's header.
            if await self._line() != b"":
                raise S3Error("IncompleteBody", "Bad aws-chunked framing")
            return
        # Unsigned-with-trailer: checksum lines (not checked here), then an empty line.
        while await self._line() != b"":
            pass


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
