"""Suspend and resume through Argo's HTTP API while the scheduler runs: a suspended cron makes
nothing when due, a resumed one runs at its next time; and what the API refuses (a schedule
robfig/cron would not parse) never reaches the scheduler.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from argoapp.kube.client import Kube
from argoapp.server.app import build_app
from argoapp.store import Store

from .cron_fixtures import (
    NS,
    StartCron,
    child_names,
    cron_workflow,
    eventually,
    start_cron_fixture,  # noqa: F401 (the `start_cron` fixture)
)

CRON = f"/api/v1/cron-workflows/{NS}"


@pytest.fixture
async def api(kube: Kube, store: Store) -> AsyncIterator[TestClient[Any, Any]]:
    client: TestClient[Any, Any] = TestClient(TestServer(build_app(kube=kube, store=store)))
    await client.start_server()
    yield client
    await client.close()


async def call(api: TestClient[Any, Any], method: str, path: str, body: Any = None) -> Any:
    resp = await api.request(method, path, json=body)
    return resp.status, await resp.json()


def at(minute: int) -> datetime:
    return datetime(2024, 1, 1, 0, minute, tzinfo=UTC)


async def _equal(value: object, expected: object) -> bool:
    return value == expected


async def test_suspend_and_resume_over_http(
    api: TestClient[Any, Any], kube: Kube, start_cron: StartCron
) -> None:
    status, body = await call(api, "POST", CRON, {"cronWorkflow": cron_workflow("api")})
    assert status == 200, body
    env = await start_cron()
    await eventually(lambda: _equal(env.cron.next_run_of(NS, "api"), at(1)))

    status, body = await call(api, "PUT", f"{CRON}/api/suspend", {"namespace": NS, "name": "api"})
    assert status == 200 and body["spec"]["suspend"] is True
    await eventually(lambda: _suspended_seen(env.cron.informer.get(NS, "api"), True))
    env.clock.set(at(1))
    await eventually(lambda: _equal(env.cron.next_run_of(NS, "api"), at(2)))
    assert await child_names(kube, "api") == []  # due while suspended: nothing made

    status, body = await call(api, "PUT", f"{CRON}/api/resume", {"namespace": NS, "name": "api"})
    assert status == 200 and body["spec"]["suspend"] is False
    await eventually(lambda: _suspended_seen(env.cron.informer.get(NS, "api"), False))
    env.clock.set(at(2))
    names = await eventually(lambda: child_names(kube, "api"))
    assert names == [f"api-{int(at(2).timestamp())}"]

    async def last_scheduled() -> str | None:
        # the run is recorded by a patch after the workflow is made: the child shows first
        status, body = await call(api, "GET", f"{CRON}/api")
        assert status == 200
        return (body.get("status") or {}).get("lastScheduledTime")

    assert await eventually(last_scheduled) == "2024-01-01T00:02:00Z"


async def test_the_api_refuses_a_schedule_the_scheduler_could_not_read(
    api: TestClient[Any, Any],
) -> None:
    bad = cron_workflow("bad", "61 * * * *")
    status, body = await call(api, "POST", CRON, {"cronWorkflow": bad})
    assert status == 400
    assert "above maximum" in body["message"]


async def _suspended_seen(cron: dict[str, Any] | None, value: bool) -> bool:
    return cron is not None and bool(cron["spec"].get("suspend")) is value
