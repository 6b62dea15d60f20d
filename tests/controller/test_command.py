"""`argoapp controller` as a process: the real engine against a cluster, settings from the
workflow-controller-configmap, a clean SIGTERM, and clear errors without tracebacks."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import pytest

from argoapp.kube.client import Kube
from argoapp.localkube.cluster import LocalKube
from argoapp.model.types import Obj

from .conftest import eventually, workflow

pytestmark = pytest.mark.timeout(120)


async def start_command(*args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "argoapp", "controller", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip


async def test_the_controller_alone_runs_workflows_with_configmap_settings(
    localkube: LocalKube, kube: Kube, tmp_path: Path
) -> None:
    await kube.create(
        "ConfigMap",
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "workflow-controller-configmap", "namespace": "argo"},
            "data": {"config": "executor:\n  image: example.com/argoexec:v9\n"},
        },
    )
    hello = workflow("alone")
    hello["spec"]["templates"] = [
        {"name": "main", "container": {"image": "python:3", "command": ["true"]}}
    ]
    await kube.create("Workflow", hello)
    proc = await start_command(
        "--kubeconfig", str(localkube.kubeconfig), "--data-dir", str(tmp_path / "ctl")
    )
    try:

        async def pod() -> Obj | None:
            pods = await kube.list(
                "Pod", "default", label_selector="workflows.argoproj.io/workflow=alone"
            )
            return pods["items"][0] if pods["items"] else None

        made = await eventually(pod, timeout=60)
        images = {c["image"] for c in made["spec"]["initContainers"] + made["spec"]["containers"]}
        assert "example.com/argoexec:v9" in images

        async def admitted() -> Obj | None:
            # the pass writes the workflow after creating its pod: wait for that write
            wf = await kube.get("Workflow", "alone", "default")
            return wf if (wf.get("status") or {}).get("phase") else None

        wf = await eventually(admitted, timeout=30)
        assert wf["status"]["phase"] in ("Pending", "Running", "Succeeded", "Failed")
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            out, _ = await proc.communicate()
    assert proc.returncode == 0, out.decode()
    assert b"Traceback" not in out
    assert (tmp_path / "ctl" / "argoapp.db").exists()


async def test_missing_credentials_are_a_clear_error(tmp_path: Path) -> None:
    proc = await start_command("--kubeconfig", str(tmp_path / "nope"))
    out, _ = await proc.communicate()
    assert proc.returncode == 2
    assert b"cannot load Kubernetes credentials" in out
    assert b"Traceback" not in out


async def test_an_unreachable_cluster_is_a_clear_error(
    localkube: LocalKube, tmp_path: Path
) -> None:
    config = localkube.kubeconfig.read_text()
    dead = tmp_path / "dead-kubeconfig"
    dead.write_text(config.replace(localkube.url, "https://127.0.0.1:1"))
    proc = await start_command("--kubeconfig", str(dead), "--data-dir", str(tmp_path / "d"))
    out, _ = await proc.communicate()
    assert proc.returncode == 1, out.decode()
    assert b"argoapp: " in out
    assert b"Traceback" not in out


async def test_conflicting_flags_are_refused(tmp_path: Path) -> None:
    proc = await start_command("--namespace", "x", "--all-namespaces")
    out, _ = await proc.communicate()
    assert proc.returncode == 2
    assert b"cannot be used together" in out
