"""The OCI image archive scripts/oci_image.py writes (`make image`).

The layout checks build an image from a small stand-in executable; test_image_podman.py runs
the real dist/argoapp's image with podman.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest

from scripts import oci_image

ROOT = Path(__file__).resolve().parents[2]
FAKE = b"#!/bin/sh\necho fake argoapp\n"
# runc and these limits, as the host's rlimits and hybrid cgroups need (probes section 4)
PODMAN_RUN = ["podman", "run", "--rm", "--runtime", "runc", "--network", "none"]
PODMAN_RUN += ["--ulimit", "nofile=20000:20000", "--ulimit", "nproc=1024:1024"]


def _read(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive) as tar:
        return {
            m.name: tar.extractfile(m).read()  # type: ignore[union-attr]
            for m in tar.getmembers()
            if m.isfile()
        }


def _blob(files: dict[str, bytes], descriptor: dict[str, object]) -> bytes:
    digest = str(descriptor["digest"])
    data = files["blobs/sha256/" + digest.removeprefix("sha256:")]
    assert "sha256:" + hashlib.sha256(data).hexdigest() == digest
    assert len(data) == descriptor["size"]
    return data


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    binary = tmp_path / "argoapp"
    binary.write_bytes(FAKE)
    out = tmp_path / "image.tar"
    assert (
        oci_image.main(["--binary", str(binary), "--out", str(out), "--tag", "x/argoapp:t1"]) == 0
    )
    return out


def test_layout_descriptors_match_blobs(archive: Path) -> None:
    files = _read(archive)
    assert json.loads(files["oci-layout"]) == {"imageLayoutVersion": "1.0.0"}
    index = json.loads(files["index.json"])
    assert index["schemaVersion"] == 2
    [entry] = index["manifests"]
    assert entry["mediaType"] == oci_image.MT_MANIFEST
    # named as a cluster's runtime looks `x/argoapp:t1` up, for podman and for containerd
    assert entry["annotations"] == {
        "org.opencontainers.image.ref.name": "docker.io/x/argoapp:t1",
        "io.containerd.image.name": "docker.io/x/argoapp:t1",
    }
    manifest = json.loads(_blob(files, entry))
    assert manifest["config"]["mediaType"] == "application/vnd.oci.image.config.v1+json"
    [layer_desc] = manifest["layers"]
    assert layer_desc["mediaType"] == "application/vnd.oci.image.layer.v1.tar+gzip"
    layer_tar = gzip.decompress(_blob(files, layer_desc))
    config = json.loads(_blob(files, manifest["config"]))
    assert config["rootfs"] == {
        "type": "layers",
        "diff_ids": ["sha256:" + hashlib.sha256(layer_tar).hexdigest()],
    }
    assert config["os"] == "linux"
    assert config["config"]["Env"] == ["PATH=/usr/local/bin"]
    assert config["config"]["Entrypoint"] == ["argoapp"]
    blobs = {n for n in files if n.startswith("blobs/")}
    assert len(blobs) == 3  # layer, config, manifest; nothing else


def test_layer_holds_only_the_binary_and_tmp(archive: Path) -> None:
    files = _read(archive)
    manifest_desc = json.loads(files["index.json"])["manifests"][0]
    manifest = json.loads(_blob(files, manifest_desc))
    layer = gzip.decompress(_blob(files, manifest["layers"][0]))
    with tarfile.open(fileobj=io.BytesIO(layer)) as tar:
        members = tar.getmembers()
        got = {(m.name, m.type, m.mode, m.linkname) for m in members}
        assert got == {
            ("tmp", tarfile.DIRTYPE, 0o1777, ""),
            ("usr", tarfile.DIRTYPE, 0o755, ""),
            ("usr/local", tarfile.DIRTYPE, 0o755, ""),
            ("usr/local/bin", tarfile.DIRTYPE, 0o755, ""),
            ("usr/local/bin/argoapp", tarfile.REGTYPE, 0o755, ""),
            ("usr/local/bin/argoexec", tarfile.LNKTYPE, 0o755, "usr/local/bin/argoapp"),
        }
        assert [m.name for m in members] == sorted(m.name for m in members)
        assert {(m.uid, m.gid, m.mtime) for m in members} == {(0, 0, 0)}
        assert tar.extractfile("usr/local/bin/argoapp").read() == FAKE  # type: ignore[union-attr]


def test_archive_is_reproducible(archive: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.tar"
    args = ["--binary", str(tmp_path / "argoapp"), "--out", str(again), "--tag", "x/argoapp:t1"]
    assert oci_image.main(args) == 0
    assert again.read_bytes() == archive.read_bytes()


def test_missing_binary_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert oci_image.main(["--binary", str(tmp_path / "nope"), "--out", str(tmp_path / "o")]) == 1
    assert capsys.readouterr().err.startswith("oci_image: cannot read the binary")


@pytest.mark.parametrize(
    ("tag", "name"),
    [
        ("argoapp:0.1.0", "docker.io/library/argoapp:0.1.0"),
        ("me/argoapp:1", "docker.io/me/argoapp:1"),
        ("registry.local/argoapp:1", "registry.local/argoapp:1"),
        ("registry:5000/team/argoapp:1", "registry:5000/team/argoapp:1"),
        ("localhost/argoapp:1", "localhost/argoapp:1"),
    ],
)
def test_the_tag_is_qualified_as_kubernetes_runtimes_do(tag: str, name: str) -> None:
    assert oci_image.qualified(tag) == name
