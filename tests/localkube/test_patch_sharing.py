"""Patches build the new object from the stored one without copying it whole: what a patch
leaves alone is shared between the old and new versions. These check, through the in-process
client on a real localkube, that no patch changes the stored old version on the way (which
would make an update look like no change and be dropped) and that every version reads back
as written."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator

import pytest

from argoapp.localkube.inproc import InProcessKube

from .harness import KubeServer


@pytest.fixture
async def inproc(kube: KubeServer) -> AsyncIterator[InProcessKube]:
    client = InProcessKube(kube.service, host=kube.url)
    yield client
    await client.close()


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


async def test_string_data_lands_in_data_that_the_patch_left_alone(inproc: InProcessKube) -> None:
    body = {"metadata": {"name": "s"}, "data": {"a": _b64("1")}}
    await inproc.create("Secret", body, "default")
    await inproc.patch("Secret", "s", {"stringData": {"b": "2"}}, "default")
    stored = await inproc.get("Secret", "s", "default")
    assert stored["data"] == {"a": _b64("1"), "b": _b64("2")}
    assert "stringData" not in stored


async def test_status_patches_keep_the_spec_and_merge_the_status(inproc: InProcessKube) -> None:
    pod = {
        "metadata": {"name": "p", "labels": {"x": "1"}},
        "spec": {"containers": [{"name": "main", "image": "busybox", "command": ["true"]}]},
    }
    made = await inproc.create("Pod", pod, "default")
    first = await inproc.patch(
        "Pod", "p", {"status": {"phase": "Running", "hostIP": "1.2.3.4"}}, "default",
        subresource="status",
    )  # fmt: skip
    second = await inproc.patch(
        "Pod", "p", {"status": {"phase": "Succeeded"}, "spec": {"nodeName": "elsewhere"}},
        "default", subresource="status",
    )  # fmt: skip
    assert first["status"]["phase"] == "Running"  # what a client got is not changed later
    assert second["status"] == {**first["status"], "phase": "Succeeded"}
    assert second["spec"] == made["spec"]  # a status patch changes nothing but the status
    await inproc.patch("Pod", "p", {"metadata": {"labels": {"y": "2"}}}, "default")
    stored = await inproc.get("Pod", "p", "default")
    assert stored["metadata"]["labels"] == {"x": "1", "y": "2"}
    assert stored["status"]["phase"] == "Succeeded" and stored["spec"] == made["spec"]
    rvs = [int(o["metadata"]["resourceVersion"]) for o in (made, first, second, stored)]
    assert rvs == sorted(rvs) and len(set(rvs)) == 4  # each patch was stored as a version
