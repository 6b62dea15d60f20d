"""Multipart uploads step by step through the minio client's own request methods (the ones its
fput/put use, called one at a time so each refusal can be provoked), and bucket edge cases."""

from __future__ import annotations

import io
import os
import sqlite3

import pytest
from minio.datatypes import Part
from minio.deleteobjects import DeleteObject
from minio.error import S3Error as MinioError

from tests.server.s3store.conftest import Served

MIB = 1024 * 1024

# The underscored methods are minio's real request code, not mocks: its public API only
# offers the whole upload, and these tests need to stop and err in between.


async def _error(s3: Served, fn: object, *args: object) -> str:
    with pytest.raises(MinioError) as raised:
        await s3.call(fn, *args)  # type: ignore[arg-type]
    return str(raised.value.code)


async def test_parts_listed_replaced_and_completed(s3: Served) -> None:
    m = s3.minio
    upload = await s3.call(m._create_multipart_upload, "argoapp", "mp/obj", {"Content-Type": "x/y"})
    first, second = os.urandom(5 * MIB), b"last part"
    await s3.call(m._upload_part, "argoapp", "mp/obj", b"replaced", None, upload, 1)
    etag1 = await s3.call(m._upload_part, "argoapp", "mp/obj", first, None, upload, 1)
    etag2 = await s3.call(m._upload_part, "argoapp", "mp/obj", second, None, upload, 2)
    listed = await s3.call(m._list_parts, "argoapp", "mp/obj", upload)
    assert [(p.part_number, p.etag, p.size) for p in listed.parts] == [
        (1, etag1, len(first)),
        (2, etag2, len(second)),
    ]
    # Nothing is visible before completion.
    assert await _error(s3, m.stat_object, "argoapp", "mp/obj") == "NoSuchKey"
    wrong = [Part(1, etag1), Part(2, "0" * 32)]
    assert await _error(s3, m._complete_multipart_upload, "argoapp", "mp/obj", upload, wrong) == (
        "InvalidPart"
    )
    unordered = [Part(2, etag2), Part(1, etag1)]
    code = await _error(s3, m._complete_multipart_upload, "argoapp", "mp/obj", upload, unordered)
    assert code == "InvalidPartOrder"
    parts = [Part(1, etag1), Part(2, etag2)]
    await s3.call(m._complete_multipart_upload, "argoapp", "mp/obj", upload, parts)
    stat = await s3.call(m.stat_object, "argoapp", "mp/obj")
    assert stat.size == len(first) + len(second)
    assert stat.etag.endswith("-2")
    assert stat.content_type == "x/y"
    assert await s3.read("mp/obj") == first + second
    code = await _error(s3, m._complete_multipart_upload, "argoapp", "mp/obj", upload, parts)
    assert code == "NoSuchUpload"
    blobs = [p for p in (s3.store.root / "blobs").rglob("*") if p.is_file()]
    assert len(blobs) == 1


async def test_small_parts_and_abort(s3: Served) -> None:
    m = s3.minio
    upload = await s3.call(m._create_multipart_upload, "argoapp", "mp/small", {})
    etag1 = await s3.call(m._upload_part, "argoapp", "mp/small", b"tiny", None, upload, 1)
    etag2 = await s3.call(m._upload_part, "argoapp", "mp/small", b"tiny", None, upload, 2)
    parts = [Part(1, etag1), Part(2, etag2)]
    code = await _error(s3, m._complete_multipart_upload, "argoapp", "mp/small", upload, parts)
    assert code == "EntityTooSmall"
    await s3.call(m._abort_multipart_upload, "argoapp", "mp/small", upload)
    code = await _error(s3, m._upload_part, "argoapp", "mp/small", b"x", None, upload, 3)
    assert code == "NoSuchUpload"
    assert await _error(s3, m._list_parts, "argoapp", "mp/small", upload) == "NoSuchUpload"
    assert [p for p in (s3.store.root / "blobs").rglob("*") if p.is_file()] == []


async def test_bucket_names_and_delete_errors(s3: Served) -> None:
    m = s3.minio
    assert await _error(s3, m.make_bucket, "argoapp") == "BucketAlreadyOwnedByYou"
    assert await _error(s3, m.remove_bucket, "missing") == "NoSuchBucket"
    assert await _error(s3, m.get_object, "missing", "k") == "NoSuchBucket"
    await s3.call(m.put_object, "argoapp", "q/1", io.BytesIO(b"1"), 1)
    doomed = [DeleteObject("q/1"), DeleteObject("")]
    errors = await s3.call(lambda: list(m.remove_objects("argoapp", doomed)))
    assert [e.code for e in errors] == ["InvalidArgument"]
    assert await _error(s3, m.stat_object, "argoapp", "q/1") == "NoSuchKey"


async def test_a_restart_drops_uploads_abandoned_a_week_ago(s3: Served) -> None:
    m = s3.minio
    old = await s3.call(m._create_multipart_upload, "argoapp", "mp/old", {})
    await s3.call(m._upload_part, "argoapp", "mp/old", b"part", None, old, 1)
    recent = await s3.call(m._create_multipart_upload, "argoapp", "mp/recent", {})
    await s3.call(m._upload_part, "argoapp", "mp/recent", b"part", None, recent, 1)

    def age() -> None:
        with sqlite3.connect(s3.store.root / "index.db") as db:
            db.execute("UPDATE uploads SET created = created - 8 * 86400 WHERE id = ?", (old,))
        db.close()

    await s3.restart(age)
    m = s3.minio  # the server listens on a new port
    assert await _error(s3, m._list_parts, "argoapp", "mp/old", old) == "NoSuchUpload"
    listed = await s3.call(m._list_parts, "argoapp", "mp/recent", recent)
    assert [p.part_number for p in listed.parts] == [1]
    assert len([p for p in (s3.store.root / "blobs").rglob("*") if p.is_file()]) == 1
