"""Suite-wide fixtures: no test may leave asyncio tasks behind, and tools must be present.

In CI a test that needs bubblewrap or kubectl fails when they are missing; it never skips.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from argoapp.localkube.objects import ObjectService


@pytest.fixture(autouse=True)
async def no_leftover_tasks() -> AsyncIterator[None]:
    """Fail a test that leaves tasks running on its loop."""
    before = asyncio.all_tasks()
    yield
    await asyncio.sleep(0)
    current = asyncio.current_task()
    left = [t for t in asyncio.all_tasks() - before if t is not current and not t.done()]
    if left:
        for task in left:
            task.cancel()
        await asyncio.gather(*left, return_exceptions=True)
        pytest.fail(f"test left {len(left)} task(s) running: {[t.get_name() for t in left]}")


def require_tool(name: str) -> str:
    """The path of a tool the test needs; a missing one is a failure, not a skip."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is required for this test and is not on PATH")
    return path


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[ObjectService]:
    """A fresh localkube object service on its own database."""
    svc = ObjectService(tmp_path / "kube.db")
    await svc.start()
    yield svc
    await svc.close()
