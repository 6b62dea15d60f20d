"""What a person can do to a running or finished workflow: suspend, resume, stop, terminate,
set a node, retry and resubmit (Argo's `workflow/util`), as pure functions over Workflow dicts.

The API server calls them between a `get` and a `replace` (retrying on a conflict) and the CLI
reaches them through the server. Each takes the whole Workflow object (with `status.nodes`
inline: the caller loads offloaded nodes first) and returns a new one; the input is never
changed. They do no I/O and read no clock: `now` is an argument. A request that cannot apply to
the workflow in its current state raises `OperationError` with Argo's message.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime

from argoapp.engine.operations_retry import formulate_retry, override_parameters
from argoapp.engine.operations_selector import NodeSelector, OperationError, parse_node_selector
from argoapp.model import labels
from argoapp.model.ids import node_id
from argoapp.model.phases import NodePhase, NodeType, node_done, node_failed, workflow_done
from argoapp.model.types import Obj

__all__ = [
    "OperationError",
    "parse_node_selector",
    "resubmit",
    "resume",
    "retry",
    "set_node",
    "stop",
    "suspend",
    "terminate",
]


def rfc3339(t: datetime) -> str:
    """A timestamp as Kubernetes writes it: UTC, seconds, `Z`."""
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _completed(wf: Obj) -> bool:
    labels_ = (wf.get("metadata") or {}).get("labels") or {}
    phase = (wf.get("status") or {}).get("phase")
    return labels_.get(labels.LABEL_COMPLETED) == "true" or workflow_done(phase)


def suspend(wf: Obj) -> Obj:
    """`spec.suspend = true`: the controller schedules nothing new until it is resumed."""
    if _completed(wf):
        raise OperationError("cannot suspend completed workflows")
    new = copy.deepcopy(wf)
    new.setdefault("spec", {})["suspend"] = True
    return new


def terminate(wf: Obj) -> Obj:
    """`spec.shutdown = Terminate`: stop every running node, skip exit handlers."""
    return _shutdown(wf, "Terminate")


def stop(wf: Obj, message: str = "", node_field_selector: str = "", *, now: datetime) -> Obj:
    """`spec.shutdown = Stop` (exit handlers still run); with a selector, fail the matching
    running Suspend nodes instead, with `message`."""
    if node_field_selector:
        return _update_suspend_nodes(
            wf, node_field_selector, NodePhase.FAILED, message, {}, now=now
        )
    return _shutdown(wf, "Stop")


def _shutdown(wf: Obj, strategy: str) -> Obj:
    status = wf.get("status") or {}
    if workflow_done(status.get("phase")):
        meta = wf.get("metadata") or {}
        raise OperationError(
            "cannot shutdown a completed workflow: workflow: "
            f'"{meta.get("name", "")}", namespace: "{meta.get("namespace", "")}"',
            "FailedPrecondition",
        )
    new = copy.deepcopy(wf)
    new.setdefault("spec", {})["shutdown"] = strategy
    return new


def resume(wf: Obj, node_field_selector: str = "", *, now: datetime) -> Obj:
    """Clear `spec.suspend` and let every running Suspend node (or, with a selector, the
    matching ones) succeed now; unset raw output parameters take their defaults."""
    if node_field_selector:
        return _update_suspend_nodes(wf, node_field_selector, NodePhase.SUCCEEDED, "", {}, now=now)
    new = copy.deepcopy(wf)
    spec = new.setdefault("spec", {})
    spec.pop("suspend", None)
    for node in ((new.get("status") or {}).get("nodes") or {}).values():
        if _active_suspend(node):
            _outputs_take_defaults(node)
            node["phase"] = NodePhase.SUCCEEDED.value
            node["finishedAt"] = rfc3339(now)
    return new


def set_node(
    wf: Obj,
    node_field_selector: str,
    phase: str = "",
    message: str = "",
    output_parameters: dict[str, str] | None = None,
    *,
    now: datetime,
) -> Obj:
    """Argo's `argo node set`: phase, message and supplied output parameters of the running
    Suspend nodes the selector matches."""
    if phase not in ("", NodePhase.SUCCEEDED, NodePhase.FAILED, NodePhase.ERROR):
        raise OperationError(f"{phase} is an invalid phase to set to")
    if not node_field_selector:
        raise OperationError(
            "'set' currently only targets suspend nodes, use a node field selector to target them",
            "FailedPrecondition",
        )
    return _update_suspend_nodes(
        wf, node_field_selector, phase, message, output_parameters or {}, now=now
    )


def _active_suspend(node: Obj) -> bool:
    return bool(node.get("type") == NodeType.SUSPEND and node.get("phase") == NodePhase.RUNNING)


def _outputs_take_defaults(node: Obj) -> None:
    for param in (node.get("outputs") or {}).get("parameters") or []:
        value_from = param.get("valueFrom") or {}
        if "supplied" not in value_from:
            continue
        if "default" not in value_from:
            raise OperationError(
                f"raw output parameter '{param.get('name', '')}' has not been set and does not "
                "have a default value"
            )
        param["value"] = value_from["default"]
        param.pop("valueFrom", None)


def _update_suspend_nodes(
    wf: Obj, selector_text: str, phase: str, message: str, outputs: dict[str, str], *, now: datetime
) -> Obj:
    selector = parse_node_selector(selector_text)
    new = copy.deepcopy(wf)
    updated = False
    for node in ((new.get("status") or {}).get("nodes") or {}).values():
        if not (_active_suspend(node) and selector.matches(node)):
            continue
        if phase:
            node["phase"] = phase
            if node_done(phase):
                node["finishedAt"] = rfc3339(now)
            updated = True
        if message:
            node["message"] = message
            updated = True
        if outputs:
            _supply_outputs(new, node, outputs)
            updated = True
    if not updated:
        raise OperationError(
            "currently, set only targets suspend nodes: no suspend nodes matching "
            f"nodeFieldSelector: {selector_text}",
            "FailedPrecondition",
        )
    return new


def _supply_outputs(wf: Obj, node: Obj, outputs: dict[str, str]) -> None:
    node_outputs = node.get("outputs")
    if not isinstance(node_outputs, dict):
        raise OperationError(
            "cannot set output parameters because node is not expecting any raw parameters"
        )
    params = node_outputs.get("parameters") or []
    for name, value in outputs.items():
        param = next((p for p in params if p.get("name") == name), None)
        if param is None:
            raise OperationError(f"node is not expecting output parameter '{name}'")
        if "supplied" not in (param.get("valueFrom") or {}):
            raise OperationError(
                f"cannot set output parameter '{name}' because it does not use valueFrom.raw "
                "or it was already set"
            )
        param["value"] = value
        param.pop("valueFrom", None)
        if param.get("globalName"):
            _set_global_output(wf, param["globalName"], value)


def _set_global_output(wf: Obj, global_name: str, value: str) -> None:
    status = wf.setdefault("status", {})
    params = status.setdefault("outputs", {}).setdefault("parameters", [])
    for p in params:
        if p.get("name") == global_name:
            p["value"] = value
            return
    params.append({"name": global_name, "value": value})


def retry(
    wf: Obj,
    *,
    restart_successful: bool = False,
    node_field_selector: str = "",
    parameters: list[str] | None = None,
    now: datetime,
) -> tuple[Obj, list[str]]:
    """Argo's FormulateRetryWorkflow: the workflow to store and the pods to delete first."""
    phase = (wf.get("status") or {}).get("phase") or ""
    if phase == "Succeeded":
        if not restart_successful or not node_field_selector:
            raise OperationError(
                "To retry a succeeded workflow, set the options restartSuccessful and "
                "nodeFieldSelector"
            )
    elif phase not in ("Failed", "Error"):
        raise OperationError(f"Cannot retry a workflow in phase {phase}")
    selector: NodeSelector | None = None
    if restart_successful and node_field_selector:
        selector = parse_node_selector(node_field_selector)
    return formulate_retry(wf, selector, parameters, rfc3339(now))


