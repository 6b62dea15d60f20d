"""The PUT operations change the stored workflow (no controller runs: we set status by hand)."""

from __future__ import annotations

import json
from typing import Any

from aiohttp.test_utils import TestClient

from argoapp.kube.client import Kube
from argoapp.model.ids import node_id, pod_name

from .docs import workflow

NS = "argo"


async def stored_with_status(kube: Kube, name: str, status: dict[str, Any]) -> dict[str, Any]:
    created = await kube.create("Workflow", {**workflow(name), "metadata": {"name": name}}, NS)
    created["status"] = status
    return await kube.replace("Workflow", created, NS)


def suspended(name: str) -> dict[str, Any]:
    approve = node_id(name, f"{name}[0].approve")
    return {
        "phase": "Running",
        "nodes": {
            name: {
                "id": name,
                "name": name,
                "type": "Steps",
                "phase": "Running",
                "children": [approve],
            },
            approve: {
                "id": approve,
                "name": f"{name}[0].approve",
                "displayName": "approve",
                "type": "Suspend",
                "phase": "Running",
                "templateName": "approve",
                "outputs": {"parameters": [{"name": "message", "valueFrom": {"supplied": {}}}]},
            },
        },
    }


async def put(api: TestClient[Any, Any], name: str, op: str, **body: Any) -> Any:
    resp = await api.put(
        f"/api/v1/workflows/{NS}/{name}/{op}", json={"namespace": NS, "name": name, **body}
    )
    return resp.status, await resp.json()


async def test_suspend_and_resume(api: TestClient[Any, Any], kube: Kube) -> None:
    await stored_with_status(kube, "s1", {"phase": "Running"})
    status, body = await put(api, "s1", "suspend")
    assert status == 200 and body["spec"]["suspend"] is True
    assert (await kube.get("Workflow", "s1", NS))["spec"]["suspend"] is True
    status, body = await put(api, "s1", "resume")
    assert status == 200 and "suspend" not in body["spec"]
    assert "suspend" not in (await kube.get("Workflow", "s1", NS))["spec"]


async def test_resume_succeeds_running_suspend_nodes(api: TestClient[Any, Any], kube: Kube) -> None:
    await stored_with_status(kube, "s2", suspended("s2"))
    status, _ = await put(api, "s2", "resume", nodeFieldSelector="displayName=approve")
    # a supplied output without a default is not needed when resuming one node by selector
    assert status == 200
    nodes = (await kube.get("Workflow", "s2", NS))["status"]["nodes"]
    approve = nodes[node_id("s2", "s2[0].approve")]
    assert approve["phase"] == "Succeeded" and approve["finishedAt"].endswith("Z")


async def test_set_outputs_then_resume(api: TestClient[Any, Any], kube: Kube) -> None:
    await stored_with_status(kube, "s3", suspended("s3"))
    status, body = await put(
        api,
        "s3",
        "set",
        nodeFieldSelector="displayName=approve",
        outputParameters=json.dumps({"message": "hello"}),
    )
    assert status == 200, body
    approve = body["status"]["nodes"][node_id("s3", "s3[0].approve")]
    assert approve["outputs"]["parameters"] == [{"name": "message", "value": "hello"}]
    assert approve["phase"] == "Running"
    status, body = await put(api, "s3", "resume")
    assert status == 200
    assert body["status"]["nodes"][node_id("s3", "s3[0].approve")]["phase"] == "Succeeded"
    status, body = await put(
        api, "s3", "set", nodeFieldSelector="displayName=approve", phase="Succeeded"
    )
    assert status == 400 and "no suspend nodes matching" in body["message"]
    status, body = await put(
        api, "s3", "set", nodeFieldSelector="displayName=approve", phase="Nope"
    )
    assert status == 400 and body["message"] == "Nope is an invalid phase to set to"


async def test_stop_and_terminate_set_the_shutdown_strategy(
    api: TestClient[Any, Any], kube: Kube
) -> None:
    await stored_with_status(kube, "t1", {"phase": "Running"})
    await stored_with_status(kube, "t2", {"phase": "Running"})
    status, body = await put(api, "t1", "stop", message="enough")
    assert status == 200 and body["spec"]["shutdown"] == "Stop"
    status, body = await put(api, "t2", "terminate")
    assert status == 200 and body["spec"]["shutdown"] == "Terminate"
    assert (await kube.get("Workflow", "t2", NS))["spec"]["shutdown"] == "Terminate"


