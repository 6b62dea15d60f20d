"""argoapp's database schema, as numbered migrations applied in order.

`store.Store.start` applies every migration newer than the database's `schema_version`, each in
its own transaction together with the row recording it. Adding a table or an index is one new
`(number, sql)` entry at the end of `MIGRATIONS`; an entry that has shipped is never edited
(a database that already ran it would not run it again). Nothing here opens a database.
"""

from __future__ import annotations

# The bookkeeping table itself is made before any migration runs.
SCHEMA_VERSION_TABLE = """
CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER PRIMARY KEY,
    applied_at TEXT NOT NULL
)
"""

MIGRATIONS: list[tuple[int, str]] = [
    (
        1,
        """
        -- Argo's nodeStatusOffLoad: status.nodes of workflows too big for the API object,
        -- one row per (workflow uid, content version); the object keeps only the version.
        CREATE TABLE offloaded_nodes (
            uid TEXT NOT NULL,
            version TEXT NOT NULL,
            nodes TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (uid, version)
        );
        """,
    ),
    (
        2,
        """
        -- Offloaded nodes one row per node and version in which it changed (body NULL: the
        -- node was removed then), so that a write stores what changed, not every node; the
        -- newest version of each workflow, and the oldest still readable after pruning.
        CREATE TABLE offloaded_node_rows (
            uid TEXT NOT NULL,
            node_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            body TEXT,
            PRIMARY KEY (uid, node_id, seq)
        );
        CREATE TABLE offloaded_node_seqs (
            uid TEXT PRIMARY KEY,
            seq INTEGER NOT NULL,
            pruned INTEGER NOT NULL DEFAULT 0,
            updated_at TEXT NOT NULL
        );
        """,
    ),
    (
        3,
        """
        -- The workflow archive (Argo's persistence.archive): one row per finished workflow,
        -- newest first by sort_key (finishedAt, else creationTimestamp; fixed-width UTC text).
        -- summary is what lists show; workflow the whole object with its nodes.
        CREATE TABLE archived_workflows (
            uid TEXT PRIMARY KEY,
            namespace TEXT NOT NULL,
            name TEXT NOT NULL,
            phase TEXT NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT NOT NULL,
            created_at TEXT NOT NULL,
            sort_key TEXT NOT NULL,
            summary TEXT NOT NULL,
            workflow TEXT NOT NULL
        );
        CREATE INDEX archived_workflows_order ON archived_workflows (sort_key, uid);
        CREATE INDEX archived_workflows_namespace ON archived_workflows (namespace, sort_key, uid);
        CREATE INDEX archived_workflows_name ON archived_workflows (name);
        -- Labels one row each, with the order key copied in: a selector term key=value walks
        -- (key, value, sort_key, uid) in list order; other terms probe (uid, key).
        CREATE TABLE archived_workflow_labels (
            uid TEXT NOT NULL REFERENCES archived_workflows (uid) ON DELETE CASCADE,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            sort_key TEXT NOT NULL,
            PRIMARY KEY (uid, key)
        ) WITHOUT ROWID;
        CREATE INDEX archived_workflow_labels_select
            ON archived_workflow_labels (key, value, sort_key, uid);
        """,
    ),
]


def latest() -> int:
    """The schema version this program writes."""
    return max(number for number, _ in MIGRATIONS)


def check_order() -> None:
    """Migrations must be numbered 1, 2, 3… with no gap or repeat (a programming error)."""
    numbers = [number for number, _ in MIGRATIONS]
    if numbers != list(range(1, len(numbers) + 1)):
        raise RuntimeError(f"store migrations are misnumbered: {numbers}")
