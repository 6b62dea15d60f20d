"""The Kubernetes API semantics localkube offers, over its SQLite storage.

`ObjectService` is what the API server's handlers and the kubelet call, in process: create, get,
list, replace, patch, delete and watch for every type in `resources`. It owns the rules a real
API server enforces and the controller relies on: names and generateName, uid and
creationTimestamp, generation, one monotonic resourceVersion for all objects, 409 on a stale
resourceVersion or a duplicate name, the status subresource, finalizers and deletionTimestamp,
graceful pod deletion, and garbage collection through ownerReferences.

It knows nothing of HTTP: arguments are parsed values, errors are `errors.ApiError`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from argoapp.localkube.resources import Resource

Obj = dict[str, Any]


class Watch:
    """One open watch: an async iterator of `{"type": ..., "object": ...}` events.

    Types are ADDED, MODIFIED, DELETED, BOOKMARK (when asked for) and ERROR (a `Status`, for
    example 410 Expired). Iteration ends when `close()` is called or the service shuts down.
    """

    def __aiter__(self) -> AsyncIterator[Obj]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class ObjectService:
    """The API objects of one localkube, and the rules for changing them."""

    async def create(self, res: Resource, namespace: str | None, body: Obj, *,
                     dry_run: bool = False) -> Obj:
        """Store a new object; fills name from generateName, uid, timestamps, resourceVersion."""
        raise NotImplementedError

    async def get(self, res: Resource, namespace: str | None, name: str) -> Obj:
        raise NotImplementedError

    async def list(self, res: Resource, namespace: str | None, *, label_selector: str = "",
                   field_selector: str = "", limit: int = 0, continue_token: str = "") -> Obj:
        """A `<Kind>List` with `metadata.resourceVersion` and, when limited, `continue`.

        `namespace=None` lists across all namespaces.
        """
        raise NotImplementedError

    async def replace(self, res: Resource, namespace: str | None, name: str, body: Obj, *,
                      subresource: str = "", dry_run: bool = False) -> Obj:
        """PUT: a whole new object (or only its `.status` when `subresource == "status"`)."""
        raise NotImplementedError

    async def patch(self, res: Resource, namespace: str | None, name: str, content_type: str,
                    patch: Any, *, subresource: str = "", dry_run: bool = False) -> Obj:
        """PATCH with a merge, strategic-merge, JSON or apply patch (by its content type)."""
        raise NotImplementedError

    async def delete(self, res: Resource, namespace: str | None, name: str, *,
                     propagation_policy: str | None = None,
                     grace_period_seconds: int | None = None,
                     preconditions: Obj | None = None, dry_run: bool = False) -> Obj:
        """Delete now, or mark with deletionTimestamp while finalizers or a pod's grace remain.

        Returns the object as it was last stored.
        """
        raise NotImplementedError

    def watch(self, res: Resource, namespace: str | None, *, resource_version: str = "",
              label_selector: str = "", field_selector: str = "",
              allow_bookmarks: bool = False, send_initial_events: bool | None = None) -> Watch:
        """Watch from `resource_version` (replaying what came after it), or from now.

        With no resourceVersion (or "0") the current objects come first as ADDED events.
        A resourceVersion older than the kept history yields one ERROR event (410) and ends.
        """
        raise NotImplementedError
