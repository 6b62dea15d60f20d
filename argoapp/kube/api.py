"""`KubeApi`: the Kubernetes surface the controller and `informer.Informer` need, as a Protocol.

Two classes satisfy it: `client.Kube` (HTTP, any API server: cluster mode, and the Argo API
server in every mode) and `argoapp.localkube.inproc.InProcessKube` (local mode's controller,
calling localkube's object service in the same event loop, with no HTTP or JSON in between).
Both take and return the wire's camelCase dicts, raise the same `kube.errors` classes and count
requests the same way, so code written against `KubeApi` cannot tell them apart.

Only what the controller and the informer call belongs here; `Kube` extras the API server uses
(`with_token`, `pod_log`) stay on `Kube`. This module defines types only: it must not import
`client` (that would pull kubernetes_asyncio into localkube, which implements this protocol).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from typing import Any, Protocol

from argoapp.kube.resources import Kind
from argoapp.model.types import Obj

# Aliases because the `list` method shadows the builtin inside the class.
Patch = Obj | list[Any]
RequestCounts = dict[tuple[str, str, int], int]


class KubeApi(Protocol):
    """One Kubernetes API, one identity: the verbs, watches, kind discovery and counters."""

    # (kind, verb, HTTP status) -> how many requests: Argo's `k8s_request_total`.
    request_counts: RequestCounts

    @property
    def host(self) -> str:
        """The API server's base URL."""
        ...

    async def close(self) -> None:
        """Release what the client holds (the API itself stays up)."""
        ...

    async def get(self, kind: str | Kind, name: str, namespace: str = "") -> Obj:
        """One object; `NotFound` when it does not exist."""
        ...

    async def list(
        self,
        kind: str | Kind,
        namespace: str = "",
        *,
        label_selector: str = "",
        field_selector: str = "",
        limit: int = 0,
        continue_: str = "",
        resource_version: str = "",
    ) -> Obj:
        """The List object (`items`, `metadata.resourceVersion`, `metadata.continue`)."""
        ...

    async def create(self, kind: str | Kind, body: Obj, namespace: str = "") -> Obj:
        """Create `body`; the namespace defaults to its `metadata.namespace`."""
        ...

    async def replace(self, kind: str | Kind, body: Obj, namespace: str = "") -> Obj:
        """PUT `body` whole; `Conflict` when its resourceVersion is stale."""
        ...

    async def patch(
        self,
        kind: str | Kind,
        name: str,
        patch: Patch,
        namespace: str = "",
        *,
        patch_type: str = "merge",
        subresource: str = "",
    ) -> Obj:
        """Patch one object: `patch_type` is "merge", "json" or "strategic"."""
        ...

    async def delete(
        self,
        kind: str | Kind,
        name: str,
        namespace: str = "",
        *,
        grace_seconds: int | None = None,
        propagation: str | None = None,
    ) -> None:
        """Delete one object; `NotFound` when it is already gone."""
        ...

    async def delete_collection(
        self,
        kind: str | Kind,
        namespace: str,
        *,
        label_selector: str = "",
        field_selector: str = "",
        propagation: str | None = None,
    ) -> int:
        """Delete the objects of `kind` in `namespace` the selectors match (every one when
        none is given); how many went."""
        ...

    def watch(
        self,
        kind: str | Kind,
        namespace: str = "",
        *,
        label_selector: str = "",
        field_selector: str = "",
        resource_version: str = "",
        timeout_seconds: int = 300,
        seen: Callable[[Obj], bool] | None = None,
        transform: Callable[[Obj], Obj] | None = None,
    ) -> AsyncGenerator[tuple[str, Obj], None]:
        """(type, object) pairs, BOOKMARKs included, until the server ends the watch.

        A resourceVersion older than the server keeps raises `Gone`. Iterate under
        `contextlib.aclosing` (or to the end) so the watch is released promptly. `seen`, when
        given, is asked about each ADDED or MODIFIED object first (it must neither change nor
        keep it): True drops the event, as one the caller has already (an informer's own
        write), before an implementation copies the object for it. `transform`, when given,
        makes what is handed over of each ADDED, MODIFIED or DELETED object (it must not
        change its argument; its result may share parts of it): an implementation then
        copies only what it keeps.
        """
        ...

    async def resolve(self, api_version: str, kind: str) -> Kind:
        """The `Kind` for any served apiVersion/kind (a resource template's object)."""
        ...
