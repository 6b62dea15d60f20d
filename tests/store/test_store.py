"""Store: migrations, restarts, node offload round trips, refusing files it cannot use, and the
reader thread that keeps the API's queries from holding up the controller."""

from __future__ import annotations

import asyncio
import sqlite3
import stat
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from argoapp.errors import ConfigError
from argoapp.store import ArchiveQuery, Store, StoreError, migrations


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    s = Store(tmp_path / "argoapp.db")
    await s.start()
    yield s
    await s.close()


def applied(path: Path) -> list[int]:
    with sqlite3.connect(path) as conn:
        return [r[0] for r in conn.execute("SELECT version FROM schema_version ORDER BY version")]


async def test_migrations_run_once_and_are_recorded(tmp_path: Path) -> None:
    path = tmp_path / "argoapp.db"
    for _ in range(2):
        s = Store(path)
        await s.start()
        assert s.schema_version == migrations.latest()
        await s.close()
    assert applied(path) == [n for n, _ in migrations.MIGRATIONS]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_restart_keeps_nodes(tmp_path: Path) -> None:
    path = tmp_path / "argoapp.db"
    s = Store(path)
    await s.start()
    version, _ = await s.save_nodes("uid-1", {"n1": {"phase": "Running"}})
    await s.close()
    s = Store(path)
    await s.start()
    assert await s.load_nodes("uid-1", version) == {"n1": {"phase": "Running"}}
    await s.close()


async def test_ten_thousand_nodes_round_trip(store: Store) -> None:
    nodes = {
        f"wf-{i}": {"id": f"wf-{i}", "phase": "Succeeded", "children": [f"wf-{i + 1}"]}
        for i in range(10_000)
    }
    version, written = await store.save_nodes("big", nodes)
    assert version.startswith("seq-") and len(written) == 10_000
    assert await store.load_nodes("big", version) == nodes
    # The same content on top of the version it was read at is that version, nothing written.
    again = dict(reversed(list(nodes.items())))
    assert await store.save_nodes("big", again, (version, nodes)) == (version, [])


async def test_nodes_of_any_json_read_back_as_saved(store: Store) -> None:
    nodes = {
        "text": {"message": 'héllo ✓ \n\t\x01\x7f "quoted" \\'},
        "numbers": {"x": [0.1, 1e-7, -0.0, 2**63 - 1, 2**70, True, None]},
        "surrogate": {"message": "\ud800"},  # what orjson refuses is written by json
    }
    version, _ = await store.save_nodes("odd", nodes)
    loaded = await store.load_nodes("odd", version)
    assert loaded is not None and loaded == nodes
    assert all(repr(loaded[k]) == repr(v) for k, v in nodes.items())  # -0.0, 1e-07, True


async def test_a_save_on_a_base_writes_what_changed_and_every_version_reads_whole(
    store: Store,
) -> None:
    v1_nodes = {f"n{i}": {"phase": "Running", "i": i} for i in range(50)}
    v1, _ = await store.save_nodes("w", v1_nodes)
    v2_nodes = {**v1_nodes, "n3": {"phase": "Succeeded", "i": 3}, "new": {"phase": "Pending"}}
    del v2_nodes["n7"]
    v2, written = await store.save_nodes("w", v2_nodes, (v1, v1_nodes))
    assert sorted(written) == ["n3", "n7", "new"]  # changed, added, removed: nothing else
    assert await store.load_nodes("w", v1) == v1_nodes  # the old version is still whole
    assert await store.load_nodes("w", v2) == v2_nodes
    await store.prune_nodes("w", v2, written)
    assert await store.load_nodes("w", v1) is None  # pruned: no longer readable, not partial
    assert await store.load_nodes("w", v2) == v2_nodes
    rows = await store.read(
        lambda c: c.execute("SELECT COUNT(*) FROM offloaded_node_rows WHERE uid='w'").fetchone()
    )
    assert rows[0] == 50  # one row per node left (n7's rows and tombstone are gone)


async def test_a_base_that_is_not_the_newest_version_writes_everything(store: Store) -> None:
    v1, _ = await store.save_nodes("w", {"a": {"x": 1}, "b": {"x": 1}})
    v2, _ = await store.save_nodes(
        "w", {"a": {"x": 2}, "b": {"x": 1}}, (v1, {"a": {"x": 1}, "b": {"x": 1}})
    )
    # A writer still on v1 (its write of the object conflicted): a full version, b removed.
    v3, written = await store.save_nodes("w", {"a": {"x": 3}}, (v1, {"a": {"x": 1}, "b": {"x": 1}}))
    assert sorted(written) == ["a", "b"]
    assert await store.load_nodes("w", v3) == {"a": {"x": 3}}
    assert await store.load_nodes("w", v2) == {"a": {"x": 2}, "b": {"x": 1}}


