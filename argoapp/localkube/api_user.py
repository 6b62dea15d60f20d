"""Local mode's Argo API identity: the token `argoapp up` requires, and what it may do.

`argoapp up` in `client` auth mode calls `ensure_api_user` once localkube has started. The
token is made on first start and kept in `DATA_DIR/token` (mode 0600, one line, no "Bearer "),
where the CLI reads it and from which the login link is printed. Inside localkube it belongs to
the ServiceAccount `argoapp-system/argoapp-user` through a Secret of type
`kubernetes.io/service-account-token` (so `rbac` authenticates it as any such token), bound by
the ClusterRoleBinding `argoapp-user` to the ClusterRole `argoapp-user`: every verb on Argo's
resources, reading and deleting pods (as Argo's server role: a retry deletes the pods of the
nodes it resets), reading their logs, events, config maps, secrets and namespaces. The objects
are made again (or corrected) at every start, so deleting one by hand is repaired.
It lives in `rbac.SYSTEM_NAMESPACE`, not in `argo`: every ServiceAccount may read the Secrets
of its own namespace (`rbac`'s `argoapp-workload` role), so a workflow pod in `argo` would
otherwise read this token. An older start's account and Secret in `argo` are deleted.
It calls the object service in process: no HTTP, and no RBAC check of its own writes.
"""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
from pathlib import Path
from typing import Any

from argoapp.errors import ConfigError
from argoapp.localkube import rbac
from argoapp.localkube import resources as r
from argoapp.localkube.errors import AlreadyExists, NotFound
from argoapp.localkube.objects import ObjectService
from argoapp.localkube.resources import Resource

Obj = dict[str, Any]
TOKEN_FILE = "token"
NAME, NAMESPACE = "argoapp-user", rbac.SYSTEM_NAMESPACE
_LEGACY_NAMESPACE = "argo"  # where earlier versions kept the account and its token Secret
_READ = ["get", "list", "watch"]
# Argo's argo-server ClusterRole (manifests/cluster-install/argo-server-rbac), widened to
# reading what the UI and CLI list: retry and resubmit delete pods, as Argo's server may.
RULES: list[Obj] = [
    {"apiGroups": ["argoproj.io"], "resources": ["*"], "verbs": ["*"]},
    {
        "apiGroups": [""],
        "resources": ["pods", "pods/exec", "pods/log"],
        "verbs": [*_READ, "delete"],
    },
    {
        "apiGroups": [""],
        "resources": [
            "events",
            "configmaps",
            "secrets",
            "serviceaccounts",
            "namespaces",
            "persistentvolumeclaims",
        ],
        "verbs": _READ,
    },
    {"apiGroups": [""], "resources": ["events"], "verbs": ["create", "patch"]},
]


def load_or_create_token(data_dir: Path) -> str:
    """The API token in `DATA_DIR/token`, made on first use."""
    path = data_dir / TOKEN_FILE
    try:
        if not path.exists():
            partial = path.with_name(TOKEN_FILE + ".partial")
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(32) + "\n")
            os.replace(partial, path)
        token = path.read_text().strip()
    except OSError as e:
        raise ConfigError(f"cannot keep the API token in {path}: {e.strerror}") from None
    if not token:
        raise ConfigError(f"{path} is empty: delete it and a new token is made")
    return token


async def ensure_api_user(service: ObjectService, data_dir: Path) -> str:
    """Make (or repair) the token's ServiceAccount, Secret, role and binding; the token."""
    token = load_or_create_token(data_dir)
    await _apply(service, r.NAMESPACES, None, {"metadata": {"name": NAMESPACE}})
    for res, name in ((r.SECRETS, f"{NAME}-token"), (r.SERVICEACCOUNTS, NAME)):
        with contextlib.suppress(NotFound):
            await service.delete(res, _LEGACY_NAMESPACE, name)
    await _apply(service, r.SERVICEACCOUNTS, NAMESPACE, {"metadata": {"name": NAME}})
    secret = {
        "metadata": {
            "name": f"{NAME}-token",
            "annotations": {rbac.SA_NAME_ANNOTATION: NAME},
        },
        "type": rbac.SA_TOKEN_TYPE,
        "data": {"token": base64.b64encode(token.encode()).decode()},
    }
    await _apply(service, r.SECRETS, NAMESPACE, secret)
    await _apply(service, r.CLUSTERROLES, None, {"metadata": {"name": NAME}, "rules": RULES})
    binding = {
        "metadata": {"name": NAME},
        "roleRef": {"apiGroup": r.CLUSTERROLES.group, "kind": "ClusterRole", "name": NAME},
        "subjects": [{"kind": "ServiceAccount", "name": NAME, "namespace": NAMESPACE}],
    }
    await _apply(service, r.CLUSTERROLEBINDINGS, None, binding)
    return token


async def _apply(service: ObjectService, res: Resource, namespace: str | None, obj: Obj) -> None:
    """Create `obj`, or replace what is stored when its content differs."""
    try:
        await service.create(res, namespace, obj)
        return
    except AlreadyExists:
        pass
    current = await service.get(res, namespace, obj["metadata"]["name"])
    wanted = {k: v for k, v in obj.items() if k != "metadata"}
    if all(current.get(k) == v for k, v in wanted.items()):
        return
    meta = {**current["metadata"], **obj["metadata"]}
    await service.replace(res, namespace, meta["name"], {**current, **wanted, "metadata": meta})
