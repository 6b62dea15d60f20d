"""Kube.connect, with_token, discovery and the request counters."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from argoapp.errors import ConfigError
from argoapp.kube.client import Kube
from argoapp.kube.errors import KubeError, NotFound, Unauthorized, Unavailable
from argoapp.kube.lite import SERVICEACCOUNT_DIR_ENV
from argoapp.localkube.cluster import LocalKube

from .conftest import configmap


async def test_with_token_acts_with_that_token(kube: Kube) -> None:
    bad = kube.with_token("not-the-token")
    with pytest.raises(Unauthorized) as err:
        await bad.get("Namespace", "default")
    assert err.value.status == 401
    await bad.close()  # a derived client leaves the shared pool open
    assert (await kube.get("Namespace", "default"))["metadata"]["name"] == "default"
    assert kube.request_counts[("Namespace", "get", 401)] == 1
    assert kube.request_counts[("Namespace", "get", 200)] == 1


async def test_resolve_finds_kinds_through_discovery(kube: Kube) -> None:
    wf = await kube.resolve("argoproj.io/v1alpha1", "Workflow")
    assert (wf.plural, wf.namespaced) == ("workflows", True)
    deploy = await kube.resolve("apps/v1", "Deployment")
    assert (deploy.plural, deploy.namespaced, deploy.api_version) == (
        "deployments",
        True,
        "apps/v1",
    )
    crd = await kube.resolve("apiextensions.k8s.io/v1", "CustomResourceDefinition")
    assert not crd.namespaced
    with pytest.raises(NotFound):
        await kube.resolve("apps/v1", "Nonsense")
    with pytest.raises(NotFound):
        await kube.resolve("nothing.example.com/v1", "Thing")
    made = await kube.create(
        deploy, {"metadata": {"name": "d", "namespace": "default"}, "spec": {}}
    )
    assert made["kind"] == "Deployment"


async def test_connect_without_a_kubeconfig_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot load"):
        await Kube.connect(tmp_path / "missing")


async def test_a_dead_server_is_unavailable(tmp_path: Path) -> None:
    async with await Kube.connect(_dead_kubeconfig(tmp_path)) as dead:
        with pytest.raises(Unavailable):
            await dead.create("ConfigMap", configmap("x"))
        assert dead.request_counts[("ConfigMap", "create", 0)] == 1


def _dead_kubeconfig(tmp: Path) -> Path:
    path = tmp / "dead"
    path.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
        "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]\n"
        "users: [{name: u, user: {token: t}}]\n"
        "contexts: [{name: c, context: {cluster: c, user: u}}]\n"
    )
    return path


async def test_connect_in_cluster_uses_the_service_account(
    localkube: LocalKube, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sa = tmp_path / "sa"
    sa.mkdir()
    token = yaml.safe_load(localkube.kubeconfig.read_text())["users"][0]["user"]["token"]
    (sa / "token").write_text(token)
    (sa / "ca.crt").write_bytes((localkube.settings.data_dir / "pki" / "ca.crt").read_bytes())
    monkeypatch.setenv(SERVICEACCOUNT_DIR_ENV, str(sa))
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", str(localkube.port))
    async with await Kube.connect() as kube:
        assert (await kube.get("Namespace", "argo"))["metadata"]["name"] == "argo"


async def test_connect_reads_the_kubeconfig_environment_variable(
    localkube: LocalKube, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    monkeypatch.setenv("KUBECONFIG", str(localkube.kubeconfig))
    async with await Kube.connect() as kube:
        assert kube.host == localkube.url


async def test_list_pages_with_limit_and_continue(kube: Kube) -> None:
    for i in range(5):
        await kube.create("ConfigMap", configmap(f"c{i}", "argo"))
    names: list[str] = []
    page = await kube.list("ConfigMap", "argo", limit=2)
    names += [i["metadata"]["name"] for i in page["items"]]
    while page["metadata"].get("continue"):
        page = await kube.list("ConfigMap", "argo", limit=2, continue_=page["metadata"]["continue"])
        names += [i["metadata"]["name"] for i in page["items"]]
    assert names == [f"c{i}" for i in range(5)]
    everywhere = await kube.list("ConfigMap", label_selector="")
    assert {i["metadata"]["namespace"] for i in everywhere["items"]} == {"argo"}


async def test_with_token_never_sends_our_client_certificate(
    localkube: LocalKube, tmp_path: Path
) -> None:
    # localkube does not ask for client certificates; any pair exercises the client's side.
    config = yaml.safe_load(localkube.kubeconfig.read_text())
    pki = localkube.settings.data_dir / "pki"
    config["users"][0]["user"]["client-certificate"] = str(pki / "server.crt")
    config["users"][0]["user"]["client-key"] = str(pki / "server.key")
    path = tmp_path / "with-cert"
    path.write_text(yaml.safe_dump(config))
    kube = await Kube.connect(path)
    other = kube.with_token("not-the-token")
    assert other._api is not kube._api
    assert kube.with_token("again")._api is other._api
    assert not other._api.configuration.cert_file
    with pytest.raises(Unauthorized):
        await other.get("Namespace", "default")
    assert (await kube.get("Namespace", "default"))["metadata"]["name"] == "default"
    await kube.close()
    with pytest.raises(KubeError, match="closed"):
        await other.get("Namespace", "default")
