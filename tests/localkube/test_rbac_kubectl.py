"""localkube's RBAC through the real kubectl: ServiceAccount tokens (TokenRequest and token
Secrets), Roles and RoleBindings in one namespace, ClusterRoles, and `kubectl auth can-i`."""

from __future__ import annotations

import base64

from .harness import Kubectl, KubeServer

SETUP = """
apiVersion: v1
kind: ServiceAccount
metadata: {name: reader, namespace: argo}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: cm-reader, namespace: argo}
rules:
- apiGroups: [""]
  resources: [configmaps]
  verbs: [get, list, watch]
- apiGroups: [argoproj.io]
  resources: [workflows]
  verbs: [list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reader-reads, namespace: argo}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: cm-reader}
subjects:
- {kind: ServiceAccount, name: reader, namespace: argo}
"""


async def _token(kubectl: Kubectl, name: str = "reader", namespace: str = "argo") -> str:
    run = await kubectl("create", "token", name, "-n", namespace)
    return run.out.strip()


async def test_a_role_allows_its_rules_in_its_namespace_only(kubectl: Kubectl) -> None:
    await kubectl("apply", "-f", "-", stdin=SETUP)
    token = await _token(kubectl)
    assert token.count(".") == 2  # a JWT, as a real API server issues

    allowed = await kubectl("--token", token, "get", "configmaps", "-n", "argo")
    assert allowed.code == 0

    pods = await kubectl("--token", token, "get", "pods", "-n", "argo", check=False)
    assert pods.code != 0
    assert "Forbidden" in pods.err
    assert 'User "system:serviceaccount:argo:reader" cannot list resource "pods"' in pods.err

    elsewhere = await kubectl("--token", token, "get", "configmaps", "-n", "default", check=False)
    assert elsewhere.code != 0 and "forbidden" in elsewhere.err.lower()

    create = await kubectl("--token", token, "create", "configmap", "x", "-n", "argo", check=False)
    assert create.code != 0 and "cannot create resource" in create.err


async def test_a_cluster_role_binding_grants_everywhere(kubectl: Kubectl) -> None:
    await kubectl("create", "serviceaccount", "ops", "-n", "default")
    token = await _token(kubectl, "ops", "default")
    denied = await kubectl("--token", token, "get", "namespaces", check=False)
    assert denied.code != 0 and "Forbidden" in denied.err
    await kubectl(
        "create",
        "clusterrolebinding",
        "ops-view",
        "--clusterrole=view",
        "--serviceaccount=default:ops",
    )
    # the binding was just made: the cached denial must not survive it
    allowed = await kubectl("--token", token, "get", "namespaces")
    assert "argo" in allowed.out
    still = await kubectl("--token", token, "delete", "namespace", "argo", check=False)
    assert still.code != 0 and "Forbidden" in still.err


async def test_auth_can_i_answers_for_the_caller(kubectl: Kubectl) -> None:
    await kubectl("apply", "-f", "-", stdin=SETUP)
    token = await _token(kubectl)
    yes = await kubectl("--token", token, "auth", "can-i", "list", "configmaps", "-n", "argo")
    assert yes.out.strip() == "yes"
    no = await kubectl(
        "--token", token, "auth", "can-i", "delete", "configmaps", "-n", "argo", check=False
    )
    assert no.out.strip() == "no"
    admin = await kubectl("auth", "can-i", "delete", "pods", "-n", "argo")
    assert admin.out.strip() == "yes"


async def test_a_token_secret_authenticates_as_its_service_account(
    kube: KubeServer, kubectl: Kubectl
) -> None:
    await kubectl("apply", "-f", "-", stdin=SETUP)
    raw = "a-long-random-token-kept-in-a-secret"
    secret = f"""
apiVersion: v1
kind: Secret
metadata:
  name: reader-token
  namespace: argo
  annotations: {{kubernetes.io/service-account.name: reader}}
type: kubernetes.io/service-account-token
data: {{token: {base64.b64encode(raw.encode()).decode()}}}
"""
    await kubectl("apply", "-f", "-", stdin=secret)
    assert (await kubectl("--token", raw, "get", "cm", "-n", "argo")).code == 0
    await kubectl("delete", "secret", "reader-token", "-n", "argo")
    gone = await kubectl("--token", raw, "get", "cm", "-n", "argo", check=False)
    assert gone.code != 0 and "Unauthorized" in gone.err


async def test_deleting_the_service_account_revokes_its_tokens(kubectl: Kubectl) -> None:
    await kubectl("apply", "-f", "-", stdin=SETUP)
    token = await _token(kubectl)
    await kubectl("delete", "serviceaccount", "reader", "-n", "argo")
    run = await kubectl("--token", token, "get", "cm", "-n", "argo", check=False)
    assert run.code != 0 and "Unauthorized" in run.err


async def test_an_unknown_token_is_unauthorized(kubectl: Kubectl) -> None:
    run = await kubectl("--token", "nobody", "get", "pods", check=False)
    assert run.code != 0 and "must be logged in" in run.err
