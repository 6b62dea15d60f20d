"""Workflow and pod logs over HTTP against a real localkube, and logs kept after pods go.

localkube here runs no kubelet, so each test writes a pod's log where the kubelet's shim writes
it (`pods/<uid>/containers/<name>/<attempt>/container.log`, CRI format) and localkube's real
`pods/log` serves it. The kubelet's own writing is covered by its tests and by
tests/e2e/test_logs_up.py.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from argoapp.kube.client import Kube
from argoapp.localkube.cluster import LocalKube
from argoapp.localkube.keptlogs import KeptLogs, keep
from argoapp.localkube.kubelet.config import PodPaths
from argoapp.server.app import build_app
from argoapp.store import Store

from .docs import workflow

NS = "argo"


@pytest.fixture
async def api(
    kube: Kube, store: Store, localkube: LocalKube
) -> AsyncIterator[TestClient[Any, Any]]:
    app = build_app(kube=kube, store=store, kept_logs=KeptLogs(localkube.settings.data_dir))
    client: TestClient[Any, Any] = TestClient(TestServer(app))
    await client.start_server()
    yield client
    await client.close()


async def _workflow(api: TestClient[Any, Any], name: str) -> None:
    resp = await api.post(f"/api/v1/workflows/{NS}", json={"workflow": workflow(name)})
    assert resp.status == 200, await resp.text()


async def _pod(
    kube: Kube, data: Path, wf: str, name: str, lines: list[tuple[str, str]], started: str
) -> dict[str, Any]:
    """A finished pod of workflow `wf` whose main container printed `lines` (time, text)."""
    pod = await kube.create(
        "Pod",
        {
            "metadata": {"name": name, "labels": {"workflows.argoproj.io/workflow": wf}},
            "spec": {
                "containers": [
                    {"name": "main", "image": "busybox"},
                    {"name": "wait", "image": "argoexec"},
                ]
            },
        },
        NS,
    )
    status = {"phase": "Succeeded", "startTime": started}
    pod = await kube.patch("Pod", name, {"status": status}, NS, subresource="status")
    attempt = PodPaths(data, pod["metadata"]["uid"]).attempt("main", 0)
    attempt.mkdir(parents=True)
    (attempt / "started.json").write_text("{}")
    (attempt / "exit.json").write_text(json.dumps({"exitCode": 0}))
    log = "".join(f"{t} stdout F {text}\n" for t, text in lines)
    (attempt / "container.log").write_text(log)
    return pod


def _entries(body: bytes) -> list[dict[str, Any]]:
    return [json.loads(line)["result"] for line in body.decode().splitlines() if line]


T1, T2, T3 = (f"2026-01-01T00:00:0{i}.000000000Z" for i in (1, 2, 3))


async def test_workflow_logs_of_every_pod_sorted_by_time(
    api: TestClient[Any, Any], kube: Kube, localkube: LocalKube
) -> None:
    data = localkube.settings.data_dir
    await _workflow(api, "wf")
    await _pod(kube, data, "wf", "wf-a", [(T1, "one"), (T3, "three")], T1)
    await _pod(kube, data, "wf", "wf-b", [(T2, "two")], T2)
    await _pod(kube, data, "other", "other-a", [(T1, "not mine")], T1)
    resp = await api.get(f"/api/v1/workflows/{NS}/wf/log", params={"logOptions.container": "main"})
    assert resp.status == 200
    assert _entries(await resp.read()) == [
        {"content": "one", "podName": "wf-a"},
        {"content": "two", "podName": "wf-b"},
        {"content": "three", "podName": "wf-a"},
    ]


async def test_lines_of_the_same_instant_keep_the_order_they_were_written_in(
    api: TestClient[Any, Any], kube: Kube, localkube: LocalKube
) -> None:
    data = localkube.settings.data_dir
    await _workflow(api, "wf")
    said = ["zulu", "alpha", "mike", "bravo"]  # one read of the output stamps them alike
    await _pod(kube, data, "wf", "wf-a", [(T1, text) for text in said], T1)
    resp = await api.get(f"/api/v1/workflows/{NS}/wf/log", params={"logOptions.container": "main"})
    assert [e["content"] for e in _entries(await resp.read())] == said


async def test_pod_log_options_grep_timestamps_and_tail(
    api: TestClient[Any, Any], kube: Kube, localkube: LocalKube
) -> None:
    data = localkube.settings.data_dir
    await _workflow(api, "wf")
    await _pod(kube, data, "wf", "wf-a", [(T1, "apple"), (T2, "banana"), (T3, "avocado")], T1)
    await _pod(kube, data, "wf", "wf-b", [(T2, "apricot")], T2)
    resp = await api.get(f"/api/v1/workflows/{NS}/wf/wf-a/log", params={"grep": "^a"})
    assert [e["content"] for e in _entries(await resp.read())] == ["apple", "avocado"]
    resp = await api.get(
        f"/api/v1/workflows/{NS}/wf/log",
        params={"podName": "wf-a", "logOptions.timestamps": "true", "logOptions.tailLines": "1"},
    )
    assert _entries(await resp.read()) == [{"content": f"{T3[:-11]}Z avocado", "podName": "wf-a"}]


async def test_logs_as_server_sent_events(
    api: TestClient[Any, Any], kube: Kube, localkube: LocalKube
) -> None:
    await _workflow(api, "wf")
    await _pod(kube, localkube.settings.data_dir, "wf", "wf-a", [(T1, "hello")], T1)
    resp = await api.get(f"/api/v1/workflows/{NS}/wf/log", headers={"Accept": "text/event-stream"})
    assert resp.headers["Content-Type"] == "text/event-stream"
    assert await resp.read() == b'data: {"result":{"content":"hello","podName":"wf-a"}} \n\n'


async def test_logs_are_kept_after_the_pods_and_the_workflow_are_deleted(
    api: TestClient[Any, Any], kube: Kube, localkube: LocalKube
) -> None:
    data = localkube.settings.data_dir
    await _workflow(api, "wf")
    pod = await _pod(kube, data, "wf", "wf-a", [(T1, "kept line")], T1)
    keep(PodPaths(data, pod["metadata"]["uid"]), pod)  # what the kubelet does as it deletes
    await kube.delete("Pod", "wf-a", NS)
    resp = await api.get(f"/api/v1/workflows/{NS}/wf/log")
    assert _entries(await resp.read()) == [{"content": "kept line", "podName": "wf-a"}]
    await kube.delete("Workflow", "wf", NS)
    resp = await api.get(f"/api/v1/workflows/{NS}/wf/log", params={"logOptions.follow": "true"})
    assert _entries(await resp.read()) == [{"content": "kept line", "podName": "wf-a"}]


async def test_follow_ends_when_the_workflow_completes(
    api: TestClient[Any, Any], kube: Kube, localkube: LocalKube
) -> None:
    await _workflow(api, "wf")
    await _pod(kube, localkube.settings.data_dir, "wf", "wf-a", [(T1, "first")], T1)
    resp = await api.get(f"/api/v1/workflows/{NS}/wf/log", params={"logOptions.follow": "True"})
    assert resp.status == 200
    line = await resp.content.readline()
    assert json.loads(line)["result"] == {"content": "first", "podName": "wf-a"}
    await kube.patch("Workflow", "wf", {"status": {"phase": "Succeeded"}}, NS)
    assert await resp.read() == b""  # the stream ends with the workflow


async def test_missing_workflow_and_bad_grep_are_errors(api: TestClient[Any, Any]) -> None:
    resp = await api.get(f"/api/v1/workflows/{NS}/nope/log")
    assert resp.status == 404 and (await resp.json())["code"] == 5
    await _workflow(api, "wf")
    resp = await api.get(f"/api/v1/workflows/{NS}/wf/log", params={"grep": "("})
    assert resp.status == 400 and "regexp" in (await resp.json())["message"]


async def test_follow_picks_up_a_container_that_starts_later(
    api: TestClient[Any, Any], kube: Kube, localkube: LocalKube
) -> None:
    data = localkube.settings.data_dir
    await _workflow(api, "wf")
    spec = {"containers": [{"name": "main", "image": "busybox"}]}
    meta = {"name": "wf-late", "labels": {"workflows.argoproj.io/workflow": "wf"}}
    pod = await kube.create("Pod", {"metadata": meta, "spec": spec}, NS)
    waiting = {"name": "main", "state": {"waiting": {"reason": "ContainerCreating"}}}
    status = {"phase": "Running", "startTime": T1, "containerStatuses": [waiting]}
    await kube.patch("Pod", "wf-late", {"status": status}, NS, subresource="status")
    resp = await api.get(f"/api/v1/workflows/{NS}/wf/log", params={"logOptions.follow": "true"})
    assert resp.status == 200
    attempt = PodPaths(data, pod["metadata"]["uid"]).attempt("main", 0)
    attempt.mkdir(parents=True)
    (attempt / "container.log").write_text(f"{T2} stdout F late line\n")
    (attempt / "exit.json").write_text(json.dumps({"exitCode": 0}))
    (attempt / "started.json").write_text("{}")
    running = {"name": "main", "state": {"running": {"startedAt": T2}}}
    await kube.patch(
        "Pod", "wf-late", {"status": {"containerStatuses": [running]}}, NS, subresource="status"
    )
    # The pod's change starts its log; should the stream miss it, the workflow's end still does.
    await kube.patch("Workflow", "wf", {"status": {"phase": "Failed"}}, NS)
    assert _entries(await resp.read()) == [{"content": "late line", "podName": "wf-late"}]


async def test_since_time_is_exact_to_the_nanosecond_not_whole_seconds(
    api: TestClient[Any, Any], kube: Kube, localkube: LocalKube
) -> None:
    data = localkube.settings.data_dir
    await _workflow(api, "wf")
    lines = [
        ("2026-01-01T00:00:01.699999999Z", "early"),  # within any whole-second window
        ("2026-01-01T00:00:01.700000001Z", "late"),
        ("2026-01-01T00:00:02.100000000Z", "later"),
    ]
    await _pod(kube, data, "wf", "wf-a", lines, T1)
    since = {  # 2026-01-01T00:00:01.7Z: Kubernetes alone would start at a whole second
        "logOptions.sinceTime.seconds": "1767225601",
        "logOptions.sinceTime.nanos": "700000000",
    }
    resp = await api.get(f"/api/v1/workflows/{NS}/wf/wf-a/log", params=since)
    assert resp.status == 200
    assert [e["content"] for e in _entries(await resp.read())] == ["late", "later"]
