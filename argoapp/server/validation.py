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

from argoapp.engine.validate import validate_workflow
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


def workflow_of_template(tmpl: Obj) -> Obj:
    """The Workflow a (cluster) workflow template stands for, for validation."""
    spec = dict(tmpl.get("spec") or {})
    templates = spec.get("templates") or []
    if not spec.get("entrypoint") and templates and isinstance(templates[0], dict):
        # Argo validates a template without an entrypoint too (submit names one later).
        spec["entrypoint"] = templates[0].get("name", "")
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": dict(tmpl.get("metadata") or {}),
        "spec": spec,
    }


def workflow_of_cron(cron: Obj) -> Obj:
    """The Workflow a cron workflow would create, for validation."""
    spec = cron.get("spec") or {}
    meta = {**(cron.get("metadata") or {}), **(spec.get("workflowMetadata") or {})}
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": meta,
        "spec": spec.get("workflowSpec") or {},
    }


async def validate(kube: Kube, namespace: str, wf: Obj) -> None:
    """Validate a Workflow (raises the engine's `ValidationError`)."""
    lookup = await prefetch(kube, namespace, wf)
    validate_workflow(wf, lookup)


async def validate_template(kube: Kube, namespace: str, tmpl: Obj) -> None:
    await validate(kube, namespace, workflow_of_template(tmpl))


async def validate_cron(kube: Kube, namespace: str, cron: Obj) -> None:
    spec = cron.get("spec")
    if not isinstance(spec, dict) or not isinstance(spec.get("workflowSpec"), dict):
        raise ApiError(Code.INVALID_ARGUMENT, "cron workflow must have a workflowSpec")
    await validate(kube, namespace, workflow_of_cron(cron))


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
