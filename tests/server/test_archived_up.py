"""The archive end to end through a real `argoapp up` with `persistence.archive: true`: a
workflow that really ran is archived with its nodes, stays listed and readable after its live
object is deleted, and survives a restart, once."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.e2e.upproc import UpProcess, kubectl

pytestmark = pytest.mark.timeout(240)

HELLO = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "Workflow",
    "metadata": {"name": "kept", "namespace": "default", "labels": {"team": "blue"}},
    "spec": {
        "entrypoint": "main",
        "templates": [
            {
                "name": "main",
                "container": {"image": "python:3", "command": ["sh", "-c", "echo kept"]},
            }
        ],
    },
}


async def get(up: UpProcess, path: str, **params: str) -> Any:
    async with aiohttp.ClientSession() as http:
        url = f"http://127.0.0.1:{up.port}{path}"
        async with http.get(url, params=params) as resp:
            assert resp.status == 200, await resp.text()
            return await resp.json()


async def archived(up: UpProcess) -> list[Any]:
    async with asyncio.timeout(120):
        while True:
            body = await get(up, "/api/v1/archived-workflows", namespace="default")
            if body["items"]:
                return list(body["items"])
            await asyncio.sleep(0.2)


async def test_a_real_workflow_is_archived_and_outlives_its_live_object(tmp_path: Path) -> None:
    config = tmp_path / "controller.yaml"
    config.write_text("persistence:\n  archive: true\n  archiveTTL: 7d\n")
    data = tmp_path / "data"
    up = UpProcess(data, "--controller-config", str(config))
    await up.start()
    try:
        code, _, err = await kubectl(up, tmp_path, "apply", "-f", "-", stdin=json.dumps(HELLO))
        assert code == 0, err
        items = await archived(up)
        assert [i["metadata"]["name"] for i in items] == ["kept"]
        assert items[0]["status"]["phase"] == "Succeeded"
        uid = items[0]["metadata"]["uid"]
        whole = await get(up, f"/api/v1/archived-workflows/{uid}")
        assert whole["status"]["nodes"]["kept"]["phase"] == "Succeeded"
        labels = whole["metadata"]["labels"]
        assert labels["team"] == "blue"
        assert labels["workflows.argoproj.io/workflow-archiving-status"] == "Archived"
        keys = await get(up, "/api/v1/archived-workflows-label-keys")
        assert "team" in keys["items"]

        code, _, err = await kubectl(up, tmp_path, "delete", "workflow", "kept")
        assert code == 0, err
        listed = await get(up, "/api/v1/workflows/default")
        assert [i["metadata"]["uid"] for i in listed["items"]] == [uid]  # from the archive now
        fallback = await get(up, "/api/v1/workflows/default/kept")
        assert fallback["metadata"]["uid"] == uid
    finally:
        await up.terminate()

    again = UpProcess(data, "--controller-config", str(config))
    await again.start()
    try:
        body = await get(again, "/api/v1/archived-workflows")
        assert [i["metadata"]["uid"] for i in body["items"]] == [uid]
    finally:
        await again.terminate()
