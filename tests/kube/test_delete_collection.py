"""`delete_collection` against a real localkube, over HTTPS (`Kube`) and in process
(`InProcessKube`, local mode's controller): it deletes exactly what the selectors pick, in the
one namespace, and says how many went."""

from __future__ import annotations

import pytest

from argoapp.kube.api import KubeApi
from argoapp.kube.client import Kube
from argoapp.localkube.cluster import LocalKube
from argoapp.localkube.inproc import InProcessKube
from argoapp.model.types import Obj

LABEL = "workflows.argoproj.io/workflow"


def task_result(name: str, workflow: str, namespace: str = "default") -> Obj:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "WorkflowTaskResult",
        "metadata": {"name": name, "namespace": namespace, "labels": {LABEL: workflow}},
        "outputs": {"parameters": [{"name": "p", "value": name}]},
    }


@pytest.fixture(params=["http", "inprocess"])
def client(request: pytest.FixtureRequest, kube: Kube, localkube: LocalKube) -> KubeApi:
    if request.param == "http":
        return kube
    return InProcessKube(localkube.service, host=localkube.url)


async def names(client: KubeApi, namespace: str) -> list[str]:
    listed = await client.list("WorkflowTaskResult", namespace)
    return sorted(i["metadata"]["name"] for i in listed["items"])


async def test_a_label_selector_deletes_exactly_its_objects(client: KubeApi) -> None:
    await client.create("Namespace", {"apiVersion": "v1", "metadata": {"name": "other"}})
    # `wf` is a prefix of `wf-2`: the selector must match the value whole
    for name, wf, ns in [
        ("wf-a", "wf", "default"),
        ("wf-b", "wf", "default"),
        ("wf-2-a", "wf-2", "default"),
        ("other-a", "wf", "other"),
    ]:
        await client.create("WorkflowTaskResult", task_result(name, wf, ns))
    count = await client.delete_collection(
        "WorkflowTaskResult", "default", label_selector=f"{LABEL}=wf", propagation="Background"
    )
    assert count == 2
    assert await names(client, "default") == ["wf-2-a"]
    assert await names(client, "other") == ["other-a"]  # another namespace is left alone
    nothing = await client.delete_collection(
        "WorkflowTaskResult", "default", label_selector=f"{LABEL}=wf"
    )
    assert nothing == 0


async def test_a_field_selector_picks_by_name(client: KubeApi) -> None:
    for name in ("one", "two"):
        await client.create("WorkflowTaskResult", task_result(name, "wf"))
    count = await client.delete_collection(
        "WorkflowTaskResult", "default", field_selector="metadata.name=one"
    )
    assert count == 1
    assert await names(client, "default") == ["two"]
