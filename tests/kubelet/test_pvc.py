"""A persistentVolumeClaim is one directory per claim, shared by its pods and kept after them."""

from __future__ import annotations

from argoapp.localkube import resources as r
from argoapp.localkube.kubelet import Kubelet
from argoapp.localkube.objects import ObjectService

from .harness import finished, gone, logs, pod, sh

CLAIM = [{"name": "data", "persistentVolumeClaim": {"claimName": "shared-claim"}}]
MOUNT = [{"name": "data", "mountPath": "/data"}]


async def test_two_pods_share_a_claim_in_turn(service: ObjectService, kubelet: Kubelet) -> None:
    await service.create(
        r.PVCS, "default",
        {"metadata": {"name": "shared-claim"},
         "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}},
    )  # fmt: skip
    first = pod("first", sh("main", "echo one > /data/note", volumeMounts=MOUNT), volumes=CLAIM)
    await service.create(r.PODS, "default", first)
    await finished(service, "first")
    await service.delete(r.PODS, "default", "first")
    await gone(service, "first")
    second = pod(
        "second", sh("main", "cat /data/note; echo two >> /data/note", volumeMounts=MOUNT),
        volumes=CLAIM,
    )  # fmt: skip
    await service.create(r.PODS, "default", second)
    done = await finished(service, "second")
    assert await logs(kubelet, done) == "one\n"
    third = pod("third", sh("main", "cat /data/note", volumeMounts=MOUNT), volumes=CLAIM)
    await service.create(r.PODS, "default", third)
    done = await finished(service, "third")
    assert await logs(kubelet, done) == "one\ntwo\n"


async def test_claims_are_per_namespace(service: ObjectService, kubelet: Kubelet) -> None:
    writer = pod("w", sh("main", "echo argo > /data/f", volumeMounts=MOUNT), volumes=CLAIM)
    await service.create(r.PODS, "argo", writer)
    await finished(service, "w", "argo")
    reader = pod("r", sh("main", "ls /data | wc -l", volumeMounts=MOUNT), volumes=CLAIM)
    await service.create(r.PODS, "default", reader)
    done = await finished(service, "r")
    assert (await logs(kubelet, done)).strip() == "0"