async def test_operations_on_finished_or_missing_workflows_fail(
    api: TestClient[Any, Any], kube: Kube
) -> None:
    await stored_with_status(
        kube, "done", {"phase": "Succeeded", "finishedAt": "2024-01-01T00:00:00Z"}
    )
    status, body = await put(api, "done", "terminate")
    assert status == 400 and body["message"].startswith("cannot shutdown a completed workflow")
    status, body = await put(api, "done", "suspend")
    assert status == 400 and body["message"] == "cannot suspend completed workflows"
    status, body = await put(api, "done", "retry")
    assert status == 400
    assert body["message"] == (
        "To retry a succeeded workflow, set the options restartSuccessful and nodeFieldSelector"
    )
    status, body = await put(api, "ghost", "resume")
    assert status == 404 and body["code"] == 5


async def test_retry_resets_failed_nodes_and_deletes_their_pods(
    api: TestClient[Any, Any], kube: Kube
) -> None:
    name = "r1"
    ok_name, bad_name = f"{name}[0].ok", f"{name}[1].bad"
    g0, g1 = node_id(name, f"{name}[0]"), node_id(name, f"{name}[1]")
    ok, bad = node_id(name, ok_name), node_id(name, bad_name)
    nodes = {
        name: {"id": name, "name": name, "type": "Steps", "phase": "Failed", "children": [g0]},
        g0: {
            "id": g0,
            "name": f"{name}[0]",
            "type": "StepGroup",
            "phase": "Succeeded",
            "boundaryID": name,
            "children": [ok],
        },
        ok: {
            "id": ok,
            "name": ok_name,
            "type": "Pod",
            "phase": "Succeeded",
            "boundaryID": name,
            "templateName": "main",
            "children": [g1],
        },
        g1: {
            "id": g1,
            "name": f"{name}[1]",
            "type": "StepGroup",
            "phase": "Failed",
            "boundaryID": name,
            "children": [bad],
        },
        bad: {
            "id": bad,
            "name": bad_name,
            "type": "Pod",
            "phase": "Failed",
            "boundaryID": name,
            "templateName": "main",
            "message": "exit 1",
        },
    }
    await stored_with_status(
        kube, name, {"phase": "Failed", "finishedAt": "2024-01-01T00:00:00Z", "nodes": nodes}
    )
    pod = pod_name(name, bad_name, "main")
    await kube.create(
        "Pod",
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": pod},
            "spec": {"containers": [{"name": "main", "image": "busybox"}]},
        },
        NS,
    )
    status, body = await put(api, name, "retry")
    assert status == 200, body
    stored = await kube.get("Workflow", name, NS)
    new_nodes = stored["status"]["nodes"]
    assert bad not in new_nodes
    assert new_nodes[ok]["phase"] == "Succeeded"
    assert new_nodes[g1]["phase"] == "Running" and "children" not in new_nodes[g1]
    assert new_nodes[name]["phase"] == "Running"
    assert "phase" not in stored["status"] and "finishedAt" not in stored["status"]
    pods = (await kube.list("Pod", NS))["items"]
    assert all(p["metadata"]["name"] != pod or p["metadata"].get("deletionTimestamp") for p in pods)


async def test_resubmit_creates_a_new_workflow(api: TestClient[Any, Any], kube: Kube) -> None:
    await stored_with_status(kube, "orig", {"phase": "Failed"})
    status, body = await put(api, "orig", "resubmit", parameters=["message=again"])
    assert status == 200, body
    new_name = body["metadata"]["name"]
    assert new_name.startswith("orig-") and new_name != "orig"
    stored = await kube.get("Workflow", new_name, NS)
    assert stored["metadata"]["labels"]["workflows.argoproj.io/resubmitted-from-workflow"] == "orig"
    assert stored["spec"]["arguments"]["parameters"] == [{"name": "message", "value": "again"}]
    assert "status" not in stored or not stored["status"].get("phase")
