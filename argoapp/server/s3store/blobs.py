"""Object bodies on disk: files named by random ids under the store's root.

A body is written to `tmp/<id>` in pieces, fsynced, then renamed to `blobs/<id[:2]>/<id>`: a
blob file is always complete. The disk work runs on the store's own threads, so a large body
never blocks the event loop, and never on the loop's default executor: the executor roles the
kubelet runs in-process wait on those threads for the store to answer, so sharing them would
let a fan-out of uploads deadlock the server. A write that fails or is abandoned removes its
temp file; `sweep` (at start) removes temp files a crash left behind. Keys never become file
names, so no key can name a file outside the root. `unnamed` finds blobs a crash left
unrecorded, for the store to remove at start. The index (`index.py`) says which blob holds
which key; this module knows nothing of buckets or keys.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
from collections.abc import AsyncGenerator, AsyncIterable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO, TypeVar

T = TypeVar("T")

WRITE_BATCH = 1 << 20
READ_PIECE = 1 << 20
THREADS = 8  # disk work of bodies in flight at once; more requests wait their turn


class Blobs:
    """The blob files under one root."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._tmp = root / "tmp"
        self._blobs = root / "blobs"
        self._pool = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="s3store-blobs")

    def close(self) -> None:
        """Let the threads go once the work in hand is done."""
        self._pool.shutdown(wait=False)

    def _run(self, fn: Callable[..., T], *args: object) -> asyncio.Future[T]:
        return asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

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
        blob = secrets.token_hex(16)
        tmp = self._tmp / blob
        f = await self._run(_open_new, tmp)
        try:
            if pieces is not None:
                await self._copy_pieces(f, pieces)
            if sources is not None:
                await self._run(_append_files, f, sources)
            await self._run(_finish, f, tmp, self.path(blob))
        except BaseException:
            await asyncio.shield(self._run(_discard, f, tmp))
            raise
        return blob

    async def _copy_pieces(self, f: BinaryIO, pieces: AsyncIterable[bytes]) -> None:
        batch: list[bytes] = []
        size = 0
        async for piece in pieces:
            batch.append(piece)
            size += len(piece)
            if size >= WRITE_BATCH:
                await self._run(f.write, b"".join(batch))
                batch, size = [], 0
        if batch:
            await self._run(f.write, b"".join(batch))

    async def remove(self, blobs: Iterable[str]) -> None:
        """Delete blob files (already gone is fine)."""
        paths = [self.path(b) for b in blobs]
        if paths:
            await self._run(_unlink_all, paths)

    async def read(self, blob: str, start: int, length: int) -> AsyncGenerator[bytes, None]:
        """`length` bytes of a blob from `start`, in pieces read off the event loop."""
        f = await self._run(_open_at, self.path(blob), start)
        try:
            left = length
            while left > 0:
                piece = await self._run(f.read, min(left, READ_PIECE))
                if not piece:
                    break
                left -= len(piece)
                yield piece
        finally:
            f.close()


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
