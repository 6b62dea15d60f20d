"""The workflow archive: finished workflows kept in SQLite, and the SQL behind `Store.archive_*`.

The Store API (coroutines on `argoapp.store.Store`, each one transaction; reads on the store's
reader thread, writes on its writer thread):

- `archive_put(wf)`: store (or replace, by `metadata.uid`) a finished workflow, with
  `status.nodes` already restored by the caller; one transaction, labels included.
- `archive_get(uid)`: the whole workflow, or None.
- `archive_list(query, limit, continue_token)` -> `(items, continue)`: newest first (by
  `status.finishedAt`, `metadata.creationTimestamp` for a workflow without one; then uid), items
  are summaries as Argo's archive lists them (metadata, and the status without nodes);
  `continue` is "" on the last page. Pages are keyset, never OFFSET.
- `archive_count(query)`: how many match (`query.after` counts only those after a position).
- `archive_delete(uid)` -> bool, `archive_label_keys(namespace)`,
  `archive_label_values(key, namespace)` (all namespaces when ""), `archive_expire(before)`
  -> rows deleted (archiveTTL, in batches), `archive_has(uids)` -> those archived.

`ArchiveQuery` holds what Argo's `listOptions` and `nameFilter` say: namespace, a parsed label
selector (`archive_selector`), name (Exact, Prefix, Contains, NotEquals), name prefix, phases,
startedAt and finishedAt/creationTimestamp bounds, and uids to leave out (the live ones, when
the server merges). Labels live in their own table with the order key copied in, so a selector
with an `=` term walks the `(key, value, sort_key, uid)` index in list order and stops after
one page; other terms are primary-key probes. These functions run on the database thread; they
know the Workflow JSON only as far as the columns need.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from argoapp.errors import ArgoappError
from argoapp.model.types import Obj
from argoapp.store.archive_selector import Requirement

_STATUS_SUMMARY = ("phase", "startedAt", "finishedAt", "estimatedDuration", "progress", "message")
_SMALL_SET = 5000  # label rows below which a count tests a term as a set, not by probes
_META_SUMMARY = ("name", "namespace", "uid", "creationTimestamp", "labels", "annotations")


class ArchiveError(ArgoappError):
    """A workflow the archive cannot take, or a continue token it did not write."""


@dataclass(frozen=True)
class ArchiveQuery:
    """Which archived workflows a list or count wants."""

    namespace: str = ""
    selector: tuple[Requirement, ...] = ()
    name: str = ""
    name_filter: str = ""  # Exact (also ""), Prefix, Contains, NotEquals
    name_prefix: str = ""
    phases: tuple[str, ...] = ()
    min_started: datetime | None = None  # exclusive, as Argo's spec.startedAt>
    max_started: datetime | None = None  # exclusive, as spec.startedAt<
    created_after: datetime | None = None
    finished_after: datetime | None = None
    finished_before: datetime | None = None
    exclude_uids: frozenset[str] = field(default_factory=frozenset)
    after: tuple[str, str] | None = None  # a (sort key, uid) position: only rows past it


def stamp(value: object) -> str:
    """A timestamp as the archive compares them (UTC, fixed width), "" when missing."""
    if isinstance(value, datetime):
        t = value
    elif isinstance(value, str) and value:
        try:
            t = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return ""
    else:
        return ""
    t = t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def sort_key(wf: Obj) -> str:
    """Where a workflow stands in the archive's order (newest first)."""
    status, meta = wf.get("status") or {}, wf.get("metadata") or {}
    return stamp(status.get("finishedAt")) or stamp(meta.get("creationTimestamp"))


def summary(wf: Obj) -> Obj:
    """What a list shows of a workflow: Argo's archive lists metadata and the status' headline."""
    meta, status = wf.get("metadata") or {}, wf.get("status") or {}
    spec = {"suspend": True} if (wf.get("spec") or {}).get("suspend") else {}
    return {
        "metadata": {k: meta[k] for k in _META_SUMMARY if k in meta},
        "spec": spec,  # clients' models require one (Hera's Workflow does)
        "status": {k: status[k] for k in _STATUS_SUMMARY if k in status},
    }


