"""A workflow pod acts on localkube as its ServiceAccount, end to end through `argoapp up`.

The kubelet mounts the pod's ServiceAccount token (not localkube's admin token), and the
built-in `argoapp-workload` role lets it work in its own namespace only. The workflow runs with
ARGOAPP_EXECUTOR_IN_PROCESS=false, so init and wait are real `argoapp exec` processes that
write the WorkflowTaskResult with that token; a resource template creates a ConfigMap with it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e.upproc import UpProcess, kubectl, kubectl_json

pytestmark = pytest.mark.timeout(240)

# Runs in the pod: what its own token may do, answered by localkube over HTTPS.
PROBE = """
import json, os, ssl, urllib.error, urllib.request
sa = "/var/run/secrets/kubernetes.io/serviceaccount"
token = open(sa + "/token").read().strip()
ns = open(sa + "/namespace").read().strip()
ctx = ssl.create_default_context(cafile=sa + "/ca.crt")
env = os.environ
base = "https://%s:%s" % (env["KUBERNETES_SERVICE_HOST"], env["KUBERNETES_SERVICE_PORT"])
def call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method, headers={
        "Authorization": "Bearer " + token, "Content-Type": "application/json"})
    try:
        return urllib.request.urlopen(req, context=ctx).status
    except urllib.error.HTTPError as e:
        return e.code
crb = {"metadata": {"name": "pod-escalates"},
       "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                   "name": "cluster-admin"},
       "subjects": [{"kind": "Group", "name": "system:serviceaccounts"}]}
print(json.dumps({
    "token": token,
    "configmap": call("POST", "/api/v1/namespaces/%s/configmaps" % ns,
                      {"metadata": {"name": "made-by-pod"}}),
    "own_pods": call("GET", "/api/v1/namespaces/%s/pods" % ns),
    "other_pods": call("GET", "/api/v1/namespaces/default/pods"),
    "crb": call("POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", crb),
}))
"""

CONFIGMAP = """apiVersion: v1
kind: ConfigMap
metadata:
  name: made-by-resource
data: {a: b}
"""


def workflow() -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": "identity", "namespace": "argo"},
        "spec": {
            "entrypoint": "main",
            "templates": [
                {
                    "name": "main",
                    "steps": [
                        [{"name": "probe", "template": "probe"}],
                        [
                            {
                                "name": "make",
                                "template": "make",
                                # referencing the result makes the wait process report it
                                "arguments": {
                                    "parameters": [
                                        {"name": "seen", "value": "{{steps.probe.outputs.result}}"}
                                    ]
                                },
                            }
                        ],
                    ],
                },
                {
                    "name": "probe",
                    "script": {"image": "python:3", "command": ["python"], "source": PROBE},
                },
                {
                    "name": "make",
                    "inputs": {"parameters": [{"name": "seen"}]},
                    "resource": {"action": "create", "manifest": CONFIGMAP},
                    "outputs": {
                        "parameters": [
                            {"name": "made", "valueFrom": {"jsonPath": "{.metadata.name}"}}
                        ]
                    },
                },
            ],
        },
    }  # fmt: skip


@pytest.fixture
async def up_processes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("ARGOAPP_EXECUTOR_IN_PROCESS", "false")  # inherited by `argoapp up`
    proc = UpProcess(tmp_path / "data")
    await proc.start()
    yield proc
    await proc.terminate()


async def test_a_pod_acts_as_its_service_account_in_its_namespace_only(
    up_processes: UpProcess, tmp_path: Path
) -> None:
    up = up_processes
    code, _, err = await kubectl(up, tmp_path, "apply", "-f", "-", stdin=json.dumps(workflow()))
    assert code == 0, err
    code, _, err = await kubectl(
        up, tmp_path, "wait", "-n", "argo", "--for=jsonpath={.status.phase}=Succeeded",
        "workflow/identity", "--timeout=120s",
    )  # fmt: skip
    wf = await kubectl_json(up, tmp_path, "get", "workflow", "identity", "-n", "argo")
    assert code == 0, f"{err}\n{json.dumps(wf.get('status'))[-3000:]}"
    nodes = {n["displayName"]: n for n in wf["status"]["nodes"].values()}
    # the result came back through the task result the wait process wrote with the pod's token
    seen = json.loads(nodes["probe"]["outputs"]["result"])
    assert {k: v for k, v in seen.items() if k != "token"} == {
        "configmap": 201, "own_pods": 200, "other_pods": 403, "crb": 403,
    }  # fmt: skip
    assert nodes["make"]["outputs"]["parameters"][0]["value"] == "made-by-resource"
    for name in ("made-by-pod", "made-by-resource"):
        await kubectl_json(up, tmp_path, "get", "configmap", name, "-n", "argo")

    token = seen["token"]
    admin = yaml.safe_load(up.kubeconfig.read_text())["users"][0]["user"]["token"]
    assert token != admin

    async def can_i(*args: str) -> str:
        _, out, _ = await kubectl(up, tmp_path, "--token", token, "auth", "can-i", *args)
        return out.strip()

    assert await can_i("create", "configmaps", "-n", "argo") == "yes"
    assert await can_i("create", "workflowtaskresults.argoproj.io", "-n", "argo") == "yes"
    assert await can_i("list", "pods", "-n", "default") == "no"
    assert await can_i("get", "secrets", "-n", "argoapp-system") == "no"
    assert await can_i("create", "clusterrolebindings") == "no"
    assert await can_i("create", "rolebindings", "-n", "argo") == "no"
    own = await kubectl(up, tmp_path, "--token", token, "get", "namespace", "argo")
    assert own[0] == 0, own[2]
    for verb in (("delete", "namespace", "argo"), ("get", "namespace", "default")):
        code, _, err = await kubectl(up, tmp_path, "--token", token, *verb)
        assert code != 0 and "Forbidden" in err, (verb, err)
