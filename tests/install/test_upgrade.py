"""`argoapp install` over an install that is already there: kubectl's client-side apply.

Each test gets a fresh localkube (tests/conftest.py) and runs the real CLI (tests/install/
conftest.py); kubectl, where a test needs it, is the real kubectl 1.32 against the same cluster.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import pytest

from argoapp.install.apply import LAST_APPLIED, last_applied, three_way_patch, with_last_applied
from argoapp.install.manifests import default_image, deployment, manifests
from argoapp.kube.client import Kube
from argoapp.localkube.cluster import LocalKube

from .conftest import RunArgoapp, kubectl

needs_kubectl = pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not on PATH")


async def _install(run_argoapp: RunArgoapp, localkube: LocalKube, *args: str) -> list[str]:
    result = await run_argoapp("install", "--kubeconfig", str(localkube.kubeconfig), *args)
    assert result.code == 0, result.err
    return result.out.splitlines()


async def _versions(kube: Kube) -> dict[str, str]:
    """resourceVersion of every object of the default install, by kind/name."""
    found = {}
    for doc in manifests():
        kind = await kube.resolve(doc["apiVersion"], doc["kind"])
        meta = doc["metadata"]
        live = await kube.get(kind, meta["name"], meta.get("namespace", ""))
        found[f"{doc['kind']}/{meta['name']}"] = live["metadata"]["resourceVersion"]
    return found


def _changed(lines: list[str]) -> list[str]:
    return [line for line in lines if not line.endswith(" unchanged")]


async def test_install_twice_changes_nothing(
    run_argoapp: RunArgoapp, localkube: LocalKube, kube: Kube
) -> None:
    first = await _install(run_argoapp, localkube)
    before = await _versions(kube)
    again = await _install(run_argoapp, localkube)
    assert len(again) == len(first)
    assert _changed(again) == []
    assert await _versions(kube) == before


async def test_new_image_configures_only_the_deployment(
    run_argoapp: RunArgoapp, localkube: LocalKube, kube: Kube
) -> None:
    await _install(run_argoapp, localkube, "--image", "reg.local/a:1")
    # the user's controller settings, which no install touches
    config = "parallelism: 3\n"
    cm = {"data": {"config": config}}
    await kube.patch("ConfigMap", "workflow-controller-configmap", cm, "argo")
    before = await _versions(kube)
    lines = await _install(run_argoapp, localkube, "--image", "reg.local/b:2")
    assert _changed(lines) == ["deployment.apps/argoapp configured"]
    after = await _versions(kube)
    moved = {key for key in before if before[key] != after[key]}
    assert moved == {"Deployment/argoapp"}

    dep = await kube.get(await kube.resolve("apps/v1", "Deployment"), "argoapp", "argo")
    assert dep["spec"]["template"]["spec"]["containers"][0]["image"] == "reg.local/b:2"
    expected = with_last_applied(deployment("argo", "reg.local/b:2"))
    assert dep["metadata"]["annotations"] == expected["metadata"]["annotations"]
    assert (
        "--executor-image=reg.local/b:2" in dep["spec"]["template"]["spec"]["containers"][0]["args"]
    )
    cm = await kube.get("ConfigMap", "workflow-controller-configmap", "argo")
    assert cm["data"] == {"config": config}


def _older_deployment() -> dict[str, Any]:
    """The Deployment as an older argoapp might have built it: one arg, one env var and one
    label more than today's."""
    old = deployment("argo", "argoapp:0.0.9")
    old["metadata"]["labels"]["argoapp.io/generation"] = "old"
    (ctr,) = old["spec"]["template"]["spec"]["containers"]
    ctr["args"].append("--legacy-archive")
    ctr["env"].append({"name": "ARGOAPP_LEGACY", "value": "1"})
    return old


