"""The S3 driver against moto's real S3 server over HTTP: files, directories, multipart, faults."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from argoapp.artifacts import ArtifactError, ArtifactNotFound, MappingSecrets, driver_for
from argoapp.artifacts.s3 import S3Driver
from tests.artifacts.faults import cutting_proxy
from tests.artifacts.s3server import MotoS3, free_port


def art(store: MotoS3, key: str, **extra: object) -> dict[str, object]:
    return {"name": "data", **store.location(key, **extra)}


def test_file_round_trip(moto_s3: MotoS3, tmp_path: Path) -> None:
    src = tmp_path / "hello.txt"
    src.write_text("hello world")
    driver = driver_for(art(moto_s3, "k"), moto_s3.secrets())
    driver.upload(src, art(moto_s3, "file/hello.txt"))
    dest = tmp_path / "out" / "got.txt"
    driver.download(art(moto_s3, "file/hello.txt"), dest)
    assert dest.read_text() == "hello world"
    assert not driver.is_directory(art(moto_s3, "file/hello.txt"))
    with driver.open(art(moto_s3, "file/hello.txt")) as stream:
        assert stream.read() == b"hello world"
    assert sorted(p.name for p in dest.parent.iterdir()) == ["got.txt"]


def test_directory_round_trip_list_and_delete(moto_s3: MotoS3, tmp_path: Path) -> None:
    src = tmp_path / "dir"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_text("a")
    (src / "sub" / "b.txt").write_text("b")
    driver = driver_for(art(moto_s3, "x"), moto_s3.secrets())
    location = art(moto_s3, "tree/dir")
    driver.upload(src, location)
    assert driver.is_directory(location)
    assert sorted(driver.list(location)) == ["a.txt", "sub/b.txt"]
    dest = tmp_path / "copy"
    driver.download(location, dest)
    assert (dest / "a.txt").read_text() == "a"
    assert (dest / "sub" / "b.txt").read_text() == "b"
    driver.delete(location)
    assert driver.list(location) == []
    driver.delete(location)  # already gone is fine


def test_multipart_upload_streams_and_round_trips(moto_s3: MotoS3, tmp_path: Path) -> None:
    src = tmp_path / "big.bin"
    with src.open("wb") as out:
        for _ in range(12):
            out.write(os.urandom(1024 * 1024))
    driver = S3Driver(moto_s3.secrets(), part_size=5 * 1024 * 1024)
    location = art(moto_s3, "big/big.bin")
    driver.upload(src, location)
    dest = tmp_path / "big.out"
    driver.download(location, dest)
    assert _sha(dest) == _sha(src)


def test_missing_key_names_artifact_bucket_and_key(moto_s3: MotoS3, tmp_path: Path) -> None:
    driver = driver_for(art(moto_s3, "x"), moto_s3.secrets())
    with pytest.raises(ArtifactNotFound) as err:
        driver.download(art(moto_s3, "nope/missing.tgz"), tmp_path / "dest")
    assert 'artifact "data"' in str(err.value)
    assert "s3://artifacts/nope/missing.tgz" in str(err.value)
    assert "no such key" in str(err.value)
    assert not (tmp_path / "dest").exists()
    with (
        pytest.raises(ArtifactNotFound, match="no such key"),
        driver.open(art(moto_s3, "nope/missing.tgz")),
    ):
        pass
    # A missing bucket is a broken repository, not a missing artifact.
    with pytest.raises(ArtifactError, match="no such bucket") as bucket:
        driver.download(art(moto_s3, "k", bucket="no-such-bucket"), tmp_path / "dest")
    assert not isinstance(bucket.value, ArtifactNotFound)


def test_wrong_credentials_are_access_denied(moto_s3: MotoS3, tmp_path: Path) -> None:
    wrong = MappingSecrets(
        {("s3-creds", "accesskey"): moto_s3.access_key, ("s3-creds", "secretkey"): "nope"}
    )
    with pytest.raises(ArtifactError, match="access denied"):
        S3Driver(wrong).download(art(moto_s3, "file/hello.txt"), tmp_path / "dest")
    unknown = MappingSecrets(
        {("s3-creds", "accesskey"): "AKIAUNKNOWN", ("s3-creds", "secretkey"): "x"}
    )
    (tmp_path / "f.txt").write_text("x")
    with pytest.raises(ArtifactError, match="access denied"):
        S3Driver(unknown).upload(tmp_path / "f.txt", art(moto_s3, "denied"))


def test_missing_secret_and_no_credentials(
    moto_s3: MotoS3, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ArtifactError, match='secret "s3-creds" has no key "accesskey"'):
        S3Driver(MappingSecrets({})).download(art(moto_s3, "k"), tmp_path / "d")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY", raising=False)
    bare = {
        "name": "data",
        "s3": {
            "endpoint": moto_s3.endpoint,
            "bucket": "artifacts",
            "key": "k",
            "useSDKCreds": True,
        },
    }
    with pytest.raises(ArtifactError, match=r"no credentials.*useSDKCreds is not supported"):
        S3Driver(MappingSecrets({})).download(bare, tmp_path / "d")


def test_unreachable_endpoint(
    moto_s3: MotoS3, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()
    location = art(moto_s3, "k", endpoint=f"127.0.0.1:{port}")
    driver = S3Driver(moto_s3.secrets())
    with pytest.raises(ArtifactError, match=f"cannot reach S3 endpoint 127.0.0.1:{port}"):
        driver.download(location, tmp_path / "d")
    (tmp_path / "f").write_text("x")
    with pytest.raises(ArtifactError, match=f"cannot upload .* 127.0.0.1:{port}"):
        driver.upload(tmp_path / "f", location)
    # The retries happened quietly: the user sees the error above, not urllib3's warnings.
    assert not [rec for rec in caplog.records if rec.name.startswith("urllib3")]


def test_upload_to_missing_bucket_leaves_nothing(moto_s3: MotoS3, tmp_path: Path) -> None:
    src = tmp_path / "f.txt"
    src.write_text("x")
    location = art(moto_s3, "f.txt", bucket="no-such-bucket")
    with pytest.raises(ArtifactError, match="no such bucket"):
        S3Driver(moto_s3.secrets()).upload(src, location)


def test_create_bucket_if_not_present(moto_s3: MotoS3, tmp_path: Path) -> None:
    src = tmp_path / "f.txt"
    src.write_text("made")
    location = art(moto_s3, "f.txt", bucket="made-on-demand", createBucketIfNotPresent={})
    driver = S3Driver(moto_s3.secrets())
    driver.upload(src, location)
    with driver.open(location) as stream:
        assert stream.read() == b"made"


def test_upload_cut_half_way_never_looks_complete(moto_s3: MotoS3, tmp_path: Path) -> None:
    src = tmp_path / "big.bin"
    src.write_bytes(os.urandom(11 * 1024 * 1024))
    host, port = moto_s3.endpoint.split(":")
    driver = S3Driver(moto_s3.secrets(), part_size=5 * 1024 * 1024)
    with cutting_proxy((host, int(port)), budget=7 * 1024 * 1024) as proxy:
        cut = art(moto_s3, "cut/big.bin", endpoint=f"127.0.0.1:{proxy.port}")
        with pytest.raises(ArtifactError, match=r"cut/big\.bin"):
            driver.upload(src, cut)
    assert not driver.is_directory(art(moto_s3, "cut/big.bin"))
    with pytest.raises(ArtifactError, match="no such key"):
        driver.download(art(moto_s3, "cut/big.bin"), tmp_path / "never")
    assert not (tmp_path / "never").exists()


def test_key_only_list_of_prefix_with_trailing_slash(moto_s3: MotoS3, tmp_path: Path) -> None:
    driver = S3Driver(moto_s3.secrets())
    for name in ("one.csv", "two.csv"):
        (tmp_path / name).write_text(name)
        driver.upload(tmp_path / name, art(moto_s3, f"listing/{name}"))
    assert sorted(driver.list(art(moto_s3, "listing/"))) == ["one.csv", "two.csv"]
    assert driver.list(art(moto_s3, "listing/one.csv")) == []  # an object, not a directory
    driver.delete(art(moto_s3, "listing/one.csv"))
    assert driver.list(art(moto_s3, "listing/")) == ["two.csv"]


def _sha(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as src:
        while chunk := src.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def test_whole_bucket_is_never_deleted_or_downloaded(moto_s3: MotoS3, tmp_path: Path) -> None:
    driver = S3Driver(moto_s3.secrets())
    for key in ("", "/"):
        with pytest.raises(ArtifactError, match="the location has no key"):
            driver.delete(art(moto_s3, key))
        with pytest.raises(ArtifactError, match="the location has no key"):
            driver.download(art(moto_s3, key), tmp_path / "all")


def test_open_reads_in_chunks(moto_s3: MotoS3, tmp_path: Path) -> None:
    src = tmp_path / "chunks.bin"
    src.write_bytes(os.urandom(3 * 1024 * 1024 + 17))
    driver = S3Driver(moto_s3.secrets())
    location = art(moto_s3, "chunks/chunks.bin")
    driver.upload(src, location)
    parts = []
    with driver.open(location) as stream:
        while chunk := stream.read(1024 * 1024):
            parts.append(chunk)
    assert b"".join(parts) == src.read_bytes()
    with (
        pytest.raises(ArtifactError, match="no such key"),
        driver.open(art(moto_s3, "chunks/none")),
    ):
        pass


def test_environment_credentials_when_no_secrets_are_named(
    moto_s3: MotoS3, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", moto_s3.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", moto_s3.secret_key)
    (tmp_path / "env.txt").write_text("env")
    location = art(moto_s3, "env/env.txt")
    del location["s3"]["accessKeySecret"], location["s3"]["secretKeySecret"]  # type: ignore[attr-defined]
    driver = S3Driver(MappingSecrets({}))
    driver.upload(tmp_path / "env.txt", location)
    with driver.open(location) as stream:
        assert stream.read() == b"env"


def test_directory_keys_cannot_escape_the_destination(moto_s3: MotoS3, tmp_path: Path) -> None:
    import boto3  # the S3 API accepts keys with "..": put one the way another writer could

    s3 = boto3.client(
        "s3",
        endpoint_url=f"http://{moto_s3.endpoint}",
        region_name="us-east-1",
        aws_access_key_id=moto_s3.access_key,
        aws_secret_access_key=moto_s3.secret_key,
    )
    s3.put_object(Bucket=moto_s3.bucket, Key="evil/sub/../../../escaped.txt", Body=b"x")
    with pytest.raises(ArtifactError, match="would land outside"):
        S3Driver(moto_s3.secrets()).download(art(moto_s3, "evil"), tmp_path / "in" / "evil")
    assert not list(tmp_path.rglob("escaped.txt"))
