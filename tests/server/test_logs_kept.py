"""localkube's kept logs (the store of logs the Argo API reads after pods are gone), on a real
directory: what the kubelet's deletion hook keeps, how it is read back, and retention."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from argoapp.localkube import keptlogs
from argoapp.localkube.keptlogs import KeptLogs
from argoapp.localkube.kubelet.config import PodPaths

NS = "argo"
LINES = [
    "2026-01-01T00:00:01.000000000Z stdout F one",
    "2026-01-01T00:00:02.500000000Z stderr F two",
    "2026-01-01T00:00:03.000000000Z stdout F three",
]


def pod(name: str, workflow: str | None = "wf", uid: str = "wf-uid") -> dict[str, Any]:
    labels = {"workflows.argoproj.io/workflow": workflow} if workflow else {}
    return {
        "metadata": {
            "name": name, "namespace": NS, "uid": f"{name}-uid", "labels": labels,
            "ownerReferences": [{"kind": "Workflow", "name": workflow, "uid": uid}],
        }
    }  # fmt: skip


def area(data: Path, p: dict[str, Any], attempts: dict[str, list[int]]) -> PodPaths:
    """A pod area with a log per attempt (the last attempt's text ends with its number)."""
    paths = PodPaths(data, p["metadata"]["uid"])
    for container, numbers in attempts.items():
        for n in numbers:
            d = paths.attempt(container, n)
            d.mkdir(parents=True)
            (d / "container.log").write_text("\n".join([*LINES, f"{LINES[0][:-3]}try{n}"]) + "\n")
    return paths


async def read(kept: KeptLogs, pod_name: str, container: str = "main", **kw: Any) -> str:
    chunks = [c async for c in kept.read(NS, "wf", pod_name, container, **kw)]
    return b"".join(chunks).decode()


async def test_the_last_attempt_of_each_container_is_kept_and_the_area_removed(
    tmp_path: Path,
) -> None:
    p = pod("wf-a")
    paths = area(tmp_path, p, {"main": [0, 1], "wait": [0]})
    keptlogs.remove_area(paths, p)
    assert not paths.base.exists()
    kept = KeptLogs(tmp_path)
    assert kept.pods(NS, "wf") == ["wf-a"]
    text = await read(kept, "wf-a")
    assert text.splitlines() == [
        "2026-01-01T00:00:01Z one",
        "2026-01-01T00:00:02.5Z two",
        "2026-01-01T00:00:03Z three",
        "2026-01-01T00:00:01Z try1",
    ]
    assert "try0" in await read(kept, "wf-a", "wait")
    assert await read(kept, "wf-a", "absent") == ""


async def test_tail_and_since(tmp_path: Path) -> None:
    p = pod("wf-a")
    keptlogs.remove_area(area(tmp_path, p, {"main": [0]}), p)
    kept = KeptLogs(tmp_path)
    assert (await read(kept, "wf-a", tail_lines=2)).splitlines() == [
        "2026-01-01T00:00:03Z three",
        "2026-01-01T00:00:01Z try0",
    ]
    since = int(1767225602 * 1e9)  # 2026-01-01T00:00:02Z
    assert [
        x.split(" ", 1)[1] for x in (await read(kept, "wf-a", since_ns=since)).splitlines()
    ] == [
        "two",
        "three",
    ]


async def test_pods_of_no_workflow_keep_nothing_and_names_cannot_escape(tmp_path: Path) -> None:
    loner = pod("loner", workflow=None)
    paths = area(tmp_path, loner, {"main": [0]})
    keptlogs.remove_area(paths, loner)
    assert not paths.base.exists()
    assert not (tmp_path / keptlogs.KEPT_DIR).exists()
    sneaky = pod("wf-b", workflow="..")
    keptlogs.remove_area(area(tmp_path, sneaky, {"main": [0]}), sneaky)
    assert not (tmp_path / keptlogs.KEPT_DIR).exists()
    kept = KeptLogs(tmp_path)
    assert kept.pods("..", "..") == []
    assert await read(kept, "../../etc") == ""


async def test_a_new_workflow_of_the_same_name_starts_afresh(tmp_path: Path) -> None:
    first = pod("wf-a", uid="first")
    keptlogs.remove_area(area(tmp_path, first, {"main": [0]}), first)
    second = pod("wf-b", uid="second")
    keptlogs.remove_area(area(tmp_path, second, {"main": [0]}), second)
    assert KeptLogs(tmp_path).pods(NS, "wf") == ["wf-b"]


def test_prune_removes_workflows_kept_before_the_cutoff(tmp_path: Path) -> None:
    for name, workflow in (("old-a", "old"), ("new-a", "new")):
        p = pod(name, workflow=workflow, uid=workflow)
        keptlogs.keep(area(tmp_path, p, {"main": [0]}), p)
    old = tmp_path / keptlogs.KEPT_DIR / NS / "old"
    week_ago = time.time() - 8 * 24 * 3600
    os.utime(old, (week_ago, week_ago))
    assert keptlogs.prune(tmp_path, time.time() - keptlogs.RETENTION_SECONDS) == 1
    assert not old.exists()
    assert KeptLogs(tmp_path).pods(NS, "new") == ["new-a"]
