"""End to end over real localkube: resource-template pods from build_pod, run by the kubelet.

The main container is `argoexec emissary -- argoexec resource ACTION`: a real `argoapp exec
resource` process in a bubblewrap sandbox that reaches localkube with the pod's service account,
acts on the manifest, waits for the conditions and reports the WorkflowTaskResult itself (the
pod has no wait container). The tests check the objects it left and the reported outputs.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from argoapp.engine.api import Settings
from argoapp.engine.pods import PodRequest, build_pod
from argoapp.engine.podstatus import assess
from argoapp.localkube import resources as r
from argoapp.localkube.cluster import LocalKube, LocalKubeSettings
from argoapp.localkube.errors import NotFound
from argoapp.localkube.patching import MERGE
from tests.conftest import require_tool
from tests.kubelet.conftest import kill_leftovers

pytestmark = pytest.mark.timeout(120)
Obj = dict[str, Any]
COMPLETED = "workflows.argoproj.io/report-outputs-completed"

CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: made-by-argo
data:
  greeting: hello
  old: gone-after-apply
"""


async def _localkube(tmp_path: Path, *, in_process: bool) -> AsyncIterator[LocalKube]:
    require_tool("bwrap")
    settings = LocalKubeSettings(
        data_dir=tmp_path / "data",
        port=0,
        extra_path=(os.path.dirname(sys.executable),),
        executor_in_process=in_process,
    )
    k = LocalKube(settings)
    await k.start()
    yield k
    await k.stop()
    kill_leftovers(tmp_path / "data")


@pytest.fixture
async def kube(tmp_path: Path) -> AsyncIterator[LocalKube]:
    """The kubelet's default: init and wait in-process, the resource command a real process."""
    async for k in _localkube(tmp_path, in_process=True):
        yield k


@pytest.fixture
async def kube_processes(tmp_path: Path) -> AsyncIterator[LocalKube]:
    """Every executor role a real `argoapp exec` process, the emissary wrapping main."""
    async for k in _localkube(tmp_path, in_process=False):
        yield k


class Runner:
    """Runs resource templates as pods of one Workflow, one node after another."""

    def __init__(self, kube: LocalKube) -> None:
        self.kube = kube
        self.workflow: Obj = {}
        self.count = 0

    async def start(self, template: Obj) -> str:
        """Create the pod for `template`; its node id."""
        if not self.workflow:
            body = {
                "apiVersion": "argoproj.io/v1alpha1",
                "kind": "Workflow",
                "metadata": {"name": "wf-res"},
                "spec": {"entrypoint": "r", "templates": [template]},
            }
            self.workflow = await self.kube.service.create(r.WORKFLOWS, "default", body)
        self.count += 1
        req = PodRequest(
            workflow=self.workflow,
            spec=self.workflow["spec"],
            node_id=f"wf-res-{self.count}",
            node_name=f"wf-res[{self.count}]",
            pod_name=f"wf-res-r-{self.count}",
            template=template,
        )
        await self.kube.service.create(r.PODS, "default", build_pod(req, Settings()))
        return req.node_id

    async def finish(self, node_id: str, template: Obj) -> tuple[Obj, Obj, Any]:
        """Wait for the pod of `node_id` to end: (pod, task result, the engine's outcome)."""
        pod_name = f"wf-res-r-{node_id.rsplit('-', 1)[1]}"
        async with asyncio.timeout(90):
            while True:
                pod = await self.kube.service.get(r.PODS, "default", pod_name)
                if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
                    break
                await asyncio.sleep(0.1)
        result = await self.kube.service.get(r.WORKFLOWTASKRESULTS, "default", node_id)
        return pod, result, assess(pod, result, template, datetime.now(UTC))

    async def run(self, template: Obj) -> tuple[Obj, Obj, Any]:
        return await self.finish(await self.start(template), template)

    async def outcome(self, template: Obj) -> Any:
        """Only the engine's outcome of running `template`."""
        return (await self.run(template))[2]


def resource_template(action: str, manifest: str = "", **fields: Any) -> Obj:
    outputs = fields.pop("outputs", None)
    template: Obj = {"name": "r", "resource": {"action": action, "manifest": manifest, **fields}}
    if outputs:
        template["outputs"] = {"parameters": outputs}
    return template


def params(result: Obj) -> dict[str, Any]:
    return {p["name"]: p.get("value") for p in (result.get("outputs") or {}).get("parameters", [])}


async def configmap(kube: LocalKube, name: str = "made-by-argo") -> Obj:
    return await kube.service.get(r.CONFIGMAPS, "default", name)


