"""The store's index: which blob holds each bucket's key, in SQLite beside the blobs.

`Index(path)` keeps one connection (stdlib sqlite3, WAL) on its own thread: every method is a
coroutine that runs its statements there, so the event loop never waits on the disk. Tables:
buckets, objects (bucket+key -> blob, size, etag, content type, mtime, user metadata), uploads
and parts (multipart uploads in progress). Keys are compared as UTF-8 bytes (SQLite's BINARY
collation), which is S3's listing order, so a listing is a range scan of the primary key
(`list_page`); `a` and `a/b` are simply two rows. Blob files are the caller's (`blobs.py`):
methods that drop a row return the blob ids it named, for the caller to delete.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from argoapp.server.s3store.errors import S3Error, no_such_bucket

T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS buckets (name TEXT PRIMARY KEY, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS objects (
    bucket TEXT NOT NULL, key TEXT NOT NULL, blob TEXT NOT NULL, size INTEGER NOT NULL,
    etag TEXT NOT NULL, content_type TEXT NOT NULL, mtime REAL NOT NULL, meta TEXT NOT NULL,
    PRIMARY KEY (bucket, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS uploads (
    id TEXT PRIMARY KEY, bucket TEXT NOT NULL, key TEXT NOT NULL, content_type TEXT NOT NULL,
    meta TEXT NOT NULL, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS parts (
    upload TEXT NOT NULL, number INTEGER NOT NULL, blob TEXT NOT NULL, size INTEGER NOT NULL,
    etag TEXT NOT NULL, mtime REAL NOT NULL, PRIMARY KEY (upload, number)) WITHOUT ROWID;
"""
_OBJECT_COLUMNS = "key, blob, size, etag, content_type, mtime, meta"


@dataclass(frozen=True)
class ObjectRow:
    """One object as the index records it (also used for a part: key is its number)."""

    key: str
    blob: str
    size: int
    etag: str  # md5 hex, or `<hex>-<parts>` for a multipart object; no quotes
    content_type: str
    mtime: float
    meta: str  # JSON object of x-amz-meta-* headers


@dataclass(frozen=True)
class Upload:
    """A multipart upload in progress."""

    id: str
    bucket: str
    key: str
    content_type: str
    meta: str


def key_after(prefix: str) -> str | None:
    """The least string greater than every string starting with `prefix` (None: no bound)."""
    while prefix:
        last = ord(prefix[-1])
        if last < 0x10FFFF:
            bumped = last + 1 if last + 1 not in range(0xD800, 0xE000) else 0xE000
            return prefix[:-1] + chr(bumped)
        prefix = prefix[:-1]
    return None


