"""Small Argo documents the server tests send."""

from __future__ import annotations

import copy
from typing import Any

Obj = dict[str, Any]

_HELLO: Obj = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "Workflow",
    "metadata": {"generateName": "hello-"},
    "spec": {
        "entrypoint": "main",
        "arguments": {"parameters": [{"name": "message", "value": "hi"}]},
        "templates": [
            {
                "name": "main",
                "inputs": {
                    "parameters": [{"name": "message", "value": "{{workflow.parameters.message}}"}]
                },
                "container": {
                    "image": "busybox",
                    "command": ["echo", "{{inputs.parameters.message}}"],
                },
            }
        ],
    },
}


def workflow(name: str = "", **labels: str) -> Obj:
    """A valid one-step Workflow; `name` replaces generateName."""
    wf = copy.deepcopy(_HELLO)
    if name:
        wf["metadata"] = {"name": name}
    if labels:
        wf["metadata"]["labels"] = dict(labels)
    return wf


def template(name: str, kind: str = "WorkflowTemplate") -> Obj:
    """A valid WorkflowTemplate (or ClusterWorkflowTemplate) with the same one step."""
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": kind,
        "metadata": {"name": name},
        "spec": copy.deepcopy(_HELLO["spec"]),
    }


def cron(name: str) -> Obj:
    """A valid CronWorkflow running the one step every minute."""
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "CronWorkflow",
        "metadata": {"name": name},
        "spec": {"schedules": ["* * * * *"], "workflowSpec": copy.deepcopy(_HELLO["spec"])},
    }
