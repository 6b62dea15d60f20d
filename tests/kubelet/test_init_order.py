"""Init containers run one after another, each to success, before the containers start."""

from __future__ import annotations

from argoapp.localkube import resources as r
from argoapp.localkube.kubelet import Kubelet
from argoapp.localkube.objects import ObjectService

from .harness import finished, logs, pod, sh, status_of

SHARED = {"name": "work", "mountPath": "/work"}


async def test_init_containers_run_in_order_then_main(
    service: ObjectService, kubelet: Kubelet
) -> None:
    inits = [
        sh(f"init-{i}", f"test ! -e /work/done; echo {i} >> /work/order", volumeMounts=[SHARED])
        for i in range(3)
    ]
    main = sh("main", "cat /work/order; touch /work/done", volumeMounts=[SHARED])
    manifest = pod("ordered", main, init=inits, volumes=[{"name": "work", "emptyDir": {}}])
    await service.create(r.PODS, "default", manifest)
    done = await finished(service, "ordered")
    assert done["status"]["phase"] == "Succeeded"
    assert await logs(kubelet, done, "main") == "0\n1\n2\n"
    starts = []
    for i in range(3):
        terminated = status_of(done, f"init-{i}")["state"]["terminated"]
        assert terminated["exitCode"] == 0 and terminated["reason"] == "Completed"
        starts.append(terminated["finishedAt"])
    assert starts == sorted(starts)
    initialized = {c["type"]: c for c in done["status"]["conditions"]}["Initialized"]
    assert initialized["status"] == "True"


async def test_failed_init_container_fails_the_pod_and_main_never_runs(
    service: ObjectService, kubelet: Kubelet
) -> None:
    inits = [sh("first", "exit 7"), sh("second", "echo never")]
    await service.create(r.PODS, "default", pod("stuck", sh("main", "echo never"), init=inits))
    done = await finished(service, "stuck")
    assert done["status"]["phase"] == "Failed"
    assert status_of(done, "first")["state"]["terminated"]["exitCode"] == 7
    assert status_of(done, "second")["state"]["waiting"]["reason"] == "PodInitializing"
    assert status_of(done, "main")["state"]["waiting"]["reason"] == "PodInitializing"
    assert status_of(done, "main")["restartCount"] == 0


async def test_failed_init_container_is_retried_under_on_failure(
    service: ObjectService, kubelet: Kubelet
) -> None:
    flaky = sh("flaky", "echo x >> /work/tries; test $(wc -l < /work/tries) -ge 2",
               volumeMounts=[SHARED])  # fmt: skip
    manifest = pod(
        "retried", sh("main", "cat /work/tries", volumeMounts=[SHARED]), init=[flaky],
        restartPolicy="OnFailure", volumes=[{"name": "work", "emptyDir": {}}],
    )  # fmt: skip
    await service.create(r.PODS, "default", manifest)
    done = await finished(service, "retried")
    assert done["status"]["phase"] == "Succeeded"
    flaky_status = status_of(done, "flaky")
    assert flaky_status["restartCount"] == 1
    assert flaky_status["lastState"]["terminated"]["exitCode"] == 1
    assert await logs(kubelet, done, "main") == "x\nx\n"
