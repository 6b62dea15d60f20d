"""The real minio client against the built-in store: objects, listing, errors, restart."""

from __future__ import annotations

import io
import os
from datetime import timedelta
from pathlib import Path

import pytest
from minio.deleteobjects import DeleteObject
from minio.error import S3Error as MinioError

from tests.server.s3store.conftest import Served


async def test_put_get_stat_remove(s3: Served) -> None:
    m = s3.minio
    assert await s3.call(m.bucket_exists, "argoapp")
    data = b"hello artifacts\n" * 1000
    await s3.call(
        m.put_object,
        "argoapp",
        "wf/pod/main.log",
        io.BytesIO(data),
        len(data),
        content_type="text/plain",
        metadata={"step": "one"},
    )
    stat = await s3.call(m.stat_object, "argoapp", "wf/pod/main.log")
    assert stat.size == len(data)
    assert stat.content_type == "text/plain"
    assert stat.etag == __import__("hashlib").md5(data).hexdigest()
    assert stat.last_modified is not None
    assert stat.metadata["x-amz-meta-step"] == "one"
    assert await s3.read("wf/pod/main.log") == data
    await s3.call(m.remove_object, "argoapp", "wf/pod/main.log")
    await s3.call(m.remove_object, "argoapp", "wf/pod/main.log")  # missing: still fine
    with pytest.raises(MinioError) as raised:
        await s3.call(m.stat_object, "argoapp", "wf/pod/main.log")
    assert raised.value.code == "NoSuchKey"
    with pytest.raises(MinioError) as raised:
        await s3.call(m.get_object, "argoapp", "wf/pod/main.log")
    assert raised.value.code == "NoSuchKey"
    assert "wf/pod/main.log" in raised.value.message


async def test_key_and_its_prefix_both_exist(s3: Served) -> None:
    m = s3.minio
    for key in ("a", "a/b"):
        await s3.call(m.put_object, "argoapp", key, io.BytesIO(key.encode()), len(key))
    for key in ("a", "a/b"):
        assert await s3.read(key) == key.encode()


async def test_buckets(s3: Served) -> None:
    m = s3.minio
    assert not await s3.call(m.bucket_exists, "other")
    await s3.call(m.make_bucket, "other")
    assert await s3.call(m.bucket_exists, "other")
    assert {b.name for b in await s3.call(m.list_buckets)} == {"argoapp", "other"}
    await s3.call(m.put_object, "other", "k", io.BytesIO(b"x"), 1)
    with pytest.raises(MinioError) as raised:
        await s3.call(m.remove_bucket, "other")
    assert raised.value.code == "BucketNotEmpty"
    await s3.call(m.remove_object, "other", "k")
    await s3.call(m.remove_bucket, "other")
    with pytest.raises(MinioError) as raised:
        await s3.call(m.put_object, "other", "k", io.BytesIO(b"x"), 1)
    assert raised.value.code == "NoSuchBucket"


async def test_list_prefix_recursive_and_pages(s3: Served) -> None:
    m = s3.minio
    keys = ["d/a.txt", "d/sub/b.txt", "d/sub/c/d.txt", "dz", "e/x", "d/\u00e9 space+plus.txt"]
    keys += [f"many/{i:04d}" for i in range(2300)]
    for key in keys[:6]:
        await s3.call(m.put_object, "argoapp", key, io.BytesIO(b"1"), 1)

    async def names(**kwargs: object) -> list[str]:
        found = await s3.call(lambda: list(m.list_objects("argoapp", **kwargs)))  # type: ignore[arg-type]
        return sorted(o.object_name for o in found)  # contents come before common prefixes

    assert await names(prefix="d/") == ["d/a.txt", "d/sub/", "d/\u00e9 space+plus.txt"]
    assert await names(prefix="d/", recursive=True) == [
        "d/a.txt",
        "d/sub/b.txt",
        "d/sub/c/d.txt",
        "d/\u00e9 space+plus.txt",
    ]
    assert await names() == ["d/", "dz", "e/"]
    assert await names(prefix="d/sub/c/d.txt") == ["d/sub/c/d.txt"]
    assert await names(start_after="d/sub/b.txt", recursive=True, prefix="d/") == [
        "d/sub/c/d.txt",
        "d/\u00e9 space+plus.txt",
    ]
    # Past 1000 keys the client follows continuation tokens.
    await s3.call(lambda: [m.put_object("argoapp", k, io.BytesIO(b""), 0) for k in keys[6:]])
    assert await names(prefix="many/", recursive=True) == keys[6:]
    assert await names(prefix="many/", recursive=False) == keys[6:]