_RESUBMIT_DROPPED_LABELS = frozenset(
    {
        labels.LABEL_CREATOR,
        f"{labels.LABEL_CREATOR}-email",
        f"{labels.LABEL_CREATOR}-preferred-username",
        labels.LABEL_PHASE,
        labels.LABEL_COMPLETED,
        labels.LABEL_ARCHIVING_STATUS,
    }
)


def resubmit(
    wf: Obj,
    *,
    memoized: bool = False,
    parameters: list[str] | None = None,
    now: datetime,
    name_suffix: str = "",
) -> Obj:
    """Argo's FormulateResubmitWorkflow: a new Workflow to create from `wf`. In memoized mode
    its name is `generateName + name_suffix` and succeeded pods are carried over as skipped."""
    meta = wf.get("metadata") or {}
    name = meta.get("name", "")
    generate_name = meta.get("generateName") or f"{name}-"
    new_meta: Obj = {"generateName": generate_name}
    if memoized:
        if (wf.get("status") or {}).get("phase") not in ("Failed", "Error"):
            raise OperationError("workflow must be Failed/Error to resubmit in memoized mode")
        new_meta["name"] = generate_name + name_suffix
    if meta.get("namespace"):
        new_meta["namespace"] = meta["namespace"]
    new_labels = {
        k: v for k, v in (meta.get("labels") or {}).items() if k not in _RESUBMIT_DROPPED_LABELS
    }
    new_labels[labels.LABEL_RESUBMITTED_FROM] = name
    new_meta["labels"] = new_labels
    if meta.get("annotations"):
        new_meta["annotations"] = dict(meta["annotations"])
    if meta.get("ownerReferences"):
        new_meta["ownerReferences"] = copy.deepcopy(meta["ownerReferences"])
    spec = copy.deepcopy(wf.get("spec") or {})
    if spec.get("activeDeadlineSeconds") == 0:
        del spec["activeDeadlineSeconds"]  # it was terminated: the new one starts unbounded
    spec.pop("shutdown", None)
    new: Obj = {
        "apiVersion": wf.get("apiVersion", "argoproj.io/v1alpha1"),
        "kind": wf.get("kind", "Workflow"),
        "metadata": new_meta,
        "spec": spec,
    }
    if parameters is not None:
        override_parameters(new, parameters)
    if memoized:
        new["status"] = _memoized_status(wf, new_meta["name"], rfc3339(now))
    return new