class Index:
    """The SQLite index, served by one thread."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="s3store-index")
        self._db: sqlite3.Connection | None = None

    async def _run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        def call() -> T:
            assert self._db is not None, "index used before open"
            with self._db:
                return fn(self._db)

        return await asyncio.get_running_loop().run_in_executor(self._thread, call)

    async def open(self, buckets: list[str], now: float) -> None:
        """Open (creating) the database and make sure `buckets` exist."""

        def connect() -> None:
            db = sqlite3.connect(self._path, check_same_thread=False, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(_SCHEMA)
            db.isolation_level = "DEFERRED"
            self._db = db

        await asyncio.get_running_loop().run_in_executor(self._thread, connect)
        for name in buckets:
            await self.create_bucket(name, now)

    async def close(self) -> None:
        """Close the connection and stop the thread."""

        def disconnect() -> None:
            if self._db is not None:
                self._db.close()
                self._db = None

        await asyncio.get_running_loop().run_in_executor(self._thread, disconnect)
        self._thread.shutdown(wait=True)

    async def blobs_named(self) -> set[str]:
        """Every blob an object or a part names."""

        def named(db: sqlite3.Connection) -> set[str]:
            rows = db.execute("SELECT blob FROM objects UNION ALL SELECT blob FROM parts")
            return {str(r[0]) for r in rows}

        return await self._run(named)

    async def bucket_exists(self, bucket: str) -> bool:
        """Whether the bucket exists."""
        sql = "SELECT 1 FROM buckets WHERE name = ?"
        return await self._run(lambda db: db.execute(sql, (bucket,)).fetchone() is not None)

    async def list_buckets(self) -> list[tuple[str, float]]:
        """Every bucket with its creation time."""
        sql = "SELECT name, created FROM buckets ORDER BY name"
        return await self._run(lambda db: list(db.execute(sql).fetchall()))

    async def create_bucket(self, bucket: str, now: float) -> bool:
        """Create a bucket; False when it already existed."""
        sql = "INSERT OR IGNORE INTO buckets (name, created) VALUES (?, ?)"
        return await self._run(lambda db: db.execute(sql, (bucket, now)).rowcount == 1)

    async def delete_bucket(self, bucket: str) -> None:
        """Delete an empty bucket."""

        def delete(db: sqlite3.Connection) -> None:
            if db.execute("SELECT 1 FROM buckets WHERE name = ?", (bucket,)).fetchone() is None:
                raise no_such_bucket(bucket)
            if db.execute("SELECT 1 FROM objects WHERE bucket = ? LIMIT 1", (bucket,)).fetchone():
                raise S3Error(
                    "BucketNotEmpty", f"The bucket {bucket} is not empty", resource=bucket
                )
            db.execute("DELETE FROM buckets WHERE name = ?", (bucket,))

        await self._run(delete)

    async def get(self, bucket: str, key: str) -> ObjectRow | None:
        """The object under bucket+key, if any."""
        sql = f"SELECT {_OBJECT_COLUMNS} FROM objects WHERE bucket = ? AND key = ?"
        row = await self._run(lambda db: db.execute(sql, (bucket, key)).fetchone())
        return ObjectRow(*row) if row else None

    async def put(self, bucket: str, obj: ObjectRow) -> str | None:
        """Record an object (replacing any); the blob the replaced object had."""
        return await self._run(lambda db: _put(db, bucket, obj))

    def put_waiting(self, bucket: str, obj: ObjectRow) -> str | None:
        """`put` for a thread that may block (never the index's own, nor an event loop's):
        straight to the index's thread, with no trip through the loop."""

        def call() -> str | None:
            assert self._db is not None, "index used before open"
            with self._db:
                return _put(self._db, bucket, obj)

        return self._thread.submit(call).result()

    async def delete(self, bucket: str, key: str) -> str | None:
        """Forget an object; the blob it had (None when there was none)."""

        def delete(db: sqlite3.Connection) -> str | None:
            row = db.execute(
                "DELETE FROM objects WHERE bucket = ? AND key = ? RETURNING blob", (bucket, key)
            ).fetchone()
            return str(row[0]) if row else None

        return await self._run(delete)

    async def list_page(
        self, bucket: str, prefix: str, delimiter: str, start: str, max_keys: int
    ) -> tuple[list[ObjectRow], list[str], str | None]:
        """Up to `max_keys` objects and common prefixes from key `start` on (inclusive) under
        `prefix`, in order; and where the next page starts (None when this is the last)."""
        return await self._run(
            lambda db: _list_page(db, bucket, prefix, delimiter, start, max_keys)
        )

    async def create_upload(self, upload: Upload, now: float) -> None:
        """Record a new multipart upload."""
        sql = "INSERT INTO uploads (id, bucket, key, content_type, meta, created) VALUES "
        sql += "(?,?,?,?,?,?)"
        values = (upload.id, upload.bucket, upload.key, upload.content_type, upload.meta, now)
        await self._run(lambda db: db.execute(sql, values))

    async def uploads_before(self, before: float) -> list[Upload]:
        """Uploads started before `before` and still in progress."""
        sql = "SELECT id, bucket, key, content_type, meta FROM uploads WHERE created < ?"
        rows = await self._run(lambda db: db.execute(sql, (before,)).fetchall())
        return [Upload(*row) for row in rows]

    async def get_upload(self, upload_id: str) -> Upload | None:
        """The upload with this id, if it is still in progress."""
        sql = "SELECT id, bucket, key, content_type, meta FROM uploads WHERE id = ?"
        row = await self._run(lambda db: db.execute(sql, (upload_id,)).fetchone())
        return Upload(*row) if row else None

    async def put_part(self, upload_id: str, number: int, part: ObjectRow) -> str | None:
        """Record a part (replacing one with the same number); the replaced part's blob.
        None also when the upload is gone, which the caller checks for with `get_upload`."""

        def put(db: sqlite3.Connection) -> str | None:
            if db.execute("SELECT 1 FROM uploads WHERE id = ?", (upload_id,)).fetchone() is None:
                return part.blob  # aborted meanwhile: the new part's blob is the stray one
            old = db.execute(
                "DELETE FROM parts WHERE upload = ? AND number = ? RETURNING blob",
                (upload_id, number),
            ).fetchone()
            db.execute(
                "INSERT INTO parts (upload, number, blob, size, etag, mtime) VALUES (?,?,?,?,?,?)",
                (upload_id, number, part.blob, part.size, part.etag, part.mtime),
            )
            return str(old[0]) if old else None

        return await self._run(put)

    async def parts(self, upload_id: str) -> list[tuple[int, ObjectRow]]:
        """The upload's parts by number."""
        sql = "SELECT number, blob, size, etag, mtime FROM parts WHERE upload = ? ORDER BY number"
        rows = await self._run(lambda db: db.execute(sql, (upload_id,)).fetchall())
        return [(n, ObjectRow(str(n), b, s, e, "", m, "{}")) for n, b, s, e, m in rows]

    async def end_upload(self, upload_id: str, bucket: str, obj: ObjectRow | None) -> list[str]:
        """End an upload: record `obj` (complete) or nothing (abort); blobs no longer named."""

        def end(db: sqlite3.Connection) -> list[str]:
            gone = db.execute("DELETE FROM uploads WHERE id = ? RETURNING id", (upload_id,))
            if gone.fetchone() is None:
                raise S3Error("NoSuchUpload", f"The multipart upload {upload_id} does not exist")
            sql = "DELETE FROM parts WHERE upload = ? RETURNING blob"
            blobs = [str(r[0]) for r in db.execute(sql, (upload_id,)).fetchall()]
            if obj is not None:
                old = _put(db, bucket, obj)
                blobs += [old] if old else []
            return blobs

        return await self._run(end)


