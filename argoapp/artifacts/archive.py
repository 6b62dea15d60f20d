"""Packing output artifacts for upload and unpacking input artifacts after download.

`pack` is the wait side of Argo's executor: an output path becomes `<artifact name>.tgz`
(tar+gzip, the default, at `archive.tar.compressionLevel`), `<artifact name>.zip`, or itself
under its own base name (`archive: {none: {}}`), as Argo names what it uploads.
Archives hold the path under its base name, so unpacking a single entry gives back the path; a
path that is a symbolic link is packed as what it points to (file or directory), as Argo does.
`unpack` is the init side: a downloaded tarball (gzip or not) or zip is extracted into a temp
directory beside the destination and moved into place; anything else is moved as is; then `mode`
(and `recurseMode`) is applied. Entries that would land outside the destination (`..`, absolute
paths, links pointing out) are refused. Everything streams; nothing is read whole into memory.
"""

from __future__ import annotations

import os
import shutil
import tarfile
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from argoapp.artifacts.errors import ArtifactError
from argoapp.model.types import Obj

DEFAULT_GZIP_LEVEL = 6  # what Go's gzip.DefaultCompression means

_Extractor = Callable[[Path, Path, str], None]


def strategy(art: Obj) -> str:
    """The artifact's archive strategy: "tar" (the default), "none" or "zip"."""
    archive = art.get("archive")
    if isinstance(archive, dict):
        if "none" in archive:
            return "none"
        if "zip" in archive:
            return "zip"
    return "tar"


def pack(src: Path, work_dir: Path, art: Obj) -> tuple[Path, str]:
    """The file or directory to upload for output `src`, and the file name its key ends with."""
    if not src.exists():  # follows links: a dangling one is as missing as no path at all
        raise ArtifactError(f'artifact "{art.get("name", "")}": path {src} does not exist')
    # An output path that is a link stands for what it points to (Argo stats the path): its
    # content is packed under the link's name, while links further down are kept as links.
    content = src.resolve() if src.is_symlink() else src
    how = strategy(art)
    if how == "none":
        return content, src.name
    work_dir.mkdir(parents=True, exist_ok=True)
    if how == "zip":
        target = work_dir / f"{_archive_stem(art, src)}.zip"
        _write_zip(content, target, src.name)
        return target, target.name
    target = work_dir / f"{_archive_stem(art, src)}.tgz"
    _write_tar(content, target, _gzip_level(art), src.name)
    return target, target.name


def _archive_stem(art: Obj, src: Path) -> str:
    """Argo names an archive after the artifact; a nameless one (or one that is no plain file
    name) falls back to the path's base name."""
    name = str(art.get("name") or "")
    if not name or "/" in name or name in (".", ".."):
        return src.name
    return name


def _gzip_level(art: Obj) -> int:
    tar = (art.get("archive") or {}).get("tar") or {}
    level = tar.get("compressionLevel")
    if level is None:
        return DEFAULT_GZIP_LEVEL
    if not isinstance(level, int) or not -1 <= level <= 9:
        raise ArtifactError(
            f'artifact "{art.get("name", "")}": archive.tar.compressionLevel must be -1..9'
        )
    return DEFAULT_GZIP_LEVEL if level == -1 else level


def _write_tar(src: Path, target: Path, level: int, arcname: str) -> None:
    partial = target.with_name(target.name + ".partial")
    with tarfile.open(partial, "w:gz", compresslevel=level) as tar:
        tar.add(src, arcname=arcname, recursive=True)
    os.replace(partial, target)


def _write_zip(src: Path, target: Path, arcname: str) -> None:
    partial = target.with_name(target.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.write(src, arcname)
        if src.is_dir():
            for path in sorted(src.rglob("*")):
                zf.write(path, str(PurePosixPath(arcname, *path.relative_to(src).parts)))
    os.replace(partial, target)


def unpack(downloaded: Path, dest: Path, art: Obj) -> None:
    """Put a downloaded artifact at `dest`, extracting a tarball or zip, then apply its mode."""
    name = str(art.get("name") or "")
    if downloaded.is_file() and strategy(art) != "none" and _is_tarball(downloaded):
        _extract_into_place(downloaded, dest, name, _extract_tar)
    elif downloaded.is_file() and strategy(art) != "none" and zipfile.is_zipfile(downloaded):
        _extract_into_place(downloaded, dest, name, _extract_zip)
    else:
        dest.parent.mkdir(parents=True, exist_ok=True)
        remove_path(dest)
        # shutil.move renames when it can and copies across filesystems when it must.
        shutil.move(downloaded, dest)
    apply_mode(dest, art)


def _is_tarball(path: Path) -> bool:
    try:
        return tarfile.is_tarfile(path)
    except (OSError, EOFError):
        return False


def _extract_into_place(src: Path, dest: Path, name: str, extract: _Extractor) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".tmpdir", dir=dest.parent))
    try:
        extract(src, tmp, name)
        entries = list(tmp.iterdir())
        remove_path(dest)
        # A single top-level entry is the packed path itself; several mean the archive held a
        # directory's contents, so the temp directory becomes the destination.
        if len(entries) == 1:
            os.replace(entries[0], dest)
        else:
            os.replace(tmp, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        src.unlink(missing_ok=True)


def _extract_tar(src: Path, into: Path, name: str) -> None:
    try:
        with tarfile.open(src, "r:*") as tar:
            tar.extractall(into, filter="data")
    except tarfile.FilterError as err:
        raise ArtifactError(f'artifact "{name}": archive entry refused: {err}') from None
    except (tarfile.TarError, EOFError, OSError) as err:
        raise ArtifactError(f'artifact "{name}": cannot extract tarball: {err}') from None


def _extract_zip(src: Path, into: Path, name: str) -> None:
    try:
        with zipfile.ZipFile(src) as zf:
            for info in zf.infolist():
                parts = PurePosixPath(info.filename.replace("\\", "/")).parts
                if info.filename.startswith(("/", "\\")) or ".." in parts or ":" in info.filename:
                    raise ArtifactError(
                        f'artifact "{name}": archive entry refused: {info.filename!r} '
                        "would be extracted outside the destination"
                    )
                zf.extract(info, into)
    except (zipfile.BadZipFile, OSError) as err:
        raise ArtifactError(f'artifact "{name}": cannot extract zip: {err}') from None


def apply_mode(dest: Path, art: Obj) -> None:
    """Apply the artifact's `mode` to `dest`, and to everything under it with `recurseMode`."""
    mode = art.get("mode")
    if mode is None:
        return
    if not isinstance(mode, int) or not 0 <= mode <= 0o7777:
        raise ArtifactError(f'artifact "{art.get("name", "")}": mode must be an integer file mode')
    if art.get("recurseMode") and dest.is_dir():
        # Bottom-up, so a mode without search permission does not stop the walk.
        for root, dirs, files in os.walk(dest, topdown=False):
            for entry in dirs + files:
                path = os.path.join(root, entry)
                if not os.path.islink(path):
                    os.chmod(path, mode)
    os.chmod(dest, mode)


def remove_path(path: Path) -> None:
    """Remove a file, link or directory tree if it exists."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