async def test_upgrade_drops_what_the_old_install_set_and_keeps_what_a_user_added(
    run_argoapp: RunArgoapp, localkube: LocalKube, kube: Kube
) -> None:
    deployments = await kube.resolve("apps/v1", "Deployment")
    await kube.create(deployments, with_last_applied(_older_deployment()), "argo")
    # What a user added by hand since, as `kubectl annotate` and `kubectl patch` would.
    user = {
        "metadata": {"annotations": {"team.example.com/owner": "data"}},
        "spec": {"template": {"spec": {"nodeSelector": {"disk": "ssd"}}}},
    }
    await kube.patch(deployments, "argoapp", user, "argo", patch_type="strategic")
    # A ConfigMap an old argoapp made without the annotation: nothing in it is known to be ours.
    await kube.create(
        "ConfigMap",
        {
            "metadata": {"name": "workflow-controller-configmap", "namespace": "argo"},
            "data": {"config": "executor:\n  image: old\n", "extra": "kept"},
        },
        "argo",
    )

    lines = await _install(run_argoapp, localkube)
    assert "deployment.apps/argoapp configured" in lines
    assert "configmap/workflow-controller-configmap configured" in lines

    now = deployment("argo", default_image())
    dep = await kube.get(deployments, "argoapp", "argo")
    assert dep["metadata"]["labels"] == now["metadata"]["labels"]
    annotations = dep["metadata"]["annotations"]
    assert annotations["team.example.com/owner"] == "data"
    assert annotations[LAST_APPLIED] == last_applied(now)
    pod = dep["spec"]["template"]["spec"]
    assert pod["nodeSelector"] == {"disk": "ssd"}
    (ctr,) = pod["containers"]
    (want,) = now["spec"]["template"]["spec"]["containers"]
    assert ctr["args"] == want["args"]
    assert ctr["env"] == want["env"]

    cm = await kube.get("ConfigMap", "workflow-controller-configmap", "argo")
    assert cm["data"] == {"config": "executor:\n  image: old\n", "extra": "kept"}
    assert LAST_APPLIED in cm["metadata"]["annotations"]

    assert _changed(await _install(run_argoapp, localkube)) == []


async def test_grown_pvc_is_not_shrunk(
    run_argoapp: RunArgoapp, localkube: LocalKube, kube: Kube
) -> None:
    await _install(run_argoapp, localkube)
    grown = {"spec": {"resources": {"requests": {"storage": "5Gi"}}}}
    await kube.patch("PersistentVolumeClaim", "argoapp-data", grown, "argo")

    assert _changed(await _install(run_argoapp, localkube)) == []
    pvc = await kube.get("PersistentVolumeClaim", "argoapp-data", "argo")
    assert pvc["spec"]["resources"]["requests"]["storage"] == "5Gi"

    # Its labels are still ours to keep up to date.
    unlabel = {"metadata": {"labels": {"app.kubernetes.io/part-of": None}}}
    await kube.patch("PersistentVolumeClaim", "argoapp-data", unlabel, "argo")
    lines = await _install(run_argoapp, localkube)
    assert _changed(lines) == ["persistentvolumeclaim/argoapp-data configured"]
    pvc = await kube.get("PersistentVolumeClaim", "argoapp-data", "argo")
    assert pvc["metadata"]["labels"]["app.kubernetes.io/part-of"] == "argoapp"
    assert pvc["spec"]["resources"]["requests"]["storage"] == "5Gi"


async def _kubectl_apply(localkube: LocalKube, tmp_path: Path, manifest: Path) -> list[str]:
    return (await kubectl(localkube, tmp_path, "apply", "-f", str(manifest))).splitlines()


async def _dry_run_file(run_argoapp: RunArgoapp, tmp_path: Path) -> Path:
    result = await run_argoapp("install", "--dry-run")
    assert result.code == 0, result.err
    path = tmp_path / "install.yaml"
    path.write_text(result.out)
    return path