def _put(db: sqlite3.Connection, bucket: str, obj: ObjectRow) -> str | None:
    if db.execute("SELECT 1 FROM buckets WHERE name = ?", (bucket,)).fetchone() is None:
        raise no_such_bucket(bucket)
    old = db.execute(
        "SELECT blob FROM objects WHERE bucket = ? AND key = ?", (bucket, obj.key)
    ).fetchone()
    db.execute(
        f"INSERT OR REPLACE INTO objects (bucket, {_OBJECT_COLUMNS}) VALUES (?,?,?,?,?,?,?,?)",
        (bucket, obj.key, obj.blob, obj.size, obj.etag, obj.content_type, obj.mtime, obj.meta),
    )
    return str(old[0]) if old else None


def _list_page(
    db: sqlite3.Connection, bucket: str, prefix: str, delimiter: str, start: str, max_keys: int
) -> tuple[list[ObjectRow], list[str], str | None]:
    upper = key_after(prefix)
    start = max(start, prefix)
    objects: list[ObjectRow] = []
    prefixes: list[str] = []
    sql = f"SELECT {_OBJECT_COLUMNS} FROM objects WHERE bucket = ? AND key >= ?"
    sql += " AND key < ? ORDER BY key LIMIT ?" if upper is not None else " ORDER BY key LIMIT ?"
    while True:
        bounds = (bucket, start, upper) if upper is not None else (bucket, start)
        # The cursor steps lazily: a jump past a common prefix reads one row, not a page.
        for row in db.execute(sql, (*bounds, max_keys + 1)):
            key = str(row[0])
            if len(objects) + len(prefixes) == max_keys:
                return objects, prefixes, key
            cut = key.find(delimiter, len(prefix)) if delimiter else -1
            if cut < 0:
                objects.append(ObjectRow(*row))
                continue
            common = key[: cut + len(delimiter)]
            prefixes.append(common)
            after = key_after(common)
            if after is None:
                return objects, prefixes, None
            start = after
            break  # skip every key under this common prefix: scan again from past it
        else:
            return objects, prefixes, None