def _memoized_status(wf: Obj, new_name: str, now: str) -> Obj:
    old_name = (wf.get("metadata") or {}).get("name", "")
    nodes: dict[str, Obj] = (wf.get("status") or {}).get("nodes") or {}

    def rename(node_name: str) -> str:
        return (
            new_name + node_name[len(old_name) :] if node_name.startswith(old_name) else node_name
        )

    def convert(old_id: str) -> str:
        return node_id(new_name, rename((nodes.get(old_id) or {}).get("name", "")))

    new_nodes: dict[str, Obj] = {}
    for old in nodes.values():
        if old.get("name", "").startswith(f"{old_name}.onExit"):
            continue
        node = copy.deepcopy(old)
        node["name"] = rename(old.get("name", ""))
        node["id"] = node_id(new_name, node["name"])
        if old.get("boundaryID"):
            node["boundaryID"] = convert(old["boundaryID"])
        failed_pod = node_failed(old.get("phase")) and old.get("type") == NodeType.POD
        node.pop("startedAt", None)
        node.pop("finishedAt", None)
        if not failed_pod:
            node["startedAt"] = node["finishedAt"] = now
        for key in ("children", "outboundNodes"):
            if old.get(key):
                node[key] = [convert(i) for i in old[key]]
        if not node_failed(old.get("phase")) and old.get("type") == NodeType.POD:
            node["phase"] = NodePhase.SKIPPED.value
            node["type"] = NodeType.SKIPPED.value
            node["message"] = f"original pod: {old.get('id', '')}"
        elif old.get("type") == NodeType.SKIPPED and not _descendant_succeeded(nodes, old):
            continue
        else:
            node["phase"] = NodePhase.PENDING.value
            node.pop("message", None)
        new_nodes[node["id"]] = node
    status: Obj = {
        "nodes": new_nodes,
        "conditions": [{"status": "False", "type": "Completed"}],
    }
    stored = (wf.get("status") or {}).get("storedTemplates")
    if stored:
        status["storedTemplates"] = copy.deepcopy(stored)
    return status


def _descendant_succeeded(nodes: dict[str, Obj], node: Obj) -> bool:
    for child_id in node.get("children") or []:
        child = nodes.get(child_id) or {}
        if child.get("phase") == NodePhase.SUCCEEDED or _descendant_succeeded(nodes, child):
            return True
    return False
