"""What the controller keeps of a pod in memory is enough for everything the engine reads."""

from __future__ import annotations

from argoapp.engine.podresources import resources_duration
from argoapp.engine.podstatus import observed_pod
from argoapp.model.types import Obj


def _pod() -> Obj:
    ran = {"terminated": {"startedAt": "2026-01-01T00:00:00Z", "finishedAt": "2026-01-01T00:01:40Z",
                          "exitCode": 0}}  # fmt: skip
    container = {
        "name": "main",
        "image": "busybox",
        "command": ["sh", "-c", "true"],
        "env": [{"name": "ARGO_TEMPLATE", "value": "{" + "x" * 5000 + "}"}],
        "resources": {"requests": {"cpu": "500m", "memory": "64Mi"}},
        "volumeMounts": [{"name": "var-run-argo", "mountPath": "/var/run/argo"}],
    }
    return {
        "metadata": {
            "name": "p",
            "namespace": "argo",
            "labels": {"a": "b"},
            "annotations": {"c": "d"},
        },
        "spec": {
            "nodeName": "localkube",
            "initContainers": [{**container, "name": "init"}],
            "containers": [container, {**container, "name": "wait"}],
            "volumes": [{"name": "var-run-argo", "emptyDir": {}}],
        },
        "status": {"phase": "Succeeded", "containerStatuses": [{"name": "main", "state": ran}]},
    }


def test_observed_pod_keeps_metadata_status_node_and_container_resources() -> None:
    pod = _pod()
    kept = observed_pod(pod)
    assert kept["metadata"] == pod["metadata"] and kept["status"] == pod["status"]
    assert kept["spec"] == {
        "nodeName": "localkube",
        "initContainers": [
            {"name": "init", "resources": pod["spec"]["containers"][0]["resources"]}
        ],
        "containers": [
            {"name": "main", "resources": pod["spec"]["containers"][0]["resources"]},
            {"name": "wait", "resources": pod["spec"]["containers"][0]["resources"]},
        ],
    }
    assert resources_duration(kept) == resources_duration(pod) != {}
    assert "env" in pod["spec"]["containers"][0]  # the pod itself is left alone
