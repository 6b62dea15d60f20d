"""The raw driver: an artifact whose content is inline in the template (`raw: {data: …}`).

Download writes `raw.data` to the destination file (through a temp sibling); there is nothing to
upload, list or delete. Used by the executor's init for input artifacts.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import BinaryIO

from argoapp.artifacts.driver import Driver, staged_file
from argoapp.artifacts.errors import ArtifactError
from argoapp.model.types import Obj


class RawDriver(Driver):
    """Inline artifact data."""

    kind = "raw"

    def download(self, art: Obj, dest: Path) -> None:
        """Write the inline data to `dest`."""
        with staged_file(dest) as tmp:
            tmp.write_text(_data(art), encoding="utf-8")

    def open(self, art: Obj) -> AbstractContextManager[BinaryIO]:
        """A reader over the inline data."""
        return _reader(_data(art).encode())

    def is_directory(self, art: Obj) -> bool:
        """Inline data is always one file."""
        return False


@contextmanager
def _reader(data: bytes) -> Iterator[BinaryIO]:
    yield io.BytesIO(data)


def _data(art: Obj) -> str:
    loc = art.get("raw")
    if not isinstance(loc, dict) or not isinstance(loc.get("data", ""), str):
        raise ArtifactError(f'artifact "{art.get("name", "")}": raw.data must be a string')
    return str(loc.get("data") or "")