async def test_create_get_patch_apply_delete_a_configmap(kube: LocalKube) -> None:
    run = Runner(kube)
    outputs = [
        {"name": "name", "valueFrom": {"jsonPath": "{.metadata.name}"}},
        {"name": "greeting", "valueFrom": {"jqFilter": ".data.greeting"}},
    ]
    create = resource_template("create", CONFIGMAP, setOwnerReference=True, outputs=outputs)
    pod, result, outcome = await run.run(create)
    assert pod["status"]["phase"] == "Succeeded", pod["status"]
    assert outcome.phase == "Succeeded" and outcome.outputs_complete
    assert result["metadata"]["labels"][COMPLETED] == "true"
    assert params(result) == {"name": "made-by-argo", "greeting": "hello"}
    cm = await configmap(kube)
    assert cm["data"] == {"greeting": "hello", "old": "gone-after-apply"}
    owner = cm["metadata"]["ownerReferences"][0]
    assert (owner["kind"], owner["name"], owner["uid"]) == (
        "Workflow",
        "wf-res",
        run.workflow["metadata"]["uid"],
    )

    get = resource_template(
        "get", CONFIGMAP, outputs=[{"name": "keys", "valueFrom": {"jqFilter": ".data | keys"}}]
    )
    pod, result, outcome = await run.run(get)
    assert outcome.phase == "Succeeded"
    assert params(result) == {"keys": '["greeting","old"]'}

    merge = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: made-by-argo\ndata:\n  greeting: hi\n"
    )
    pod, result, outcome = await run.run(resource_template("patch", merge, mergeStrategy="merge"))
    assert outcome.phase == "Succeeded"
    assert (await configmap(kube))["data"]["greeting"] == "hi"

    ops = '[{"op": "add", "path": "/data/added", "value": "by-json-patch"}]'
    json_patch = resource_template(
        "patch", ops, mergeStrategy="json", flags=["configmap", "made-by-argo"]
    )
    pod, result, outcome = await run.run(json_patch)
    assert outcome.phase == "Succeeded", outcome.message
    assert (await configmap(kube))["data"]["added"] == "by-json-patch"

    pod, result, outcome = await run.run(resource_template("delete", CONFIGMAP))
    assert outcome.phase == "Succeeded"
    with pytest.raises(NotFound):
        await configmap(kube)
    pod, result, outcome = await run.run(resource_template("delete", CONFIGMAP))
    assert outcome.phase == "Succeeded"  # already gone is fine, as with --ignore-not-found


async def test_create_behind_the_real_emissary(kube_processes: LocalKube) -> None:
    run = Runner(kube_processes)
    outputs = [{"name": "uid", "valueFrom": {"jsonPath": "{.metadata.uid}"}}]
    pod, result, outcome = await run.run(resource_template("create", CONFIGMAP, outputs=outputs))
    assert outcome.phase == "Succeeded", outcome.message
    cm = await configmap(kube_processes)
    assert params(result) == {"uid": cm["metadata"]["uid"]}
    main = next(c for c in pod["spec"]["containers"] if c["name"] == "main")
    assert main["command"][:2] == ["/var/run/argo/argoexec", "emissary"]
    assert main["command"][-3:] == ["argoexec", "resource", "create"]


async def test_apply_creates_then_updates_and_create_twice_fails(kube: LocalKube) -> None:
    run = Runner(kube)
    pod, result, outcome = await run.run(resource_template("apply", CONFIGMAP))
    assert outcome.phase == "Succeeded", outcome.message
    changed = CONFIGMAP.replace("hello", "again").replace("  old: gone-after-apply\n", "")
    pod, result, outcome = await run.run(resource_template("apply", changed))
    assert outcome.phase == "Succeeded", outcome.message
    assert (await configmap(kube))["data"] == {"greeting": "again"}

    pod, result, outcome = await run.run(resource_template("create", CONFIGMAP))
    assert pod["status"]["phase"] == "Failed"
    assert outcome.phase == "Failed"
    assert outcome.message.startswith("Error (exit code 1): Error from server (AlreadyExists)")
    assert result["metadata"]["labels"][COMPLETED] == "true"


CHILD = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: child
spec:
  entrypoint: main
  templates:
  - name: main
    container: {image: busybox}
