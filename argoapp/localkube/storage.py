"""localkube's SQLite tables: objects, the event history watches replay, and the counter.

One connection on one dedicated thread: every read and write runs there, each call as if in a
transaction of its own, so the API semantics in `objects` can be written as plain synchronous
code over a `Tx`. Calls that arrive while the thread is busy are committed together (group
commit): one SQLite transaction with a savepoint per call, so a call that raises undoes only
its own changes. One trip to the thread and back for a batch, not for each call: each trip
costs GIL hand-offs and wake-ups, several times more CPU than a small write. WAL mode with
`synchronous=NORMAL` keeps every committed write through a `kill -9`.

The resourceVersion is one counter for all objects, kept in the `meta` table, so it keeps
increasing across restarts. Each write appends an event; the oldest events are compacted away
once more than `history` events or `history_bytes` of bodies are kept, and a watch from before
them gets 410 Gone. Each event also keeps what selectors saw of the object before the change.

Committed events are handed to `on_commit` on the event loop, in commit order.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from argoapp.errors import ConfigError
from argoapp.kube.jsontext import encode
from argoapp.localkube import selectors

T = TypeVar("T")
Obj = dict[str, Any]
# One call waiting for the storage thread, and how it went (result or error).
_Call = tuple[Callable[["Tx"], Any], "asyncio.Future[Any]"]
_Outcome = tuple["asyncio.Future[Any]", Any, BaseException | None]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    res TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,
    uid TEXT NOT NULL, rv INTEGER NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (res, namespace, name)
);
CREATE INDEX IF NOT EXISTS objects_uid ON objects (uid);
CREATE TABLE IF NOT EXISTS owners (
    owner_uid TEXT NOT NULL, res TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,
    PRIMARY KEY (owner_uid, res, namespace, name)
);
-- An object's own rows, found by the object when it changes owners or goes: without it each
-- such write scanned every row (every pod and task result a workflow owns).
CREATE INDEX IF NOT EXISTS owners_object ON owners (res, namespace, name);
CREATE TABLE IF NOT EXISTS events (
    rv INTEGER PRIMARY KEY, res TEXT NOT NULL, namespace TEXT NOT NULL,
    type TEXT NOT NULL, body TEXT NOT NULL, old TEXT, size INTEGER NOT NULL DEFAULT 0
);
-- What compaction sums and walks, apart from the bodies: summing `size` in the table read
-- every body (pods span overflow pages), 25 ms at 20,000 events, every 500 writes.
CREATE INDEX IF NOT EXISTS events_size ON events (rv, size);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


@dataclass(frozen=True)
class Event:
    """One committed change: what a watch sends, with the object before it for selectors."""

    rv: int
    res: str
    namespace: str
    type: str
    obj: Obj
    old: Obj | None = None


@dataclass
class Tx:
    """The operations of one transaction; `events` collects what it changed."""

    conn: sqlite3.Connection
    rv: int = 0  # the newest resourceVersion (kept here: read once per transaction)
    events: list[Event] = field(default_factory=list)

    def get(self, res: str, namespace: str, name: str) -> Obj | None:
        row = self.conn.execute(
            "SELECT body FROM objects WHERE res=? AND namespace=? AND name=?",
            (res, namespace, name),
        ).fetchone()
        return json.loads(row[0]) if row else None

    def by_uid(self, uid: str) -> tuple[str, Obj] | None:
        row = self.conn.execute("SELECT res, body FROM objects WHERE uid=?", (uid,)).fetchone()
        return (row[0], json.loads(row[1])) if row else None

    def scan(
        self, res: str, namespace: str | None, after: tuple[str, str] = ("", "")
    ) -> Iterator[Obj]:
        """Objects of `res` (in `namespace`, or all) ordered by namespace and name."""
        sql = "SELECT body FROM objects WHERE res=? AND (namespace, name) > (?, ?)"
        args: list[Any] = [res, *after]
        if namespace is not None:
            sql += " AND namespace=?"
            args.append(namespace)
        for (body,) in self.conn.execute(sql + " ORDER BY namespace, name", args):
            yield json.loads(body)

    def in_namespace(self, namespace: str) -> list[tuple[str, Obj]]:
        rows = self.conn.execute(
            "SELECT res, body FROM objects WHERE namespace=? ORDER BY res, name", (namespace,)
        )
        return [(res, json.loads(body)) for res, body in rows]

    def dependents(self, owner_uid: str) -> list[tuple[str, Obj]]:
        rows = self.conn.execute(
            "SELECT o.res, o.body FROM owners w JOIN objects o ON o.res=w.res "
            "AND o.namespace=w.namespace AND o.name=w.name WHERE w.owner_uid=?",
            (owner_uid,),
        )
        return [(res, json.loads(body)) for res, body in rows]

    def all_owned(self) -> list[tuple[str, Obj]]:
        rows = self.conn.execute(
            "SELECT DISTINCT o.res, o.body FROM owners w JOIN objects o ON o.res=w.res "
            "AND o.namespace=w.namespace AND o.name=w.name"
        )
        return [(res, json.loads(body)) for res, body in rows]

    def current_rv(self) -> int:
        return self.rv

    def compacted_through(self) -> int:
        row = self.conn.execute("SELECT value FROM meta WHERE key='compacted'").fetchone()
        return int(row[0]) if row else 0

    def _next_rv(self) -> int:
        self.rv += 1  # written to `meta` once, at the end of the transaction
        return self.rv

    def put(self, res: str, obj: Obj, old: Obj | None) -> Obj:
        """Insert or replace `obj`, stamping a new resourceVersion; records ADDED/MODIFIED."""
        meta = obj["metadata"]
        namespace, name = meta.get("namespace", ""), meta["name"]
        rv = self._next_rv()
        meta["resourceVersion"] = str(rv)
        body = encode(obj)
        self.conn.execute(
            "INSERT OR REPLACE INTO objects (res, namespace, name, uid, rv, body) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (res, namespace, name, meta["uid"], rv, body),
        )
        if _owners(obj) != (_owners(old) if old is not None else []):
            self._index_owners(res, namespace, name, obj)
        self._record(Event(rv, res, namespace, "MODIFIED" if old else "ADDED", obj, old), body)
        return obj

    def remove(self, res: str, obj: Obj) -> Obj:
        """Delete `obj` for good; records DELETED with the deletion's resourceVersion."""
        meta = obj["metadata"]
        namespace, name = meta.get("namespace", ""), meta["name"]
        self.conn.execute(
            "DELETE FROM objects WHERE res=? AND namespace=? AND name=?", (res, namespace, name)
        )
        self.conn.execute(
            "DELETE FROM owners WHERE res=? AND namespace=? AND name=?", (res, namespace, name)
        )
        rv = self._next_rv()
        meta["resourceVersion"] = str(rv)
        body = encode(obj)
        self._record(Event(rv, res, namespace, "DELETED", obj, obj), body)
        return obj

    def _index_owners(self, res: str, namespace: str, name: str, obj: Obj) -> None:
        self.conn.execute(
            "DELETE FROM owners WHERE res=? AND namespace=? AND name=?", (res, namespace, name)
        )
        for uid in _owners(obj):
            self.conn.execute(
                "INSERT OR IGNORE INTO owners VALUES (?, ?, ?, ?)", (uid, res, namespace, name)
            )

    def _record(self, event: Event, body: str) -> None:
        # What selectors saw before the change, so a replayed watch can tell an object that
        # stopped matching (DELETED) from one that still matches.
        old = None
        if event.old is not None:
            plural = event.res.split(".", 1)[0]
            old = encode(selectors.projection(event.old, plural))
        self.conn.execute(
            "INSERT INTO events (rv, res, namespace, type, body, old, size) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (event.rv, event.res, event.namespace, event.type, body, old, len(body)),
        )
        self.events.append(event)

    def events_after(self, rv: int, res: str, namespace: str | None) -> list[Event]:
        sql = "SELECT rv, res, namespace, type, body, old FROM events WHERE rv > ? AND res = ?"
        args: list[Any] = [rv, res]
        if namespace is not None:
            sql += " AND namespace = ?"
            args.append(namespace)
        rows = self.conn.execute(sql + " ORDER BY rv", args)
        return [
            Event(r[0], r[1], r[2], r[3], json.loads(r[4]), json.loads(r[5]) if r[5] else None)
            for r in rows
        ]


