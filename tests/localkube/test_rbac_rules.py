"""RBAC's pieces without HTTP: what a request path means, how rules match, and that the
decision caches follow commits to RBAC objects (through the real object service)."""

from __future__ import annotations

import pytest

from argoapp.localkube import rbac, sa_tokens
from argoapp.localkube import resources as r
from argoapp.localkube.objects import ObjectService
from argoapp.localkube.rbac import Attributes, parse_rules
from argoapp.localkube.rbac_http import attributes


@pytest.mark.parametrize(
    ("method", "path", "watch", "expected"),
    [
        ("GET", "/api/v1/namespaces/argo/pods", False, ("list", "", "pods", "", "argo", "")),
        ("GET", "/api/v1/pods", True, ("watch", "", "pods", "", "", "")),
        ("GET", "/api/v1/namespaces/a/pods/p/log", False, ("get", "", "pods", "log", "a", "p")),
        ("PUT", "/api/v1/namespaces/a/pods/p/status", False,
         ("update", "", "pods", "status", "a", "p")),
        ("GET", "/api/v1/namespaces/argo", False, ("get", "", "namespaces", "", "argo", "argo")),
        ("PUT", "/api/v1/namespaces/x/finalize", False,
         ("update", "", "namespaces", "finalize", "x", "x")),
        ("DELETE", "/apis/argoproj.io/v1alpha1/namespaces/a/workflows", False,
         ("deletecollection", "argoproj.io", "workflows", "", "a", "")),
        ("PATCH", "/apis/argoproj.io/v1alpha1/clusterworkflowtemplates/t", False,
         ("patch", "argoproj.io", "clusterworkflowtemplates", "", "", "t")),
        ("POST", "/api/v1/namespaces/a/serviceaccounts/s/token", False,
         ("create", "", "serviceaccounts", "token", "a", "s")),
    ],
)  # fmt: skip
def test_request_attributes(method: str, path: str, watch: bool, expected: tuple[str, ...]) -> None:
    a = attributes(method, path, watch)
    assert (a.verb, a.group, a.resource, a.subresource, a.namespace, a.name) == expected


def test_discovery_paths_are_not_resources() -> None:
    for path in (
        "/api",
        "/apis",
        "/api/v1",
        "/apis/argoproj.io/v1alpha1",
        "/version",
        "/openapi/v3",
    ):
        assert attributes("GET", path, False).resource == ""


def test_rules_match_verbs_groups_resources_subresources_and_names() -> None:
    (rule,) = parse_rules(
        [{"verbs": ["get"], "apiGroups": [""], "resources": ["pods/log"], "resourceNames": ["p"]}]
    )
    assert rule.allows(Attributes("get", "", "pods", "log", "a", "p"))
    assert not rule.allows(Attributes("get", "", "pods", "", "a", "p"))
    assert not rule.allows(Attributes("get", "", "pods", "log", "a", "q"))
    assert not rule.allows(Attributes("list", "", "pods", "log", "a", ""))
    (wild,) = parse_rules([{"verbs": ["*"], "apiGroups": ["argoproj.io"], "resources": ["*"]}])
    assert wild.allows(Attributes("delete", "argoproj.io", "workflows", "", "a", "w"))
    assert not wild.allows(Attributes("delete", "", "pods", "", "a", "w"))
    assert parse_rules("not a list") == ()
    (bad,) = parse_rules([{"verbs": "get"}])
    assert not bad.allows(Attributes("get", "", "pods"))


def test_tokens_are_signed_and_expire() -> None:
    key = sa_tokens.signing_key("admin")
    token = sa_tokens.issue(
        key, issuer="i", namespace="a", name="s", uid="u", audiences=[], issued_at=100,
        expires_at=200,
    )  # fmt: skip
    claims = sa_tokens.verify(key, token, 150)
    assert claims is not None and claims["sub"] == "system:serviceaccount:a:s"
    assert sa_tokens.verify(key, token, 200) is None
    assert sa_tokens.verify(sa_tokens.signing_key("other"), token, 150) is None
    assert sa_tokens.verify(key, token[:-2] + "xx", 150) is None
    assert sa_tokens.verify(key, "a.b", 150) is None


async def test_decisions_follow_binding_changes(service: ObjectService) -> None:
    authorizer = rbac.Authorizer(service, "admin-token")
    sa = await service.create(r.SERVICEACCOUNTS, "argo", {"metadata": {"name": "bot"}})
    key = authorizer.signing_key
    token = sa_tokens.issue(
        key, issuer=rbac.ISSUER, namespace="argo", name="bot", uid=sa["metadata"]["uid"],
        audiences=[], issued_at=0, expires_at=2**40,
    )  # fmt: skip
    subject = await authorizer.authenticate(token)
    assert subject is not None and subject.user == "system:serviceaccount:argo:bot"
    list_wf = Attributes("list", "argoproj.io", "workflows", "", "argo")
    assert not authorizer.allowed(token, subject, list_wf)
    binding = {
        "metadata": {"name": "b"},
        "roleRef": {"kind": "ClusterRole", "name": "edit"},
        "subjects": [{"kind": "Group", "name": "system:serviceaccounts:argo"}],
    }
    await service.create(r.ROLEBINDINGS, "argo", binding)
    subject = await authorizer.authenticate(token)  # the commit dropped the caches
    assert subject is not None
    assert authorizer.allowed(token, subject, list_wf)
    assert not authorizer.allowed(
        token, subject, Attributes("list", "argoproj.io", "workflows", "", "default")
    )
    assert await authorizer.authenticate("admin-token") is rbac.ADMIN
    assert await authorizer.authenticate("unknown") is None
