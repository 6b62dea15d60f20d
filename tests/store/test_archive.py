"""The workflow archive in the store: round trips, selectors, keyset pages, counts, TTL expiry,
label keys and values, and upgrading a database made before the archive existed."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from argoapp.store import (
    ArchiveError,
    ArchiveQuery,
    SelectorError,
    Store,
    migrations,
    parse_selector,
)
from argoapp.store import archive as sql


def wf(i: int, **labels: str) -> dict[str, Any]:
    """Workflow i finished at minute i of 2026-01-01 (so a higher i is newer)."""
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {
            "name": f"wf-{i:03d}",
            "namespace": "argo" if i % 2 else "default",
            "uid": f"uid-{i:03d}",
            "creationTimestamp": f"2026-01-01T00:{i:02d}:00Z",
            "labels": {"workflows.argoproj.io/phase": "Succeeded", **labels},
        },
        "spec": {"entrypoint": "main"},
        "status": {
            "phase": "Failed" if i % 5 == 0 else "Succeeded",
            "startedAt": f"2026-01-01T00:{i:02d}:00Z",
            "finishedAt": f"2026-01-01T00:{i:02d}:30Z",
            "progress": "1/1",
            "nodes": {f"wf-{i:03d}": {"id": f"wf-{i:03d}", "phase": "Succeeded"}},
        },
    }


def q(selector: str = "", **kw: Any) -> ArchiveQuery:
    return ArchiveQuery(selector=tuple(parse_selector(selector)), **kw)


def names(items: list[dict[str, Any]]) -> list[str]:
    return [item["metadata"]["name"] for item in items]


async def fill(store: Store, count: int = 20) -> None:
    for i in range(count):
        await store.archive_put(
            wf(
                i,
                app="web" if i % 3 == 0 else "db",
                tier=f"t{i % 4}",
                **({"x": "1"} if i < 5 else {}),
            )
        )


async def test_put_get_replace_delete(store: Store) -> None:
    await store.archive_put(wf(1))
    got = await store.archive_get("uid-001")
    assert got == wf(1)  # the whole workflow, nodes included
    changed = wf(1, extra="yes")
    await store.archive_put(changed)
    assert await store.archive_get("uid-001") == changed
    assert await store.archive_count(q()) == 1  # replaced, not duplicated
    assert await store.archive_label_values("extra") == ["yes"]
    assert await store.archive_delete("uid-001") is True
    assert await store.archive_delete("uid-001") is False
    assert await store.archive_get("uid-001") is None
    assert await store.archive_label_keys() == []  # labels went with the row


async def test_list_items_are_summaries_newest_first(store: Store) -> None:
    await fill(store, 3)
    items, token = await store.archive_list(q())
    assert token == ""
    assert names(items) == ["wf-002", "wf-001", "wf-000"]
    first = items[0]
    assert first["metadata"] == {
        "name": "wf-002",
        "namespace": "default",
        "uid": "uid-002",
        "creationTimestamp": "2026-01-01T00:02:00Z",
        "labels": {
            "workflows.argoproj.io/phase": "Succeeded",
            "app": "db",
            "tier": "t2",
            "x": "1",
        },
    }
    assert first["status"] == {
        "phase": "Succeeded",
        "startedAt": "2026-01-01T00:02:00Z",
        "finishedAt": "2026-01-01T00:02:30Z",
        "progress": "1/1",
    }
    assert first["spec"] == {}


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("app=web", [18, 15, 12, 9, 6, 3, 0]),
        ("app==web,tier=t2", [18, 6]),
        ("app=web,tier!=t2", [15, 12, 9, 3, 0]),
        ("tier in (t1,t3)", [19, 17, 15, 13, 11, 9, 7, 5, 3, 1]),
        ("app=db,tier notin (t0,t1,t2)", [19, 11, 7]),
        ("x", [4, 3, 2, 1, 0]),
        ("!x,app=web", [18, 15, 12, 9, 6]),
        ("x,tier=t0", [4, 0]),
        ("nothere!=1,tier=t3", [19, 15, 11, 7, 3]),
        ("nothere=1", []),
    ],
)
async def test_label_selectors(store: Store, selector: str, expected: list[int]) -> None:
    await fill(store)
    items, _ = await store.archive_list(q(selector))
    assert names(items) == [f"wf-{i:03d}" for i in expected]
    assert await store.archive_count(q(selector)) == len(expected)


async def test_field_filters(store: Store) -> None:
    await fill(store)
    assert names((await store.archive_list(q(namespace="argo", name_prefix="wf-01")))[0]) == [
        "wf-019",
        "wf-017",
        "wf-015",
        "wf-013",
        "wf-011",
    ]
    assert names((await store.archive_list(q(name="wf-007")))[0]) == ["wf-007"]
    assert names((await store.archive_list(q(name="wf-00", name_filter="Prefix")))[0]) == [
        f"wf-00{i}" for i in range(9, -1, -1)
    ]
    assert len((await store.archive_list(q(name="-01", name_filter="Contains")))[0]) == 10
    assert len((await store.archive_list(q(name="wf-007", name_filter="NotEquals")))[0]) == 19
    assert names((await store.archive_list(q(phases=("Failed",))))[0]) == [
        "wf-015",
        "wf-010",
        "wf-005",
        "wf-000",
    ]
    window = q(
        min_started=datetime(2026, 1, 1, 0, 3, tzinfo=UTC),
        max_started=datetime(2026, 1, 1, 0, 6, tzinfo=UTC),
    )
    assert names((await store.archive_list(window))[0]) == ["wf-005", "wf-004"]
    finished = q(finished_before=datetime(2026, 1, 1, 0, 2, tzinfo=UTC))
    assert names((await store.archive_list(finished))[0]) == ["wf-001", "wf-000"]
    late = q(finished_after=datetime(2026, 1, 1, 0, 18, tzinfo=UTC))
    assert names((await store.archive_list(late))[0]) == ["wf-019", "wf-018"]
    created = q(created_after=datetime(2026, 1, 1, 0, 17, tzinfo=UTC))
    assert names((await store.archive_list(created))[0]) == ["wf-019", "wf-018"]
    live = q("app=web", exclude_uids=frozenset({"uid-018", "uid-003"}))
    assert names((await store.archive_list(live))[0]) == [f"wf-{i:03d}" for i in (15, 12, 9, 6, 0)]
    assert await store.archive_count(live) == 5


@pytest.mark.parametrize("selector", ["", "app=db", "tier!=t0"])
async def test_pages_cover_everything_once_and_stay_stable(store: Store, selector: str) -> None:
    await fill(store)
    expected = names((await store.archive_list(q(selector)))[0])
    seen: list[str] = []
    items, token = await store.archive_list(q(selector), 3)
    seen += names(items)
    # A workflow archived between pages is newer than the position: no shift, no repeat.
    await store.archive_put(wf(40, app="db"))
    while token:
        assert len(items) == 3
        items, token = await store.archive_list(q(selector), 3, token)
        seen += names(items)
    assert seen == expected


async def test_count_after_a_position(store: Store) -> None:
    await fill(store, 10)
    _, token = await store.archive_list(q(), 4)
    after = sql.decode_position(token)
    assert await store.archive_count(q(after=after)) == 6


async def test_bad_tokens_and_selectors(store: Store) -> None:
    with pytest.raises(ArchiveError):
        await store.archive_list(q(), 5, "not-a-token")
    with pytest.raises(SelectorError):
        parse_selector("app in ()")
    with pytest.raises(SelectorError):
        parse_selector("bad key=1")
    with pytest.raises(ArchiveError):
        await store.archive_put({"metadata": {"name": "no-uid"}})


async def test_label_keys_and_values(store: Store) -> None:
    await fill(store, 8)
    assert await store.archive_label_keys() == ["app", "tier", "workflows.argoproj.io/phase", "x"]
    assert await store.archive_label_values("tier") == ["t0", "t1", "t2", "t3"]
    assert await store.archive_label_values("missing") == []


async def test_expire_deletes_what_finished_before(store: Store) -> None:
    await fill(store, 10)
    gone = await store.archive_expire(datetime(2026, 1, 1, 0, 4, tzinfo=UTC))
    assert gone == 4
    assert names((await store.archive_list(q()))[0])[-1] == "wf-004"
    assert await store.archive_count(q("app=web")) == 2  # labels of the expired went too
    assert await store.archive_label_values("x") == ["1"]


async def test_an_old_database_gains_the_archive(tmp_path: Path) -> None:
    path = tmp_path / "argoapp.db"
    # A database as the release before the archive left it: migrations 1 and 2, and data.
    with closing(sqlite3.connect(path)) as conn:
        conn.execute(migrations.SCHEMA_VERSION_TABLE)
        for number, script in migrations.MIGRATIONS[:2]:
            conn.executescript(script)
            conn.execute("INSERT INTO schema_version VALUES (?, 'then')", (number,))
        conn.commit()
    old = Store(path)
    await old.start()
    version, _ = await old.save_nodes("uid-x", {"n": {"phase": "Running"}})
    await old.close()
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("DELETE FROM schema_version WHERE version > 2")
        conn.execute("DROP TABLE archived_workflow_labels")
        conn.execute("DROP TABLE archived_workflows")
        conn.commit()
    s = Store(path)
    await s.start()
    try:
        assert s.schema_version == migrations.latest()
        assert await s.load_nodes("uid-x", version) == {"n": {"phase": "Running"}}
        await s.archive_put(wf(1))
        assert await s.archive_count(q()) == 1
    finally:
        await s.close()


@pytest.mark.parametrize(
    ("query", "index"),
    [
        (q("app=web,tier!=t2"), "archived_workflow_labels_select"),
        (q("app=web", namespace="argo"), "archived_workflow_labels_select"),
        (q("tier in (t1,t3),!x"), "archived_workflows_order"),
        (q(namespace="argo"), "archived_workflows_namespace"),
        (q(), "archived_workflows_order"),
    ],
)
async def test_pages_walk_an_index_in_list_order(
    store: Store, query: ArchiveQuery, index: str
) -> None:
    """A page reads rows in list order from an index and stops after the page: no sort of
    every match (what would make a page cost the size of the archive)."""
    text, params = sql._select(query, "w.summary", count=False)

    def plan(conn: sqlite3.Connection) -> str:
        rows = conn.execute(f"EXPLAIN QUERY PLAN {text} LIMIT 51", params).fetchall()
        return " | ".join(row[-1] for row in rows)

    found = await store.read(plan)
    assert index in found.split(" | ")[0], found
    assert "TEMP B-TREE" not in found, found


async def test_expiry_deletes_in_batches_letting_writes_in_between(store: Store) -> None:
    """archiveTTL over many rows is several short write transactions: a write asked for
    meanwhile is done before the expiry ends, not after it."""
    await fill(store, 30)
    done: list[str] = []

    async def expire() -> int:
        gone = await store.archive_expire(datetime(2026, 1, 1, 0, 25, tzinfo=UTC), batch=4)
        done.append("expire")
        return gone

    async def put() -> None:
        await store.archive_put(wf(59))
        done.append("put")

    gone, _ = await asyncio.gather(expire(), put())
    assert gone == 25
    assert done == ["put", "expire"]
    assert names((await store.archive_list(q()))[0]) == [
        "wf-059",
        "wf-029",
        "wf-028",
        "wf-027",
        "wf-026",
        "wf-025",
    ]
    assert await store.archive_label_values("x") == []  # their labels went with them


async def test_label_keys_and_values_of_one_namespace(store: Store) -> None:
    await fill(store, 8)  # odd i in argo, even in default; x=1 on 0..4, tier t0..t3
    await store.archive_put(wf(41, only="argo"))
    await store.archive_put(wf(42, solo="default"))
    assert await store.archive_label_keys("argo") == [
        "app",
        "only",
        "tier",
        "workflows.argoproj.io/phase",
        "x",
    ]
    assert await store.archive_label_keys("default") == [
        "app",
        "solo",
        "tier",
        "workflows.argoproj.io/phase",
        "x",
    ]
    assert await store.archive_label_keys("nowhere") == []
    assert "only" in await store.archive_label_keys()  # no namespace: every one
    assert await store.archive_label_values("tier", "argo") == ["t1", "t3"]
    assert await store.archive_label_values("tier", "default") == ["t0", "t2"]
    assert await store.archive_label_values("only", "default") == []
    assert await store.archive_label_values("tier") == ["t0", "t1", "t2", "t3"]
