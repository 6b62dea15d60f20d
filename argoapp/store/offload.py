"""Offloaded node status: the SQL behind `Store.save_nodes` and friends.

Argo moves `status.nodes` out of a Workflow that would exceed the API's object size limit and
leaves `status.offloadNodeStatusVersion` in its place. argoapp keeps one row per node and
version in which the node changed (`offloaded_node_rows`, a NULL body for a node removed then),
and numbers each workflow's versions (`seq-N`): a version is, for every node, its newest row
at or below N. A save given the version it builds on (and that version's nodes) writes only the
nodes that differ, so a write costs what changed, not the size of the workflow; saving nodes
equal to the base returns the base's version and writes nothing. Pruning drops the rows that a
version has superseded, and the versions before it can no longer be read. Versions of the
first schema (`sha256-…`, one JSON document each in `offloaded_nodes`) are still read and
deleted.

These functions run on the store's database thread (JSON encoding included, to keep it off the
event loop); they must not be called from the loop directly.
"""

from __future__ import annotations

import datetime
import json
import sqlite3
from collections.abc import Iterable
from typing import Any

import orjson

from argoapp.model.types import Obj

SEQ_PREFIX = "seq-"
LEGACY_PREFIX = "sha256-"

Base = tuple[str, Obj]  # a stored version and its nodes, as the caller holds them


def save(
    conn: sqlite3.Connection, uid: str, nodes: Obj, base: Base | None
) -> tuple[str, list[str]]:
    """Store `nodes` as a new version of the workflow's nodes, writing what differs from `base`.

    Returns the version and the ids of the nodes written (for `prune`); with nothing changed,
    `base`'s version and no ids.
    """
    base_seq = _seq(base[0]) if base is not None else None
    if base is not None and base_seq is not None and base_seq == _current_seq(conn, uid):
        old = base[1]
        # Nodes the engine did not touch are the very objects of the base: `is` settles
        # those without comparing their fields.
        changed = [k for k, v in nodes.items() if (o := old.get(k)) is not v and o != v]
        removed = [k for k in old if k not in nodes]
    else:  # no usable base: every node, and a tombstone for each stored node that is gone
        changed = list(nodes)
        stored = conn.execute(
            "SELECT DISTINCT node_id FROM offloaded_node_rows WHERE uid = ?", (uid,)
        )
        removed = [node_id for (node_id,) in stored if node_id not in nodes]
    if base is not None and base_seq is not None and not changed and not removed:
        return base[0], []
    seq = (_current_seq(conn, uid) or 0) + 1
    rows: list[tuple[str, str, int, str | None]] = [
        (uid, k, seq, _encode(nodes[k])) for k in changed
    ]
    rows += [(uid, k, seq, None) for k in removed]
    conn.executemany(
        "INSERT OR REPLACE INTO offloaded_node_rows (uid, node_id, seq, body) VALUES (?, ?, ?, ?)",
        rows,
    )
    conn.execute(
        "INSERT INTO offloaded_node_seqs (uid, seq, updated_at) VALUES (?, ?, ?) "
        "ON CONFLICT (uid) DO UPDATE SET seq = excluded.seq, updated_at = excluded.updated_at",
        (uid, seq, _now()),
    )
    return f"{SEQ_PREFIX}{seq}", [*changed, *removed]


def load(conn: sqlite3.Connection, uid: str, version: str) -> Obj | None:
    """The nodes of (uid, version), or None when that version is not (or no longer) stored."""
    if version.startswith(LEGACY_PREFIX):
        return _load_legacy(conn, uid, version)
    seq = _seq(version)
    found = conn.execute(
        "SELECT seq, pruned FROM offloaded_node_seqs WHERE uid = ?", (uid,)
    ).fetchone()
    if seq is None or found is None or not found[1] <= seq <= found[0]:
        return None  # unknown, or older than what pruning kept (its rows may be gone)
    rows = conn.execute(
        "SELECT node_id, body, seq FROM offloaded_node_rows r WHERE uid = ? AND seq = "
        "(SELECT MAX(seq) FROM offloaded_node_rows WHERE uid = r.uid AND node_id = r.node_id "
        "AND seq <= ?)",
        (uid, seq),
    ).fetchall()
    parts = [f"{json.dumps(node_id)}:{body}" for node_id, body, _ in rows if body is not None]
    nodes = json.loads("{" + ",".join(parts) + "}")
    return nodes if isinstance(nodes, dict) else None


