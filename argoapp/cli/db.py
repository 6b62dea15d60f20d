"""`argoapp db backup FILE` and `argoapp db restore FILE`: argoapp's own database (the store,
with the workflow archive and offloaded nodes) copied out and back.

Thin: parses flags and calls `argoapp.store.backup`, whose errors the top-level group prints as
one line with their exit code. Backup works while argoapp runs; restore refuses to.
"""

from __future__ import annotations

from pathlib import Path

import click

_DATA_DIR = click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Where argoapp keeps its state (default ~/.argoapp).",
)


def _data_dir(value: Path | None) -> Path:
    from argoapp import config

    return (value or config.default_data_dir()).expanduser().resolve()


@click.group()
def db() -> None:
    """argoapp's database: back it up and restore it."""


@db.command()
@click.argument("file", type=click.Path(path_type=Path))
@_DATA_DIR
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
def backup(file: Path, data_dir: Path | None, force: bool) -> None:
    """Copy the database to FILE (safe while argoapp runs)."""
    from argoapp.store import backup as store_backup

    size = store_backup.backup(_data_dir(data_dir), file, force=force)
    click.echo(f"backed up to {file} ({size} bytes)")


@db.command()
@click.argument("file", type=click.Path(path_type=Path))
@_DATA_DIR
def restore(file: Path, data_dir: Path | None) -> None:
    """Replace the database with the backup FILE (argoapp must be stopped)."""
    from argoapp.store import backup as store_backup

    directory = _data_dir(data_dir)
    version = store_backup.restore(directory, file)
    click.echo(f"restored {file} into {directory} (schema version {version})")