def _owners(obj: Obj) -> list[str]:
    """The uids `obj` names as owners (what the `owners` index holds for it)."""
    refs = obj["metadata"].get("ownerReferences") or []
    return [str(r["uid"]) for r in refs if isinstance(r, dict) and r.get("uid")]


class Storage:
    """The SQLite file of one localkube, used from one thread."""

    def __init__(
        self, path: Path, *, history: int = 20_000, history_bytes: int = 256 * 1024 * 1024
    ) -> None:
        self.path = path
        self.history = history
        self.history_bytes = history_bytes
        self.on_commit: Callable[[list[Event]], None] = lambda events: None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="localkube-db")
        self._queue: list[_Call] = []  # calls the storage thread has not taken yet
        self._draining = False  # a drain is submitted and has not seen the queue empty
        self._lock = threading.Lock()  # guards `_queue` and `_draining`
        self._conn: sqlite3.Connection | None = None
        self._rv: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def open(self) -> None:
        self._loop = asyncio.get_running_loop()
        await self._loop.run_in_executor(self._pool, self._open)

    def also_on_commit(self, observer: Callable[[list[Event]], None]) -> None:
        """Hand committed events to `observer` too, after whoever `on_commit` already calls."""
        previous = self.on_commit

        def both(events: list[Event]) -> None:
            previous(events)
            observer(events)

        self.on_commit = both

    def _open(self) -> None:
        try:
            # The database holds every Secret: only its owner may read it.
            os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
            os.chmod(self.path, 0o600)
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=5000")
            conn.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as e:
            reason = e.strerror if isinstance(e, OSError) else str(e)
            raise ConfigError(f"cannot open localkube's database {self.path}: {reason}") from None
        self._conn = conn

    async def close(self) -> None:
        if self._loop is not None and self._conn is not None:
            await self._loop.run_in_executor(self._pool, self._conn.close)
            self._conn = None
        self._pool.shutdown(wait=True)

    async def run(self, fn: Callable[[Tx], T]) -> T:
        """Run `fn` in a transaction of its own on the storage thread (committed with whatever
        else is waiting); its events are published on commit, before it returns."""
        if self._loop is None:
            raise RuntimeError("storage is not open")
        future: asyncio.Future[T] = self._loop.create_future()
        with self._lock:
            self._queue.append((fn, future))
            submit = not self._draining
            self._draining = True
        if submit:
            try:
                self._pool.submit(self._drain)
            except RuntimeError:  # closed: nothing will take the queue any more
                with self._lock:
                    self._queue.clear()
                    self._draining = False
                raise
        return await future

    def _drain(self) -> None:
        """On the storage thread: commit the waiting calls, a batch at a time, until none wait."""
        while True:
            with self._lock:
                batch, self._queue = self._queue, []
                if not batch:
                    self._draining = False
                    return
            outcomes, events = self._transact(batch)
            if self._loop is not None:
                # call_soon_threadsafe keeps FIFO order, so watchers see commit order.
                self._loop.call_soon_threadsafe(self._deliver, outcomes, events)

    def _deliver(self, outcomes: list[_Outcome], events: list[Event]) -> None:
        """On the loop: the batch's results, then its events. Both happen before anyone awaiting
        them runs, but the writers wake first: a writer that caches what it wrote (the
        controller) has it cached before its watch brings the event, which it can then skip."""
        for future, result, error in outcomes:
            if future.done():  # its caller was cancelled meanwhile
                continue
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(result)
        if events:
            self.on_commit(events)

    def _transact(self, batch: list[_Call]) -> tuple[list[_Outcome], list[Event]]:
        conn = self._conn
        if conn is None:
            error = RuntimeError("storage is closed")
            return [(future, None, error) for _fn, future in batch], []
        outcomes: list[_Outcome] = []
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as e:
            return [(future, None, e) for _fn, future in batch], []
        try:
            if self._rv is None:  # one process owns the file (localkube's lock): read it once
                row = conn.execute("SELECT value FROM meta WHERE key='rv'").fetchone()
                self._rv = int(row[0]) if row else 0
            done = Tx(conn, self._rv)  # every event of the batch, in order
            if len(batch) == 1:  # alone: its own transaction, no savepoint needed
                outcomes.append(self._alone(done, *batch[0]))
                if outcomes[0][2] is not None:
                    conn.execute("ROLLBACK")
                    return outcomes, []
            else:
                for fn, future in batch:
                    outcomes.append(self._one(conn, done, fn, future))
            if done.rv != self._rv:
                conn.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('rv', ?)", (done.rv,)
                )
            if done.events:
                self._compact(done)
            conn.execute("COMMIT")
        except BaseException as e:
            with contextlib.suppress(sqlite3.Error):  # SQLite may have rolled back already
                conn.execute("ROLLBACK")
            return [(future, None, e) for _fn, future in batch], []
        self._rv = done.rv
        return outcomes, done.events

    @staticmethod
    def _alone(done: Tx, fn: Callable[[Tx], Any], future: Any) -> _Outcome:
        """The only call of a batch: the transaction is its own (rolled back when it raises)."""
        try:
            return future, fn(done), None
        except Exception as e:
            return future, None, e

    @staticmethod
    def _one(conn: sqlite3.Connection, done: Tx, fn: Callable[[Tx], Any], future: Any) -> _Outcome:
        """One call of a batch, in a savepoint: its changes are undone when it raises."""
        conn.execute("SAVEPOINT one")
        tx = Tx(conn, done.rv)
        try:
            result = fn(tx)
        except Exception as e:
            conn.execute("ROLLBACK TO one")
            conn.execute("RELEASE one")
            return future, None, e
        conn.execute("RELEASE one")
        done.rv = tx.rv
        done.events.extend(tx.events)
        return future, result, None

    def _compact(self, tx: Tx) -> None:
        """Drop the oldest history past `history` events or `history_bytes` of bodies.

        Runs when a transaction crosses a multiple of 500 resourceVersions, so it costs
        nothing on most writes and still runs whatever size transactions are.
        """
        first, newest = tx.events[0].rv, tx.events[-1].rv
        if (first - 1) // 500 == newest // 500:
            return
        through = newest - self.history
        total = tx.conn.execute("SELECT COALESCE(SUM(size), 0) FROM events").fetchone()[0]
        if total > self.history_bytes:
            # Keep the newest events that fit in three quarters of the budget.
            kept, keep_from = 0, newest
            rows = tx.conn.execute("SELECT rv, size FROM events ORDER BY rv DESC").fetchall()
            for rv, size in rows:
                kept += size
                if kept > self.history_bytes * 3 // 4:
                    keep_from = rv
                    break
            through = max(through, keep_from)
        if through > tx.compacted_through():
            tx.conn.execute("DELETE FROM events WHERE rv <= ?", (through,))
            tx.conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('compacted', ?)", (through,)
            )