async def test_versions_prune_and_delete(store: Store) -> None:
    v1, _ = await store.save_nodes("u", {"a": {"phase": "Running"}})
    v2, written = await store.save_nodes(
        "u", {"a": {"phase": "Succeeded"}}, (v1, {"a": {"phase": "Running"}})
    )
    other, _ = await store.save_nodes("other", {"b": {}})
    assert v1 != v2
    assert await store.load_nodes("u", "nope") is None
    await store.prune_nodes("u", keep_version=v2, node_ids=written)
    assert await store.load_nodes("u", v1) is None
    assert await store.load_nodes("u", v2) == {"a": {"phase": "Succeeded"}}
    await store.delete_nodes("u")
    assert await store.load_nodes("u", v2) is None
    assert await store.node_versions() == [("other", other)]


async def test_concurrent_saves_from_many_tasks(store: Store) -> None:
    async def save(i: int) -> tuple[str, str, int]:
        version, _ = await store.save_nodes(f"uid-{i % 10}", {"n": {"i": i}})
        return f"uid-{i % 10}", version, i

    saved = await asyncio.gather(*(save(i) for i in range(200)))
    for uid, version, i in saved:
        assert await store.load_nodes(uid, version) == {"n": {"i": i}}
    assert len(await store.node_versions()) == 10  # each workflow's newest version


async def test_a_file_that_is_not_a_database_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "argoapp.db"
    path.write_bytes(b"this is not sqlite at all " * 100)
    with pytest.raises(ConfigError, match="not a usable argoapp database"):
        await Store(path).start()


async def test_a_foreign_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE objects (x)")
    with pytest.raises(ConfigError, match="not argoapp's"):
        await Store(path).start()


async def test_a_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "argoapp.db"
    s = Store(path)
    await s.start()
    await s.transact(
        lambda c: c.execute(
            "INSERT INTO schema_version VALUES (?, 'later')", (migrations.latest() + 1,)
        )
    )
    await s.close()
    with pytest.raises(ConfigError, match="newer argoapp"):
        await Store(path).start()


async def test_a_closed_store_says_so(tmp_path: Path) -> None:
    s = Store(tmp_path / "argoapp.db")
    await s.start()
    await s.close()
    await s.close()
    with pytest.raises(StoreError, match="not open"):
        await s.save_nodes("u", {})


async def test_a_failed_transaction_changes_nothing(store: Store) -> None:
    version, _ = await store.save_nodes("u", {"a": {}})

    def half(conn: sqlite3.Connection) -> None:
        conn.execute("DELETE FROM offloaded_node_rows")
        raise ValueError("stop")

    with pytest.raises(ValueError):
        await store.transact(half)
    assert await store.load_nodes("u", version) == {"a": {}}


async def test_a_missing_directory_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot open"):
        await Store(tmp_path / "nowhere" / "argoapp.db").start()


async def test_first_schema_versions_are_still_read_and_pruned(store: Store) -> None:
    legacy = "sha256-0123456789abcdef0123456789abcdef"

    def old_row(conn: sqlite3.Connection) -> None:
        conn.execute(
            "INSERT INTO offloaded_nodes (uid, version, nodes, updated_at) VALUES (?, ?, ?, ?)",
            ("u", legacy, '{"a":{"phase":"Running"}}', "2026-01-01T00:00:00Z"),
        )

    await store.transact(old_row)
    assert await store.load_nodes("u", legacy) == {"a": {"phase": "Running"}}
    version, written = await store.save_nodes("u", {"a": {"phase": "Succeeded"}})
    await store.prune_nodes("u", version, written)
    assert await store.load_nodes("u", legacy) is None
    assert await store.load_nodes("u", version) == {"a": {"phase": "Succeeded"}}


async def test_an_api_read_does_not_hold_up_the_controller(store: Store) -> None:
    """The API's queries run on their own connection and thread: while one is in the middle
    of a read, the controller's writes and reads still complete (WAL lets them)."""
    written = threading.Event()
    reading = threading.Event()

    def long_read(conn: sqlite3.Connection) -> bool:
        conn.execute("SELECT COUNT(*) FROM offloaded_node_rows").fetchone()
        reading.set()
        return written.wait(30)  # stands for a big list: it ends only once the write is done

    read = asyncio.create_task(store.query(long_read))
    assert await asyncio.to_thread(reading.wait, 30)
    queued_list = asyncio.create_task(store.archive_list(ArchiveQuery()))
    version, _ = await store.save_nodes("u", {"a": {}})
    assert await store.load_nodes("u", version) == {"a": {}}
    assert not queued_list.done()  # archive lists are API reads: they wait on the reader
    written.set()
    assert await read is True
    assert await queued_list == ([], "")


async def test_the_read_connection_is_read_only(store: Store) -> None:
    with pytest.raises(StoreError, match="readonly"):
        await store.query(lambda conn: conn.execute("DELETE FROM offloaded_node_rows"))
