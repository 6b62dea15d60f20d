"""Which pods this kubelet runs: binding, other nodes, resyncs and stale lists."""

from __future__ import annotations

from argoapp.localkube import resources as r
from argoapp.localkube.kubelet import Kubelet
from argoapp.localkube.objects import ObjectService

from .harness import finished, gone, pod, sh


async def test_pods_of_other_nodes_are_left_alone(service: ObjectService, kubelet: Kubelet) -> None:
    created = await service.create(
        r.PODS, "default", pod("elsewhere", sh("main", "true"), nodeName="other-node")
    )
    await service.create(r.PODS, "default", pod("here", sh("main", "true")))
    await finished(service, "here")
    await kubelet.resync()
    assert created["metadata"]["uid"] not in kubelet.workers
    untouched = await service.get(r.PODS, "default", "elsewhere")
    assert untouched["status"] == {"phase": "Pending", "qosClass": "BestEffort"}


async def test_a_stale_copy_of_a_deleted_pod_is_not_run_again(
    service: ObjectService, kubelet: Kubelet
) -> None:
    await service.create(r.PODS, "default", pod("once", sh("main", "true")))
    done = await finished(service, "once")
    await service.delete(r.PODS, "default", "once")
    await gone(service, "once")
    kubelet._observe(done)  # as a list taken before the deletion would
    assert done["metadata"]["uid"] not in kubelet.workers
    await kubelet.resync()
    assert not kubelet.workers
