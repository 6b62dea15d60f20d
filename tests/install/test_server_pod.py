"""The install's Deployment really runs: its pod template, made into a Pod on a localkube with a
kubelet (which has no Deployment controller, so the test does that controller's one step),
serves `argoapp server` from a bubblewrap sandbox, runs a workflow through the Argo API with the
install's RBAC, and keeps its SQLite database on the install's PVC."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import os
import shutil
import socket
import ssl
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from argoapp.artifacts import MappingSecrets, driver_for
from argoapp.artifacts.builtin import SECRET_NAME
from argoapp.kube.client import Kube
from argoapp.kube.errors import Forbidden
from argoapp.localkube.cluster import LocalKube, LocalKubeSettings
from argoapp.localkube.kubelet.config import pvc_dir
from argoapp.localkube.kubelet.procs import read_handle
from tests.conftest import require_tool
from tests.kubelet.conftest import kill_leftovers

from .conftest import RunArgoapp

pytestmark = pytest.mark.timeout(120)
Obj = dict[str, Any]
Api = tuple[str, dict[str, str]]  # the server's URL and the headers to call it with
NS = "argo"
IMAGE = "registry.example/argoapp:pod-test"  # not the default, so its use is seen
LINK = {"name": "docs", "scope": "workflow", "url": "https://example.com/${metadata.name}"}
# A user's controller settings: one the API serves (info's links), one the controller applies.
USER_CONFIG: Obj = {
    "links": [LINK],
    "workflowDefaults": {"spec": {"podMetadata": {"labels": {"set-by": "configmap"}}}},
}
WORKFLOW: Obj = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "Workflow",
    "metadata": {"generateName": "hello-"},
    "spec": {
        "entrypoint": "main",
        "templates": [
            {"name": "main", "container": {"image": "busybox", "command": ["echo", "hello"]}}
        ],
    },
}


@pytest.fixture
async def cluster(tmp_path: Path, pki: Path) -> AsyncIterator[LocalKube]:
    """localkube with its kubelet; executor roles as real `argoapp exec` processes, so that
    `wait` writes its task result over HTTPS with the pod's ServiceAccount token (RBAC)."""
    require_tool("bwrap")
    data = tmp_path / "lk"
    shutil.copytree(pki, data)
    lk = LocalKube(
        LocalKubeSettings(
            data_dir=data,
            port=0,
            extra_path=(os.path.dirname(sys.executable),),
            executor_in_process=False,
        )
    )
    await lk.start()
    yield lk
    await lk.stop()
    kill_leftovers(data)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def pod_from_template(deployment: Obj, port: int) -> Obj:
    """The Pod a Deployment controller makes of `spec.template`, its port moved to `port`."""
    template = json.loads(json.dumps(deployment["spec"]["template"]))
    digest = hashlib.sha256(json.dumps(template, sort_keys=True).encode()).hexdigest()
    # Sandboxed pods share the host network and other tests' servers run beside this one, so
    # 2746 may be taken: the port (in the args and the probes) is the one change made here.
    (ctr,) = template["spec"]["containers"]
    ctr["args"] = [f"--port={port}" if a.startswith("--port=") else a for a in ctr["args"]]
    for probe in ("readinessProbe", "livenessProbe"):
        ctr[probe]["httpGet"]["port"] = port
    name = deployment["metadata"]["name"]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": f"{name}-{digest[:10]}-{digest[10:15]}",
            "labels": template["metadata"]["labels"],
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "Deployment",
                    "name": name,
                    "uid": deployment["metadata"]["uid"],
                    "controller": True,
                }
            ],
        },
        "spec": template["spec"],
    }


async def wait_for(kube: Kube, kind: str, name: str, ns: str, phases: set[str]) -> Obj:
    """The object once its status.phase is one of `phases` (fails on a final other one)."""
    async with asyncio.timeout(60):
        while True:
            obj = await kube.get(kind, name, ns)
            phase = (obj.get("status") or {}).get("phase")
            if phase in phases:
                return obj
            assert phase not in ("Succeeded", "Failed", "Error"), obj.get("status")
            await asyncio.sleep(0.2)