async def test_remove_objects(s3: Served) -> None:
    m = s3.minio
    for key in ("r/1", "r/2", "r/3", "keep"):
        await s3.call(m.put_object, "argoapp", key, io.BytesIO(b"z"), 1)
    doomed = [DeleteObject("r/1"), DeleteObject("r/2"), DeleteObject("r/3"), DeleteObject("r/none")]
    errors = await s3.call(lambda: list(m.remove_objects("argoapp", doomed)))
    assert errors == []
    left = await s3.call(lambda: [o.object_name for o in m.list_objects("argoapp", recursive=True)])
    assert left == ["keep"]


async def test_multipart_fput(s3: Served, tmp_path: Path) -> None:
    m = s3.minio
    source = tmp_path / "big.bin"
    with source.open("wb") as f:
        for _ in range(20):
            f.write(os.urandom(1024 * 1024))
    result = await s3.call(
        m.fput_object, "argoapp", "big/big.bin", str(source), part_size=5 * 1024 * 1024
    )
    assert result.etag.endswith("-4")
    target = tmp_path / "back.bin"
    await s3.call(m.fget_object, "argoapp", "big/big.bin", str(target))
    assert target.read_bytes() == source.read_bytes()
    stat = await s3.call(m.stat_object, "argoapp", "big/big.bin")
    assert stat.size == 20 * 1024 * 1024
    # Parts are joined into one blob; none are left behind.
    blobs = [p for p in (s3.store.root / "blobs").rglob("*") if p.is_file()]
    assert len(blobs) == 1


async def test_range_and_presigned_get(s3: Served) -> None:
    m = s3.minio
    data = bytes(range(256)) * 4
    await s3.call(m.put_object, "argoapp", "r/bytes", io.BytesIO(data), len(data))
    assert await s3.read("r/bytes", offset=10, length=20) == data[10:30]
    assert await s3.read("r/bytes", offset=1000) == data[1000:]
    url = await s3.call(m.presigned_get_object, "argoapp", "r/bytes", timedelta(minutes=5))
    async with s3.http.session.get(url) as got:
        assert got.status == 200
        assert await got.read() == data
    url = await s3.call(
        m.presigned_get_object,
        "argoapp",
        "r/bytes",
        response_headers={"response-content-disposition": 'attachment; filename="b.bin"'},
    )
    async with s3.http.session.get(url) as got:
        assert got.headers["Content-Disposition"] == 'attachment; filename="b.bin"'
    tampered = url.replace("r/bytes", "r/bytez")
    async with s3.http.session.get(tampered) as got:
        assert got.status == 403
        assert "SignatureDoesNotMatch" in await got.text()


async def test_wrong_secret_key(s3: Served) -> None:
    wrong = s3.client(secret_key="not-the-secret")
    with pytest.raises(MinioError) as raised:
        await s3.call(wrong.put_object, "argoapp", "x", io.BytesIO(b"x"), 1)
    assert raised.value.code == "SignatureDoesNotMatch"
    assert await s3.call(lambda: list(s3.minio.list_objects("argoapp"))) == []


async def test_bad_keys_are_refused(s3: Served) -> None:
    m = s3.minio
    for key in ("x" * 1100,):  # minio refuses `..` keys itself: see test_raw_requests
        with pytest.raises(MinioError) as raised:
            await s3.call(m.put_object, "argoapp", key, io.BytesIO(b"x"), 1)
        assert raised.value.code in ("InvalidArgument", "KeyTooLongError")
    files = [p for p in s3.store.root.rglob("*") if p.is_file()]
    assert all(p.is_relative_to(s3.store.root) for p in files)


async def test_restart_keeps_objects_and_credentials(s3: Served) -> None:
    keys = (s3.access_key, s3.secret_key)
    await s3.call(s3.minio.put_object, "argoapp", "kept", io.BytesIO(b"still here"), 10)
    (s3.store.root / "tmp" / "stray-partial").write_bytes(b"half")
    unrecorded = s3.store.root / "blobs" / "ff" / "ff00"
    unrecorded.parent.mkdir(exist_ok=True)
    unrecorded.write_bytes(b"renamed but never indexed")
    await s3.restart()
    assert (s3.access_key, s3.secret_key) == keys
    assert await s3.read("kept") == b"still here"
    assert list((s3.store.root / "tmp").iterdir()) == []
    assert not unrecorded.exists()
    assert len([p for p in (s3.store.root / "blobs").rglob("*") if p.is_file()]) == 1
    mode = (s3.data_dir / "artifacts" / "credentials.json").stat().st_mode & 0o777
    assert mode == 0o600


async def test_api_still_answers_beside_the_store(s3: Served) -> None:
    async with s3.http.get("/api/v1/version") as got:
        assert got.status == 200
        assert "version" in await got.json()
