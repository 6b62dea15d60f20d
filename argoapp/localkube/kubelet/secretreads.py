"""The Secrets the kubelet's in-process executor roles read, kept until a commit changes them.

Called by `inprocess.PodRoles.artifact_access` for the Secrets an artifact location names
(for the archived logs of every pod of a workflow: the same one, pod after pod). The first read
of a (namespace, name) goes to the object service; later ones are answered from memory until a
commit touches that Secret (seen through the storage's `on_commit`, one comparison per event,
as `accounts.AccountTokens` does for ServiceAccounts), so a changed or deleted Secret is never
served: what a role gets is what a read at that moment would give. A read that raced with such
a commit is not kept. Without the storage hook (tests' stand-in services) nothing is kept.

It only reads; it must not write objects or files.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable

from argoapp.executor.artifact_access import secret_data
from argoapp.localkube import resources as r
from argoapp.localkube.errors import NotFound
from argoapp.localkube.objects import ObjectService
from argoapp.localkube.storage import Event

KEPT_MAX = 256  # Secrets kept at most (a pod naming many different ones never grows it)


class SecretReads:
    """Secrets' `data` (base64 values; None: no such Secret), by (namespace, name)."""

    def __init__(self, service: ObjectService) -> None:
        self.service = service
        self._kept: dict[tuple[str, str], dict[str, str] | None] = {}
        self._changes = 0  # Secret commits seen: a read that saw one meanwhile is not kept
        storage = getattr(service, "storage", None)
        self._hooked = storage is not None
        if storage is not None:
            storage.also_on_commit(self.observe)

    def observe(self, events: Iterable[Event]) -> None:
        """Forget every Secret a commit changed (on the storage's thread)."""
        for event in events:
            if event.res == SECRETS:
                name = str((event.obj.get("metadata") or {}).get("name", ""))
                self._changes += 1
                self._kept.pop((event.namespace, name), None)

    async def data(self, namespace: str, name: str) -> dict[str, str] | None:
        """The Secret's `data` as `artifact_access.SecretData` keeps it, None when missing."""
        key = (namespace, name)
        if key in self._kept:
            return self._kept.get(key)
        changes = self._changes
        try:
            found: dict[str, str] | None = secret_data(
                await self.service.get(r.SECRETS, namespace, name)
            )
        except NotFound:
            found = None
        if self._hooked:
            if len(self._kept) >= KEPT_MAX:
                self._kept.clear()
            self._kept[key] = found
            if changes != self._changes:  # a Secret changed since the read: checked after
                self._kept.pop(key, None)  # the insert, so a change in between is not missed
        return found


SECRETS = r.SECRETS.key
_BY_SERVICE: weakref.WeakKeyDictionary[ObjectService, SecretReads] = weakref.WeakKeyDictionary()


def secret_reads(service: ObjectService) -> SecretReads:
    """The one `SecretReads` of `service` (made at its first use)."""
    found = _BY_SERVICE.get(service)
    if found is None:
        found = _BY_SERVICE[service] = SecretReads(service)
    return found