def encode_position(key: str, uid: str) -> str:
    """A continue token for the position of the row (key, uid)."""
    raw = json.dumps([key, uid], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_position(token: str) -> tuple[str, str]:
    """The position in a continue token; a token not written here is an ArchiveError."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        key, uid = json.loads(raw)
    except (binascii.Error, ValueError, TypeError):
        raise ArchiveError(f"invalid continue token {token!r}") from None
    if not isinstance(key, str) or not isinstance(uid, str):
        raise ArchiveError(f"invalid continue token {token!r}")
    return key, uid


# --- writes ---


def put(conn: sqlite3.Connection, wf: Obj) -> None:
    """Store `wf` (replacing an earlier copy with its uid), its labels with it."""
    meta, status = wf.get("metadata") or {}, wf.get("status") or {}
    uid = meta.get("uid")
    if not isinstance(uid, str) or not uid:
        raise ArchiveError("a workflow without metadata.uid cannot be archived")
    key = sort_key(wf)
    conn.execute("DELETE FROM archived_workflow_labels WHERE uid = ?", (uid,))
    conn.execute(
        "INSERT INTO archived_workflows (uid, namespace, name, phase, started_at, finished_at, "
        "created_at, sort_key, summary, workflow) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (uid) DO UPDATE SET namespace = excluded.namespace, name = excluded.name, "
        "phase = excluded.phase, started_at = excluded.started_at, "
        "finished_at = excluded.finished_at, created_at = excluded.created_at, "
        "sort_key = excluded.sort_key, summary = excluded.summary, workflow = excluded.workflow",
        (
            uid,
            str(meta.get("namespace") or ""),
            str(meta.get("name") or ""),
            str(status.get("phase") or ""),
            stamp(status.get("startedAt")),
            stamp(status.get("finishedAt")),
            stamp(meta.get("creationTimestamp")),
            key,
            _dumps(summary(wf)),
            _dumps(wf),
        ),
    )
    labels = meta.get("labels") or {}
    conn.executemany(
        "INSERT INTO archived_workflow_labels (uid, key, value, sort_key) VALUES (?, ?, ?, ?)",
        [(uid, str(k), str(v), key) for k, v in labels.items()],
    )


def delete(conn: sqlite3.Connection, uid: str) -> bool:
    """Delete one archived workflow (its labels go with it); False when there was none."""
    return conn.execute("DELETE FROM archived_workflows WHERE uid = ?", (uid,)).rowcount > 0


def expire(conn: sqlite3.Connection, before: datetime, limit: int) -> int:
    """Delete up to `limit` of the oldest workflows that finished before `before` (archiveTTL);
    how many went. The caller repeats it, one transaction per batch."""
    return conn.execute(
        "DELETE FROM archived_workflows WHERE uid IN (SELECT uid FROM archived_workflows "
        "WHERE sort_key < ? ORDER BY sort_key, uid LIMIT ?)",
        (stamp(before), int(limit)),
    ).rowcount


# --- reads ---


def get(conn: sqlite3.Connection, uid: str) -> Obj | None:
    row = conn.execute("SELECT workflow FROM archived_workflows WHERE uid = ?", (uid,)).fetchone()
    return json.loads(row[0]) if row else None


def has(conn: sqlite3.Connection, uids: list[str]) -> set[str]:
    """Those of `uids` that are archived."""
    rows = conn.execute(
        "SELECT uid FROM archived_workflows WHERE uid IN (SELECT value FROM json_each(?))",
        (json.dumps(uids),),
    )
    return {uid for (uid,) in rows}


def list_page(
    conn: sqlite3.Connection, query: ArchiveQuery, limit: int, token: str = ""
) -> tuple[list[Obj], str]:
    """One page of summaries, newest first, and the continue token of the next ("" if none)."""
    if token:
        query = _with_after(query, decode_position(token))
    sql, params = _select(query, "w.summary, w.sort_key, w.uid", count=False)
    if limit > 0:
        sql += f" LIMIT {int(limit) + 1}"
    rows = conn.execute(sql, params).fetchall()
    more = limit > 0 and len(rows) > limit
    rows = rows[:limit] if limit > 0 else rows
    items = [json.loads(r[0]) for r in rows]
    return items, encode_position(rows[-1][1], rows[-1][2]) if more else ""


def list_rows(
    conn: sqlite3.Connection, query: ArchiveQuery, limit: int
) -> list[tuple[str, str, Obj]]:
    """Up to `limit` (0: all) matches as (sort key, uid, summary), newest first (for merging)."""
    sql, params = _select(query, "w.summary, w.sort_key, w.uid", count=False)
    if limit > 0:
        sql += f" LIMIT {int(limit)}"
    return [(r[1], r[2], json.loads(r[0])) for r in conn.execute(sql, params)]


def count(conn: sqlite3.Connection, query: ArchiveQuery) -> int:
    # A count visits every match, so a term whose own rows are few is cheaper as one set
    # built once than as a probe per match (a 1-in-1000 `!rare` over 60,000 matches: 12 ms
    # instead of 75); a term with many rows stays a probe.
    driver = _driver(query, True)
    small = frozenset(
        r for r in query.selector if r is not driver and _rows_at_most(conn, r, _SMALL_SET)
    )
    sql, params = _select(query, "COUNT(*)", count=True, as_sets=small)
    return int(conn.execute(sql, params).fetchone()[0])


def _rows_at_most(conn: sqlite3.Connection, req: Requirement, limit: int) -> bool:
    """Whether at most `limit` label rows back the term `req` (reads at most limit + 1)."""
    sql, params = _term_rows(req)
    found = conn.execute(f"SELECT COUNT(*) FROM ({sql} LIMIT {limit + 1})", params).fetchone()
    return int(found[0]) <= limit


def _term_rows(req: Requirement) -> tuple[str, list[Any]]:
    """The uids of the label rows a term is about (present, or with one of its values)."""
    if req.op in ("exists", "!exists"):
        return "SELECT uid FROM archived_workflow_labels WHERE key = ?", [req.key]
    marks = ",".join("?" * len(req.values))
    sql = f"SELECT uid FROM archived_workflow_labels WHERE key = ? AND value IN ({marks})"
    return sql, [req.key, *req.values]


def label_keys(conn: sqlite3.Connection, namespace: str = "") -> list[str]:
    """Every label key in the archive (of workflows in `namespace`, when given), sorted (one
    index seek per distinct key, and with a namespace one probe for a workflow of it)."""
    in_namespace = (
        " AND EXISTS (SELECT 1 FROM archived_workflow_labels l CROSS JOIN archived_workflows w "
        "ON w.uid = l.uid WHERE l.key = k.key AND w.namespace = ?1)"
        if namespace
        else ""
    )
    rows = conn.execute(
        "WITH RECURSIVE k(key) AS (SELECT MIN(key) FROM archived_workflow_labels UNION ALL "
        "SELECT (SELECT MIN(key) FROM archived_workflow_labels WHERE key > k.key) FROM k "
        f"WHERE k.key IS NOT NULL) SELECT key FROM k WHERE key IS NOT NULL{in_namespace}",
        (namespace,) if namespace else (),
    )
    return [key for (key,) in rows]


def label_values(conn: sqlite3.Connection, key: str, namespace: str = "") -> list[str]:
    """Every value the label `key` has in the archive (in `namespace`, when given), sorted
    (one index seek per distinct value, and with a namespace one probe for a workflow of it)."""
    in_namespace = (
        " AND EXISTS (SELECT 1 FROM archived_workflow_labels l CROSS JOIN archived_workflows w "
        "ON w.uid = l.uid WHERE l.key = ?1 AND l.value = v.value AND w.namespace = ?2)"
        if namespace
        else ""
    )
    rows = conn.execute(
        "WITH RECURSIVE v(value) AS (SELECT MIN(value) FROM archived_workflow_labels "
        "WHERE key = ?1 UNION ALL SELECT (SELECT MIN(value) FROM archived_workflow_labels "
        "WHERE key = ?1 AND value > v.value) FROM v WHERE v.value IS NOT NULL) "
        f"SELECT value FROM v WHERE value IS NOT NULL{in_namespace}",
        (key, namespace) if namespace else (key,),
    )
    return [value for (value,) in rows]


# --- the query builder ---


def _with_after(query: ArchiveQuery, after: tuple[str, str]) -> ArchiveQuery:
    return dataclasses.replace(query, after=after)


def _driver(query: ArchiveQuery, count: bool) -> Requirement | None:
    """The label term whose index gives the rows in list order: an `=` (or one-value `in`);
    for a count, whose order does not matter, any `in`."""
    for req in query.selector:
        if req.op in ("=", "in") and (len(req.values) == 1 or count):
            return req
    return None


def _select(
    query: ArchiveQuery,
    columns: str,
    *,
    count: bool,
    as_sets: frozenset[Requirement] = frozenset(),
) -> tuple[str, list[Any]]:
    driver = _driver(query, count)
    where, params = _row_conditions(query)
    probes, probe_params = _label_probes(query, driver, as_sets)
    values: list[Any]
    if driver is None:
        order_from = "w"
        sql = f"SELECT {columns} FROM archived_workflows w"
        conds, values = where, params
    else:
        order_from = "d"
        conds = ["d.key = ?", f"d.value IN ({','.join('?' * len(driver.values))})"]
        values = [driver.key, *driver.values]
        if where or not count:
            sql = (
                f"SELECT {columns} FROM archived_workflow_labels d "
                "CROSS JOIN archived_workflows w ON w.uid = d.uid"
            )
            conds, values = conds + where, values + params
        else:  # a count with label terms only need not read the workflows' rows
            sql = f"SELECT {columns} FROM archived_workflow_labels d"
    if query.after is not None:
        conds.append(f"({order_from}.sort_key, {order_from}.uid) < (?, ?)")
        values += list(query.after)
    conds += [p.replace("{uid}", f"{order_from}.uid") for p in probes]
    values += probe_params
    if conds:
        sql += " WHERE " + " AND ".join(conds)
    if not count:
        sql += f" ORDER BY {order_from}.sort_key DESC, {order_from}.uid DESC"
    return sql, values


def _row_conditions(q: ArchiveQuery) -> tuple[list[str], list[Any]]:
    """Conditions on the archived_workflows row `w`."""
    conds: list[str] = []
    params: list[Any] = []
    if q.namespace:
        conds.append("w.namespace = ?")
        params.append(q.namespace)
    if q.name:
        how = q.name_filter or "Exact"
        if how == "Prefix":
            conds.append("substr(w.name, 1, ?) = ?")
            params += [len(q.name), q.name]
        elif how == "Contains":
            conds.append("instr(w.name, ?) > 0")
            params.append(q.name)
        elif how == "NotEquals":
            conds.append("w.name != ?")
            params.append(q.name)
        else:
            conds.append("w.name = ?")
            params.append(q.name)
    if q.name_prefix:
        conds.append("substr(w.name, 1, ?) = ?")
        params += [len(q.name_prefix), q.name_prefix]
    if q.phases:
        conds.append(f"w.phase IN ({','.join('?' * len(q.phases))})")
        params += list(q.phases)
    if q.min_started is not None:
        conds.append("w.started_at > ?")
        params.append(stamp(q.min_started))
    if q.max_started is not None:
        conds.append("w.started_at != '' AND w.started_at < ?")
        params.append(stamp(q.max_started))
    if q.created_after is not None:
        conds.append("w.created_at > ?")
        params.append(stamp(q.created_after))
    if q.finished_after is not None:
        conds.append("w.finished_at > ?")
        params.append(stamp(q.finished_after))
    if q.finished_before is not None:
        conds.append("w.finished_at != '' AND w.finished_at < ?")
        params.append(stamp(q.finished_before))
    if q.exclude_uids:
        conds.append("w.uid NOT IN (SELECT value FROM json_each(?))")
        params.append(json.dumps(sorted(q.exclude_uids)))
    return conds, params


def _label_probes(
    q: ArchiveQuery, driver: Requirement | None, as_sets: frozenset[Requirement]
) -> tuple[list[str], list[Any]]:
    """A condition per selector term (but the driving one): a primary-key probe of the labels
    table, or for the terms in `as_sets` a membership test in the set of their uids, built
    once. `{uid}` stands for the uid column of the row being tested."""
    conds: list[str] = []
    params: list[Any] = []
    probe = "EXISTS (SELECT 1 FROM archived_workflow_labels l WHERE l.uid = {uid} AND l.key = ?"
    for req in q.selector:
        if req is driver:
            continue
        negate = "NOT " if req.op in ("!=", "notin", "!exists") else ""
        if req in as_sets:
            sql, values = _term_rows(req)
            conds.append(f"{{uid}} {negate}IN ({sql})")
            params += values
        elif req.op in ("exists", "!exists"):
            conds.append(f"{negate}{probe})")
            params.append(req.key)
        else:
            marks = ",".join("?" * len(req.values))
            conds.append(f"{negate}{probe} AND l.value IN ({marks}))")
            params += [req.key, *req.values]
    return conds, params


def _dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