async def healthy(http: aiohttp.ClientSession, url: str) -> None:
    """Poll /healthz as the readiness probe would, until it answers 200."""
    async with asyncio.timeout(60):
        while True:
            try:
                async with http.get(url + "/healthz") as resp:
                    if resp.status == 200:
                        return
            except (aiohttp.ClientError, ssl.SSLError, OSError):
                pass
            await asyncio.sleep(0.2)


def processes_with(word: str) -> list[int]:
    """Pids of this host's processes whose command line holds `word`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and entry.name != str(os.getpid()):
            try:
                argv = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if word.encode() in argv:
                found.append(int(entry.name))
    return found


async def test_deployment_pod_serves_and_runs_a_workflow(
    run_argoapp: RunArgoapp, cluster: LocalKube
) -> None:
    installed = await run_argoapp(
        "install", "--kubeconfig", str(cluster.kubeconfig), "-n", NS, "--image", IMAGE
    )
    assert installed.code == 0, installed.err
    kube = await Kube.connect(cluster.kubeconfig)
    try:
        # The install ships the ConfigMap empty; a user's settings go in before the server runs.
        patch = {"data": {"config": json.dumps(USER_CONFIG)}}
        await kube.patch("ConfigMap", "workflow-controller-configmap", patch, NS)
        await _run_server_pod(kube, cluster)
    finally:
        await kube.close()


async def _run_server_pod(kube: Kube, lk: LocalKube) -> None:
    deployments = await kube.resolve("apps/v1", "Deployment")
    dep = await kube.get(deployments, "argoapp", NS)
    port = _free_port()
    pod = await kube.create("Pod", pod_from_template(dep, port), NS)
    name = pod["metadata"]["name"]
    running = await wait_for(kube, "Pod", name, NS, {"Running"})
    data = pvc_dir(lk.settings.data_dir, NS, "argoapp-data")
    cert = data / "tls" / "argoapp.crt"
    async with asyncio.timeout(60):
        while not cert.exists():  # noqa: ASYNC110 - the server writes it as it starts
            await asyncio.sleep(0.1)
    trust = ssl.create_default_context(cafile=str(cert))
    url = f"https://127.0.0.1:{port}"
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=trust)) as http:
        await healthy(http, url)
        # localkube's admin token, as a cluster admin logs in (client auth mode): the install
        # binds no user role; the server's controller acts with the pod's ServiceAccount.
        token = (lk.settings.data_dir / "kube-token").read_text().strip()
        api = (url, {"Authorization": f"Bearer {token}"})
        async with http.get(f"{url}/api/v1/info", headers=api[1]) as resp:
            assert (await resp.json())["links"] == [LINK]
        await _workflows(http, api, kube, port)
    # The database is on the claim's volume.
    assert (data / "argoapp.db").is_file()
    # localkube's kubelet does not make the root read-only (readOnlyRootFilesystem is not
    # enforced), but what a container writes outside its volumes lands in the writable root
    # the kubelet gives it: the server wrote nothing there (only the kubelet's own files).
    root = lk.settings.data_dir / "pods" / running["metadata"]["uid"] / "roots" / "argoapp"
    written = [
        str(f.relative_to(root))
        for f in root.rglob("*")
        if f.is_file() and not f.is_symlink() and f.relative_to(root).parts[0] != ".localkube"
    ]
    assert written == []
    await _install_rbac(kube, lk)
    # No --kubeconfig in the args: the server found the in-cluster credentials the kubelet
    # mounted, and with them localkube's API (KUBERNETES_SERVICE_HOST/PORT).
    log = b"".join([c async for c in kube.pod_log(name, NS, container="argoapp")]).decode()
    serving = f"argoapp server: Argo API and UI on https://0.0.0.0:{port} (auth mode client)"
    assert f"{serving}, against {lk.url}" in log, log
    await _delete_and_check_gone(kube, lk, running, port)


async def _submit(http: aiohttp.ClientSession, api: Api) -> Obj:
    """Create WORKFLOW through the Argo API and wait for it to end; the ended workflow."""
    url, headers = api
    async with http.post(
        f"{url}/api/v1/workflows/{NS}", json={"workflow": WORKFLOW}, headers=headers
    ) as resp:
        assert resp.status == 200, await resp.text()
        name = (await resp.json())["metadata"]["name"]
    async with asyncio.timeout(90):
        while True:
            async with http.get(f"{url}/api/v1/workflows/{NS}/{name}", headers=headers) as resp:
                assert resp.status == 200, await resp.text()
                wf: Obj = await resp.json()
            if (wf.get("status") or {}).get("phase") in ("Succeeded", "Failed", "Error"):
                return wf
            await asyncio.sleep(0.3)


async def _workflows(http: aiohttp.ClientSession, api: Api, kube: Kube, port: int) -> None:
    """The install's default artifact repository, unreachable here; then a reachable one."""
    # The install makes the built-in store (at --artifact-endpoint, the Service's name) the
    # default repository, with archiveLogs: every pod's wait uploads main's log there. localkube
    # has no cluster DNS and no Service proxying (and its kubelet does not write hostAliases),
    # so the name does not resolve in a pod: the step runs (exit 0) and the node errors.
    first = await _submit(http, api)
    assert first["status"]["phase"] == "Error", json.dumps(first["status"], indent=1)
    (node,) = first["status"]["nodes"].values()
    assert node["outputs"]["exitCode"] == "0"
    assert f"cannot reach S3 endpoint argoapp.{NS}.svc:2746" in node["message"]
    assert "resolve" in node["message"]
    # The controller, with the pod's ServiceAccount (the install's ClusterRole), wrote the
    # store's credentials Secret into the workflow's namespace.
    assert (await kube.get("Secret", SECRET_NAME, NS))["data"].keys() >= {"accesskey"}

    # The same store where host-network pods do reach it: the namespace's own repository.
    repo = dict(first["status"]["artifactRepositoryRef"]["artifactRepository"])
    repo["s3"] = {**repo["s3"], "endpoint": f"127.0.0.1:{port}"}
    await kube.create(
        "ConfigMap",
        {
            "metadata": {
                "name": "artifact-repositories",
                "annotations": {"workflows.argoproj.io/default-artifact-repository": "here"},
            },
            "data": {"here": json.dumps(repo)},
        },
        NS,
    )
    second = await _submit(http, api)
    assert second["status"]["phase"] == "Succeeded", json.dumps(second["status"], indent=1)
    name = second["metadata"]["name"]
    # wait uploaded main's log to the built-in store on the PVC: read it back over S3, as a pod.
    art = {"name": "main-logs", "s3": {**repo["s3"], "key": f"{name}/{name}/main.log"}}
    assert await asyncio.to_thread(_read_object, art, await _store_secrets(kube)) == b"hello\n"
    # The server itself reads its store's objects at the Service's name: in localkube's pod
    # that is the same unresolvable name (on a cluster the Service leads back to the server).
    url, headers = api
    logs = f"{url}/artifact-files/{NS}/workflows/{name}/{name}/outputs/main-logs"
    async with http.get(logs, headers=headers) as resp:
        assert resp.status == 500
        assert f"cannot reach S3 endpoint argoapp.{NS}.svc:2746" in await resp.text()
    # The executor image is the install's (--executor-image; the engine's default is Argo's),
    # and the ConfigMap's workflowDefaults reached the pod.
    pods = await kube.list("Pod", NS, label_selector=f"workflows.argoproj.io/workflow={name}")
    (wf_pod,) = pods["items"]
    assert [c["image"] for c in wf_pod["spec"]["initContainers"]] == [IMAGE]
    assert wf_pod["metadata"]["labels"]["set-by"] == "configmap"
    assert wf_pod["spec"].get("serviceAccountName", "default") == "default"


