"""Offloaded node status: the SQL behind `Store.save_nodes` and friends.

Argo moves `status.nodes` out of a Workflow that would exceed the API's object size limit and
leaves `status.offloadNodeStatusVersion` in its place. The version is a hash of the nodes' JSON
(keys sorted), so saving the same nodes twice gives the same version and one row. These
functions run on the store's database thread (JSON encoding and hashing included, to keep them
off the event loop); they must not be called from the loop directly.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import sqlite3

from argoapp.model.types import Obj

VERSION_PREFIX = "sha256-"


def version_of(encoded: str) -> str:
    """The content version of encoded nodes."""
    return VERSION_PREFIX + hashlib.sha256(encoded.encode()).hexdigest()[:32]


def encode(nodes: Obj) -> str:
    """Canonical JSON of the nodes: equal nodes always encode to equal text."""
    return json.dumps(nodes, sort_keys=True, separators=(",", ":"))


def save(conn: sqlite3.Connection, uid: str, nodes: Obj) -> str:
    encoded = encode(nodes)
    version = version_of(encoded)
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    conn.execute(
        "INSERT INTO offloaded_nodes (uid, version, nodes, updated_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (uid, version) DO UPDATE SET updated_at = excluded.updated_at",
        (uid, version, encoded, now),
    )
    return version


def load(conn: sqlite3.Connection, uid: str, version: str) -> Obj | None:
    row = conn.execute(
        "SELECT nodes FROM offloaded_nodes WHERE uid = ? AND version = ?", (uid, version)
    ).fetchone()
    if row is None:
        return None
    nodes = json.loads(row[0])
    return nodes if isinstance(nodes, dict) else None


def prune(conn: sqlite3.Connection, uid: str, keep_version: str) -> None:
    conn.execute("DELETE FROM offloaded_nodes WHERE uid = ? AND version != ?", (uid, keep_version))


def delete(conn: sqlite3.Connection, uid: str) -> None:
    conn.execute("DELETE FROM offloaded_nodes WHERE uid = ?", (uid,))


def versions(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """Every stored (uid, version), oldest update first."""
    rows = conn.execute("SELECT uid, version FROM offloaded_nodes ORDER BY updated_at, uid")
    return [(uid, version) for uid, version in rows]
