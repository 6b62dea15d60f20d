"""The built-in `argoapp-workload` role: a pod's token works in its own namespace, only there,
and cannot escalate (no RBAC writes, nothing cluster-scoped, no token requests); the same
account's other tokens keep only what RoleBindings give them."""

from __future__ import annotations

import pytest

from argoapp.localkube import rbac, sa_tokens
from argoapp.localkube import resources as r
from argoapp.localkube.objects import ObjectService
from argoapp.localkube.rbac import Attributes


async def _login(
    service: ObjectService, namespace: str, name: str, *, pod: bool = True
) -> tuple[rbac.Authorizer, str]:
    authorizer = rbac.Authorizer(service, "admin")
    if name != "default":
        await service.create(r.SERVICEACCOUNTS, namespace, {"metadata": {"name": name}})
    account = await service.get(r.SERVICEACCOUNTS, namespace, name)
    token = sa_tokens.issue(
        authorizer.signing_key, issuer=rbac.ISSUER, namespace=namespace, name=name,
        uid=account["metadata"]["uid"], audiences=[], issued_at=0, expires_at=2**40,
        extra={rbac.WORKLOAD_CLAIM: True} if pod else None,
    )  # fmt: skip
    return authorizer, token


ALLOWED = [
    Attributes("create", "", "configmaps", "", "argo"),
    Attributes("get", "", "secrets", "", "argo", "s3-creds"),
    Attributes("patch", "", "pods", "", "argo", "p"),
    Attributes("get", "", "pods", "log", "argo", "p"),
    Attributes("create", "argoproj.io", "workflowtaskresults", "", "argo"),
    Attributes("patch", "argoproj.io", "workflowtaskresults", "", "argo", "n"),
    Attributes("create", "apps", "deployments", "", "argo"),
    Attributes("create", "batch", "jobs", "", "argo"),
    Attributes("get", "", "namespaces", "", "argo", "argo"),
]
DENIED = [
    Attributes("list", "", "pods", "", "default"),
    Attributes("get", "", "secrets", "", rbac.SYSTEM_NAMESPACE, "argoapp-user-token"),
    Attributes("create", "rbac.authorization.k8s.io", "clusterrolebindings"),
    Attributes("create", "rbac.authorization.k8s.io", "rolebindings", "", "argo"),
    Attributes("create", "rbac.authorization.k8s.io", "roles", "", "argo"),
    Attributes("create", "", "serviceaccounts", "token", "argo", "other"),
    Attributes("list", "", "namespaces"),
    Attributes("delete", "", "namespaces", "", "argo", "argo"),
    Attributes("get", "", "namespaces", "", "default", "default"),
    Attributes("patch", "", "pods", "status", "argo", "p"),
    Attributes("create", "apiextensions.k8s.io", "customresourcedefinitions"),
    Attributes("list", "argoproj.io", "clusterworkflowtemplates"),
]


@pytest.mark.parametrize("a", ALLOWED, ids=str)
async def test_a_service_account_works_in_its_own_namespace(
    service: ObjectService, a: Attributes
) -> None:
    authorizer, token = await _login(service, "argo", "default")
    subject = await authorizer.authenticate(token)
    assert subject is not None and authorizer.allowed(token, subject, a)


@pytest.mark.parametrize("a", DENIED, ids=str)
async def test_a_service_account_cannot_leave_or_escalate(
    service: ObjectService, a: Attributes
) -> None:
    authorizer, token = await _login(service, "argo", "default")
    subject = await authorizer.authenticate(token)
    assert subject is not None and not authorizer.allowed(token, subject, a)


async def test_no_workload_rights_in_the_system_namespace(service: ObjectService) -> None:
    await service.create(r.NAMESPACES, None, {"metadata": {"name": rbac.SYSTEM_NAMESPACE}})
    authorizer, token = await _login(service, rbac.SYSTEM_NAMESPACE, "bot")
    subject = await authorizer.authenticate(token)
    assert subject is not None
    a = Attributes("list", "", "secrets", "", rbac.SYSTEM_NAMESPACE)
    assert not authorizer.allowed(token, subject, a)


async def test_the_accounts_other_tokens_get_no_workload_rights(service: ObjectService) -> None:
    authorizer, token = await _login(service, "argo", "default", pod=False)
    subject = await authorizer.authenticate(token)
    assert subject is not None and rbac.WORKLOAD_GROUP not in subject.groups
    assert not authorizer.allowed(
        token, subject, Attributes("create", "", "configmaps", "", "argo")
    )
