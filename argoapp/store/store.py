"""`Store`: argoapp's own SQLite database (not localkube's), on two dedicated threads.

`runtime` opens one at start-up and closes it last; the controller and the API server share it.
Statements run off the event loop, one transaction per call, on one of two connections:
the writer thread (`transact` for writes, `read` for the controller's reads, which must not
wait behind a user's big list) and the reader thread (`query`: the API's read-only archive
queries). WAL mode lets the reader's snapshot and the writer's commits proceed side by side, so
a large archive list or count never delays the controller's offload or archive writes.
`synchronous=NORMAL` keeps every committed write through a crash; the file is private (0600)
because it will hold workflow outputs and logs.

Every open Store holds a shared `flock` on `<db>.lock` beside the file for its lifetime;
`argoapp db restore` takes it exclusively (`backup.restore`), so a restore never swaps the
file under a running server or controller, and a Store does not start during a restore.

`start()` applies the numbered `migrations` the database has not seen, and refuses a database
written by a newer argoapp, or a file that is not an argoapp store, with a `ConfigError` that
names the file. Failures after that are `StoreError`s. Nothing here knows Workflow semantics.
"""

from __future__ import annotations

import asyncio
import datetime
import fcntl
import os
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from argoapp.errors import ArgoappError, ConfigError
from argoapp.model.types import Obj
from argoapp.store import archive, migrations, offload

T = TypeVar("T")

EXPIRE_BATCH = 500  # archived workflows deleted per write transaction by archiveTTL


def lock_path(db: Path) -> Path:
    """The advisory lock file beside the database `db` (held shared by every open Store)."""
    return db.with_name(db.name + ".lock")


class StoreError(ArgoappError):
    """A database operation that failed after the store started (disk full, I/O error…)."""


