"""Packing and unpacking: tgz/zip/none round trips, modes, and archives that try to escape."""

from __future__ import annotations

import gzip
import io
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest

from argoapp.artifacts import ArtifactError, archive


def make_tree(root: Path) -> Path:
    (root / "sub").mkdir(parents=True)
    (root / "a.txt").write_text("a")
    (root / "sub" / "b.txt").write_text("b")
    return root


@pytest.mark.parametrize(
    ("spec", "suffix"),
    [(None, ".tgz"), ({"tar": {"compressionLevel": 1}}, ".tgz"), ({"zip": {}}, ".zip")],
)
def test_directory_round_trip(tmp_path: Path, spec: dict[str, object] | None, suffix: str) -> None:
    art = {"name": "d"} if spec is None else {"name": "d", "archive": spec}
    src = make_tree(tmp_path / "out")
    packed, name = archive.pack(src, tmp_path / "work", art)
    assert name == "d" + suffix  # named after the artifact, as Argo names it, not the path
    assert packed.name == name
    dest = tmp_path / "in" / "dest"
    archive.unpack(packed, dest, art)
    assert (dest / "a.txt").read_text() == "a"
    assert (dest / "sub" / "b.txt").read_text() == "b"
    assert sorted(p.name for p in dest.parent.iterdir()) == ["dest"]


@pytest.mark.parametrize("spec", [None, {"zip": {}}, {"none": {}}])
def test_file_round_trip(tmp_path: Path, spec: dict[str, object] | None) -> None:
    art = {"name": "f"} if spec is None else {"name": "f", "archive": spec}
    src = tmp_path / "hello.txt"
    src.write_text("hello")
    packed, name = archive.pack(src, tmp_path / "work", art)
    if spec == {"none": {}}:
        assert (packed, name) == (src, "hello.txt")
        downloaded = packed
    else:
        assert name == ("f.zip" if spec else "f.tgz")
        downloaded = tmp_path / "downloaded"
        downloaded.write_bytes(packed.read_bytes())
    dest = tmp_path / "in" / "hello"
    archive.unpack(downloaded, dest, art)
    assert dest.read_text() == "hello"


def test_gzip_level_is_used(tmp_path: Path) -> None:
    src = tmp_path / "text"
    src.write_text("abc" * 100_000)
    fast, _ = archive.pack(src, tmp_path / "w1", {"archive": {"tar": {"compressionLevel": 0}}})
    best, _ = archive.pack(src, tmp_path / "w9", {"archive": {"tar": {"compressionLevel": 9}}})
    assert fast.stat().st_size > 10 * best.stat().st_size
    with pytest.raises(ArtifactError, match="compressionLevel"):
        archive.pack(src, tmp_path / "w", {"archive": {"tar": {"compressionLevel": 12}}})


def test_plain_tar_and_several_top_entries(tmp_path: Path) -> None:
    downloaded = tmp_path / "plain.tar"
    with tarfile.open(downloaded, "w") as tar:
        for name in ("x.txt", "y.txt"):
            data = name.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    dest = tmp_path / "dest"
    archive.unpack(downloaded, dest, {"name": "t"})
    assert sorted(p.name for p in dest.iterdir()) == ["x.txt", "y.txt"]


def test_archive_none_keeps_a_tarball_as_is(tmp_path: Path) -> None:
    packed, _ = archive.pack(make_tree(tmp_path / "t"), tmp_path / "w", {})
    dest = tmp_path / "kept.tgz"
    archive.unpack(packed, dest, {"archive": {"none": {}}})
    assert dest.is_file()
    with gzip.open(dest) as kept:
        assert kept.read(1)


def test_tar_entry_escaping_dest_is_refused(tmp_path: Path) -> None:
    evil = tmp_path / "evil.tgz"
    with tarfile.open(evil, "w:gz") as tar:
        info = tarfile.TarInfo("../escaped.txt")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(ArtifactError, match='artifact "evil": archive entry refused'):
        archive.unpack(evil, tmp_path / "in" / "dest", {"name": "evil"})
    assert not (tmp_path / "in" / "escaped.txt").exists()
    assert not (tmp_path / "escaped.txt").exists()


def test_tar_symlink_out_is_refused(tmp_path: Path) -> None:
    evil = tmp_path / "link.tgz"
    with tarfile.open(evil, "w:gz") as tar:
        info = tarfile.TarInfo("d/link")
        info.type = tarfile.SYMTYPE
        info.linkname = "../../../etc"
        tar.addfile(info)
    with pytest.raises(ArtifactError, match="archive entry refused"):
        archive.unpack(evil, tmp_path / "dest", {"name": "link"})


def test_zip_entry_escaping_dest_is_refused(tmp_path: Path) -> None:
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("../../escaped.txt", "x")
    with pytest.raises(ArtifactError, match="archive entry refused"):
        archive.unpack(evil, tmp_path / "in" / "dest", {"name": "evil"})
    assert not list(tmp_path.rglob("escaped.txt"))


def test_mode_and_recurse_mode(tmp_path: Path) -> None:
    packed, _ = archive.pack(make_tree(tmp_path / "t"), tmp_path / "w", {})
    copy = tmp_path / "copy.tgz"
    copy.write_bytes(packed.read_bytes())
    dest = tmp_path / "flat"
    archive.unpack(packed, dest, {"mode": 0o750})
    assert stat.S_IMODE(dest.stat().st_mode) == 0o750
    assert stat.S_IMODE((dest / "a.txt").stat().st_mode) != 0o750
    deep = tmp_path / "deep"
    archive.unpack(copy, deep, {"mode": 0o700, "recurseMode": True})
    for path in (deep, deep / "a.txt", deep / "sub", deep / "sub" / "b.txt"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o700


def test_missing_output_path(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match=r'artifact "gone": path .* does not exist'):
        archive.pack(tmp_path / "gone", tmp_path / "w", {"name": "gone"})


@pytest.mark.parametrize("spec", [None, {"zip": {}}, {"none": {}}])
def test_an_output_path_that_is_a_link_packs_what_it_points_to(
    tmp_path: Path, spec: dict[str, object] | None
) -> None:
    make_tree(tmp_path / "real")
    (tmp_path / "dirlink").symlink_to(tmp_path / "real")  # absolute, as `ln -s /tmp/d` makes
    (tmp_path / "filelink").symlink_to(tmp_path / "real" / "a.txt")
    for link in ("dirlink", "filelink"):
        art = {"name": link} if spec is None else {"name": link, "archive": spec}
        packed, name = archive.pack(tmp_path / link, tmp_path / "work", art)
        dest = tmp_path / "in" / link
        if spec == {"none": {}}:
            assert name == link  # uploaded under the link's name, with the target's content
            dest = packed
        else:
            archive.unpack(packed, dest, art)
        assert not dest.is_symlink()
        if link == "dirlink":
            assert (dest / "sub" / "b.txt").read_text() == "b"
        else:
            assert dest.read_text() == "a"


def test_a_dangling_link_is_a_missing_path(tmp_path: Path) -> None:
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    with pytest.raises(ArtifactError, match="does not exist"):
        archive.pack(tmp_path / "dangling", tmp_path / "work", {"name": "x"})
