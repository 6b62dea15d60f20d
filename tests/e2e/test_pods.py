"""Pods through `argoapp up`, end to end: kubectl → localkube → kubelet → bubblewrap → kubectl."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.upproc import UpProcess, kubectl, kubectl_json

pytestmark = pytest.mark.timeout(180)

# Inside the pod: reach localkube the in-cluster way (token, CA, KUBERNETES_SERVICE_*).
IN_CLUSTER = """
import json, os, ssl, urllib.request
sa = "/var/run/secrets/kubernetes.io/serviceaccount"
token = open(sa + "/token").read().strip()
ns = open(sa + "/namespace").read().strip()
ctx = ssl.create_default_context(cafile=sa + "/ca.crt")
host, port = os.environ["KUBERNETES_SERVICE_HOST"], os.environ["KUBERNETES_SERVICE_PORT"]
url = f"https://{host}:{port}/api/v1/namespaces/{ns}/pods/{os.environ['POD_NAME']}"
req = urllib.request.Request(url, headers={"Authorization": "Bearer " + token})
pod = json.load(urllib.request.urlopen(req, context=ctx))
print("me:", pod["metadata"]["name"], pod["status"]["phase"])
"""


def pod_manifest(name: str, *command: str) -> str:
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name},
            "spec": {
                "restartPolicy": "Never",
                "containers": [
                    {
                        "name": "main",
                        "image": "python:3",
                        "command": list(command),
                        "env": [
                            {
                                "name": "POD_NAME",
                                "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}},
                            }
                        ],
                    }
                ],
            },
        }
    )


async def test_pod_runs_logs_and_talks_to_localkube(up: UpProcess, tmp_path: Path) -> None:
    script = 'echo hello; echo private > /tmp/x; cat /tmp/x; python -c "$IN_CLUSTER"'
    manifest = json.loads(pod_manifest("p1", "sh", "-c", script))
    manifest["spec"]["containers"][0]["env"].append({"name": "IN_CLUSTER", "value": IN_CLUSTER})
    code, _, err = await kubectl(up, tmp_path, "apply", "-f", "-", stdin=json.dumps(manifest))
    assert code == 0, err
    code, _, err = await kubectl(
        up, tmp_path, "wait", "--for=jsonpath={.status.phase}=Succeeded", "pod/p1", "--timeout=90s"
    )
    assert code == 0, err
    code, out, err = await kubectl(up, tmp_path, "logs", "p1")
    assert code == 0, err
    assert out == "hello\nprivate\nme: p1 Running\n"
    # the pod's /tmp is its own: the host's /tmp/x (whatever it is) did not get the write
    host = Path("/tmp/x")
    assert not host.is_file() or host.read_text() != "private\n"
    pod = await kubectl_json(up, tmp_path, "get", "pod", "p1")
    state = pod["status"]["containerStatuses"][0]["state"]["terminated"]
    assert state["exitCode"] == 0 and state["reason"] == "Completed"
    code, _, err = await kubectl(up, tmp_path, "delete", "pod", "p1", "--timeout=60s")
    assert code == 0, err
    code, _, _ = await kubectl(up, tmp_path, "get", "pod", "p1")
    assert code != 0


async def test_failed_pod_reports_its_exit_code(up: UpProcess, tmp_path: Path) -> None:
    code, _, err = await kubectl(
        up,
        tmp_path,
        "apply",
        "-f",
        "-",
        stdin=pod_manifest("p2", "sh", "-c", "echo bad >&2; exit 3"),
    )
    assert code == 0, err
    code, _, err = await kubectl(
        up, tmp_path, "wait", "--for=jsonpath={.status.phase}=Failed", "pod/p2", "--timeout=90s"
    )
    assert code == 0, err
    pod = await kubectl_json(up, tmp_path, "get", "pod", "p2")
    assert pod["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"] == 3
    code, out, _ = await kubectl(up, tmp_path, "logs", "p2")
    assert out == "bad\n"
