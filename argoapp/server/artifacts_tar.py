"""Looking inside a tarball artifact as it streams from the store, for `/artifact-files`.

Argo saves artifacts as `.tgz` by default, and Argo's server serves such an object only whole,
so its UI cannot show the file a step wrote, nor browse the directory it saved. argoapp reads
the tarball as a stream (one pass, `tarfile` in stream mode, one member's bytes at a time):
`TarReader.find` answers what a path inside it is (the packed file itself for the tarball of
one file, a file, a directory with its entries, or nothing), and the reader then serves the
file found as a `Body`. Paths are relative to what was packed: the tarball of a directory
`out/` holds `out/a.txt`, shown as `a.txt`. Blocking throughout: callers run every call in a
thread (`artifacts_serve.blocking`). Nothing is extracted to disk and no member is read whole.
"""

from __future__ import annotations

import posixpath
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

from argoapp.server.artifacts_serve import Opened

TARBALL_SUFFIXES = (".tgz", ".tar.gz", ".tar")
FILE, DIRECTORY, MISSING = "file", "directory", "missing"


def is_tarball(key: str) -> bool:
    """Whether a key names a tarball, as the executor names the ones it packs."""
    return key.lower().endswith(TARBALL_SUFFIXES)


@dataclass
class Found:
    """What a path inside the tarball is."""

    kind: str  # FILE, DIRECTORY or MISSING
    member: tarfile.TarInfo | None = None  # the file's member
    entries: list[str] = field(default_factory=list)  # a directory's paths ("d/" for dirs)


def _clean(name: str) -> str:
    return posixpath.normpath("/" + name).lstrip("/")


class TarReader:
    """A tarball read once, front to back, from the store; then the `Body` of one member."""

    def __init__(self, opened: Opened) -> None:
        self._opened = opened
        self._tar = tarfile.open(fileobj=opened.stream, mode="r|*")  # noqa: SIM115 (closed in close)
        self._file: IO[bytes] | None = None
        self.packed_directory = False  # known once the first member has been read

    def members(self) -> Iterator[tuple[str, tarfile.TarInfo]]:
        """(path relative to what was packed, member) of each member after the packed
        directory itself; the tarball of one file yields that file as its only path."""
        root = ""
        for index, member in enumerate(self._tar):
            name = _clean(member.name)
            if index == 0 and member.isdir() and "/" not in name:
                root = name + "/"  # the packed directory: its contents are what was saved
                self.packed_directory = True
                continue
            if root and name.startswith(root):
                name = name[len(root) :]
            if name:
                yield name, member

    def find(self, path: str, *, listing: bool) -> Found:
        """What `path` ("" for the whole artifact) is; with `listing`, a directory's entries."""
        prefix = path + "/" if path else ""
        entries: list[str] = []
        seen = not path  # the whole artifact always is a directory of itself
        for index, (name, member) in enumerate(self.members()):
            if not listing and member.isfile():
                if name == path:
                    return Found(FILE, member)
                if not path and index == 0 and not self.packed_directory and "/" not in name:
                    return Found(FILE, member)  # the tarball of one file: the file itself
            if (name == path and member.isdir()) or name.startswith(prefix):
                if not listing:
                    return Found(DIRECTORY)
                seen = True
                rest = name[len(prefix) :] if name.startswith(prefix) else ""
                if rest:
                    entries.append(rest + "/" if member.isdir() else rest)
        return Found(DIRECTORY, entries=entries) if listing and seen else Found(MISSING)

    def select(self, member: tarfile.TarInfo) -> None:
        """Serve `member` (the one `find` just returned) as this reader's bytes."""
        self._file = self._tar.extractfile(member)

    def read(self, size: int, /) -> bytes:
        return self._file.read(size) if self._file is not None else b""

    def close(self) -> None:
        try:
            self._tar.close()
        finally:
            self._opened.close()


def open_reader(opened: Opened) -> TarReader:
    """A reader over an open object; the object is closed when the tarball cannot be read."""
    try:
        return TarReader(opened)
    except BaseException:
        opened.close()
        raise
