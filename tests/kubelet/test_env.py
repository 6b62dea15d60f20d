"""Container environments: env, valueFrom, envFrom, $(VAR), service variables, the token."""

from __future__ import annotations

import time

import pytest

from argoapp.localkube import resources as r
from argoapp.localkube import sa_tokens
from argoapp.localkube.kubelet import Kubelet
from argoapp.localkube.kubelet.commands import CommandError
from argoapp.localkube.kubelet.env import container_env, quantity, service_env
from argoapp.localkube.kubelet.sources import Sources
from argoapp.localkube.objects import ObjectService

from .harness import Obj, finished, logs, pod, sh, status_of, wait_for

POD: Obj = {
    "metadata": {"name": "p", "namespace": "ns", "uid": "u-1", "labels": {"app": "x"},
                 "annotations": {"note": "hi"}},
    "spec": {"nodeName": "localkube", "serviceAccountName": "sa"},
}  # fmt: skip
NODE = {"nodeName": "localkube", "hostIP": "127.0.0.1", "podIP": "127.0.0.1"}


def build(container: Obj, sources: Sources | None = None) -> dict[str, str]:
    return container_env(
        POD, container, sources or Sources("ns"), service=service_env("10.0.0.1", 443),
        defaults={"PATH": "/usr/bin", "HOSTNAME": "p"}, node=NODE,
    )  # fmt: skip


def test_values_expand_earlier_variables_and_service_ones() -> None:
    env = build({"env": [
        {"name": "A", "value": "a"},
        {"name": "B", "value": "$(A)-b"},
        {"name": "C", "value": "$(UNDEFINED) $$(A) $(KUBERNETES_SERVICE_HOST)"},
        {"name": "D", "value": "$(E)"},
        {"name": "E", "value": "e"},
        {"name": "P", "value": "$(PATH)"},
    ]})  # fmt: skip
    assert env["B"] == "a-b"
    assert env["C"] == "$(UNDEFINED) $(A) 10.0.0.1"
    assert env["D"] == "$(E)"  # only variables defined before it
    assert env["P"] == "$(PATH)"  # image defaults are not expandable
    assert env["KUBERNETES_SERVICE_PORT"] == "443"
    assert env["PATH"] == "/usr/bin" and env["HOSTNAME"] == "p"


def test_field_refs() -> None:
    paths = ["metadata.name", "metadata.namespace", "metadata.uid", "metadata.labels['app']",
             "metadata.annotations['note']", "spec.nodeName", "spec.serviceAccountName",
             "status.podIP", "status.hostIP"]  # fmt: skip
    env = build({"env": [
        {"name": f"F{i}", "valueFrom": {"fieldRef": {"fieldPath": p}}}
        for i, p in enumerate(paths)
    ]})  # fmt: skip
    values = [env[f"F{i}"] for i in range(len(paths))]
    assert values == ["p", "ns", "u-1", "x", "hi", "localkube", "sa", "127.0.0.1", "127.0.0.1"]


def test_config_map_and_secret_refs_with_optional_and_env_from() -> None:
    sources = Sources(
        "ns",
        configmaps={"cm": {"data": {"k": "v", "BAD=KEY": "skip"}}, "gone": None},
        secrets={"s": {"data": {"pw": "aHVudGVyMg=="}}},
    )
    env = build({
        "envFrom": [{"configMapRef": {"name": "cm"}, "prefix": "CM_"},
                    {"secretRef": {"name": "s"}},
                    {"configMapRef": {"name": "gone", "optional": True}}],
        "env": [
            {"name": "K", "valueFrom": {"configMapKeyRef": {"name": "cm", "key": "k"}}},
            {"name": "PW", "valueFrom": {"secretKeyRef": {"name": "s", "key": "pw"}}},
            {"name": "OPT", "valueFrom": {"configMapKeyRef": {"name": "cm", "key": "no",
                                                              "optional": True}}},
        ],
    }, sources)  # fmt: skip
    assert env["CM_k"] == "v" and env["pw"] == "hunter2"
    assert env["K"] == "v" and env["PW"] == "hunter2"
    assert "OPT" not in env and not any("BAD" in k for k in env)
    with pytest.raises(CommandError) as e:
        build({"env": [{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "cm",
                                                                      "key": "no"}}}]},
              sources)  # fmt: skip
    assert e.value.reason == "CreateContainerConfigError"
    assert e.value.message == "couldn't find key no in ConfigMap ns/cm"
    with pytest.raises(CommandError, match='secret "nope" not found'):
        build({"envFrom": [{"secretRef": {"name": "nope"}}]}, Sources("ns", secrets={"nope": None}))


