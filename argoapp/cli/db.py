"""`argoapp db backup FILE` and `argoapp db restore FILE`: a data dir's databases (argoapp's
store, with the workflow archive and offloaded nodes, and in local mode localkube's objects)
copied out together into one file and back.

Thin: parses flags and calls `argoapp.store.backup`, whose errors the top-level group prints as
one line with their exit code. Backup works while argoapp runs; restore refuses to (it takes
the data dir's locks, which every running argoapp holds).
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
    """Copy the databases to FILE, one tar file (safe while argoapp runs)."""
    from argoapp.store import backup as store_backup

    size = store_backup.backup(_data_dir(data_dir), file, force=force)
    click.echo(f"backed up to {file} ({size} bytes)")


@db.command()
@click.argument("file", type=click.Path(path_type=Path))
@_DATA_DIR
def restore(file: Path, data_dir: Path | None) -> None:
    """Replace the databases with those of the backup FILE (argoapp must be stopped)."""
    from argoapp.store import backup as store_backup

    directory = _data_dir(data_dir)
    restored = store_backup.restore(directory, file)
    click.echo(
        f"restored {', '.join(restored.files)} from {file} into {directory} "
        f"(schema version {restored.schema_version})"
    )
    if (
        store_backup.LOCALKUBE_FILE not in restored.files
        and (directory / store_backup.LOCALKUBE_FILE).exists()
    ):
        click.echo(
            f"warning: {file} holds no {store_backup.LOCALKUBE_FILE}, so localkube's objects were "
            "kept as they are; a live workflow whose nodes were offloaded after the backup names "
            "node status the restored store does not have, and cannot run on",
            err=True,
        )