class Store:
    """One SQLite file; `await start()`, use, `await close()`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.schema_version = 0
        self._pool: ThreadPoolExecutor | None = None
        self._conn: sqlite3.Connection | None = None
        self._reader: ThreadPoolExecutor | None = None
        self._read_conn: sqlite3.Connection | None = None
        self._lock: int | None = None

    async def start(self) -> None:
        """Lock and open the file (creating it), then apply the migrations it has not seen."""
        migrations.check_order()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="argoapp-store")
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="argoapp-store-read")
        try:
            await asyncio.get_running_loop().run_in_executor(self._pool, self._open)
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        """Finish queued work, close the connections, stop the threads, unlock (idempotent)."""
        loop = asyncio.get_running_loop()
        reader, self._reader = self._reader, None
        if reader is not None:
            if self._read_conn is not None:
                conn, self._read_conn = self._read_conn, None
                await loop.run_in_executor(reader, conn.close)
            reader.shutdown(wait=True)
        pool, self._pool = self._pool, None
        if pool is not None:
            if self._conn is not None:
                conn, self._conn = self._conn, None
                await loop.run_in_executor(pool, conn.close)
            pool.shutdown(wait=True)
        if self._lock is not None:
            os.close(self._lock)  # closing the descriptor releases the lock
            self._lock = None

    async def transact(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn` in one write transaction on the writer thread."""
        return await self._submit(self._transact, fn)

    async def read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn` in one read transaction (a consistent snapshot) on the writer thread: for
        the controller's reads, which must not queue behind the API's."""
        return await self._submit(self._read, fn)

    async def query(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn` in one read transaction on the reader thread's read-only connection: for
        the API's queries, which must not hold up the controller's writes."""
        if self._reader is None:
            raise StoreError(f"the store {self.path} is not open")
        return await asyncio.get_running_loop().run_in_executor(self._reader, self._query, fn)

    # --- offloaded node status ---

    async def save_nodes(
        self, uid: str, nodes: Obj, base: offload.Base | None = None
    ) -> tuple[str, list[str]]:
        """Store a workflow's nodes, writing only what differs from `base` (a stored version
        and its nodes); returns the version and the ids of the nodes written."""
        return await self.transact(lambda conn: offload.save(conn, uid, nodes, base))

    async def load_nodes(self, uid: str, version: str) -> Obj | None:
        """The nodes saved under (uid, version), or None."""
        return await self.read(lambda conn: offload.load(conn, uid, version))

    async def prune_nodes(
        self, uid: str, keep_version: str, node_ids: list[str] | None = None
    ) -> None:
        """Delete what versions older than `keep_version` alone needed (for `node_ids` only,
        when given: the nodes the save of `keep_version` wrote)."""
        await self.transact(lambda conn: offload.prune(conn, uid, keep_version, node_ids))

    async def delete_nodes(self, uid: str) -> None:
        """Delete every version of the workflow's nodes."""
        await self.transact(lambda conn: offload.delete(conn, uid))

    async def node_versions(self) -> list[tuple[str, str]]:
        """Every stored (uid, version), for garbage collection."""
        return await self.read(offload.versions)

    # --- the workflow archive (documented in argoapp.store.archive) ---

    async def archive_put(self, wf: Obj) -> None:
        """Archive a finished workflow (replacing the copy with its uid)."""
        await self.transact(lambda conn: archive.put(conn, wf))

    async def archive_get(self, uid: str) -> Obj | None:
        """The archived workflow with this uid, or None."""
        return await self.query(lambda conn: archive.get(conn, uid))

    async def archive_list(
        self, query: archive.ArchiveQuery, limit: int = 0, continue_token: str = ""
    ) -> tuple[list[Obj], str]:
        """One page of archived workflow summaries, newest first, and the next token."""
        return await self.query(lambda conn: archive.list_page(conn, query, limit, continue_token))

    async def archive_rows(
        self, query: archive.ArchiveQuery, limit: int = 0
    ) -> list[tuple[str, str, Obj]]:
        """Matches as (sort key, uid, summary), newest first: for merging with live ones."""
        return await self.query(lambda conn: archive.list_rows(conn, query, limit))

    async def archive_count(self, query: archive.ArchiveQuery) -> int:
        """How many archived workflows match."""
        return await self.query(lambda conn: archive.count(conn, query))

    async def archive_has(self, uids: list[str]) -> set[str]:
        """Those of `uids` that are archived."""
        return await self.query(lambda conn: archive.has(conn, uids))

    async def archive_delete(self, uid: str) -> bool:
        """Delete an archived workflow; False when there was none."""
        return await self.transact(lambda conn: archive.delete(conn, uid))

    async def archive_label_keys(self, namespace: str = "") -> list[str]:
        """Every label key of archived workflows (of `namespace` when given), sorted."""
        return await self.query(lambda conn: archive.label_keys(conn, namespace))

    async def archive_label_values(self, key: str, namespace: str = "") -> list[str]:
        """Every value of label `key` among archived workflows (of `namespace`), sorted."""
        return await self.query(lambda conn: archive.label_values(conn, key, namespace))

    async def archive_expire(self, before: datetime.datetime, batch: int = EXPIRE_BATCH) -> int:
        """Delete what finished before `before` (archiveTTL); how many rows went. One write
        transaction per `batch` rows, so the controller's writes get in between."""
        total = 0
        while True:
            gone = await self.transact(lambda conn: archive.expire(conn, before, batch))
            total += gone
            if gone < batch:
                return total

    # --- the database thread ---

    async def _submit(
        self, run: Callable[[Callable[[sqlite3.Connection], T]], T], fn: Callable[..., T]
    ) -> T:
        if self._pool is None:
            raise StoreError(f"the store {self.path} is not open")
        return await asyncio.get_running_loop().run_in_executor(self._pool, run, fn)

    def _transact(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        conn = self._connection()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = fn(conn)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as e:
            raise StoreError(f"the store {self.path} failed: {e}") from None
        return result

    def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        return self._snapshot(self._connection(), fn)

    def _query(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        conn = self._read_conn
        if conn is None:
            raise StoreError(f"the store {self.path} is closed")
        return self._snapshot(conn, fn)

    def _snapshot(self, conn: sqlite3.Connection, fn: Callable[[sqlite3.Connection], T]) -> T:
        """`fn` in one read transaction of `conn` (it sees one consistent state)."""
        try:
            conn.execute("BEGIN")
            try:
                return fn(conn)
            finally:
                conn.execute("COMMIT")
        except sqlite3.Error as e:
            raise StoreError(f"the store {self.path} failed: {e}") from None

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError(f"the store {self.path} is closed")
        return self._conn

    def _open(self) -> None:
        self._lock = _share_lock(self.path)
        try:
            # It will hold workflow outputs and logs: only its owner may read it.
            os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
            os.chmod(self.path, 0o600)
        except OSError as e:
            raise ConfigError(f"cannot open argoapp's database {self.path}: {e.strerror}") from None
        try:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as e:
            raise ConfigError(f"cannot open argoapp's database {self.path}: {e}") from None
        try:
            conn.execute("PRAGMA busy_timeout=5000")
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            self.schema_version = _migrate(conn, self.path)
        except sqlite3.DatabaseError as e:
            conn.close()
            raise ConfigError(
                f"{self.path} is not a usable argoapp database ({e}); "
                "move it away or point argoapp at another data dir"
            ) from None
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        self._read_conn = _read_connection(self.path)


def _share_lock(path: Path) -> int:
    """Hold `path`'s lock file shared (a descriptor to close); a restore holds it exclusively."""
    lock = lock_path(path)
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as e:
        raise ConfigError(f"cannot open the lock file {lock}: {e.strerror}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise ConfigError(
            f"argoapp's database {path} is being restored (`argoapp db restore` holds "
            f"{lock}); start argoapp again when the restore has finished"
        ) from None
    return fd


def _read_connection(path: Path) -> sqlite3.Connection:
    """A second, read-only connection for the reader thread (opened after the migrations)."""
    try:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout=5000")
        conn.execute("PRAGMA query_only=ON")
    except sqlite3.Error as e:
        raise ConfigError(f"cannot open argoapp's database {path} for reading: {e}") from None
    return conn


def _migrate(conn: sqlite3.Connection, path: Path) -> int:
    """Apply the migrations newer than the database's version; returns the version reached."""
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if tables and "schema_version" not in tables:
        raise ConfigError(
            f"{path} is a SQLite database but not argoapp's (it has tables "
            f"{', '.join(sorted(tables)[:5])}); point argoapp at its own data dir"
        )
    conn.execute(migrations.SCHEMA_VERSION_TABLE)
    current = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()[0]
    if current > migrations.latest():
        raise ConfigError(
            f"{path} was written by a newer argoapp (schema version {current}; this one knows "
            f"up to {migrations.latest()}); upgrade argoapp or use another data dir"
        )
    for number, sql in migrations.MIGRATIONS:
        if number <= current:
            continue
        now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        # The script and its record commit together, or not at all.
        try:
            conn.executescript(
                f"BEGIN IMMEDIATE;\n{sql};\n"
                f"INSERT INTO schema_version (version, applied_at) VALUES ({number}, '{now}');\n"
                "COMMIT;"
            )
        except sqlite3.Error as e:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise ConfigError(f"migration {number} of {path} failed: {e}") from None
        current = number
    return int(current)
