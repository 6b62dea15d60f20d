"""A kubelet restart in the middle of an Argo pod whose executor roles the kubelet runs itself.

The in-process wait dies with the kubelet; the next kubelet runs it again, adopts main's shim
(or reads the exit it had meanwhile), writes what the emissary would have left, and reports
the task result once.
"""

from __future__ import annotations

from pathlib import Path

from argoapp.engine.api import Settings
from argoapp.engine.pods import PodRequest, build_pod
from argoapp.localkube import resources as r
from argoapp.localkube.kubelet import Kubelet, KubeletConfig
from argoapp.localkube.kubelet.config import PodPaths
from argoapp.localkube.objects import ObjectService

from .harness import Obj, finished, logs, phase_in, status_of, until, wait_for


def gated_template(host: Path) -> Obj:
    script = (
        "echo started; while [ ! -e /host/go ]; do sleep 0.05; done; echo v > /tmp/o; echo done"
    )
    return {
        "name": "gated",
        "container": {
            "image": "busybox",
            "command": ["sh", "-c", script],
            "volumeMounts": [{"name": "host", "mountPath": "/host"}],
        },
        "volumes": [{"name": "host", "hostPath": {"path": str(host)}}],
        "outputs": {"parameters": [{"name": "o", "valueFrom": {"path": "/tmp/o"}}]},
    }


async def create(service: ObjectService, template: Obj) -> Obj:
    wf = await service.create(
        r.WORKFLOWS, "default",
        {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"name": "wf"},
         "spec": {"entrypoint": "gated", "templates": [template]}},
    )  # fmt: skip
    req = PodRequest(
        workflow=wf, spec=wf["spec"], node_id="wf-1", node_name="wf", pod_name="wf-pod",
        template=template, include_script_output=True,
    )  # fmt: skip
    return await service.create(r.PODS, "default", build_pod(req, Settings()))


async def test_main_ends_while_the_kubelet_is_down(
    service: ObjectService, kubelet: Kubelet, data_dir: Path, config: KubeletConfig,
    tmp_path: Path,
) -> None:  # fmt: skip
    created = await create(service, gated_template(tmp_path))
    await wait_for(service, "wf-pod", phase_in("Running"))
    await kubelet.stop()
    main = PodPaths(data_dir, created["metadata"]["uid"]).attempt("main", 0)
    (tmp_path / "go").touch()
    await until(lambda: (main / "exit.json").exists())
    second = Kubelet(service, data_dir=data_dir, config=config)
    await second.start()
    try:
        done = await finished(service, "wf-pod")
        assert done["status"]["phase"] == "Succeeded", done["status"]
        for name in ("init", "wait", "main"):
            assert status_of(done, name)["state"]["terminated"]["exitCode"] == 0
            assert status_of(done, name)["restartCount"] == 0
        result = await service.get(r.WORKFLOWTASKRESULTS, "default", "wf-1")
        assert result["outputs"]["parameters"][0]["value"] == "v"
        assert result["outputs"]["result"] == "started\ndone"
        assert await logs(second, done, "main") == "started\ndone\n"
    finally:
        await second.stop()


async def test_main_still_running_is_adopted(
    service: ObjectService, kubelet: Kubelet, data_dir: Path, config: KubeletConfig,
    tmp_path: Path,
) -> None:  # fmt: skip
    await create(service, gated_template(tmp_path))
    await wait_for(service, "wf-pod", phase_in("Running"))
    await kubelet.stop()
    second = Kubelet(service, data_dir=data_dir, config=config)
    await second.start()
    try:
        (tmp_path / "go").touch()
        done = await finished(service, "wf-pod")
        assert done["status"]["phase"] == "Succeeded", done["status"]
        result = await service.get(r.WORKFLOWTASKRESULTS, "default", "wf-1")
        assert result["outputs"]["parameters"][0]["value"] == "v"
        labels = result["metadata"]["labels"]
        assert labels["workflows.argoproj.io/report-outputs-completed"] == "true"
    finally:
        await second.stop()
