"""`argoapp controller` against a cluster it only knows by its kubeconfig: the cluster path.

The cluster here is a localkube started by the test, with its kubelet running every executor
role as a real `argoapp exec …` process (init copies the program into /var/run/argo, the
emissary wraps main, wait reports the WorkflowTaskResult over HTTPS), exactly as Argo's pods do
on Kubernetes. The controller is a separate `argoapp controller` process with nothing but the
kubeconfig and its settings from the `workflow-controller-configmap` ConfigMap; the workflow is
created with kubectl. So the controller, the pod layout and the executor meet only over the
Kubernetes API, as they would on k3s.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from argoapp.localkube.cluster import LocalKube, LocalKubeSettings
from tests.conftest import require_tool
from tests.kubelet.conftest import kill_leftovers

pytestmark = pytest.mark.timeout(180)

WORKFLOW = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: cluster-path, namespace: default}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: produce
        template: produce
    - - name: consume
        template: consume
        arguments:
          parameters:
          - {name: word, value: "{{steps.produce.outputs.parameters.word}}"}
          - {name: said, value: "{{steps.produce.outputs.result}}"}
  - name: produce
    outputs:
      parameters:
      - name: word
        valueFrom: {path: /tmp/word.txt}
    script:
      image: debian:bookworm
      command: [sh]
      source: |
        printf bird > /tmp/word.txt
        # what the one-file executor needed to start (its TMPDIR) is not the step's
        test -z "${TMPDIR+set}" || exit 7
        echo the word is bird
  - name: consume
    inputs:
      parameters:
      - name: word
      - name: said
    container:
      image: debian:bookworm
      command: [sh, -c]
      args: ['test "{{inputs.parameters.word}}" = bird && echo "{{inputs.parameters.said}}"']
"""


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[LocalKube]:
    require_tool("bwrap")
    settings = LocalKubeSettings(
        data_dir=tmp_path / "cluster",
        port=0,
        extra_path=(os.path.dirname(sys.executable),),
        executor_in_process=False,  # every role a real `argoapp exec` process
    )
    kube = LocalKube(settings)
    await kube.start()
    yield kube
    await kube.stop()
    kill_leftovers(tmp_path / "cluster")


async def kubectl(kube: LocalKube, *args: str, stdin: str | None = None) -> str:
    require_tool("kubectl")
    proc = await asyncio.create_subprocess_exec(
        "kubectl",
        "--kubeconfig",
        str(kube.kubeconfig),
        *args,
        stdin=asyncio.subprocess.PIPE if stdin is not None else None,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate(stdin.encode() if stdin is not None else None)
    assert proc.returncode == 0, err.decode()
    return out.decode()


async def workflow(kube: LocalKube, name: str) -> dict[str, Any]:
    out = await kubectl(kube, "get", "workflow", name, "-n", "default", "-o", "json")
    result: dict[str, Any] = json.loads(out)
    return result


async def test_controller_runs_a_workflow_over_the_kubernetes_api(
    cluster: LocalKube, tmp_path: Path
) -> None:
    config = {"config": yaml.safe_dump({"executor": {"image": "quay.io/argoproj/argoexec:v4"}})}
    configmap = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "workflow-controller-configmap", "namespace": "default"},
        "data": config,
    }
    await kubectl(cluster, "apply", "-f", "-", stdin=json.dumps(configmap))
    env = dict(os.environ, ARGO_NAMESPACE="default")
    controller = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "argoapp",
        "controller",
        "--kubeconfig",
        str(cluster.kubeconfig),
        "--data-dir",
        str(tmp_path / "controller"),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        await kubectl(cluster, "create", "-f", "-", stdin=WORKFLOW)
        wf: dict[str, Any] = {}
        for _ in range(600):
            wf = await workflow(cluster, "cluster-path")
            if (wf.get("status") or {}).get("phase") in ("Succeeded", "Failed", "Error"):
                break
            await asyncio.sleep(0.2)
        status = wf["status"]
        assert status["phase"] == "Succeeded", json.dumps(status, indent=1)[:3000]
        nodes = {n["displayName"]: n for n in status["nodes"].values()}
        produced = nodes["produce"]["outputs"]
        assert {"name": "word", "value": "bird"}.items() <= produced["parameters"][0].items()
        assert produced["result"] == "the word is bird"
        assert nodes["consume"]["inputs"]["parameters"][1]["value"] == "the word is bird"
        # the pods ran Argo's layout with real executor processes
        pods = json.loads(await kubectl(cluster, "get", "pods", "-n", "default", "-o", "json"))
        pod = next(p for p in pods["items"] if p["metadata"]["name"] == nodes["produce"]["podName"])
        init = pod["status"]["initContainerStatuses"][0]
        assert init["name"] == "init" and init["state"]["terminated"]["exitCode"] == 0
        exits = {
            c["name"]: c["state"]["terminated"]["exitCode"]
            for c in pod["status"]["containerStatuses"]
        }
        assert exits == {"wait": 0, "main": 0}
        main = next(c for c in pod["spec"]["containers"] if c["name"] == "main")
        assert main["command"][:2] == ["/var/run/argo/argoexec", "emissary"]
        # the user's image may have no writable /tmp: the executor unpacks in var-run-argo
        assert {"name": "TMPDIR", "value": "/var/run/argo"} in main["env"]
        # the outputs above came in the two pods' WorkflowTaskResults, which the controller
        # deletes once the workflow is done, as Argo does
        for _ in range(300):
            results = json.loads(
                await kubectl(cluster, "get", "workflowtaskresults", "-n", "default", "-o", "json")
            )
            if not results["items"]:
                break
            await asyncio.sleep(0.1)
        assert results["items"] == []
    finally:
        controller.send_signal(signal.SIGTERM)
        out, _ = await controller.communicate()
    assert controller.returncode == 0, out.decode()[-2000:]
    assert b"Traceback" not in out
