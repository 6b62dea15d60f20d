"""Log options the first log tests left out: `logOptions.previous` reaches Kubernetes (audit
finding 10), and `grep` is RE2, as Argo's, in time linear in the line (finding 13)."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from argoapp.kube.client import Kube
from argoapp.localkube.cluster import LocalKube
from argoapp.localkube.kubelet.config import PodPaths

from .test_logs import NS, T1, T2, T3, _entries, _pod, _workflow, api

__all__ = ["api"]  # the fixture, shared with test_logs


async def test_previous_reads_the_run_before_a_restart(
    api: TestClient[Any, Any], kube: Kube, localkube: LocalKube
) -> None:
    data = localkube.settings.data_dir
    await _workflow(api, "wf")
    pod = await _pod(kube, data, "wf", "wf-a", [(T1, "first run")], T1)
    again = PodPaths(data, pod["metadata"]["uid"]).attempt("main", 1)
    again.mkdir(parents=True)
    (again / "started.json").write_text("{}")
    (again / "container.log").write_text(f"{T2} stdout F second run\n")
    url = f"/api/v1/workflows/{NS}/wf/wf-a/log"
    resp = await api.get(url)
    assert [e["content"] for e in _entries(await resp.read())] == ["second run"]
    resp = await api.get(url, params={"logOptions.previous": "true"})
    assert [e["content"] for e in _entries(await resp.read())] == ["first run"]


async def test_a_backtracking_pattern_is_matched_in_linear_time(
    api: TestClient[Any, Any], kube: Kube, localkube: LocalKube
) -> None:
    # `(a+)+$` on 40 a's and a b takes Python's re about 2**40 steps; RE2 a few hundred.
    data = localkube.settings.data_dir
    await _workflow(api, "wf")
    await _pod(kube, data, "wf", "wf-a", [(T1, "a" * 40 + "b"), (T3, "aaa")], T1)
    resp = await api.get(f"/api/v1/workflows/{NS}/wf/wf-a/log", params={"grep": "(a+)+$"})
    assert resp.status == 200
    assert [e["content"] for e in _entries(await resp.read())] == ["aaa"]


async def test_grep_takes_argo_syntax_only(api: TestClient[Any, Any]) -> None:
    await _workflow(api, "wf")
    # Go's regexp (RE2) has no backreferences: Argo refuses this pattern.
    resp = await api.get(f"/api/v1/workflows/{NS}/wf/log", params={"grep": r"(a)\1"})
    assert resp.status == 400
    body = await resp.json()
    assert body["code"] == 3 and body["message"].startswith("error parsing regexp")
