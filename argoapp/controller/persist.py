"""Reading and writing one workflow: node status offloading, and the single write per pass.

Argo moves `status.nodes` out of a workflow too large for etcd into its database and leaves
`status.offloadNodeStatusVersion` behind; argoapp does the same with its SQLite store, above
`threshold` bytes of nodes JSON (localkube takes requests up to 3 MiB). The threshold is low,
64 KiB: a write of the nodes to the store costs one encoding, while a large workflow object
costs several encodings, decodings and copies per write on its way through the API and its
watchers, and that grew every step of a long workflow. `hydrate` puts the nodes back before
the engine sees the workflow; `write` offloads if needed and replaces the object with the
resourceVersion it was read at, so a `Conflict` reaches the caller (who reloads and recomputes).

Offloaded versions are cached by (uid, version), the two newest of each workflow: the version
changes whenever the nodes do.
Without a store (`store=None`) nothing is offloaded. Called by `Controller._pass` only.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any, Protocol

from argoapp.kube.api import KubeApi
from argoapp.kube.jsontext import encoded_size
from argoapp.model.types import Obj

OFFLOAD_THRESHOLD = 64 * 1024
_CACHE_SIZE = 64
_VERSIONS_KEPT = 2


class NodeStore(Protocol):
    """The part of `argoapp.store.Store` that keeps offloaded node status."""

    async def save_nodes(
        self, uid: str, nodes: dict[str, Any], base: tuple[str, dict[str, Any]] | None = None
    ) -> tuple[str, list[str]]: ...

    async def load_nodes(self, uid: str, version: str) -> dict[str, Any] | None: ...

    async def prune_nodes(
        self, uid: str, keep_version: str, node_ids: list[str] | None = None
    ) -> None: ...

    async def delete_nodes(self, uid: str) -> None: ...


class OffloadError(Exception):
    """The offloaded nodes a workflow names are missing from the store."""


class Persister:
    """Hydrates workflows read from the cache and writes them back once per pass."""

    def __init__(
        self, kube: KubeApi, store: NodeStore | None, *, threshold: int = OFFLOAD_THRESHOLD
    ) -> None:
        self.kube = kube
        self.store = store
        self.threshold = threshold
        self._cache: OrderedDict[tuple[str, str], dict[str, Any]] = OrderedDict()
        self.offloads = 0

    async def hydrate(self, wf: Obj) -> Obj:
        """`wf` with its offloaded nodes back in `status.nodes` (a new dict when changed)."""
        status = wf.get("status") or {}
        version = status.get("offloadNodeStatusVersion")
        if not version or self.store is None:
            return wf
        uid = wf["metadata"].get("uid", "")
        nodes = self._cache.get((uid, version))
        if nodes is None:
            nodes = await self.store.load_nodes(uid, version)
            if nodes is None:
                raise OffloadError(f"offloaded nodes {version} of workflow {uid} are missing")
            self._remember(uid, version, nodes)
        return {**wf, "status": {**status, "nodes": nodes}}

    async def write(self, wf: Obj) -> Obj:
        """Replace the workflow (offloading its nodes when large); the object the API returned."""
        before = str((wf.get("status") or {}).get("offloadNodeStatusVersion") or "")
        body, version, written_ids, offloaded_before = await self._offload(wf)
        written = await self.kube.replace("Workflow", body)
        if self.store is not None:
            uid = wf["metadata"].get("uid", "")
            if version and written_ids and before:
                # Only now (until the object names the new version, the old one must stay
                # whole), and one version behind: a reader that got the previous object
                # (the API server, a watch) can still load its nodes.
                await self.store.prune_nodes(uid, before, written_ids)
            elif not version and offloaded_before:
                await self.store.delete_nodes(uid)
        return written

    async def forget(self, uid: str) -> None:
        """The workflow is gone: drop its offloaded nodes."""
        for key in [k for k in self._cache if k[0] == uid]:
            del self._cache[key]
        if self.store is not None:
            await self.store.delete_nodes(uid)

    async def _offload(self, wf: Obj) -> tuple[Obj, str, list[str], bool]:
        status = dict(wf.get("status") or {})
        before = str(status.pop("offloadNodeStatusVersion", None) or "")
        nodes = status.get("nodes")
        version, written_ids = "", list[str]()
        # Once offloaded, a workflow stays offloaded: its size is not measured again (that
        # took an encoding of every node, every write).
        big = bool(before) or (nodes is not None and _size(nodes, self.threshold) > self.threshold)
        if self.store is not None and nodes and big:
            uid = wf["metadata"].get("uid", "")
            known = self._cache.get((uid, before)) if before else None
            base = (before, known) if known is not None else None
            version, written_ids = await self.store.save_nodes(uid, nodes, base)
            self._remember(uid, version, nodes)
            del status["nodes"]
            status["offloadNodeStatusVersion"] = version
            self.offloads += 1
        return {**wf, "status": status}, version, written_ids, bool(before)

    def _remember(self, uid: str, version: str, nodes: dict[str, Any]) -> None:
        """Keep the newest versions of each workflow (the one just written, and the one the
        informer may still hold): a version is the whole node status, megabytes in memory for
        a big workflow, and older ones are never read again."""
        self._cache[(uid, version)] = nodes
        self._cache.move_to_end((uid, version))
        mine = [key for key in self._cache if key[0] == uid]
        for key in mine[:-_VERSIONS_KEPT]:
            del self._cache[key]
        while len(self._cache) > _CACHE_SIZE:
            self._cache.popitem(last=False)


def _size(nodes: Any, threshold: int) -> int:
    """The size of the nodes' compact JSON, exact whenever it is over `threshold` (orjson
    measures it: every write of a workflow not yet offloaded measured every node)."""
    try:
        return encoded_size(nodes, under=threshold + 1)
    except ValueError:  # NaN or an infinity, which json writes (the API would refuse them)
        return len(json.dumps(nodes, separators=(",", ":")))
