"""What the controller has seen, arranged so one workflow's view costs O(its own objects).

`ByWorkflow` indexes pods and WorkflowTaskResults by their `workflows.argoproj.io/workflow`
label: the informer callbacks feed it, and `observed()` reads one workflow's objects without
scanning every pod in the cluster. `CacheLookup` answers the engine's `Lookup` questions
(templates, ConfigMaps) from informer caches. Neither does I/O nor owns tasks; the controller
creates them and calls them from the event loop only.
"""

from __future__ import annotations

from argoapp.kube.informer import Informer
from argoapp.model.labels import LABEL_WORKFLOW
from argoapp.model.types import Obj


def workflow_key_of(obj: Obj) -> str | None:
    """The `namespace/name` of the workflow a pod or task result belongs to (by its label)."""
    meta = obj.get("metadata") or {}
    name = (meta.get("labels") or {}).get(LABEL_WORKFLOW)
    if not name:
        return None
    return f"{meta.get('namespace', '')}/{name}"


class ByWorkflow:
    """Objects of one kind, grouped by the workflow they belong to."""

    def __init__(self, informer: Informer) -> None:
        self.informer = informer
        # By workflow key, then name: the informer's cached object, as its events hand it over
        # (after a relist an unchanged object may be the cache's equal, not the very same).
        self._objects: dict[str, dict[str, Obj]] = {}

    def update(self, kind: str, obj: Obj, old: Obj | None) -> str | None:
        """Record an informer event; the workflow key it concerns (None when unlabelled)."""
        name = (obj.get("metadata") or {}).get("name", "")
        before = workflow_key_of(old) if old is not None else None
        after = workflow_key_of(obj)
        if before is not None and (before != after or kind == "DELETED"):
            self._discard(before, name)
        if after is not None and kind != "DELETED":
            self._objects.setdefault(after, {})[name] = obj
        return after or before

    def objects(self, workflow_key: str) -> dict[str, Obj]:
        """This workflow's objects by name, as the informer has them now (a copy of the
        index, not of the objects: every pass asks, for thousands of pods in a big one)."""
        return dict(self._objects.get(workflow_key, {}))

    def count(self, workflow_key: str) -> int:
        return len(self._objects.get(workflow_key, ()))

    def _discard(self, workflow_key: str, name: str) -> None:
        objects = self._objects.get(workflow_key)
        if objects is not None:
            objects.pop(name, None)
            if not objects:
                del self._objects[workflow_key]


class Unfinished:
    """Names of each workflow's pods that have not ended, from the pod informer's events."""

    def __init__(self) -> None:
        self._names: dict[str, set[str]] = {}

    def update(self, workflow_key: str, kind: str, obj: Obj) -> None:
        """Record a pod event of the workflow `workflow_key`."""
        name = (obj.get("metadata") or {}).get("name", "")
        phase = (obj.get("status") or {}).get("phase")
        if kind != "DELETED" and phase not in ("Succeeded", "Failed"):
            self._names.setdefault(workflow_key, set()).add(name)
            return
        names = self._names.get(workflow_key)
        if names is not None:
            names.discard(name)
            if not names:
                del self._names[workflow_key]

    def count(self, workflow_key: str) -> int:
        return len(self._names.get(workflow_key, ()))


class CacheLookup:
    """The engine's `Lookup` over informer caches: a snapshot read, never a request."""

    def __init__(self, informers: dict[str, Informer]) -> None:
        self.informers = informers

    def get(self, kind: str, namespace: str, name: str) -> Obj | None:
        """An object by kind; None for a kind the controller does not follow."""
        informer = self.informers.get(kind)
        if informer is None:
            return None
        return informer.get(namespace if informer_namespaced(kind) else "", name)


def informer_namespaced(kind: str) -> bool:
    return kind != "ClusterWorkflowTemplate"