"""


async def set_phase(kube: LocalKube, phase: str) -> None:
    patch = {"status": {"phase": phase}}
    await kube.service.patch(r.WORKFLOWS, "default", "child", MERGE, patch)


async def _conditioned(kube: LocalKube, final_phase: str) -> tuple[Obj, Obj, Any]:
    """Create a custom object that waits on its status; set that status once it exists."""
    run = Runner(kube)
    template = resource_template(
        "create",
        CHILD,
        successCondition="status.phase == Succeeded",
        failureCondition="status.phase in (Failed, Error)",
        outputs=[{"name": "phase", "valueFrom": {"jsonPath": "{.status.phase}"}}],
    )
    node_id = await run.start(template)
    async with asyncio.timeout(60):
        while True:
            try:
                await kube.service.get(r.WORKFLOWS, "default", "child")
                break
            except NotFound:
                await asyncio.sleep(0.1)
    await set_phase(kube, "Running")
    await asyncio.sleep(1.5)  # let a poll or two see Running: neither condition holds yet
    pod = await kube.service.get(r.PODS, "default", f"wf-res-r-{node_id.rsplit('-', 1)[1]}")
    assert pod["status"]["phase"] == "Running"
    await set_phase(kube, final_phase)
    return await run.finish(node_id, template)


async def test_success_condition_on_a_custom_object(kube: LocalKube) -> None:
    _pod, result, outcome = await _conditioned(kube, "Succeeded")
    assert outcome.phase == "Succeeded", outcome.message
    assert params(result) == {"phase": "Succeeded"}


async def test_failure_condition_fails_the_node_with_argos_message(kube: LocalKube) -> None:
    pod, result, outcome = await _conditioned(kube, "Failed")
    assert pod["status"]["phase"] == "Failed"
    assert outcome.phase == "Failed"
    message = "failure condition 'status.phase in (Error,Failed)' evaluated true"
    assert outcome.message == f"Error (exit code 1): {message}"
    assert result["metadata"]["labels"][COMPLETED] == "true"


async def test_data_pod_reports_its_failure(kube: LocalKube) -> None:
    run = Runner(kube)
    template = {"name": "d", "data": {"source": {"artifactPaths": {"s3": {"bucket": "b"}}}}}
    _pod, result, outcome = await run.run(template)
    assert outcome.phase == "Failed"
    assert "unable to source artifact paths: " in outcome.message
    assert "no artifact repository is configured" in outcome.message
    assert result["metadata"]["labels"][COMPLETED] == "true"


DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: nginx}
      - {name: side, image: busybox}
"""


async def test_kinds_found_by_discovery_replace_and_strategic_patch(kube: LocalKube) -> None:
    run = Runner(kube)
    outcome = await run.outcome(resource_template("create", DEPLOYMENT))
    assert outcome.phase == "Succeeded", outcome.message

    # strategic merge (the default) merges the containers list by name
    patch = "spec:\n  template:\n    spec:\n      containers:\n      - {name: web, image: httpd}\n"
    outcome = await run.outcome(resource_template("patch", patch, flags=["deploy/web"]))
    assert outcome.phase == "Succeeded", outcome.message
    deploy = await kube.service.get(r.DEPLOYMENTS, "default", "web")
    images = {c["name"]: c["image"] for c in deploy["spec"]["template"]["spec"]["containers"]}
    assert images == {"web": "httpd", "side": "busybox"}

    replaced = DEPLOYMENT.replace("replicas: 1", "replicas: 3")
    outcome = await run.outcome(resource_template("replace", replaced))
    assert outcome.phase == "Succeeded", outcome.message
    deploy = await kube.service.get(r.DEPLOYMENTS, "default", "web")
    assert deploy["spec"]["replicas"] == 3
    images = {c["name"]: c["image"] for c in deploy["spec"]["template"]["spec"]["containers"]}
    assert images == {"web": "nginx", "side": "busybox"}

    missing = DEPLOYMENT.replace("name: web\n  labels", "name: nope\n  labels")
    outcome = await run.outcome(resource_template("get", missing))
    assert outcome.phase == "Failed"
    assert "Error from server (NotFound)" in outcome.message

    unknown = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n"
    outcome = await run.outcome(resource_template("create", unknown))
    assert outcome.phase == "Failed"
    assert outcome.message.endswith('no matches for kind "Widget" in version "example.com/v1"')


async def test_a_stopped_wait_still_completes_the_task_result(kube: LocalKube) -> None:
    run = Runner(kube)
    template = resource_template("create", CHILD, successCondition="status.phase == Succeeded")
    node_id = await run.start(template)
    async with asyncio.timeout(60):
        while True:
            try:
                await kube.service.get(r.WORKFLOWS, "default", "child")
                break
            except NotFound:
                await asyncio.sleep(0.1)
    pod_name = f"wf-res-r-{node_id.rsplit('-', 1)[1]}"
    await kube.service.delete(r.PODS, "default", pod_name)  # the kubelet sends SIGTERM
    async with asyncio.timeout(60):
        while True:
            result = await kube.service.get(r.WORKFLOWTASKRESULTS, "default", node_id)
            if result["metadata"]["labels"][COMPLETED] == "true":
                break
            await asyncio.sleep(0.1)
    assert "outputs" not in result
