"""A container's exit code decides the pod's phase and is reported in its status."""

from __future__ import annotations

from argoapp.localkube import resources as r
from argoapp.localkube.kubelet import Kubelet
from argoapp.localkube.objects import ObjectService

from .harness import finished, pod, sh, status_of


async def test_exit_zero_succeeds(service: ObjectService, kubelet: Kubelet) -> None:
    await service.create(r.PODS, "default", pod("ok", sh("main", "echo hello")))
    done = await finished(service, "ok")
    assert done["status"]["phase"] == "Succeeded"
    assert done["spec"]["nodeName"] == "localkube"
    terminated = status_of(done, "main")["state"]["terminated"]
    assert terminated["exitCode"] == 0
    assert terminated["reason"] == "Completed"


async def test_exit_three_fails(service: ObjectService, kubelet: Kubelet) -> None:
    await service.create(r.PODS, "default", pod("bad", sh("main", "exit 3")))
    done = await finished(service, "bad")
    assert done["status"]["phase"] == "Failed"
    terminated = status_of(done, "main")["state"]["terminated"]
    assert terminated["exitCode"] == 3, done["status"]
    assert terminated["reason"] == "Error"
