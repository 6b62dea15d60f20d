"""Drives the pure engine through a workflow with simulated pods: reconcile, let every pod
the engine asked for run to the outcome a test chooses, reconcile again, until the workflow
ends. No controller, no kubelet: the engine's contract (pods in, status and actions out)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import yaml

from argoapp.engine.api import CreatePod, DeletePod, Observed, Settings
from argoapp.engine.reconcile import reconcile
from argoapp.model.types import Obj

T0 = datetime(2026, 1, 1, tzinfo=UTC)

# outcome(pod) -> (exit code, outputs dict or None)
Outcome = Callable[[Obj], tuple[int, Obj | None]]


def workflow(text: str, name: str = "wf") -> Obj:
    wf: Obj = yaml.safe_load(text)
    wf.setdefault("metadata", {})
    wf["metadata"].update(
        name=name, namespace="argo", uid="uid-1", creationTimestamp="2026-01-01T00:00:00Z"
    )
    return wf


def _finished_pod(pod: Obj, code: int, at: str) -> Obj:
    pod = copy.deepcopy(pod)
    state = {"terminated": {"exitCode": code, "finishedAt": at, "startedAt": at}}
    pod["status"] = {
        "phase": "Succeeded" if code == 0 else "Failed",
        "initContainerStatuses": [
            {"name": "init", "state": {"terminated": {"exitCode": 0, "finishedAt": at}}}
        ],
        "containerStatuses": [
            {
                "name": c["name"],
                "state": state
                if c["name"] == "main"
                else {"terminated": {"exitCode": 0, "finishedAt": at}},
            }
            for c in pod["spec"]["containers"]
        ],
    }
    return pod


def _task_result(pod: Obj, outputs: Obj | None) -> Obj:
    nid = (
        pod["metadata"]["annotations"]["workflows.argoproj.io/node-id"]
        if "workflows.argoproj.io/node-id" in pod["metadata"].get("annotations", {})
        else None
    )
    return {
        "metadata": {
            "name": nid,
            "labels": {"workflows.argoproj.io/report-outputs-completed": "true"},
        },
        "outputs": outputs or {},
    }


def run(
    wf: Obj,
    outcome: Outcome | None = None,
    *,
    settings: Settings | None = None,
    objects: Any = None,
    max_passes: int = 200,
    step: timedelta = timedelta(seconds=1),
) -> tuple[Obj, list[Any]]:
    """Reconcile until the workflow ends; every created pod finishes at the next pass."""
    outcome = outcome or (lambda pod: (0, None))
    settings = settings or Settings()
    pods: dict[str, Obj] = {}
    results: dict[str, Obj] = {}
    actions: list[Any] = []
    now = T0
    for _ in range(max_passes):
        kw = {"objects": objects} if objects is not None else {}
        res = reconcile(
            wf, Observed(pods=dict(pods), task_results=dict(results), **kw), now, settings
        )
        wf = res.workflow
        actions.extend(res.actions)
        now += step
        at = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        for act in res.actions:
            if isinstance(act, CreatePod) and act.pod["metadata"]["name"] not in pods:
                code, outputs = outcome(act.pod)
                name = act.pod["metadata"]["name"]
                pods[name] = _finished_pod(act.pod, code, at)
                node_id = _node_id(act.pod)
                results[node_id] = {
                    "metadata": {
                        "name": node_id,
                        "labels": {"workflows.argoproj.io/report-outputs-completed": "true"},
                    },
                    "outputs": outputs or {},
                }
            elif isinstance(act, DeletePod):
                pods.pop(act.name, None)
        if (wf.get("status") or {}).get("phase") in ("Succeeded", "Failed", "Error"):
            return wf, actions
    raise AssertionError(f"workflow did not finish: {wf.get('status', {}).get('phase')}")


def _node_id(pod: Obj) -> str:
    for c in pod["spec"]["containers"] + pod["spec"].get("initContainers", []):
        for e in c.get("env") or []:
            if e.get("name") == "ARGO_NODE_ID":
                return str(e.get("value"))
    raise AssertionError("pod has no ARGO_NODE_ID")


def by_display(wf: Obj) -> dict[str, Obj]:
    return {n["displayName"]: n for n in wf["status"]["nodes"].values()}
