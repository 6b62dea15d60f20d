"""Backing up and restoring argoapp's store file (`DATA_DIR/argoapp.db`), for `argoapp db`.

`backup(data_dir, target, force)` copies the store with SQLite's online backup API, so it is
safe while `argoapp up` runs and writes (the copy is one consistent snapshot); the copy is made
beside `target` and renamed into place, mode 0600, as a single self-contained file (no WAL).
`restore(data_dir, source)` refuses while an argoapp runs on the data dir (its
`server.json` names a live pid), refuses a file that is not an argoapp store or was written by a
newer argoapp, then swaps the file in atomically (a temporary copy renamed over the store, the
old write-ahead log removed first so it cannot be replayed onto the restored file).

Errors are `ConfigError`s with a sentence for a person. Only `cli/db.py` calls this; it runs
in the CLI's process, never inside a running argoapp.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from pathlib import Path

from argoapp.errors import ConfigError
from argoapp.store import migrations

STORE_FILE = "argoapp.db"  # the name runtime.STORE_FILE gives the store in the data dir
SERVER_FILE = "server.json"  # written by `argoapp up` while its API listens


def backup(data_dir: Path, target: Path, *, force: bool = False) -> int:
    """Copy the store of `data_dir` to `target`; returns the size written in bytes."""
    source = data_dir / STORE_FILE
    if not source.is_file():
        raise ConfigError(f"there is no argoapp database in {data_dir} (no {STORE_FILE})")
    if target.exists() and not force:
        raise ConfigError(f"{target} exists; pass --force to overwrite it")
    if target.is_dir():
        raise ConfigError(f"{target} is a directory; name the backup file")
    partial = target.with_name(f".{target.name}.partial")
    try:
        _copy(source, partial)
        os.replace(partial, target)
    except (OSError, sqlite3.Error) as e:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise ConfigError(f"backing up {source} to {target} failed: {e}") from None
    return target.stat().st_size


def restore(data_dir: Path, source: Path) -> int:
    """Replace the store of `data_dir` with the backup `source`; returns its schema version."""
    running = running_pid(data_dir)
    if running is not None:
        raise ConfigError(
            f"argoapp is running on {data_dir} (pid {running}); stop it before restoring"
        )
    if not source.is_file():
        raise ConfigError(f"{source} is not a file")
    version = check_store_file(source)
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    store = data_dir / STORE_FILE
    partial = data_dir / f".{STORE_FILE}.restoring"
    try:
        _copy(source, partial)
        for suffix in ("-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                Path(f"{store}{suffix}").unlink()
        os.replace(partial, store)
    except (OSError, sqlite3.Error) as e:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise ConfigError(f"restoring {source} into {data_dir} failed: {e}") from None
    return version


def check_store_file(path: Path) -> int:
    """The schema version of an argoapp store file; a ConfigError for anything else."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as e:
        raise ConfigError(f"{path} cannot be opened as a database: {e}") from None
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "schema_version" not in tables:
            raise ConfigError(f"{path} is not an argoapp database (it has no schema_version)")
        if conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise ConfigError(f"{path} is damaged (SQLite's quick_check failed)")
        version = int(
            conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()[0]
        )
    except sqlite3.DatabaseError as e:
        raise ConfigError(f"{path} is not an argoapp database ({e})") from None
    finally:
        conn.close()
    if version > migrations.latest():
        raise ConfigError(
            f"{path} was written by a newer argoapp (schema version {version}; this one "
            f"knows up to {migrations.latest()})"
        )
    return version


def running_pid(data_dir: Path) -> int | None:
    """The pid of the argoapp serving `data_dir`, when its server.json names a live one."""
    try:
        info = json.loads((data_dir / SERVER_FILE).read_text())
        pid = int(info["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid  # alive, someone else's
    return pid


def _copy(source: Path, target: Path) -> None:
    """A consistent snapshot of `source` as a single file `target` (0600)."""
    with contextlib.suppress(FileNotFoundError):
        target.unlink()
    os.close(os.open(target, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
    finally:
        src.close()