async def account_token(lk: LocalKube, account: str) -> str:
    """A TokenRequest token of `account` in NS, as `kubectl create token` makes: unlike the
    tokens localkube's kubelet mounts, it has no built-in workload role, only what RBAC binds."""
    ca = ssl.create_default_context(cafile=str(lk.settings.data_dir / "pki" / "ca.crt"))
    admin = (lk.settings.data_dir / "kube-token").read_text().strip()
    url = f"{lk.url}/api/v1/namespaces/{NS}/serviceaccounts/{account}/token"
    body = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {}}
    headers = {"Authorization": f"Bearer {admin}"}
    async with (
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=ca)) as http,
        http.post(url, json=body, headers=headers) as resp,
    ):
        assert resp.status == 201, await resp.text()
        token: str = (await resp.json())["status"]["token"]
        return token


async def _install_rbac(kube: Kube, lk: LocalKube) -> None:
    """What the install's bindings grant, with tokens that hold nothing else."""
    # localkube's kubelet mounts tokens carrying its built-in `argoapp-workload` role (edit-like
    # rights in the pod's own namespace), so the workflow above would run even without the
    # install's executor Role: the Role is checked here with plain account tokens instead.
    for account in ("default", "argoapp-executor"):
        executor = kube.with_token(await account_token(lk, account))
        result: Obj = {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "WorkflowTaskResult",
            "metadata": {"name": f"rbac-check-{account}"},
        }
        await executor.create("WorkflowTaskResult", result, NS)
        patch = {"metadata": {"labels": {"checked": "yes"}}}
        await executor.patch("WorkflowTaskResult", f"rbac-check-{account}", patch, NS)
        await executor.get("Secret", SECRET_NAME, NS)
        with pytest.raises(Forbidden):
            await executor.list("Pod", NS)
        with pytest.raises(Forbidden):
            await executor.create("WorkflowTaskResult", result, "default")
    # The server's ClusterRole: workflows and their pods in any namespace, and the store's
    # Secret written into a workflow's namespace.
    server = kube.with_token(await account_token(lk, "argoapp"))
    await server.list("Workflow")
    await server.list("Pod", "default")
    await server.create("Secret", {"metadata": {"name": "rbac-check"}}, "default")
    with pytest.raises(Forbidden):
        await server.list(await kube.resolve("rbac.authorization.k8s.io/v1", "ClusterRole"))


