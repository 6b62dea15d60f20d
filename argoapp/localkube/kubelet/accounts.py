"""The ServiceAccount token the kubelet mounts into a pod, issued once per (namespace, account).

A real kubelet asks the API server for a bound token of the pod's `spec.serviceAccountName`
and projects it at `/var/run/secrets/kubernetes.io/serviceaccount/token`; localkube's kubelet
signs the same kind of token itself (`sa_tokens.issue`, with the key `rbac` verifies against),
so a pod acts on the API as its ServiceAccount, never as localkube's admin. The token carries
`rbac.WORKLOAD_CLAIM`, which gives it the built-in `argoapp-workload` role in its namespace.

`AccountTokens` is made by the `Kubelet` and asked by `sources.fetch` before each container
start. Cost: the first pod of a (namespace, account) reads the ServiceAccount once in process
(its uid goes into the token, so a deleted and re-made account's old tokens stop working);
later pods get the cached token. A commit touching a ServiceAccount (seen through the storage's
`on_commit`, one comparison per event) drops that account's entry. A missing ServiceAccount gets
a token naming no uid, which `rbac` refuses: the pod runs, but cannot use the API.
It must not make HTTP calls or write files (`volumes` writes the token).
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from argoapp.localkube import rbac, sa_tokens
from argoapp.localkube import resources as r
from argoapp.localkube.errors import NotFound
from argoapp.localkube.objects import ObjectService
from argoapp.localkube.storage import Event

# A kubelet's projected token is valid a year when the API server extends kubelet tokens
# (--service-account-extend-token-expiration); one is issued again after a day, so a token
# file written by a newer pod keeps the account's long-running pods current.
LIFETIME = 365 * 24 * 3600
REISSUE_AFTER = 24 * 3600


class AccountTokens:
    """Signed tokens for the ServiceAccounts pods run as, cached per (namespace, name)."""

    def __init__(self, service: ObjectService, admin_token: str) -> None:
        self.service = service
        self._key = sa_tokens.signing_key(admin_token)
        self._cache: dict[tuple[str, str], tuple[str, float]] = {}  # -> (token, issued at)
        self._changes = 0  # ServiceAccount commits seen: a read older than one is not cached
        storage = getattr(service, "storage", None)  # absent from tests' stand-in services
        if storage is not None:
            storage.also_on_commit(self.observe)

    def observe(self, events: Iterable[Event]) -> None:
        """Forget the token of every ServiceAccount a commit changed."""
        for event in events:
            if event.res == r.SERVICEACCOUNTS.key:
                name = str((event.obj.get("metadata") or {}).get("name", ""))
                self._cache.pop((event.namespace, name), None)
                self._changes += 1

    async def token(self, namespace: str, name: str) -> str:
        """The token a pod of `namespace` running as ServiceAccount `name` mounts."""
        now = time.time()
        cached = self._cache.get((namespace, name))
        if cached is not None and now - cached[1] < REISSUE_AFTER:
            return cached[0]
        changes = self._changes
        try:
            account = await self.service.get(r.SERVICEACCOUNTS, namespace, name)
            uid = str(account["metadata"].get("uid", ""))
        except NotFound:
            uid = ""
        issued = int(now)
        token = sa_tokens.issue(
            self._key,
            issuer=rbac.ISSUER,
            namespace=namespace,
            name=name,
            uid=uid,
            audiences=[rbac.ISSUER],
            issued_at=issued,
            expires_at=issued + LIFETIME,
            extra={rbac.WORKLOAD_CLAIM: True},  # binds rbac's built-in argoapp-workload role
        )
        if changes == self._changes:
            self._cache[(namespace, name)] = (token, now)
        return token


def account_of(pod: dict[str, object]) -> str:
    """The ServiceAccount a pod runs as (`default` when it names none)."""
    spec = pod.get("spec")
    name = spec.get("serviceAccountName") if isinstance(spec, dict) else None
    return str(name) if name else "default"
