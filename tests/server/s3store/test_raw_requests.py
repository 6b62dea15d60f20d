"""Raw signed requests against the built-in store: aws-chunked bodies with chunk signatures,
tampered and cut-off bodies, bad keys, clock skew, wrong keys and presigned expiry.

Signed by the tests' own signer (`signer.py`), sent with aiohttp's client or a bare socket.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
from datetime import UTC, datetime, timedelta

from yarl import URL

from tests.server.s3store.conftest import Served
from tests.server.s3store.signer import Signer


def _signer(s3: Served, access_key: str | None = None) -> Signer:
    return Signer(s3.endpoint, access_key or s3.access_key, s3.secret_key)


async def _exists(s3: Served, key: str) -> bool:
    found = await s3.call(lambda: list(s3.minio.list_objects("argoapp", prefix=key)))
    return any(o.object_name == key for o in found)


def _temp_files(s3: Served) -> list[str]:
    return [p.name for p in (s3.store.root / "tmp").iterdir()]


async def test_chunk_signed_upload(s3: Served) -> None:
    chunks = [b"a" * 65536, b"b" * 65536, b"tail"]
    data = b"".join(chunks)
    signer = _signer(s3)
    length = len(signer.chunked({"x-amz-date": "20000101T000000Z"}, "0" * 64, chunks))
    extra = {
        "content-encoding": "aws-chunked",
        "x-amz-decoded-content-length": str(len(data)),
        "content-length": str(length),
    }
    headers, seed = signer.headers(
        "PUT", "/argoapp/chunked/obj", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", extra
    )
    body = signer.chunked(headers, seed, chunks)
    async with s3.http.put("/argoapp/chunked/obj", data=body, headers=headers) as got:
        assert got.status == 200, await got.text()
        assert got.headers["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'
    assert await s3.read("chunked/obj") == data
    # One byte changed in the second chunk: its signature no longer matches.
    headers, seed = signer.headers(
        "PUT", "/argoapp/chunked/bad", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", extra
    )
    body = bytearray(signer.chunked(headers, seed, chunks))
    body[70000] ^= 1
    async with s3.http.put("/argoapp/chunked/bad", data=bytes(body), headers=headers) as got:
        assert got.status == 403
        assert "SignatureDoesNotMatch" in await got.text()
    assert not await _exists(s3, "chunked/bad")
    assert _temp_files(s3) == []


async def test_tampered_body_is_refused(s3: Served) -> None:
    signer = _signer(s3)
    headers, _ = signer.headers("PUT", "/argoapp/t", hashlib.sha256(b"what was signed").hexdigest())
    async with s3.http.put("/argoapp/t", data=b"what was sent!!", headers=headers) as got:
        assert got.status == 400
        assert "XAmzContentSHA256Mismatch" in await got.text()
    md5 = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    headers, _ = signer.headers("PUT", "/argoapp/t", "UNSIGNED-PAYLOAD", {"content-md5": md5})
    async with s3.http.put("/argoapp/t", data=b"body", headers=headers) as got:
        assert got.status == 400
        assert "BadDigest" in await got.text()
    assert not await _exists(s3, "t")
    assert _temp_files(s3) == []


async def test_upload_cut_off_leaves_nothing(s3: Served) -> None:
    headers, _ = _signer(s3).headers("PUT", "/argoapp/cut", "UNSIGNED-PAYLOAD")
    headers["content-length"] = str(10 * 1024 * 1024)
    head = f"PUT /argoapp/cut HTTP/1.1\r\nhost: {s3.endpoint}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    _reader, writer = await asyncio.open_connection(s3.http.host, s3.http.port)
    writer.write(head.encode() + b"x" * (1024 * 1024))
    await writer.drain()
    # Close only once the store is writing the body to its temp file.
    for _ in range(500):
        if _temp_files(s3):
            break
        await asyncio.sleep(0.02)
    assert _temp_files(s3) != []
    writer.close()
    await writer.wait_closed()
    # The server notices the close when it next reads: wait for the temp file to go.
    for _ in range(500):
        if not _temp_files(s3):
            break
        await asyncio.sleep(0.02)
    assert _temp_files(s3) == []
    assert not await _exists(s3, "cut")


async def test_dot_segments_and_empty_keys_are_refused(s3: Served) -> None:
    signer = _signer(s3)
    for path in ("/argoapp/a/../b", "/argoapp/./c", "/argoapp/%2E%2E/d"):
        headers, _ = signer.headers("PUT", path.replace("%2E", "."), "UNSIGNED-PAYLOAD")
        url = URL(f"http://{s3.endpoint}{path}", encoded=True)  # sent as is, not normalised
        async with s3.http.session.put(url, data=b"x", headers=headers) as got:
            text = await got.text()
            assert got.status == 400, text
            assert "InvalidArgument" in text
    assert [p for p in (s3.store.root / "blobs").rglob("*") if p.is_file()] == []


async def test_skew_and_unknown_key(s3: Served) -> None:
    old = datetime.now(UTC) - timedelta(minutes=20)
    headers, _ = _signer(s3).headers("GET", "/argoapp", "UNSIGNED-PAYLOAD", when=old)
    async with s3.http.get("/argoapp", headers=headers) as got:
        assert got.status == 403
        assert "RequestTimeTooSkewed" in await got.text()
    headers, _ = _signer(s3, access_key="SOMEONEELSE").headers(
        "GET", "/argoapp", "UNSIGNED-PAYLOAD"
    )
    async with s3.http.get("/argoapp", headers=headers) as got:
        assert got.status == 403
        assert "InvalidAccessKeyId" in await got.text()


async def test_presigned_put_and_expiry(s3: Served) -> None:
    m = s3.minio
    url = await s3.call(m.presigned_put_object, "argoapp", "pre/put", timedelta(minutes=5))
    async with s3.http.session.put(url, data=b"presigned body") as got:
        assert got.status == 200, await got.text()
    assert await s3.read("pre/put") == b"presigned body"
    past = datetime.now(UTC) - timedelta(hours=1)
    url = await s3.call(
        m.presigned_get_object, "argoapp", "pre/put", timedelta(minutes=5), request_date=past
    )
    async with s3.http.session.get(url) as got:
        assert got.status == 403
        assert "expired" in await got.text()


async def test_conditional_get_and_bad_range(s3: Served) -> None:
    await s3.call(s3.minio.put_object, "argoapp", "c", io.BytesIO(b"0123456789"), 10)
    etag = f'"{hashlib.md5(b"0123456789").hexdigest()}"'
    signer = _signer(s3)
    for extra, status in (
        ({"if-none-match": etag}, 304),
        ({"if-match": '"nope"'}, 412),
        ({"range": "bytes=20-30"}, 416),
        ({"range": "bytes=-3"}, 206),
    ):
        headers, _ = signer.headers("GET", "/argoapp/c", "UNSIGNED-PAYLOAD", extra)
        async with s3.http.get("/argoapp/c", headers=headers) as got:
            assert got.status == status
            if status == 206:
                assert await got.read() == b"789"


async def test_unsigned_payload_with_trailer(s3: Served) -> None:
    # What SDKs send over TLS with flexible checksums: aws-chunked without chunk signatures,
    # a checksum trailer after the last chunk.
    body = b"5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n"
    extra = {
        "content-encoding": "aws-chunked",
        "x-amz-decoded-content-length": "11",
        "x-amz-trailer": "x-amz-checksum-crc32",
    }
    headers, _ = _signer(s3).headers(
        "PUT", "/argoapp/trailer", "STREAMING-UNSIGNED-PAYLOAD-TRAILER", extra
    )
    async with s3.http.put("/argoapp/trailer", data=body, headers=headers) as got:
        assert got.status == 200, await got.text()
    assert await s3.read("trailer") == b"hello world"


async def test_chunk_signed_upload_with_signed_trailer(s3: Served) -> None:
    signer = _signer(s3)
    trailer = ["x-amz-checksum-crc32c:yZRlqg=="]
    mode = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
    length = len(signer.chunked({"x-amz-date": "20000101T000000Z"}, "0" * 64, [b"data"], trailer))
    extra = {
        "content-encoding": "aws-chunked",
        "x-amz-decoded-content-length": "4",
        "x-amz-trailer": "x-amz-checksum-crc32c",
        "content-length": str(length),
    }
    for key, lines in (
        ("signed-trailer", trailer),
        ("forged-trailer", ["x-amz-checksum-crc32c:AAAAAA=="]),
    ):
        headers, seed = signer.headers("PUT", f"/argoapp/{key}", mode, extra)
        body = signer.chunked(headers, seed, [b"data"], trailer)
        body = body.replace(trailer[0].encode(), lines[0].encode())
        async with s3.http.put(f"/argoapp/{key}", data=body, headers=headers) as got:
            assert got.status == (200 if key == "signed-trailer" else 403), await got.text()
    assert await _exists(s3, "signed-trailer")
    assert not await _exists(s3, "forged-trailer")


async def test_list_objects_v1_pages_with_markers(s3: Served) -> None:
    for key in ("v1/a", "v1/b", "v1/c/d"):
        await s3.call(s3.minio.put_object, "argoapp", key, io.BytesIO(b"1"), 1)
    signer = _signer(s3)
    query = {"prefix": "v1/", "delimiter": "/", "max-keys": "2"}
    headers, _ = signer.headers("GET", "/argoapp", "UNSIGNED-PAYLOAD", query=query)
    async with s3.http.get("/argoapp", params=query, headers=headers) as got:
        text = await got.text()
        assert got.status == 200, text
    assert "<Key>v1/a</Key><" in text and "<Key>v1/b</Key>" in text
    assert "<IsTruncated>true</IsTruncated>" in text and "<NextMarker>v1/b</NextMarker>" in text
    query["marker"] = "v1/b"
    headers, _ = signer.headers("GET", "/argoapp", "UNSIGNED-PAYLOAD", query=query)
    async with s3.http.get("/argoapp", params=query, headers=headers) as got:
        text = await got.text()
    assert "<Prefix>v1/c/</Prefix>" in text and "<IsTruncated>false</IsTruncated>" in text
    assert "<Key>" not in text
