"""Actions on a workflow whose nodes are offloaded keep them offloaded (audit finding 6).

The nodes here are about 4 MB of JSON, more than localkube takes in one object (3 MiB), so a
workflow written back with its nodes inline cannot be stored at all.
"""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from argoapp.kube.client import Kube
from argoapp.model.ids import node_id
from argoapp.store import Store

from .test_workflow_ops import NS, put, stored_with_status, suspended


def big_suspended(name: str) -> dict[str, Any]:
    """`suspended(name)` plus 2,000 finished pod nodes of 2 KB each."""
    status = suspended(name)
    for i in range(2000):
        nid = node_id(name, f"{name}[1].filler-{i}")
        status["nodes"][nid] = {
            "id": nid,
            "name": f"{name}[1].filler-{i}",
            "type": "Pod",
            "phase": "Succeeded",
            "message": "x" * 2000,
        }
    return status


async def offloaded(kube: Kube, store: Store, name: str) -> tuple[str, str]:
    """Store a running workflow `name` whose big nodes are in the store; (uid, version)."""
    status = big_suspended(name)
    wf = await stored_with_status(kube, name, {"phase": "Running"})
    uid = wf["metadata"]["uid"]
    version, _ = await store.save_nodes(uid, status.pop("nodes"))
    wf["status"] = {**status, "offloadNodeStatusVersion": version}
    await kube.replace("Workflow", wf, NS)
    return uid, version


async def test_resume_of_an_offloaded_workflow_offloads_its_nodes_again(
    api: TestClient[Any, Any], kube: Kube, store: Store
) -> None:
    uid, version = await offloaded(kube, store, "big1")
    status, body = await put(api, "big1", "resume", nodeFieldSelector="displayName=approve")
    assert status == 200, body
    approve = node_id("big1", "big1[0].approve")
    assert body["status"]["nodes"][approve]["phase"] == "Succeeded"
    stored = (await kube.get("Workflow", "big1", NS))["status"]
    assert "nodes" not in stored
    assert stored["offloadNodeStatusVersion"] not in ("", version)
    nodes = await store.load_nodes(uid, stored["offloadNodeStatusVersion"])
    assert nodes is not None and len(nodes) == 2002
    assert nodes[approve]["phase"] == "Succeeded"


async def test_spec_only_actions_leave_offloaded_nodes_alone(
    api: TestClient[Any, Any], kube: Kube, store: Store
) -> None:
    for name, op in (("big2", "suspend"), ("big3", "terminate"), ("big4", "stop")):
        _, version = await offloaded(kube, store, name)
        status, body = await put(api, name, op)
        assert status == 200, body
        stored = await kube.get("Workflow", name, NS)
        assert "nodes" not in stored["status"]
        assert stored["status"]["offloadNodeStatusVersion"] == version
