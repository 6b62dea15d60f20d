"""Kube.pod_log against a pod the real (sandboxed) localkube kubelet runs."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from argoapp.kube.client import Kube
from argoapp.kube.errors import BadRequest, NotFound
from argoapp.model.types import Obj

from .conftest import StartLocalKube


def talker(name: str, script: str) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "restartPolicy": "Never",
            "containers": [{"name": "main", "image": "busybox", "command": ["sh", "-c", script]}],
        },
    }


async def phase(kube: Kube, name: str, *phases: str) -> Obj:
    async with contextlib.aclosing(
        kube.watch("Pod", "default", field_selector=f"metadata.name={name}")
    ) as events:
        async for _, obj in events:
            if obj.get("status", {}).get("phase") in phases:
                return obj
    raise AssertionError(f"pod {name} never reached {phases}")


async def test_pod_log_follows_and_tails(start_localkube: StartLocalKube) -> None:
    cluster = await start_localkube(kubelet=True)
    async with await Kube.connect(cluster.kubeconfig) as kube, asyncio.timeout(60):
        await kube.create("Pod", talker("p", "for i in 1 2 3; do echo line-$i; sleep 0.2; done"))
        await phase(kube, "p", "Running", "Succeeded")
        followed = b"".join([c async for c in kube.pod_log("p", "default", follow=True)])
        assert followed == b"line-1\nline-2\nline-3\n"
        await phase(kube, "p", "Succeeded")
        tail = b"".join([c async for c in kube.pod_log("p", "default", tail_lines=1)])
        assert tail == b"line-3\n"
        with pytest.raises(BadRequest):
            async for _ in kube.pod_log("p", "default", container="nope"):
                pass
        with pytest.raises(NotFound):
            async for _ in kube.pod_log("missing", "default"):
                pass
        assert kube.request_counts[("Pod", "log", 200)] == 2
