"""Validating what clients send before it is stored, with the engine's validator, and loading
the nodes a workflow's status keeps elsewhere.

The engine's `validate_workflow(wf, lookup)` reads referenced templates through a synchronous
`Lookup`; the server has only an async Kubernetes client, so `prefetch` first walks the
documents for `workflowTemplateRef` / `templateRef` names and fetches them (and what they
reference in turn) into a `Prefetched` lookup. Templates and cron workflows are validated as the
Workflow they stand for (their spec, or the cron's `workflowSpec`), until the engine offers
validators of its own for them.

`hydrate` puts offloaded (`status.offloadNodeStatusVersion`, from the store) or compressed
(`status.compressedNodes`, gzip+base64 as Argo's packer writes) nodes back into `status.nodes`.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import logging
from typing import Any

from argoapp.engine.validate import (
    validate_cluster_workflow_template,
    validate_cron_workflow,
    validate_workflow,
    validate_workflow_template,
)
from argoapp.kube.client import Kube
from argoapp.kube.errors import NotFound
from argoapp.model.types import Obj
from argoapp.server.context import NodeStore
from argoapp.server.errors import ApiError, Code

log = logging.getLogger(__name__)

_MAX_PREFETCH = 200


class Prefetched:
    """An engine `Lookup` over objects fetched before validation."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str, str], Obj] = {}

    def get(self, kind: str, namespace: str, name: str) -> Obj | None:
        return self.objects.get((kind, namespace, name))


def _refs(doc: Any, namespace: str) -> set[tuple[str, str, str]]:
    found: set[tuple[str, str, str]] = set()
    stack = [doc]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            for key, value in item.items():
                if key in ("templateRef", "workflowTemplateRef") and isinstance(value, dict):
                    name = value.get("name")
                    if isinstance(name, str) and name:
                        if value.get("clusterScope") is True:
                            found.add(("ClusterWorkflowTemplate", "", name))
                        else:
                            found.add(("WorkflowTemplate", namespace, name))
                else:
                    stack.append(value)
    return found


async def prefetch(kube: Kube, namespace: str, *docs: Obj) -> Prefetched:
    """Fetch every template the documents reference, transitively."""
    lookup = Prefetched()
    wanted: set[tuple[str, str, str]] = set()
    for doc in docs:
        wanted |= _refs(doc, namespace)
    tried: set[tuple[str, str, str]] = set()
    while wanted and len(tried) < _MAX_PREFETCH:
        key = wanted.pop()
        tried.add(key)
        kind, ns, name = key
        try:
            obj = await kube.get(kind, name, ns)
        except NotFound:
            continue
        lookup.objects[key] = obj
        wanted |= _refs(obj, ns or namespace) - tried
    return lookup


def _in_namespace(obj: Obj, namespace: str) -> Obj:
    """`obj` with the request's namespace (templateRef lookups are namespaced)."""
    if not namespace or (obj.get("metadata") or {}).get("namespace"):
        return obj
    return {**obj, "metadata": {**(obj.get("metadata") or {}), "namespace": namespace}}


async def validate(kube: Kube, namespace: str, wf: Obj, *, lint: bool = False) -> None:
    """Validate a Workflow (raises the engine's `ValidationError`); `lint` lets arguments
    go without values, as `argo lint` does."""
    wf = _in_namespace(wf, namespace)
    lookup = await prefetch(kube, namespace, wf)
    validate_workflow(wf, lookup, lint=lint)


async def validate_template(kube: Kube, namespace: str, tmpl: Obj) -> None:
    """Validate a WorkflowTemplate or (by its kind) a ClusterWorkflowTemplate."""
    tmpl = _in_namespace(tmpl, namespace)
    lookup = await prefetch(kube, namespace, tmpl)
    if tmpl.get("kind") == "ClusterWorkflowTemplate":
        validate_cluster_workflow_template(tmpl, lookup)
    else:
        validate_workflow_template(tmpl, lookup)


async def validate_cron(kube: Kube, namespace: str, cron: Obj) -> None:
    spec = cron.get("spec")
    if not isinstance(spec, dict) or not isinstance(spec.get("workflowSpec"), dict):
        raise ApiError(Code.INVALID_ARGUMENT, "cron workflow must have a workflowSpec")
    cron = _in_namespace(cron, namespace)
    lookup = await prefetch(kube, namespace, cron)
    validate_cron_workflow(cron, lookup)


async def hydrate(wf: Obj, store: NodeStore | None, *, strict: bool) -> None:
    """Put the workflow's nodes into `status.nodes`. `strict` (for writes): a node list that
    cannot be loaded is an error instead of a workflow shown without nodes."""
    status = wf.get("status")
    if not isinstance(status, dict):
        return
    compressed = status.get("compressedNodes")
    if isinstance(compressed, str) and compressed:
        try:
            status["nodes"] = json.loads(gzip.decompress(base64.b64decode(compressed)))
        except (binascii.Error, OSError, ValueError, EOFError) as e:
            raise ApiError(Code.INTERNAL, f"cannot decompress the workflow's nodes: {e}") from None
        del status["compressedNodes"]
    version = status.get("offloadNodeStatusVersion")
    if not version:
        return
    uid = (wf.get("metadata") or {}).get("uid", "")
    nodes = await store.load_nodes(uid, str(version)) if store is not None else None
    if nodes is not None:
        status["nodes"] = nodes
        return
    message = f"the nodes of workflow {uid} (version {version}) are offloaded and cannot be loaded"
    if strict:
        raise ApiError(Code.INTERNAL, message)
    log.warning("%s", message)
