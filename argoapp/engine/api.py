"""What the engine takes and gives: `Observed`, `Settings`, the actions, and `Result`.

The controller builds an `Observed` from its informer caches, calls `reconcile`, performs the
actions in order and persists `Result.workflow` once. A conflict on persist means "reload and
recompute": every action is idempotent by name (pods and objects have deterministic names), so
recomputing never runs a step twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from argoapp.model.types import Obj


class Lookup(Protocol):
    """Read access to the controller's caches (no I/O: a snapshot of informer state)."""

    def get(self, kind: str, namespace: str, name: str) -> Obj | None:
        """An object by kind (`WorkflowTemplate`, `ClusterWorkflowTemplate`, `ConfigMap`,
        `Secret`); `namespace` is "" for cluster-scoped kinds."""
        ...


class EmptyLookup:
    def get(self, kind: str, namespace: str, name: str) -> Obj | None:
        return None


@dataclass(frozen=True)
class Settings:
    """The controller config keys the engine needs (workflow-controller-configmap)."""

    executor_image: str = "quay.io/argoproj/argoexec:latest"
    executor_pull_policy: str = ""
    executor: Mapping[str, Any] = field(default_factory=dict)  # `executor` container defaults
    main_container: Mapping[str, Any] = field(default_factory=dict)  # `mainContainer` defaults
    images: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    workflow_defaults: Mapping[str, Any] = field(default_factory=dict)
    instance_id: str = ""
    parallelism: int = 0
    namespace_parallelism: int = 0
    pod_gc_delete_delay: float = 5.0
    artifact_repository: Mapping[str, Any] = field(default_factory=dict)
    persistence: Mapping[str, Any] = field(default_factory=dict)  # archive settings (controller)


@dataclass(frozen=True)
class Observed:
    """What the controller saw for one workflow when the pass began."""

    pods: Mapping[str, Obj] = field(default_factory=dict)  # this workflow's pods, by pod name
    task_results: Mapping[str, Obj] = field(default_factory=dict)  # WorkflowTaskResults by name
    objects: Lookup = field(default_factory=EmptyLookup)
    # synchronization: lock key -> current holders (workflow keys or node ids), held by anyone
    locks: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


# ---- actions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreatePod:
    pod: Obj


@dataclass(frozen=True)
class DeletePod:
    """Stop a pod: its containers get SIGTERM, then SIGKILL after the grace period."""

    name: str
    grace_seconds: int | None = None


@dataclass(frozen=True)
class CreateObject:
    """Create (or, when it exists, leave alone) a Kubernetes object: PVCs, ConfigMaps."""

    kind: str
    obj: Obj


@dataclass(frozen=True)
class PatchObject:
    kind: str
    namespace: str
    name: str
    patch: Obj  # JSON merge patch


@dataclass(frozen=True)
class DeleteObject:
    kind: str
    namespace: str
    name: str


@dataclass(frozen=True)
class RunHttp:
    """Run an http template in the controller; the outcome comes back as the WorkflowTaskResult
    named `node_id` (phase, message, outputs.result)."""

    node_id: str
    template: Obj


@dataclass(frozen=True)
class Acquire:
    """Take a mutex or semaphore for `holder` if it is free; the controller grants it atomically
    and requeues the workflow."""

    key: str
    holder: str
    limit: int
    priority: int = 0


@dataclass(frozen=True)
class Release:
    key: str
    holder: str


@dataclass(frozen=True)
class Event:
    """A Kubernetes Event about the workflow (or one of its pods), as Argo emits them."""

    type: str  # Normal | Warning
    reason: str
    message: str
    node_name: str = ""  # set for node events (Argo adds the node-name annotation)


@dataclass(frozen=True)
class DeleteWorkflow:
    """The TTL strategy has expired."""


Action = (
    CreatePod
    | DeletePod
    | CreateObject
    | PatchObject
    | DeleteObject
    | RunHttp
    | Acquire
    | Release
    | Event
    | DeleteWorkflow
)


@dataclass
class Result:
    workflow: Obj  # the whole new Workflow object (metadata labels and status updated)
    actions: list[Action] = field(default_factory=list)
    requeue_after: float | None = None  # seconds until a timer-driven pass is needed
