"""Backing up and restoring a data dir's two databases together, for `argoapp db`.

A data dir holds argoapp's store (`argoapp.db`: the archive and offloaded node status) and, in
local mode, localkube's objects (`localkube.db`: the live workflows, pods, secrets…). They
refer to each other: a live workflow whose nodes were offloaded names a version kept in the
store. Restoring one without the other leaves such workflows naming versions that are gone,
and the controller can then never load them (it logs "offloaded nodes … are missing" and
backs off for ever). So a backup holds both, and a restore puts back both.

`backup(data_dir, target, force)` copies each file with SQLite's online backup API (safe while
argoapp runs; each copy one consistent snapshot): localkube's first, then the store, so the
store is the newer one and holds every node version the objects name (the controller keeps
the two newest versions of each workflow). The copies go into one uncompressed tar file
(`argoapp.db`, `localkube.db` when there is one), written beside `target` and renamed into
place, mode 0600.

`restore(data_dir, source)` takes the data dir's locks exclusively, without waiting: the
store's (`<argoapp.db>.lock`, which every open `Store` holds shared) and localkube's
(`DATA_DIR/lock`, held by a running `argoapp up`), so it refuses while any argoapp process
uses the data dir and no argoapp starts during it. It checks every file first (an argoapp
store not written by a newer argoapp; a SQLite database for localkube), then under the locks
removes each file's stale -wal/-shm and renames the copy over it. A bare store file (the
format of older backups) restores the store alone.

Errors are `ConfigError`s with a sentence for a person. Only `cli/db.py` calls this; it runs
in the CLI's process, never inside a running argoapp.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import sqlite3
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from argoapp.errors import ConfigError
from argoapp.store import migrations
from argoapp.store.store import lock_path

STORE_FILE = "argoapp.db"  # the name runtime.STORE_FILE gives the store in the data dir
LOCALKUBE_FILE = "localkube.db"  # localkube's objects (local mode only)
LOCALKUBE_LOCK = "lock"  # held by a running localkube (localkube.cluster._claim)
_SQLITE_MAGIC = b"SQLite format 3\x00"


@dataclass(frozen=True)
class Restored:
    """What a restore put back: the store's schema version and the files replaced."""

    schema_version: int
    files: tuple[str, ...]


def backup(data_dir: Path, target: Path, *, force: bool = False) -> int:
    """Copy the databases of `data_dir` into the tar file `target`; returns its size."""
    store = data_dir / STORE_FILE
    if not store.is_file():
        raise ConfigError(f"there is no argoapp database in {data_dir} (no {STORE_FILE})")
    if target.exists() and not force:
        raise ConfigError(f"{target} exists; pass --force to overwrite it")
    if target.is_dir():
        raise ConfigError(f"{target} is a directory; name the backup file")
    sources = [data_dir / LOCALKUBE_FILE] if (data_dir / LOCALKUBE_FILE).is_file() else []
    sources.append(store)  # last: the newer snapshot holds what the objects name
    partial = target.with_name(f".{target.name}.partial")
    copies = [target.with_name(f".{target.name}.{s.name}.partial") for s in sources]
    try:
        for source, copy in zip(sources, copies, strict=True):
            _copy(source, copy)
        _pack(partial, [(s.name, c) for s, c in zip(sources, copies, strict=True)])
        os.replace(partial, target)
    except (OSError, sqlite3.Error, tarfile.TarError) as e:
        raise ConfigError(f"backing up {data_dir} to {target} failed: {e}") from None
    finally:
        for leftover in (*copies, partial):
            with contextlib.suppress(OSError):
                leftover.unlink()
    return target.stat().st_size


