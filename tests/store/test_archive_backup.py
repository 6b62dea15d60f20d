"""`argoapp db backup` and `argoapp db restore` through the CLI (click's CliRunner): a round
trip while the store is open and written, both databases of a local-mode data dir together
(a real localkube), the locks that keep a restore away from running processes, and the
refusals (existing file, a file that is not an argoapp store)."""

from __future__ import annotations

import fcntl
import os
import shutil
import sqlite3
import stat
import tarfile
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from argoapp.cli.main import cli
from argoapp.errors import ConfigError
from argoapp.kube.client import Kube
from argoapp.kube.errors import NotFound
from argoapp.localkube.cluster import LocalKube, LocalKubeSettings
from argoapp.store import ArchiveQuery, Store
from argoapp.store.store import lock_path


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
    assert "restored argoapp.db" in result.output and "schema version" in result.output
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
    with tarfile.open(target) as tar:
        assert tar.getnames() == ["argoapp.db"]  # no localkube.db in this data dir
        tar.extract("argoapp.db", tmp_path / "out", filter="data")
    with closing(sqlite3.connect(tmp_path / "out" / "argoapp.db")) as conn:
        assert conn.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0] > 0
    empty = tmp_path / "empty"
    empty.mkdir()
    result = CliRunner().invoke(
        cli, ["db", "backup", str(tmp_path / "x.db"), "--data-dir", str(empty)]
    )
    assert result.exit_code == 2 and "no argoapp database" in result.output


async def test_restore_refuses_while_a_store_is_open(tmp_path: Path) -> None:
    """Any process with the store open (argoapp server or controller, with no server.json)
    holds its lock; the restore refuses, naming the data dir, and leaves the files alone."""
    store = Store(tmp_path / "argoapp.db")
    await store.start()
    backup = tmp_path / "b.tar"
    assert run("backup", str(backup), "--data-dir", str(tmp_path)).exit_code == 0
    await store.archive_put(wf("live"))
    try:
        result = CliRunner().invoke(
            cli, ["db", "restore", str(backup), "--data-dir", str(tmp_path)]
        )
        assert result.exit_code == 2, result.output
        assert f"argoapp is running on {tmp_path}" in result.output
        assert not list(tmp_path.glob(".*.restoring"))
        await store.archive_put(wf("later"))  # the open store was not disturbed
        assert await names(store) == ["later", "live"]
    finally:
        await store.close()
    assert run("restore", str(backup), "--data-dir", str(tmp_path)).exit_code == 0


async def test_a_store_does_not_start_during_a_restore(tmp_path: Path) -> None:
    path = tmp_path / "argoapp.db"
    fd = os.open(lock_path(path), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as `argoapp db restore` holds it
        with pytest.raises(ConfigError, match="is being restored"):
            await Store(path).start()
    finally:
        os.close(fd)
    store = Store(path)
    await store.start()
    await store.close()


async def _config_maps(cluster: LocalKube) -> list[str]:
    kube = await Kube.connect(cluster.kubeconfig)
    try:
        found = []
        for name in ("before", "after"):
            try:
                await kube.get("ConfigMap", name, "argo")
                found.append(name)
            except NotFound:
                pass
        return found
    finally:
        await kube.close()


async def test_local_mode_backs_up_and_restores_both_databases(tmp_path: Path, pki: Path) -> None:
    """localkube's objects and argoapp's store go back to the same moment together; a
    running localkube (argoapp up) blocks the restore even with the store closed."""
    data = tmp_path / "data"
    shutil.copytree(pki, data)
    cluster = LocalKube(LocalKubeSettings(data_dir=data, port=0, run_kubelet=False))
    await cluster.start()
    store = Store(data / "argoapp.db")
    await store.start()
    backup = tmp_path / "backup.tar"
    try:
        kube = await Kube.connect(cluster.kubeconfig)
        try:
            await kube.create("ConfigMap", {"metadata": {"name": "before"}}, "argo")
            await store.archive_put(wf("before"))
            assert run("backup", str(backup), "--data-dir", str(data)).exit_code == 0
            await kube.create("ConfigMap", {"metadata": {"name": "after"}}, "argo")
            await store.archive_put(wf("after"))
        finally:
            await kube.close()
        await store.close()
        result = CliRunner().invoke(cli, ["db", "restore", str(backup), "--data-dir", str(data)])
        assert result.exit_code == 2 and f"argoapp is running on {data}" in result.output
    finally:
        await store.close()
        await cluster.stop()
    with tarfile.open(backup) as tar:
        assert sorted(tar.getnames()) == ["argoapp.db", "localkube.db"]
    result = run("restore", str(backup), "--data-dir", str(data))
    assert result.exit_code == 0, result.output
    assert "restored argoapp.db, localkube.db" in result.output

    cluster = LocalKube(LocalKubeSettings(data_dir=data, port=0, run_kubelet=False))
    await cluster.start()
    store = Store(data / "argoapp.db")
    await store.start()
    try:
        assert await _config_maps(cluster) == ["before"]
        assert await names(store) == ["before"]
    finally:
        await store.close()
        await cluster.stop()


async def test_a_bare_store_file_restores_the_store_alone_with_a_warning(tmp_path: Path) -> None:
    """The older backup format (one SQLite file) still restores; with a localkube.db in the
    data dir the CLI says what that can break."""
    store = Store(tmp_path / "argoapp.db")
    await store.start()
    await store.archive_put(wf("old"))
    bare = tmp_path / "bare.db"
    with closing(sqlite3.connect(bare)) as dst, closing(sqlite3.connect(store.path)) as src:
        src.backup(dst)
    await store.archive_put(wf("new"))
    await store.close()
    (tmp_path / "localkube.db").write_bytes(b"")
    result = run("restore", str(bare), "--data-dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "holds no localkube.db" in result.output
    store = Store(tmp_path / "argoapp.db")
    await store.start()
    try:
        assert await names(store) == ["old"]
    finally:
        await store.close()


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