def test_resource_field_refs() -> None:
    container = {
        "resources": {"limits": {"memory": "1Gi", "cpu": "1500m"}},
        "env": [
            {"name": "MEM", "valueFrom": {"resourceFieldRef": {"resource": "limits.memory",
                                                               "divisor": "1Mi"}}},
            {"name": "CPU", "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu"}}},
        ],
    }  # fmt: skip
    env = build(container)
    assert env["MEM"] == "1024" and env["CPU"] == "2"
    assert quantity("250m") * 4 == 1 and quantity("2Ki") == 2048 and quantity("1e3") == 1000


async def test_environment_inside_a_pod(service: ObjectService, kubelet: Kubelet) -> None:
    script = (
        "echo $GREETING; echo $KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT; echo $HOSTNAME; "
        "cat /var/run/secrets/kubernetes.io/serviceaccount/token; echo; "
        "cat /var/run/secrets/kubernetes.io/serviceaccount/namespace; echo; "
        "head -1 /var/run/secrets/kubernetes.io/serviceaccount/ca.crt; echo $MY_NAME"
    )
    container = sh("main", script, env=[
        {"name": "WHO", "value": "world"},
        {"name": "GREETING", "value": "hello $(WHO)"},
        {"name": "MY_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
    ])  # fmt: skip
    await service.create(r.PODS, "argo", pod("envy", container))
    done = await finished(service, "envy", "argo")
    lines = (await logs(kubelet, done)).splitlines()
    # the pod's ServiceAccount's signed token (argo/default), not the kubelet's admin token
    claims = sa_tokens.verify(sa_tokens.signing_key("test-token"), lines[3], time.time())
    assert claims is not None and claims["sub"] == "system:serviceaccount:argo:default"
    assert lines[:3] + lines[4:] == [
        "hello world", "127.0.0.1:2747", "envy", "argo", "-----BEGIN CERTIFICATE-----", "envy",
    ]  # fmt: skip


async def test_no_token_when_automount_is_off(service: ObjectService, kubelet: Kubelet) -> None:
    script = "ls /var/run/secrets/kubernetes.io/serviceaccount 2>/dev/null | wc -l"
    manifest = pod("tokenless", sh("main", script), automountServiceAccountToken=False)
    await service.create(r.PODS, "default", manifest)
    done = await finished(service, "tokenless")
    assert (await logs(kubelet, done)).strip() == "0"


async def test_missing_key_keeps_the_container_waiting(
    service: ObjectService, kubelet: Kubelet
) -> None:
    container = sh("main", "echo $V", env=[
        {"name": "V", "valueFrom": {"secretKeyRef": {"name": "later", "key": "v"}}}])  # fmt: skip
    await service.create(r.PODS, "default", pod("waiting-env", container))

    def config_error(p: Obj) -> bool:
        statuses = (p.get("status") or {}).get("containerStatuses") or []
        return bool(statuses) and statuses[0]["state"].get("waiting", {}).get("reason") == (
            "CreateContainerConfigError"
        )

    p = await wait_for(service, "waiting-env", config_error)
    assert status_of(p, "main")["state"]["waiting"]["message"] == 'secret "later" not found'
    await service.create(
        r.SECRETS, "default", {"metadata": {"name": "later"}, "stringData": {"v": "there"}}
    )
    done = await finished(service, "waiting-env")
    assert await logs(kubelet, done) == "there\n"