def restore(data_dir: Path, source: Path) -> Restored:
    """Replace the databases of `data_dir` with those in the backup `source`."""
    if not source.is_file():
        raise ConfigError(f"{source} is not a file")
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    with _exclusive(data_dir):
        staged: dict[str, Path] = {}
        try:
            staged = _stage(data_dir, source)
            version = check_store_file(staged[STORE_FILE])
            if LOCALKUBE_FILE in staged:
                _check_database(staged[LOCALKUBE_FILE], LOCALKUBE_FILE)
            for name, copy in staged.items():
                _swap(copy, data_dir / name)
        except (OSError, sqlite3.Error) as e:
            raise ConfigError(f"restoring {source} into {data_dir} failed: {e}") from None
        finally:
            for copy in staged.values():
                with contextlib.suppress(OSError):
                    copy.unlink()
    return Restored(version, tuple(sorted(staged)))


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


@contextlib.contextmanager
def _exclusive(data_dir: Path) -> Iterator[None]:
    """Hold the store's and localkube's locks of `data_dir` exclusively, or refuse."""
    fds: list[int] = []
    try:
        for lock in (lock_path(data_dir / STORE_FILE), data_dir / LOCALKUBE_LOCK):
            try:
                fds.append(os.open(lock, os.O_RDWR | os.O_CREAT, 0o600))
                fcntl.flock(fds[-1], fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise ConfigError(
                    f"argoapp is running on {data_dir} (a process holds {lock}); stop every "
                    "argoapp up, server or controller using that data dir before restoring"
                ) from None
            except OSError as e:
                raise ConfigError(f"cannot lock {lock}: {e.strerror}") from None
        yield
    finally:
        for fd in fds:
            os.close(fd)  # closing the descriptor releases its lock


def _stage(data_dir: Path, source: Path) -> dict[str, Path]:
    """The databases of backup `source` copied into `data_dir` under temporary names."""
    staged: dict[str, Path] = {}
    try:
        if _is_sqlite(source):  # an older backup: the store alone
            staged[STORE_FILE] = data_dir / f".{STORE_FILE}.restoring"
            _copy(source, staged[STORE_FILE])
            return staged
        if not tarfile.is_tarfile(source):
            raise ConfigError(f"{source} is not an argoapp database or backup")
        with tarfile.open(source, "r:") as tar:
            for name in (STORE_FILE, LOCALKUBE_FILE):
                member = tar.getmember(name) if name in tar.getnames() else None
                if member is None or not member.isfile():
                    continue
                reader = tar.extractfile(member)
                if reader is None:
                    continue
                staged[name] = data_dir / f".{name}.restoring"
                fd = os.open(staged[name], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with reader, os.fdopen(fd, "wb") as out:
                    shutil.copyfileobj(reader, out, 1 << 20)
    except (OSError, sqlite3.Error, tarfile.TarError) as e:
        _drop(staged)
        raise ConfigError(f"{source} cannot be read as an argoapp backup: {e}") from None
    except BaseException:
        _drop(staged)
        raise
    if STORE_FILE not in staged:
        _drop(staged)
        raise ConfigError(f"{source} is not an argoapp backup (it holds no {STORE_FILE})")
    return staged


def _drop(staged: dict[str, Path]) -> None:
    for copy in staged.values():
        with contextlib.suppress(OSError):
            copy.unlink()


def _swap(copy: Path, target: Path) -> None:
    """Rename `copy` over `target`, first removing the log that would replay onto it."""
    for suffix in ("-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            Path(f"{target}{suffix}").unlink()
    os.replace(copy, target)


def _check_database(path: Path, what: str) -> None:
    """A ConfigError unless `path` is a sound SQLite database."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            ok = conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    except sqlite3.DatabaseError as e:
        raise ConfigError(f"the backup's {what} is not a database ({e})") from None
    if not ok:
        raise ConfigError(f"the backup's {what} is damaged (SQLite's quick_check failed)")


def _is_sqlite(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(len(_SQLITE_MAGIC)) == _SQLITE_MAGIC


def _pack(target: Path, members: list[tuple[str, Path]]) -> None:
    """A tar file `target` (0600) holding each (name, file)."""
    with contextlib.suppress(FileNotFoundError):
        target.unlink()
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out, tarfile.open(fileobj=out, mode="w:") as tar:
        for name, path in members:
            info = tar.gettarinfo(str(path), arcname=name)
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            with path.open("rb") as f:
                tar.addfile(info, f)


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
