"""The driver interface every artifact store implements, and `driver_for`, which picks one.

A driver moves bytes between a local path and one fully resolved location (see `resolve.relocate`);
it is synchronous and blocking, for the executor's own process or a caller's worker thread. Writes
are all-or-nothing as far as a reader can tell: downloads land in a temp sibling that is renamed
into place; uploads fail before their object is complete. Drivers import their client library
(minio, dulwich) only when `driver_for` picks them, so importing the package stays cheap.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import BinaryIO

from argoapp.artifacts import resolve
from argoapp.artifacts.archive import remove_path
from argoapp.artifacts.errors import ArtifactError, Secrets
from argoapp.model.types import Obj


class Driver:
    """One artifact store; methods a store cannot do raise ArtifactError."""

    kind = ""

    def __init__(self, secrets: Secrets) -> None:
        self.secrets = secrets

    def download(self, art: Obj, dest: Path) -> None:
        """Fetch the artifact to `dest`: a file for an object, a directory for a prefix/checkout."""
        raise self.unsupported(art, "download")

    def upload(self, src: Path, art: Obj) -> None:
        """Store the file, or every file under the directory, `src` at the artifact's location."""
        raise self.unsupported(art, "upload")

    def open(self, art: Obj) -> AbstractContextManager[BinaryIO]:
        """A streaming reader of the artifact's one object."""
        raise self.unsupported(art, "open")

    def is_directory(self, art: Obj) -> bool:
        """Whether the artifact's key is a directory (a prefix with objects under it)."""
        return False

    def list(self, art: Obj) -> list[str]:
        """The keys under the artifact's location, relative to it."""
        raise self.unsupported(art, "list")

    def delete(self, art: Obj) -> None:
        """Delete the artifact's object, or everything under its directory; gone already is fine."""
        raise self.unsupported(art, "delete")

    def unsupported(self, art: Obj, what: str) -> ArtifactError:
        """The error for an operation this kind of store does not have."""
        return ArtifactError(
            f'artifact "{art.get("name", "")}": {self.kind} artifacts do not support {what}'
        )


def driver_for(art: Obj, secrets: Secrets) -> Driver:
    """The driver for the artifact's (fully relocated) location kind."""
    name = resolve.kind(art)
    if name == "s3":
        from argoapp.artifacts.s3 import S3Driver

        return S3Driver(secrets)
    if name == "raw":
        from argoapp.artifacts.raw import RawDriver

        return RawDriver(secrets)
    if name in ("http", "artifactory"):
        from argoapp.artifacts.http_artifact import HTTPDriver

        return HTTPDriver(secrets)
    if name == "git":
        from argoapp.artifacts.git import GitDriver

        return GitDriver(secrets)
    label = art.get("name", "")
    if not name:
        raise ArtifactError(f'artifact "{label}" has no location')
    raise ArtifactError(f'artifact "{label}": {name} artifacts are not supported by argoapp')


@contextmanager
def staged_file(dest: Path) -> Iterator[Path]:
    """A temp file beside `dest`, renamed onto it when the block succeeds, removed otherwise."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".partial", dir=dest.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        remove_path(dest)
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def place_under(root: Path, rel: str, describe: Callable[[str], str]) -> Path:
    """Where the object at key-relative `rel` goes in a directory download under `root`
    (parents made); an ArtifactError when a `..` segment would take it outside."""
    parts = rel.split("/")
    if ".." in parts:
        raise ArtifactError(describe(f"key {rel!r} would land outside the artifact's directory"))
    target = root.joinpath(*(p for p in parts if p))
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


@contextmanager
def staged_dir(dest: Path) -> Iterator[Path]:
    """A temp directory beside `dest`, renamed onto it when the block succeeds."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".partial", dir=dest.parent))
    try:
        yield tmp
        remove_path(dest)
        os.replace(tmp, dest)
    finally:
        remove_path(tmp)
