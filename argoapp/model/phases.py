"""Argo's enums as they appear on the wire (`workflow_types.go`, `workflow_phase.go`)."""

from __future__ import annotations

from enum import StrEnum


class NodePhase(StrEnum):
    PENDING = "Pending"
    RUNNING = "Running"
    SUCCEEDED = "Succeeded"
    SKIPPED = "Skipped"
    FAILED = "Failed"
    ERROR = "Error"
    OMITTED = "Omitted"


class NodeType(StrEnum):
    POD = "Pod"
    CONTAINER = "Container"
    STEPS = "Steps"
    STEP_GROUP = "StepGroup"
    DAG = "DAG"
    TASK_GROUP = "TaskGroup"
    RETRY = "Retry"
    SKIPPED = "Skipped"
    SUSPEND = "Suspend"
    HTTP = "HTTP"
    PLUGIN = "Plugin"


class WorkflowPhase(StrEnum):
    UNKNOWN = ""
    PENDING = "Pending"
    RUNNING = "Running"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    ERROR = "Error"


NODE_DONE = frozenset(
    {
        NodePhase.SUCCEEDED,
        NodePhase.SKIPPED,
        NodePhase.FAILED,
        NodePhase.ERROR,
        NodePhase.OMITTED,
    }
)
WORKFLOW_DONE = frozenset({WorkflowPhase.SUCCEEDED, WorkflowPhase.FAILED, WorkflowPhase.ERROR})


def node_done(phase: str | None) -> bool:
    """True once a node's phase can no longer change (Argo's `Fulfilled`)."""
    return phase in NODE_DONE


def node_failed(phase: str | None) -> bool:
    return phase in (NodePhase.FAILED, NodePhase.ERROR)


def workflow_done(phase: str | None) -> bool:
    return phase in WORKFLOW_DONE
