"""Where artifacts live: relocating key-only artifacts, output keys, subPath, secret references."""

from __future__ import annotations

import pytest

from argoapp.artifacts import ArtifactError, resolve

REPO = {
    "archiveLogs": True,
    "s3": {
        "endpoint": "s3.local:9000",
        "bucket": "argoapp",
        "insecure": True,
        "keyFormat": "{{workflow.name}}/{{pod.name}}",
        "accessKeySecret": {"name": "creds", "key": "accesskey"},
        "secretKeySecret": {"name": "creds", "key": "secretkey"},
    },
}
ARCHIVE_LOCATION = {"archiveLogs": True, "s3": {**REPO["s3"], "key": "wf/wf-pod-1"}}


def test_kind() -> None:
    assert resolve.kind({"s3": {"key": "k"}}) == "s3"
    assert resolve.kind({"git": {"repo": "r"}}) == "git"
    assert resolve.kind({"raw": {"data": ""}}) == "raw"
    assert resolve.kind({"name": "x", "path": "/p"}) == ""


def test_key_only_is_completed_from_the_repository() -> None:
    art = {"name": "a", "path": "/tmp/a", "s3": {"key": "my/key.tgz"}}
    out = resolve.relocate(art, REPO)
    assert out["s3"] == {
        "endpoint": "s3.local:9000",
        "bucket": "argoapp",
        "insecure": True,
        "accessKeySecret": {"name": "creds", "key": "accesskey"},
        "secretKeySecret": {"name": "creds", "key": "secretkey"},
        "key": "my/key.tgz",
    }
    assert out["name"] == "a"
    assert art["s3"] == {"key": "my/key.tgz"}  # a copy


def test_full_location_is_kept() -> None:
    art = {"name": "a", "s3": {"endpoint": "other:1", "bucket": "b", "key": "k"}}
    assert resolve.relocate(art, REPO) == art
    assert (
        resolve.relocate({"name": "h", "http": {"url": "http://x/y"}}, None)["http"]["url"]
        == "http://x/y"
    )


def test_key_only_without_repository() -> None:
    with pytest.raises(
        ArtifactError, match='"a" has only a key and no artifact repository is configured'
    ):
        resolve.relocate({"name": "a", "s3": {"key": "k"}}, None)


def test_sub_path_is_joined_onto_the_key() -> None:
    art = {"name": "a", "s3": {"key": "wf/pod/dir"}, "subPath": "nested/file.txt"}
    out = resolve.relocate(art, REPO)
    assert out["s3"]["key"] == "wf/pod/dir/nested/file.txt"
    assert "subPath" not in out
    escaped = resolve.relocate({**art, "subPath": "../../other"}, REPO)
    assert escaped["s3"]["key"] == "wf/pod/dir/other"


def test_output_without_location_goes_under_the_archive_key() -> None:
    art = {"name": "out", "path": "/tmp/out"}
    reported = resolve.output(art, ARCHIVE_LOCATION, "out.tgz")
    assert reported == {"name": "out", "path": "/tmp/out", "s3": {"key": "wf/wf-pod-1/out.tgz"}}
    full = resolve.relocate(reported, ARCHIVE_LOCATION)
    assert full["s3"]["bucket"] == "argoapp"
    assert full["s3"]["key"] == "wf/wf-pod-1/out.tgz"
    assert "archiveLogs" not in full


def test_output_with_key_or_full_location() -> None:
    keyed = {"name": "o", "s3": {"key": "fixed/key"}}
    assert resolve.output(keyed, ARCHIVE_LOCATION, "o.tgz") == keyed
    own = {"name": "o", "s3": {"endpoint": "e:1", "bucket": "b", "key": "k"}}
    assert resolve.output(own, ARCHIVE_LOCATION, "o.tgz") == own


def test_output_errors() -> None:
    with pytest.raises(ArtifactError, match="no artifact repository is configured"):
        resolve.output({"name": "o"}, None, "o.tgz")
    with pytest.raises(ArtifactError, match="git artifacts cannot be outputs"):
        resolve.output({"name": "o", "git": {"repo": "r"}}, ARCHIVE_LOCATION, "o.tgz")


def test_secret_refs() -> None:
    assert resolve.secret_refs(resolve.relocate({"s3": {"key": "k"}}, REPO)) == [
        ("creds", "accesskey"),
        ("creds", "secretkey"),
    ]
    http = {
        "http": {
            "url": "u",
            "auth": {
                "basicAuth": {
                    "usernameSecret": {"name": "h", "key": "u"},
                    "passwordSecret": {"name": "h", "key": "p"},
                }
            },
        }
    }
    assert resolve.secret_refs(http) == [("h", "u"), ("h", "p")]
    assert resolve.secret_refs(
        {"git": {"repo": "r", "sshPrivateKeySecret": {"name": "g", "key": "id"}}}
    ) == [("g", "id")]