def prune(
    conn: sqlite3.Connection, uid: str, keep_version: str, node_ids: Iterable[str] | None = None
) -> None:
    """Drop what no version from `keep_version` on needs: rows superseded at or below it (of
    `node_ids` only, when given: the nodes the save wrote), and first-schema versions."""
    conn.execute("DELETE FROM offloaded_nodes WHERE uid = ? AND version != ?", (uid, keep_version))
    keep = _seq(keep_version)
    if keep is None:
        return
    conn.execute(
        "UPDATE offloaded_node_seqs SET pruned = MAX(pruned, ?) WHERE uid = ?", (keep, uid)
    )
    superseded = (
        "DELETE FROM offloaded_node_rows WHERE uid = ? AND node_id = ? AND seq < "
        "(SELECT MAX(seq) FROM offloaded_node_rows WHERE uid = ? AND node_id = ? AND seq <= ?)"
    )
    gone = (
        "DELETE FROM offloaded_node_rows WHERE uid = ? AND node_id = ? AND seq <= ? AND "
        "(SELECT body FROM offloaded_node_rows WHERE uid = ? AND node_id = ? AND seq <= ? "
        "ORDER BY seq DESC LIMIT 1) IS NULL"
    )
    if node_ids is None:
        node_ids = [
            n
            for (n,) in conn.execute(
                "SELECT DISTINCT node_id FROM offloaded_node_rows WHERE uid = ?", (uid,)
            )
        ]
    for node_id in node_ids:
        conn.execute(superseded, (uid, node_id, uid, node_id, keep))
        conn.execute(gone, (uid, node_id, keep, uid, node_id, keep))


def delete(conn: sqlite3.Connection, uid: str) -> None:
    conn.execute("DELETE FROM offloaded_nodes WHERE uid = ?", (uid,))
    conn.execute("DELETE FROM offloaded_node_rows WHERE uid = ?", (uid,))
    conn.execute("DELETE FROM offloaded_node_seqs WHERE uid = ?", (uid,))


def versions(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """Every workflow with stored nodes and its newest version, oldest update first."""
    rows = conn.execute(
        "SELECT uid, version, updated_at FROM offloaded_nodes UNION ALL "
        f"SELECT uid, '{SEQ_PREFIX}' || seq, updated_at FROM offloaded_node_seqs "
        "ORDER BY updated_at, uid"
    )
    return [(uid, version) for uid, version, _ in rows]


def _load_legacy(conn: sqlite3.Connection, uid: str, version: str) -> Obj | None:
    row = conn.execute(
        "SELECT nodes FROM offloaded_nodes WHERE uid = ? AND version = ?", (uid, version)
    ).fetchone()
    if row is None:
        return None
    nodes = json.loads(row[0])
    return nodes if isinstance(nodes, dict) else None


def _current_seq(conn: sqlite3.Connection, uid: str) -> int | None:
    row = conn.execute("SELECT seq FROM offloaded_node_seqs WHERE uid = ?", (uid,)).fetchone()
    return int(row[0]) if row else None


def _seq(version: str) -> int | None:
    if not version.startswith(SEQ_PREFIX):
        return None
    try:
        return int(version.removeprefix(SEQ_PREFIX))
    except ValueError:
        return None


def _encode(node: Any) -> str:
    """A node's JSON text, by orjson (the step group of a 2,000-item loop lists 2,000 children
    and changes with each: ten times `json.dumps`' speed); `json` writes what orjson refuses.
    `load` reads it back with `json.loads`, as it would `json.dumps`' text (no node holds NaN:
    workflows come through the API, which refuses it)."""
    try:
        return orjson.dumps(node).decode()
    except TypeError:
        return json.dumps(node, separators=(",", ":"))


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
