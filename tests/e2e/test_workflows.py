"""Workflows through `argoapp up`, end to end: kubectl → controller → engine → pods → Succeeded.

The second test kills `argoapp up` with SIGKILL while a step runs, starts it again on the same
data dir, and checks that the workflow finishes with every step run exactly once (each step
appends its name to a file in a hostPath volume, so a step run twice would show).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.upproc import UpProcess, free_port, kubectl, kubectl_json

pytestmark = pytest.mark.timeout(240)


def hello_world(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "entrypoint": "main",
            "templates": [
                {
                    "name": "main",
                    "container": {
                        "image": "python:3",
                        "command": ["sh", "-c", "echo hello world"],
                    },
                }
            ],
        },
    }


def counted_steps(name: str, shared: Path) -> dict[str, Any]:
    """Steps a, b, c; each appends its name to /shared/runs. Step a then waits for /shared/go."""
    step = {
        "name": "step",
        "inputs": {"parameters": [{"name": "who"}]},
        "container": {
            "image": "python:3",
            "command": ["sh", "-c"],
            "args": [
                "echo {{inputs.parameters.who}} >> /shared/runs; "
                'if [ "{{inputs.parameters.who}}" = a ]; then '
                "while [ ! -f /shared/go ]; do sleep 0.1; done; fi"
            ],
            "volumeMounts": [{"name": "shared", "mountPath": "/shared"}],
        },
    }
    steps = [
        [
            {
                "name": who,
                "template": "step",
                "arguments": {"parameters": [{"name": "who", "value": who}]},
            }
        ]
        for who in ("a", "b", "c")
    ]
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "entrypoint": "main",
            "volumes": [{"name": "shared", "hostPath": {"path": str(shared), "type": "Directory"}}],
            "templates": [{"name": "main", "steps": steps}, step],
        },
    }


async def wait_phase(up: UpProcess, home: Path, name: str, phase: str) -> dict[str, Any]:
    code, _, err = await kubectl(
        up,
        home,
        "wait",
        f"--for=jsonpath={{.status.phase}}={phase}",
        f"workflow/{name}",
        "--timeout=120s",
    )
    assert code == 0, f"{err}\n{''.join(up.output)[-4000:]}"
    wf: dict[str, Any] = await kubectl_json(up, home, "get", "workflow", name)
    return wf


async def test_hello_world_succeeds(up: UpProcess, tmp_path: Path) -> None:
    wf = hello_world("hello")
    # the kubelet runs the step without its emissary here: the step's environment must still
    # be what the emissary gives (no TMPDIR the controller set for the executor)
    wf["spec"]["templates"][0]["container"]["command"][2] += "; echo tmpdir=${TMPDIR-unset}"
    code, _, err = await kubectl(up, tmp_path, "apply", "-f", "-", stdin=json.dumps(wf))
    assert code == 0, err
    wf = await wait_phase(up, tmp_path, "hello", "Succeeded")
    nodes = wf["status"]["nodes"]
    assert nodes["hello"]["phase"] == "Succeeded"
    assert wf["metadata"]["labels"]["workflows.argoproj.io/completed"] == "true"
    pods = await kubectl_json(
        up, tmp_path, "get", "pods", "-l", "workflows.argoproj.io/workflow=hello"
    )
    assert len(pods["items"]) == 1
    code, out, err = await kubectl(
        up, tmp_path, "logs", pods["items"][0]["metadata"]["name"], "-c", "main"
    )
    assert code == 0, err
    assert "hello world" in out and "tmpdir=unset" in out


async def test_kill_9_mid_workflow_finishes_after_restart_with_no_step_run_twice(
    tmp_path: Path,
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    runs = shared / "runs"
    data = tmp_path / "data"
    # The same localkube port across the restart: the pod that outlives the first process
    # reports to the API its KUBERNETES_SERVICE_PORT names.
    same_port = ("--kube-port", str(free_port()))
    first = UpProcess(data, *same_port)
    await first.start()
    try:
        manifest = json.dumps(counted_steps("counted", shared))
        code, _, err = await kubectl(first, tmp_path, "apply", "-f", "-", stdin=manifest)
        assert code == 0, err
        await _until_file_says(runs, "a\n")  # step a is running (and waits for /shared/go)
    finally:
        await first.kill()

    # On another API port: the workflow recorded the built-in artifact store (which answers on
    # the API's port) when it started, and the adopted pod was given that address; both must
    # reach the store where it answers now.
    second = UpProcess(data, *same_port)
    assert second.port != first.port
    await second.start()
    try:
        (shared / "go").touch()  # step a, adopted by the new process, may finish now
        wf = await wait_phase(second, tmp_path, "counted", "Succeeded")
        assert runs.read_text() == "a\nb\nc\n"
        names = {n["displayName"] for n in wf["status"]["nodes"].values() if n["type"] == "Pod"}
        assert names == {"a", "b", "c"}
    finally:
        await second.terminate()


async def _until_file_says(path: Path, text: str) -> None:
    async with asyncio.timeout(120):
        while not (path.exists() and path.read_text() == text):  # noqa: ASYNC110 (a file)
            await asyncio.sleep(0.1)
