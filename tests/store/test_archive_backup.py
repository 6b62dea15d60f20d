"""`argoapp db backup` and `argoapp db restore` through the CLI (click's CliRunner): a round
trip while the store is open and written, and the refusals (existing file, running argoapp,
a file that is not an argoapp store)."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from contextlib import closing
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from argoapp.cli.main import cli
from argoapp.store import ArchiveQuery, Store


def wf(name: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": "argo", "uid": f"uid-{name}"},
        "status": {"phase": "Succeeded", "finishedAt": "2026-01-01T00:00:00Z"},
    }


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, ["db", *args], catch_exceptions=False)


async def names(store: Store) -> list[str]:
    items, _ = await store.archive_list(ArchiveQuery())
    return sorted(i["metadata"]["name"] for i in items)


async def test_backup_while_running_then_restore(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    backup = tmp_path / "backup.db"
    store = Store(data / "argoapp.db")
    await store.start()
    await store.archive_put(wf("before"))
    result = run("backup", str(backup), "--data-dir", str(data))  # the store is open meanwhile
    assert result.exit_code == 0, result.output
    assert f"backed up to {backup}" in result.output
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    await store.archive_put(wf("after"))
    assert await names(store) == ["after", "before"]
    await store.close()

    result = run("restore", str(backup), "--data-dir", str(data))
    assert result.exit_code == 0, result.output
    assert "restored" in result.output and "schema version" in result.output
    store = Store(data / "argoapp.db")
    await store.start()
    try:
        assert await names(store) == ["before"]
        await store.archive_put(wf("later"))  # a usable store again
    finally:
        await store.close()


async def test_backup_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    store = Store(tmp_path / "argoapp.db")
    await store.start()
    await store.close()
    target = tmp_path / "exists.db"
    target.write_text("keep me")
    result = CliRunner().invoke(cli, ["db", "backup", str(target), "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "exists; pass --force" in result.output
    assert target.read_text() == "keep me"
    result = run("backup", str(target), "--data-dir", str(tmp_path), "--force")
    assert result.exit_code == 0
    with closing(sqlite3.connect(target)) as conn:
        assert conn.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0] > 0
    empty = tmp_path / "empty"
    empty.mkdir()
    result = CliRunner().invoke(
        cli, ["db", "backup", str(tmp_path / "x.db"), "--data-dir", str(empty)]
    )
    assert result.exit_code == 2 and "no argoapp database" in result.output


async def test_restore_refuses_while_argoapp_runs(tmp_path: Path) -> None:
    store = Store(tmp_path / "argoapp.db")
    await store.start()
    await store.close()
    backup = tmp_path / "b.db"
    assert run("backup", str(backup), "--data-dir", str(tmp_path)).exit_code == 0
    (tmp_path / "server.json").write_text(json.dumps({"url": "http://x", "pid": os.getpid()}))
    result = CliRunner().invoke(cli, ["db", "restore", str(backup), "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert f"argoapp is running on {tmp_path} (pid {os.getpid()})" in result.output
    # A server.json left by an argoapp that died does not block.
    (tmp_path / "server.json").write_text(json.dumps({"pid": 2**22 + 12345}))
    assert run("restore", str(backup), "--data-dir", str(tmp_path)).exit_code == 0


async def test_restore_refuses_what_is_not_an_argoapp_store(tmp_path: Path) -> None:
    store = Store(tmp_path / "argoapp.db")
    await store.start()
    await store.archive_put(wf("mine"))
    await store.close()
    text = tmp_path / "notes.txt"
    text.write_text("not a database at all, just some words " * 100)
    other = tmp_path / "other.db"
    with closing(sqlite3.connect(other)) as conn:
        conn.execute("CREATE TABLE t (x)")
        conn.commit()
    for bad, message in ((text, "is not an argoapp database"), (other, "no schema_version")):
        result = CliRunner().invoke(cli, ["db", "restore", str(bad), "--data-dir", str(tmp_path)])
        assert result.exit_code == 2, result.output
        assert message in result.output
    store = Store(tmp_path / "argoapp.db")
    await store.start()
    try:
        assert await names(store) == ["mine"]  # untouched
    finally:
        await store.close()
