"""End to end over real localkube: a pod from build_pod, run by the kubelet with `argoapp exec`.

The kubelet maps the executor image and `/var/run/argo/argoexec` to this argoapp program, so the
init, wait and emissary below are the real processes, sandboxed by bubblewrap, and the wait
container reports through the API server with the pod's service account.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from argoapp.engine.api import Settings
from argoapp.engine.pods import PodRequest, build_pod
from argoapp.engine.podstatus import assess
from argoapp.localkube import resources as r
from argoapp.localkube.cluster import LocalKube, LocalKubeSettings
from argoapp.localkube.errors import NotFound
from tests.conftest import require_tool
from tests.kubelet.conftest import kill_leftovers

pytestmark = pytest.mark.timeout(120)
Obj = dict[str, Any]

SCRIPT = {
    "name": "write",
    "script": {
        "image": "python:3",
        "command": ["sh"],
        "source": "echo out-value > /tmp/out.txt\necho hello\n",
    },
    "outputs": {
        "parameters": [
            {"name": "out", "valueFrom": {"path": "/tmp/out.txt"}},
            {"name": "gone", "valueFrom": {"path": "/tmp/none", "default": "dflt"}},
        ]
    },
}


@pytest.fixture
async def kube(tmp_path: Path) -> AsyncIterator[LocalKube]:
    require_tool("bwrap")
    settings = LocalKubeSettings(
        data_dir=tmp_path / "data", port=0, extra_path=(os.path.dirname(sys.executable),)
    )
    k = LocalKube(settings)
    await k.start()
    yield k
    await k.stop()
    kill_leftovers(tmp_path / "data")


async def _workflow(kube: LocalKube, name: str) -> Obj:
    body = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": name},
        "spec": {"entrypoint": "write", "templates": [SCRIPT]},
    }
    return await kube.service.create(r.WORKFLOWS, "default", body)


async def _until_done(kube: LocalKube, name: str) -> Obj:
    async with asyncio.timeout(90):
        while True:
            pod = await kube.service.get(r.PODS, "default", name)
            if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
                return pod
            await asyncio.sleep(0.1)


async def _result(kube: LocalKube, name: str) -> Obj | None:
    try:
        return await kube.service.get(r.WORKFLOWTASKRESULTS, "default", name)
    except NotFound:
        return None


async def run_pod(kube: LocalKube, template: Obj, wf_name: str) -> tuple[Obj, Obj | None]:
    """Create the Workflow and the pod build_pod makes for `template`; its end and result."""
    wf = await _workflow(kube, wf_name)
    req = PodRequest(
        workflow=wf,
        spec=wf["spec"],
        node_id=f"{wf_name}-1",
        node_name=wf_name,
        pod_name=f"{wf_name}-write-1",
        template=template,
        include_script_output=True,
    )
    await kube.service.create(r.PODS, "default", build_pod(req, Settings()))
    pod = await _until_done(kube, req.pod_name)
    return pod, await _result(kube, req.node_id)


async def test_script_pod_reports_outputs(kube: LocalKube) -> None:
    pod, result = await run_pod(kube, SCRIPT, "wf-a")
    assert pod["status"]["phase"] == "Succeeded", pod["status"]
    assert result is not None
    labels = result["metadata"]["labels"]
    assert labels["workflows.argoproj.io/report-outputs-completed"] == "true"
    assert labels["workflows.argoproj.io/workflow"] == "wf-a"
    assert result["metadata"]["ownerReferences"][0]["kind"] == "Workflow"
    params = {p["name"]: p.get("value") for p in result["outputs"]["parameters"]}
    assert params == {"out": "out-value", "gone": "dflt"}
    assert result["outputs"]["result"] == "hello"
    main = next(c for c in pod["status"]["containerStatuses"] if c["name"] == "main")
    assert main["state"]["terminated"]["exitCode"] == 0
    outcome = assess(pod, result, SCRIPT, _now())
    assert outcome.phase == "Succeeded" and outcome.outputs_complete
    assert outcome.outputs is not None and outcome.outputs["exitCode"] == "0"


async def test_missing_output_fails_the_node(kube: LocalKube) -> None:
    template = {
        "name": "write",
        "container": {"image": "busybox", "command": ["sh", "-c", "exit 0"]},
        "outputs": {"parameters": [{"name": "x", "valueFrom": {"path": "/tmp/missing"}}]},
    }
    pod, result = await run_pod(kube, template, "wf-b")
    assert pod["status"]["phase"] == "Failed"
    assert result is not None and result["phase"] == "Error"
    outcome = assess(pod, result, template, _now())
    assert outcome.phase == "Error"
    assert outcome.message == "Error (exit code 1): open /tmp/missing: no such file or directory"


async def test_main_exit_code(kube: LocalKube) -> None:
    template = {
        "name": "write",
        "container": {"image": "busybox", "command": ["sh", "-c", "exit 5"]},
    }
    pod, result = await run_pod(kube, template, "wf-c")
    outcome = assess(pod, result, template, _now())
    assert outcome.phase == "Failed" and outcome.exit_code == "5"
    assert outcome.message == "Error (exit code 5)"


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)
