"""The token a pod mounts is its ServiceAccount's, signed for localkube's RBAC (audit finding 2).

Real pods in real sandboxes read the files; `rbac.Authorizer` over the same object service
says who the token is, as localkube's HTTP path would.
"""

from __future__ import annotations

from argoapp.localkube import rbac
from argoapp.localkube import resources as r
from argoapp.localkube.kubelet import Kubelet
from argoapp.localkube.objects import ObjectService

from .harness import finished, logs, pod, sh

SA = "/var/run/secrets/kubernetes.io/serviceaccount"
ADMIN = "test-token"  # the conftest kubelet's admin token


async def _token_of(
    service: ObjectService, kubelet: Kubelet, name: str, path: str = f"{SA}/token", **spec: object
) -> str:
    await service.create(r.PODS, "argo", pod(name, sh("main", f"cat {path}"), **spec))
    done = await finished(service, name, "argo")
    assert done["status"]["phase"] == "Succeeded", done["status"]
    return (await logs(kubelet, done)).strip()


async def test_a_pod_mounts_its_service_accounts_token(
    service: ObjectService, kubelet: Kubelet
) -> None:
    authorizer = rbac.Authorizer(service, ADMIN)
    await service.create(r.SERVICEACCOUNTS, "argo", {"metadata": {"name": "builder"}})
    token = await _token_of(service, kubelet, "as-builder", serviceAccountName="builder")
    assert token and token != ADMIN
    subject = await authorizer.authenticate(token)
    assert subject is not None and not subject.admin
    assert subject.user == "system:serviceaccount:argo:builder"

    default = await _token_of(service, kubelet, "as-default")
    subject = await authorizer.authenticate(default)
    assert subject is not None and subject.user == "system:serviceaccount:argo:default"

    # issued once per account: the next pod of the account mounts the same token
    assert await _token_of(service, kubelet, "again", serviceAccountName="builder") == token


async def test_a_projected_token_is_the_accounts_too(
    service: ObjectService, kubelet: Kubelet
) -> None:
    volume = {
        "name": "tok",
        "projected": {"sources": [{"serviceAccountToken": {"path": "t"}}]},
    }
    manifest = pod("projected", sh("main", "cat /tok/t", volumeMounts=[
        {"name": "tok", "mountPath": "/tok"}
    ]), volumes=[volume])  # fmt: skip
    await service.create(r.PODS, "argo", manifest)
    done = await finished(service, "projected", "argo")
    token = (await logs(kubelet, done)).strip()
    subject = await rbac.Authorizer(service, ADMIN).authenticate(token)
    assert subject is not None and subject.user == "system:serviceaccount:argo:default"


async def test_a_remade_or_missing_account_gets_no_stale_rights(
    service: ObjectService, kubelet: Kubelet
) -> None:
    authorizer = rbac.Authorizer(service, ADMIN)
    await service.create(r.SERVICEACCOUNTS, "argo", {"metadata": {"name": "temp"}})
    first = await _token_of(service, kubelet, "t1", serviceAccountName="temp")
    await service.delete(r.SERVICEACCOUNTS, "argo", "temp")
    assert await authorizer.authenticate(first) is None
    # a pod naming an account that does not exist still runs, with a token that is refused
    missing = await _token_of(service, kubelet, "t2", serviceAccountName="temp")
    assert missing and await authorizer.authenticate(missing) is None
    await service.create(r.SERVICEACCOUNTS, "argo", {"metadata": {"name": "temp"}})
    again = await _token_of(service, kubelet, "t3", serviceAccountName="temp")
    subject = await authorizer.authenticate(again)
    assert subject is not None and subject.user == "system:serviceaccount:argo:temp"
