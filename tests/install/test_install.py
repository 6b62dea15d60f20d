"""`argoapp install` against a real localkube, `--dry-run`'s YAML, and packaging/install.yaml."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

import argoapp
from argoapp.kube.client import Kube
from argoapp.localkube.cluster import LocalKube

from .conftest import RunArgoapp, kubectl

ROOT = Path(__file__).resolve().parents[2]
KINDS = {
    "Namespace",
    "CustomResourceDefinition",
    "ServiceAccount",
    "ClusterRole",
    "ClusterRoleBinding",
    "Role",
    "RoleBinding",
    "ConfigMap",
    "PersistentVolumeClaim",
    "Deployment",
    "Service",
}
ARGO_CRDS = {
    "workflows",
    "workflowtemplates",
    "clusterworkflowtemplates",
    "cronworkflows",
    "workflowtaskresults",
    "workflowtasksets",
    "workflowartifactgctasks",
    "workfloweventbindings",
}


async def _dry_run(run_argoapp: RunArgoapp, *args: str) -> list[Any]:
    result = await run_argoapp("install", "--dry-run", *args)
    assert result.code == 0, result.err
    return [doc for doc in yaml.safe_load_all(result.out) if doc]


async def test_dry_run_prints_every_kind_as_yaml(run_argoapp: RunArgoapp) -> None:
    docs = await _dry_run(run_argoapp)
    assert {d["kind"] for d in docs} == KINDS
    crds = {d["spec"]["names"]["plural"] for d in docs if d["kind"] == "CustomResourceDefinition"}
    assert crds == ARGO_CRDS
    # the controller's settings are left to the user; the executor image is the server's
    cm = next(d for d in docs if d["kind"] == "ConfigMap")
    assert "data" not in cm
    dep = next(d for d in docs if d["kind"] == "Deployment")
    (ctr,) = dep["spec"]["template"]["spec"]["containers"]
    assert f"--executor-image=argoapp:{argoapp.__version__}" in ctr["args"]


async def test_dry_run_namespace_and_image(run_argoapp: RunArgoapp) -> None:
    docs = await _dry_run(run_argoapp, "-n", "wf", "--image", "reg.local/argoapp:9")
    spaced = [d["metadata"] for d in docs if "namespace" in d["metadata"]]
    assert spaced and all(m["namespace"] == "wf" for m in spaced)
    dep = next(d for d in docs if d["kind"] == "Deployment")
    assert dep["spec"]["template"]["spec"]["containers"][0]["image"] == "reg.local/argoapp:9"
    assert (
        "--executor-image=reg.local/argoapp:9"
        in dep["spec"]["template"]["spec"]["containers"][0]["args"]
    )
    binding = next(d for d in docs if d["kind"] == "ClusterRoleBinding")
    assert binding["subjects"][0]["namespace"] == "wf"


async def test_crd_schemas_keep_unknown_fields(run_argoapp: RunArgoapp) -> None:
    docs = await _dry_run(run_argoapp)
    for crd in (d for d in docs if d["kind"] == "CustomResourceDefinition"):
        version = crd["spec"]["versions"][0]
        props = version["schema"]["openAPIV3Schema"]["properties"]
        for part in ("spec", "status"):
            assert props[part] == {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
        plural = crd["spec"]["names"]["plural"]
        has_status = plural in ("workflowtasksets", "workflowartifactgctasks")
        assert ("subresources" in version) == has_status, plural


async def test_packaging_install_yaml_is_current() -> None:
    from scripts.install_yaml import TARGET, render

    assert TARGET.read_text() == render(), "run `python scripts/install_yaml.py`"


async def test_bad_namespace_is_one_line(run_argoapp: RunArgoapp) -> None:
    result = await run_argoapp("install", "--dry-run", "-n", "Not_A_Label")
    assert result.code == 2
    assert "Traceback" not in result.err
    assert result.err.startswith("argoapp: --namespace must be a DNS label")


async def test_unreachable_cluster_is_one_line(
    run_argoapp: RunArgoapp, localkube: LocalKube, tmp_path: Path
) -> None:
    # The kubeconfig of a localkube that has stopped: nothing answers at its address.
    kubeconfig = tmp_path / "kubeconfig"
    shutil.copy(localkube.kubeconfig, kubeconfig)
    await localkube.stop()
    result = await run_argoapp("install", "--kubeconfig", str(kubeconfig))
    assert result.code == 1, result
    assert "Traceback" not in result.err
    assert result.err.startswith("argoapp: cannot reach the cluster"), result.err
    assert len(result.err.strip().splitlines()) == 1


async def test_missing_kubeconfig_is_one_line(run_argoapp: RunArgoapp, tmp_path: Path) -> None:
    result = await run_argoapp("install", "--kubeconfig", str(tmp_path / "none"))
    assert result.err == f"argoapp: --kubeconfig {tmp_path / 'none'}: no such file\n"
    empty = tmp_path / "empty"
    empty.write_text("")
    result = await run_argoapp("install", "--kubeconfig", str(empty))
    assert result.code != 0
    assert "Traceback" not in result.err
    assert len(result.err.strip().splitlines()) == 1, result.err


async def test_install_applies_to_localkube(
    run_argoapp: RunArgoapp, localkube: LocalKube, kube: Kube
) -> None:
    first = await run_argoapp("install", "--kubeconfig", str(localkube.kubeconfig))
    assert first.code == 0, first.err
    docs = await _dry_run(run_argoapp)
    assert len(first.out.splitlines()) == len(docs)
    # `argo` exists from localkube's first start; everything else is new.
    assert first.out.splitlines()[0] == "namespace/argo configured"
    assert all(line.endswith(" created") for line in first.out.splitlines()[1:]), first.out

    for doc in docs:
        kind = await kube.resolve(doc["apiVersion"], doc["kind"])
        meta = doc["metadata"]
        found = await kube.get(kind, meta["name"], meta.get("namespace", ""))
        assert found["kind"] == doc["kind"]

    deployments = await kube.resolve("apps/v1", "Deployment")
    dep = await kube.get(deployments, "argoapp", "argo")
    assert dep["spec"]["replicas"] == 1
    assert dep["spec"]["strategy"]["type"] == "Recreate"
    pod = dep["spec"]["template"]["spec"]
    (ctr,) = pod["containers"]
    assert [*ctr["command"], *ctr["args"][:2]] == ["argoapp", "server", "--data-dir=/data"]
    data = next(v for v in pod["volumes"] if v["name"] == "data")
    assert data["persistentVolumeClaim"]["claimName"] == "argoapp-data"
    assert {"name": "data", "mountPath": "/data"} in ctr["volumeMounts"]
    assert ctr["livenessProbe"]["httpGet"]["path"] == "/healthz"
    pvc = await kube.get("PersistentVolumeClaim", "argoapp-data", "argo")
    assert pvc["spec"]["accessModes"] == ["ReadWriteOnce"]
    svc = await kube.get("Service", "argoapp", "argo")
    assert svc["spec"]["ports"][0]["port"] == 2746

    again = await run_argoapp("install", "--kubeconfig", str(localkube.kubeconfig))
    assert again.code == 0, again.err
    assert all(line.endswith(" unchanged") for line in again.out.splitlines()), again.out
    assert len(again.out.splitlines()) == len(docs)
    after = await kube.get(deployments, "argoapp", "argo")
    assert after["spec"] == dep["spec"]
    assert after["metadata"]["uid"] == dep["metadata"]["uid"]


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not on PATH")
async def test_kubectl_server_dry_run_accepts_install_yaml(
    localkube: LocalKube, tmp_path: Path
) -> None:
    install_yaml = str(ROOT / "packaging" / "install.yaml")
    out = await kubectl(localkube, tmp_path, "apply", "--dry-run=server", "-f", install_yaml)
    assert "deployment.apps/argoapp created (server dry run)" in out


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl makes the token")
async def test_forbidden_is_one_line(
    run_argoapp: RunArgoapp, localkube: LocalKube, kube: Kube, tmp_path: Path
) -> None:
    await kube.create(
        "ServiceAccount", {"metadata": {"name": "nobody", "namespace": "argo"}}, "argo"
    )
    token = await kubectl(localkube, tmp_path, "create", "token", "nobody", "-n", "argo")
    config = yaml.safe_load(localkube.kubeconfig.read_text())
    for user in config["users"]:
        user["user"] = {"token": token.strip()}
    kubeconfig = tmp_path / "nobody.kubeconfig"
    kubeconfig.write_text(yaml.safe_dump(config))

    result = await run_argoapp("install", "--kubeconfig", str(kubeconfig))
    assert result.code == 1
    assert result.err.startswith("argoapp: not allowed to apply namespace/argo: "), result.err
    assert len(result.err.strip().splitlines()) == 1


def test_install_yaml_does_not_follow_other_libraries_string_style() -> None:
    """Hera registers its own str style on PyYAML's shared SafeDumper when it is imported (as
    the suite's Hera tests do, in any order): the generated file must come out the same."""
    import hera.workflows  # noqa: F401  (imported for its side effect on PyYAML)

    from scripts.install_yaml import TARGET, render

    assert TARGET.read_text() == render()
