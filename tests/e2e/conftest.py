"""End-to-end fixtures: a real `argoapp up` child process on a fresh data dir."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.upproc import UpProcess


@pytest.fixture
async def up(tmp_path: Path) -> AsyncIterator[UpProcess]:
    proc = UpProcess(tmp_path / "data")
    await proc.start()
    yield proc
    await proc.terminate()
