"""A CronWorkflow through a real `argoapp up` (wall clock, kubelet, engine): its runs are real
workflows that succeed, are counted in its status, and are pruned to the history limit."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.upproc import UpProcess, kubectl, kubectl_json

pytestmark = pytest.mark.timeout(240)


def ticking_cron() -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "CronWorkflow",
        "metadata": {"name": "tick", "namespace": "default"},
        "spec": {
            "schedules": ["@every 2s"],
            "concurrencyPolicy": "Forbid",
            "successfulJobsHistoryLimit": 1,
            "stopStrategy": {"expression": "cronworkflow.succeeded >= 2"},
            "workflowSpec": {
                "entrypoint": "main",
                "templates": [
                    {
                        "name": "main",
                        "container": {"image": "python:3", "command": ["sh", "-c", "echo tick"]},
                    }
                ],
            },
        },
    }


async def test_a_cron_runs_real_workflows_until_its_stop_strategy_holds(tmp_path: Path) -> None:
    up = UpProcess(tmp_path / "data")
    await up.start()
    try:
        code, _, err = await kubectl(
            up, tmp_path, "apply", "-f", "-", stdin=json.dumps(ticking_cron())
        )
        assert code == 0, err
        cron = await _until_stopped(up, tmp_path)
        status = cron["status"]
        assert status["succeeded"] >= 2 and status.get("failed", 0) == 0
        labels = cron["metadata"]["labels"]
        assert labels["workflows.argoproj.io/cron-workflow-completed"] == "true"
        listed = await _children(up, tmp_path, at_most=1)
        (kept,) = listed["items"]  # successfulJobsHistoryLimit: 1
        assert kept["status"]["phase"] == "Succeeded"
    finally:
        await up.terminate()


async def _until_stopped(up: UpProcess, home: Path) -> dict[str, Any]:
    async with asyncio.timeout(180):
        while True:
            cron: dict[str, Any] = await kubectl_json(up, home, "get", "cronworkflow", "tick")
            if (cron.get("status") or {}).get("phase") == "Stopped":
                return cron
            await asyncio.sleep(0.5)


async def _children(up: UpProcess, home: Path, *, at_most: int) -> dict[str, Any]:
    selector = "workflows.argoproj.io/cron-workflow=tick"
    async with asyncio.timeout(60):
        while True:
            listed: dict[str, Any] = await kubectl_json(
                up, home, "get", "workflows", "-l", selector
            )
            if len(listed["items"]) <= at_most:
                return listed
            await asyncio.sleep(0.5)
