"""boto3 (installed with moto, a test dependency) against the built-in store: the other client
family Argo's users point at S3, with Expect: 100-continue and its own multipart upload."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from tests.server.s3store.conftest import Served


def _client(s3: Served) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=f"http://{s3.endpoint}",
        aws_access_key_id=s3.access_key,
        aws_secret_access_key=s3.secret_key,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"),
    )


async def test_boto3_round_trip(s3: Served, tmp_path: Path) -> None:
    c = _client(s3)
    await s3.call(c.put_object, Bucket="argoapp", Key="b/one two", Body=b"hi", ContentType="text/x")
    head = await s3.call(c.head_object, Bucket="argoapp", Key="b/one two")
    assert head["ContentType"] == "text/x"
    source = tmp_path / "big"
    source.write_bytes(os.urandom(12 * 1024 * 1024))  # past boto3's 8 MiB multipart threshold
    await s3.call(c.upload_file, str(source), "argoapp", "b/big")
    await s3.call(c.download_file, "argoapp", "b/big", str(tmp_path / "back"))
    assert (tmp_path / "back").read_bytes() == source.read_bytes()
    listed = await s3.call(c.list_objects_v2, Bucket="argoapp", Delimiter="/")
    assert listed["CommonPrefixes"] == [{"Prefix": "b/"}]
    url = await s3.call(
        c.generate_presigned_url, "get_object", Params={"Bucket": "argoapp", "Key": "b/one two"}
    )
    async with s3.http.session.get(url) as got:
        assert await got.read() == b"hi"
    deleted = await s3.call(
        c.delete_objects,
        Bucket="argoapp",
        Delete={"Objects": [{"Key": "b/one two"}, {"Key": "b/big"}]},
    )
    assert {d["Key"] for d in deleted["Deleted"]} == {"b/one two", "b/big"}
    assert (await s3.call(c.list_objects_v2, Bucket="argoapp"))["KeyCount"] == 0


async def test_a_signature_v2_presigned_url_is_refused_in_s3_s_words(s3: Served) -> None:
    old = boto3.client(
        "s3",
        endpoint_url=f"http://{s3.endpoint}",
        aws_access_key_id=s3.access_key,
        aws_secret_access_key=s3.secret_key,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, signature_version="s3"),
    )
    url = await s3.call(
        old.generate_presigned_url, "get_object", Params={"Bucket": "argoapp", "Key": "k"}
    )
    assert "AWSAccessKeyId=" in url
    async with s3.http.session.get(url) as got:
        assert got.status == 400
        body = await got.text()
    assert "<Code>InvalidRequest</Code>" in body and "Signature Version 2" in body