@needs_kubectl
async def test_kubectl_apply_after_argoapp_install_changes_nothing(
    run_argoapp: RunArgoapp, localkube: LocalKube, kube: Kube, tmp_path: Path
) -> None:
    ours = await _install(run_argoapp, localkube)
    before = await _versions(kube)
    theirs = await _kubectl_apply(localkube, tmp_path, await _dry_run_file(run_argoapp, tmp_path))
    # kubectl names objects as we do, and finds nothing to patch: the annotation is its own.
    assert [line.replace(" unchanged", "") for line in theirs] == [
        line.rsplit(" ", 1)[0] for line in ours
    ]
    assert _changed(theirs) == []
    assert await _versions(kube) == before


@needs_kubectl
async def test_argoapp_install_after_kubectl_apply_changes_nothing(
    run_argoapp: RunArgoapp, localkube: LocalKube, kube: Kube, tmp_path: Path
) -> None:
    theirs = await _kubectl_apply(localkube, tmp_path, await _dry_run_file(run_argoapp, tmp_path))
    # localkube makes `argo` itself, so kubectl configures it (adding its annotation).
    assert theirs[0] == "namespace/argo configured"
    before = await _versions(kube)
    ours = await _install(run_argoapp, localkube)
    assert _changed(ours) == []
    assert await _versions(kube) == before

    # An upgrade by argoapp, then kubectl going back to the file's image: each sees the other's
    # last-applied configuration and changes just the two objects.
    changed = _changed(await _install(run_argoapp, localkube, "--image", "reg.local/b:2"))
    assert changed == ["deployment.apps/argoapp configured"]
    back = await _kubectl_apply(localkube, tmp_path, await _dry_run_file(run_argoapp, tmp_path))
    assert _changed(back) == ["deployment.apps/argoapp configured"]
    dep = await kube.get(await kube.resolve("apps/v1", "Deployment"), "argoapp", "argo")
    assert dep["spec"]["template"]["spec"]["containers"][0]["image"] == default_image()


def test_last_applied_is_written_as_kubectl_writes_it() -> None:
    """The expected text is what kubectl 1.32 wrote for this ConfigMap (`kubectl apply`, then
    the annotation read back): Go's escapes of <, >, & and U+2028, UTF-8 kept, keys sorted."""
    cm = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": "esc",
            "namespace": "argo",
            "annotations": {"note": "a<b>&c é \u2028 x"},
            "labels": {"z": "1", "a": "2"},
        },
        "data": {"f": "1.50", "config": "a: <&>\n"},
        "binaryData": {},
    }
    assert last_applied(cm) == (
        '{"apiVersion":"v1","binaryData":{},"data":{"config":"a: \\u003c\\u0026\\u003e\\n",'
        '"f":"1.50"},"kind":"ConfigMap","metadata":{"annotations":{"note":"a\\u003cb\\u003e'
        '\\u0026c é \\u2028 x"},"labels":{"a":"2","z":"1"},"name":"esc","namespace":"argo"}}\n'
    )
    # Applying again must not nest the annotation in itself.
    assert last_applied(with_last_applied(cm)) == last_applied(cm)


def test_three_way_patch_lists() -> None:
    """A server's defaults inside list elements are no difference; a field applied before and
    built no more is, and the list is then sent whole."""
    new = {"spec": {"containers": [{"name": "a", "image": "x"}], "paused": False}}
    live = {
        "spec": {
            "containers": [{"name": "a", "image": "x", "terminationMessagePath": "/dev/log"}],
            "paused": False,
        }
    }
    assert three_way_patch(new, live, copy.deepcopy(new)) == {}
    before = {"spec": {"containers": [{"name": "a", "image": "x", "workingDir": "/w"}]}}
    stale = copy.deepcopy(live)
    stale["spec"]["containers"][0]["workingDir"] = "/w"
    assert three_way_patch(new, stale, before) == {
        "spec": {"containers": new["spec"]["containers"]}
    }
    # JSON's false is not 0.
    assert three_way_patch(new, {"spec": {**live["spec"], "paused": 0}}, None) == {
        "spec": {"paused": False}
    }