async def _store_secrets(kube: Kube) -> MappingSecrets:
    """The built-in store's credentials, from the Secret the controller wrote."""
    data = (await kube.get("Secret", SECRET_NAME, NS))["data"]
    return MappingSecrets({(SECRET_NAME, k): base64.b64decode(v).decode() for k, v in data.items()})


def _read_object(art: Obj, secrets: MappingSecrets) -> bytes:
    with driver_for(art, secrets).open(art) as f:
        return f.read()


async def _delete_and_check_gone(kube: Kube, lk: LocalKube, pod: Obj, port: int) -> None:
    """Delete the server's pod as a rollout would: the server stops, nothing of it is left."""
    name, uid = pod["metadata"]["name"], pod["metadata"]["uid"]
    state = lk.settings.data_dir / "pods" / uid / "containers" / "argoapp" / "0"
    handle = read_handle(state)
    assert handle is not None and handle.alive()
    assert processes_with(f"--port={port}")
    current = await kube.get("Pod", name, NS)
    await kube.delete("Pod", name, NS)
    last = current
    watch = kube.watch(
        "Pod",
        NS,
        field_selector=f"metadata.name={name}",
        resource_version=current["metadata"]["resourceVersion"],
    )
    async with asyncio.timeout(60), contextlib.aclosing(watch) as events:
        async for kind, obj in events:
            if kind in ("MODIFIED", "DELETED"):
                last = obj
            if kind == "DELETED":
                break
    # SIGTERM (the kubelet's graceful stop) ends the server with 0, not by the SIGKILL after
    # the grace period.
    (status,) = last["status"]["containerStatuses"]
    assert status["state"]["terminated"]["exitCode"] == 0, status
    assert not handle.alive()
    assert processes_with(f"--port={port}") == []
