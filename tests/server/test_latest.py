"""The `@latest` alias: the newest workflow by creation time, ties to the smallest name as in
Argo (audit finding 12)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from aiohttp.test_utils import TestClient

from argoapp.server.workflows import latest

from .docs import workflow

NS = "argo"


def _wf(name: str, created: str) -> dict[str, Any]:
    return {"metadata": {"name": name, "creationTimestamp": created}}


def test_ties_go_to_the_smallest_name_in_any_order() -> None:
    same = "2026-01-01T00:00:05Z"
    items = [_wf("zeta", same), _wf("old", "2026-01-01T00:00:04Z"), _wf("alpha", same)]
    assert latest(items)["metadata"]["name"] == "alpha"
    assert latest(list(reversed(items)))["metadata"]["name"] == "alpha"


async def create_after(api: TestClient[Any, Any], name: str, after: str = "") -> str:
    """Create `name` once the clock has left the second `after` (a creation time) began; its
    creation time."""
    if after:
        began = datetime.fromisoformat(after.replace("Z", "+00:00"))
        wait = (began - datetime.now(UTC)).total_seconds() + 1.05
        await asyncio.sleep(max(wait, 0))
    resp = await api.post(f"/api/v1/workflows/{NS}", json={"workflow": workflow(name)})
    assert resp.status == 200, await resp.text()
    return str((await resp.json())["metadata"]["creationTimestamp"])


async def test_latest_is_the_newest_whatever_the_names(api: TestClient[Any, Any]) -> None:
    # The newest is neither the first nor the last name, so neither name order passes.
    at = await create_after(api, "a-first")
    at = await create_after(api, "c-second", at)
    await create_after(api, "b-third", at)
    resp = await api.get(f"/api/v1/workflows/{NS}/@latest", params={"fields": "metadata.name"})
    assert resp.status == 200 and (await resp.json())["metadata"]["name"] == "b-third"
