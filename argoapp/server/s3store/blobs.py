"""Object bodies on disk: files named by random ids under the store's root.

A body is written to `tmp/<id>` in pieces (each write in the loop's executor, so a large body
never blocks the event loop), fsynced, then renamed to `blobs/<id[:2]>/<id>`: a blob file is
always complete. A write that fails or is abandoned removes its temp file; `sweep` (at start)
removes temp files a crash left behind. Keys never become file names, so no key can name a file
outside the root. `unnamed` finds blobs a crash left unrecorded, for the store to remove
at start. The index (`index.py`) says which blob holds which key; this module knows
nothing of buckets or keys.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
from collections.abc import AsyncGenerator, AsyncIterable, Iterable
from pathlib import Path
from typing import BinaryIO

WRITE_BATCH = 1 << 20
READ_PIECE = 1 << 20


class Blobs:
    """The blob files under one root."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._tmp = root / "tmp"
        self._blobs = root / "blobs"

    def sweep(self) -> None:
        """Create the directories; remove temp files left by a crash (blocking: call at start)."""
        self._tmp.mkdir(parents=True, exist_ok=True)
        self._blobs.mkdir(parents=True, exist_ok=True)
        for stray in self._tmp.iterdir():
            stray.unlink(missing_ok=True)

    def unnamed(self, named: set[str]) -> list[str]:
        """Blob files no index row names: a crash came between rename and index commit
        (blocking: call at start, before any write)."""
        return [p.name for p in self._blobs.glob("*/*") if p.name not in named]

    def path(self, blob: str) -> Path:
        """Where a blob's file is."""
        return self._blobs / blob[:2] / blob

    async def write(self, pieces: AsyncIterable[bytes]) -> str:
        """Stream `pieces` into a new blob; its id. Nothing is left behind if `pieces` fails."""
        return await self._write_with(pieces, None)

    async def concat(self, blobs: Iterable[str]) -> str:
        """A new blob holding the given blobs' bytes one after another (multipart complete)."""
        return await self._write_with(None, [self.path(b) for b in blobs])

    async def _write_with(
        self, pieces: AsyncIterable[bytes] | None, sources: list[Path] | None
    ) -> str:
        loop = asyncio.get_running_loop()
        blob = secrets.token_hex(16)
        tmp = self._tmp / blob
        f = await loop.run_in_executor(None, _open_new, tmp)
        try:
            if pieces is not None:
                await _copy_pieces(loop, f, pieces)
            if sources is not None:
                await loop.run_in_executor(None, _append_files, f, sources)
            await loop.run_in_executor(None, _finish, f, tmp, self.path(blob))
        except BaseException:
            await asyncio.shield(loop.run_in_executor(None, _discard, f, tmp))
            raise
        return blob

    async def remove(self, blobs: Iterable[str]) -> None:
        """Delete blob files (already gone is fine)."""
        paths = [self.path(b) for b in blobs]
        if paths:
            await asyncio.get_running_loop().run_in_executor(None, _unlink_all, paths)

    async def read(self, blob: str, start: int, length: int) -> AsyncGenerator[bytes, None]:
        """`length` bytes of a blob from `start`, in pieces read off the event loop."""
        loop = asyncio.get_running_loop()
        f = await loop.run_in_executor(None, _open_at, self.path(blob), start)
        try:
            left = length
            while left > 0:
                piece = await loop.run_in_executor(None, f.read, min(left, READ_PIECE))
                if not piece:
                    break
                left -= len(piece)
                yield piece
        finally:
            f.close()


async def _copy_pieces(
    loop: asyncio.AbstractEventLoop, f: BinaryIO, pieces: AsyncIterable[bytes]
) -> None:
    batch: list[bytes] = []
    size = 0
    async for piece in pieces:
        batch.append(piece)
        size += len(piece)
        if size >= WRITE_BATCH:
            await loop.run_in_executor(None, f.write, b"".join(batch))
            batch, size = [], 0
    if batch:
        await loop.run_in_executor(None, f.write, b"".join(batch))


def _open_new(tmp: Path) -> BinaryIO:
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    return os.fdopen(fd, "wb")


def _append_files(f: BinaryIO, sources: list[Path]) -> None:
    for source in sources:
        with source.open("rb") as part:
            shutil.copyfileobj(part, f, READ_PIECE)


def _finish(f: BinaryIO, tmp: Path, final: Path) -> None:
    f.flush()
    os.fsync(f.fileno())
    f.close()
    final.parent.mkdir(exist_ok=True)
    os.replace(tmp, final)


def _discard(f: BinaryIO, tmp: Path) -> None:
    f.close()
    tmp.unlink(missing_ok=True)


def _unlink_all(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def _open_at(path: Path, start: int) -> BinaryIO:
    f = path.open("rb")
    f.seek(start)
    return f
