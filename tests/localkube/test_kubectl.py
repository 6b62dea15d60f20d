"""The real kubectl against localkube, with no flags beyond what a user types."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from argoapp.localkube import resources as r

from .harness import FakeLogs, Kubectl, KubeServer

MERGE = "application/merge-patch+json"
POD = {"metadata": {"name": "p1"}, "spec": {"containers": [{"name": "main", "image": "busybox"}]}}


def manifest(tmp: Path, name: str, text: str) -> str:
    path = tmp / name
    path.write_text(text)
    return str(path)


async def test_apply_creates_then_updates_then_is_unchanged(
    kube: KubeServer, kubectl: Kubectl
) -> None:
    cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm1\ndata:\n  k: one\n"
    path = manifest(kube.tmp, "cm.yaml", cm)
    assert (await kubectl("apply", "-f", path)).out.strip() == "configmap/cm1 created"
    manifest(kube.tmp, "cm.yaml", cm.replace("one", "two"))
    assert (await kubectl("apply", "-f", path)).out.strip() == "configmap/cm1 configured"
    assert (await kubectl("apply", "-f", path)).out.strip() == "configmap/cm1 unchanged"
    stored = await kube.service.get(r.CONFIGMAPS, "default", "cm1")
    assert stored["data"] == {"k": "two"}
    assert "kubectl.kubernetes.io/last-applied-configuration" in stored["metadata"]["annotations"]


async def test_apply_updates_a_custom_resource(kube: KubeServer, kubectl: Kubectl) -> None:
    wf = (
        "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata:\n  name: wf1\n"
        "spec:\n  entrypoint: a\n"
    )
    path = manifest(kube.tmp, "wf.yaml", wf)
    assert (await kubectl("apply", "-f", path)).out.strip() == "workflow.argoproj.io/wf1 created"
    manifest(kube.tmp, "wf.yaml", wf.replace("entrypoint: a", "entrypoint: b"))
    out = (await kubectl("apply", "-f", path)).out.strip()
    assert out == "workflow.argoproj.io/wf1 configured"
    assert (await kube.service.get(r.WORKFLOWS, "default", "wf1"))["spec"]["entrypoint"] == "b"


async def test_create_with_generate_name(kube: KubeServer, kubectl: Kubectl) -> None:
    wf = (
        "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata:\n  generateName: hello-\n"
        "spec:\n  entrypoint: main\n"
    )
    out = (await kubectl("create", "-f", manifest(kube.tmp, "wf.yaml", wf))).out.strip()
    assert out.startswith("workflow.argoproj.io/hello-")
    assert out.endswith(" created")
    name = out.split()[0].split("/")[1]
    assert (await kube.service.get(r.WORKFLOWS, "default", name))["spec"]["entrypoint"] == "main"


async def test_get_prints_server_columns_and_outputs(kube: KubeServer, kubectl: Kubectl) -> None:
    await kube.service.create(
        r.CONFIGMAPS, "default", {"metadata": {"name": "c"}, "data": {"k": "v"}}
    )
    await kube.service.create(r.PODS, "default", POD)
    body = {"metadata": {"name": "w"}, "status": {"phase": "Running"}}
    await kube.service.create(r.WORKFLOWS, "default", body)
    cms = (await kubectl("get", "configmaps")).out.splitlines()
    assert cms[0].split() == ["NAME", "DATA", "AGE"]
    assert cms[1].split()[:2] == ["c", "1"]
    pods = (await kubectl("get", "po")).out.splitlines()
    assert pods[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert pods[1].split()[:4] == ["p1", "0/1", "Pending", "0"]
    wfs = (await kubectl("get", "wf")).out.splitlines()
    assert wfs[0].split()[:3] == ["NAME", "STATUS", "MESSAGE"] or wfs[0].split()[:2] == [
        "NAME",
        "STATUS",
    ]
    assert wfs[1].split()[:2] == ["w", "Running"]
    everywhere = (await kubectl("get", "cm", "-A")).out.splitlines()
    assert everywhere[0].split()[:2] == ["NAMESPACE", "NAME"]
    assert ["default", "c"] in [line.split()[:2] for line in everywhere]
    as_json = json.loads((await kubectl("get", "cm", "c", "-o", "json")).out)
    assert as_json["data"] == {"k": "v"}
    path = await kubectl("get", "cm", "c", "-o", "jsonpath={.data.k}")
    assert path.out == "v"
    names = (await kubectl("get", "cm", "-o", "name")).out.split()
    assert "configmap/c" in names


async def test_get_empty_says_no_resources(kubectl: Kubectl) -> None:
    result = await kubectl("get", "workflows")
    assert "No resources found in default namespace." in result.err


async def test_get_watch_prints_new_rows(kube: KubeServer, kubectl: Kubectl) -> None:
    await kube.service.create(r.CONFIGMAPS, "default", {"metadata": {"name": "first"}})
    env_home = kube.tmp / "home"
    await kubectl("get", "cm")  # warm the discovery cache before the long-running process
    proc = await asyncio.create_subprocess_exec(
        "kubectl",
        f"--cache-dir={env_home / 'cache'}",
        "get",
        "cm",
        "-w",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
        env={"HOME": str(env_home), "KUBECONFIG": str(kube.kubeconfig), "PATH": "/usr/bin:/bin"},
    )
    assert proc.stdout is not None
    try:
        header = await proc.stdout.readline()
        assert header.split()[0] == b"NAME"
        assert (await proc.stdout.readline()).split()[0] == b"first"
        await kube.service.create(r.CONFIGMAPS, "default", {"metadata": {"name": "second"}})
        assert (await proc.stdout.readline()).split()[0] == b"second"
    finally:
        proc.kill()
        await proc.wait()


async def test_patch_merge_and_status_subresource(kube: KubeServer, kubectl: Kubectl) -> None:
    await kube.service.create(r.CONFIGMAPS, "default", {"metadata": {"name": "c"}})
    await kubectl("patch", "cm", "c", "--type", "merge", "-p", '{"data":{"a":"b"}}')
    assert (await kube.service.get(r.CONFIGMAPS, "default", "c"))["data"] == {"a": "b"}
    await kube.service.create(r.PODS, "default", POD)
    status = '{"status":{"phase":"Running"}}'
    await kubectl("patch", "pod", "p1", "--subresource", "status", "--type", "merge", "-p", status)
    assert (await kube.service.get(r.PODS, "default", "p1"))["status"]["phase"] == "Running"


async def test_delete_by_name_and_by_file(kube: KubeServer, kubectl: Kubectl) -> None:
    cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: byfile\n"
    path = manifest(kube.tmp, "cm.yaml", cm)
    await kubectl("create", "-f", path)
    await kube.service.create(r.CONFIGMAPS, "default", {"metadata": {"name": "byname"}})
    out = (await kubectl("delete", "cm", "byname")).out.strip()
    assert out == 'configmap "byname" deleted'
    assert (await kubectl("delete", "-f", path)).out.strip() == 'configmap "byfile" deleted'
    assert (await kube.service.list(r.CONFIGMAPS, "default"))["items"] == []
    missing = await kubectl("delete", "cm", "nope", check=False)
    assert missing.code != 0
    assert "NotFound" in missing.err or "not found" in missing.err


async def test_wait_for_a_jsonpath_value(kube: KubeServer, kubectl: Kubectl) -> None:
    await kube.service.create(r.WORKFLOWS, "default", {"metadata": {"name": "w"}})
    await kubectl("get", "wf")  # warm the discovery cache so the wait starts watching promptly
    waiting = asyncio.create_task(
        kubectl("wait", "--for=jsonpath={.status.phase}=Succeeded", "wf/w", "--timeout=60s")
    )
    for phase in ("Running", "Succeeded"):
        await kube.service.patch(r.WORKFLOWS, "default", "w", MERGE, {"status": {"phase": phase}})
    result = await waiting
    assert result.out.strip() == "workflow.argoproj.io/w condition met"


async def test_logs(kube: KubeServer, kubectl: Kubectl, logs: FakeLogs) -> None:
    await kube.service.create(r.PODS, "default", POD)
    logs.lines[("p1", "main")] = ["one", "two", "three"]
    assert (await kubectl("logs", "p1")).out == "one\ntwo\nthree\n"
    assert (await kubectl("logs", "p1", "-c", "main", "--tail=1")).out == "three\n"
    assert logs.asked[-1].tail_lines == 1
    assert logs.asked[-1].container == "main"
    bad = await kubectl("logs", "p1", "-c", "nope", check=False)
    assert bad.code != 0
    assert "not valid" in bad.err


async def test_api_resources_lists_short_names(kubectl: Kubectl) -> None:
    out = (await kubectl("api-resources")).out
    rows = {line.split()[0]: line.split() for line in out.splitlines()[1:]}
    assert "wf" in rows["workflows"]
    assert "po" in rows["pods"]


async def test_typed_create_commands_send_protobuf_and_work(
    kube: KubeServer, kubectl: Kubectl
) -> None:
    await kubectl("create", "namespace", "team")
    await kubectl("create", "configmap", "c", "--from-literal=k=v", "-n", "team")
    await kubectl("create", "secret", "generic", "s", "--from-literal=user=me", "-n", "team")
    await kubectl("create", "serviceaccount", "runner", "-n", "team")
    await kubectl(
        "create", "rolebinding", "rb", "--clusterrole=admin", "--serviceaccount=team:runner",
        "-n", "team",
    )  # fmt: skip
    assert (await kube.service.get(r.NAMESPACES, None, "team"))["status"]["phase"] == "Active"
    assert (await kube.service.get(r.CONFIGMAPS, "team", "c"))["data"] == {"k": "v"}
    secret = await kube.service.get(r.SECRETS, "team", "s")
    assert secret["data"] == {"user": "bWU="}
    assert secret["type"] == "Opaque"
    await kube.service.get(r.SERVICEACCOUNTS, "team", "runner")
    binding = await kube.service.get(r.ROLEBINDINGS, "team", "rb")
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "ClusterRole",
        "name": "admin",
    }
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "runner", "namespace": "team"}
    ]
    refused = await kubectl("create", "deployment", "d", "--image=busybox", check=False)
    assert refused.code != 0
    assert "send it as JSON" in refused.err
