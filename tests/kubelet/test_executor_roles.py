"""Argo-layout pods (from build_pod) over real localkube and bubblewrap, executor roles in the
kubelet (`executor_in_process`) and as real `argoapp exec` processes: same results either way.

Each test runs a pod in both modes and compares what the controller reads: the
WorkflowTaskResult's outputs and phase, the container exit codes and main's log.
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
from argoapp.localkube import resources as r
from argoapp.localkube.cluster import LocalKube, LocalKubeSettings
from argoapp.localkube.errors import NotFound
from tests.conftest import require_tool
from tests.kubelet.conftest import kill_leftovers
from tests.kubelet.harness import logs, status_of

pytestmark = pytest.mark.timeout(120)
Obj = dict[str, Any]
MODES = [pytest.param(True, id="in-process"), pytest.param(False, id="processes")]

SCRIPT = {
    "name": "write",
    "script": {
        "image": "python:3",
        "command": ["sh"],
        "source": "echo out-value > /tmp/out.txt\necho hello\necho oops >&2\n",
    },
    "outputs": {
        "parameters": [
            {"name": "out", "valueFrom": {"path": "/tmp/out.txt"}},
            {"name": "gone", "valueFrom": {"path": "/tmp/none", "default": "dflt"}},
        ]
    },
}


@pytest.fixture(params=MODES)
async def kube(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[LocalKube]:
    require_tool("bwrap")
    settings = LocalKubeSettings(
        data_dir=tmp_path / "data",
        port=0,
        extra_path=(os.path.dirname(sys.executable),),
        executor_in_process=request.param,
    )
    k = LocalKube(settings)
    await k.start()
    yield k
    await k.stop()
    kill_leftovers(tmp_path / "data")


async def run_pod(
    kube: LocalKube, template: Obj, name: str, *, deadline: str | None = None
) -> tuple[Obj, Obj | None]:
    """Create a Workflow and the pod build_pod makes for `template`; its end and task result."""
    body = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": name},
        "spec": {"entrypoint": template["name"], "templates": [template]},
    }
    wf = await kube.service.create(r.WORKFLOWS, "default", body)
    req = PodRequest(
        workflow=wf, spec=wf["spec"], node_id=f"{name}-1", node_name=name,
        pod_name=f"{name}-pod", template=template, include_script_output=True,
        deadline=deadline,
    )  # fmt: skip
    await kube.service.create(r.PODS, "default", build_pod(req, Settings()))
    async with asyncio.timeout(90):
        while True:
            pod = await kube.service.get(r.PODS, "default", req.pod_name)
            if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
                break
            await asyncio.sleep(0.05)
    try:
        result: Obj | None = await kube.service.get(r.WORKFLOWTASKRESULTS, "default", req.node_id)
    except NotFound:
        result = None
    return pod, result


def codes(pod: Obj) -> dict[str, int]:
    """Every container's exit code."""
    status = pod["status"]
    return {
        cs["name"]: cs["state"]["terminated"]["exitCode"]
        for cs in (*status.get("initContainerStatuses", []), *status["containerStatuses"])
    }


async def main_log(kube: LocalKube, pod: Obj) -> str:
    assert kube.kubelet is not None
    return await logs(kube.kubelet, pod, "main")


async def test_script_outputs_and_statuses(kube: LocalKube) -> None:
    pod, result = await run_pod(kube, SCRIPT, "wf-a")
    assert pod["status"]["phase"] == "Succeeded", pod["status"]
    assert codes(pod) == {"init": 0, "wait": 0, "main": 0}
    assert result is not None
    labels = result["metadata"]["labels"]
    assert labels["workflows.argoproj.io/report-outputs-completed"] == "true"
    assert labels["workflows.argoproj.io/workflow"] == "wf-a"
    assert result["metadata"]["ownerReferences"][0]["name"] == "wf-a"
    params = {p["name"]: p.get("value") for p in result["outputs"]["parameters"]}
    assert params == {"out": "out-value", "gone": "dflt"}
    assert result["outputs"]["result"] == "hello"
    assert "phase" not in result
    # stdout and stderr are two pipes: their lines may reach the log in either order
    assert sorted((await main_log(kube, pod)).splitlines()) == ["hello", "oops"]
    for name in ("init", "wait", "main"):
        assert status_of(pod, name)["state"]["terminated"]["reason"] == "Completed"
    # In-process, init and wait leave no shim behind them: the kubelet ran them itself.
    area = kube.settings.data_dir / "pods" / pod["metadata"]["uid"] / "containers"
    shims = {name: (area / name / "0" / "spec.json").exists() for name in ("init", "wait")}
    in_process = kube.settings.executor_in_process
    assert shims == {"init": not in_process, "wait": not in_process}


async def test_failing_main(kube: LocalKube) -> None:
    template = {
        "name": "fail",
        "container": {"image": "busybox", "command": ["sh", "-c", "echo bad; exit 5"]},
    }
    pod, result = await run_pod(kube, template, "wf-b")
    assert pod["status"]["phase"] == "Failed"
    assert codes(pod) == {"init": 0, "wait": 0, "main": 5}
    assert result is not None and "phase" not in result
    assert result["metadata"]["labels"]["workflows.argoproj.io/report-outputs-completed"] == "true"
    assert await main_log(kube, pod) == "bad\n"


async def test_missing_output_file(kube: LocalKube) -> None:
    template = {
        "name": "miss",
        "container": {"image": "busybox", "command": ["true"]},
        "outputs": {"parameters": [{"name": "x", "valueFrom": {"path": "/tmp/missing"}}]},
    }
    pod, result = await run_pod(kube, template, "wf-c")
    assert pod["status"]["phase"] == "Failed"
    assert codes(pod) == {"init": 0, "wait": 1, "main": 0}
    message = "open /tmp/missing: no such file or directory"
    assert status_of(pod, "wait")["state"]["terminated"]["message"] == message
    assert result is not None
    assert result["phase"] == "Error" and result["message"] == message


async def test_sidecar_is_stopped_after_main(kube: LocalKube) -> None:
    template = {
        "name": "side",
        "container": {"image": "busybox", "command": ["sh", "-c", "echo done"]},
        "sidecars": [{"name": "helper", "image": "busybox", "command": ["sleep", "600"]}],
    }
    pod, result = await run_pod(kube, template, "wf-d")
    # The sidecar ends by SIGTERM once main is done: the emissary reports it as 137.
    assert codes(pod) == {"init": 0, "wait": 0, "main": 0, "helper": 137}
    assert result is not None
    assert await main_log(kube, pod) == "done\n"


async def test_deadline_stops_main(kube: LocalKube) -> None:
    template = {
        "name": "slow",
        "container": {"image": "busybox", "command": ["sleep", "600"]},
    }
    pod, result = await run_pod(kube, template, "wf-e", deadline="2000-01-01T00:00:00Z")
    assert pod["status"]["phase"] == "Failed"
    assert codes(pod) == {"init": 0, "wait": 0, "main": 137}
    wait = status_of(pod, "wait")["state"]["terminated"]
    assert wait["message"] == "Step exceeded its deadline"
    assert result is not None
