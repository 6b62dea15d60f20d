"""Retrying a workflow in place (Argo's FormulateRetryWorkflow), on hand-made node trees."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from argoapp.engine.operations import OperationError, retry
from argoapp.model.ids import node_id, pod_name

NOW = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
NOW_TEXT = "2024-05-06T07:08:09Z"
W = "wf"


def node(name: str, type_: str, phase: str, *children: str, **extra: Any) -> dict[str, Any]:
    nid = W if name == W else node_id(W, name)
    n: dict[str, Any] = {"id": nid, "name": name, "type": type_, "phase": phase, **extra}
    if children:
        n["children"] = [node_id(W, c) for c in children]
    return n


def workflow(phase: str, *nodes: dict[str, Any]) -> dict[str, Any]:
    return {
        "metadata": {
            "name": W,
            "labels": {
                "workflows.argoproj.io/completed": "true",
                "workflows.argoproj.io/workflow-archiving-status": "Archived",
                "team": "a",
            },
        },
        "spec": {"entrypoint": "main", "shutdown": "Stop", "activeDeadlineSeconds": 0},
        "status": {
            "phase": phase,
            "message": "child failed",
            "startedAt": "2024-01-01T00:00:00Z",
            "finishedAt": "2024-01-01T00:01:00Z",
            "conditions": [
                {"type": "Completed", "status": "True"},
                {"type": "PodRunning", "status": "False"},
            ],
            "nodes": {n["id"]: n for n in nodes},
        },
    }


def nid(name: str) -> str:
    return W if name == W else node_id(W, name)


def steps_workflow() -> dict[str, Any]:
    return workflow(
        "Failed",
        node(W, "Steps", "Failed", "wf[0]"),
        node("wf[0]", "StepGroup", "Succeeded", "wf[0].ok", boundaryID=W),
        node("wf[0].ok", "Pod", "Succeeded", "wf[1]", boundaryID=W, templateName="echo"),
        node("wf[1]", "StepGroup", "Failed", "wf[1].bad", boundaryID=W),
        node("wf[1].bad", "Pod", "Failed", boundaryID=W, templateName="fail", message="exit 1"),
    )


@pytest.mark.parametrize("phase", ["Running", "Pending", ""])
def test_only_failed_or_errored_workflows_retry(phase: str) -> None:
    with pytest.raises(OperationError) as e:
        retry(workflow(phase, node(W, "Steps", "Running")), now=NOW)
    assert str(e.value) == f"Cannot retry a workflow in phase {phase}"


def test_failed_step_is_dropped_and_its_ancestors_reset() -> None:
    wf = steps_workflow()
    new, pods = retry(wf, now=NOW)
    nodes = new["status"]["nodes"]
    assert set(nodes) == {W, nid("wf[0]"), nid("wf[0].ok"), nid("wf[1]")}
    assert nodes[W]["phase"] == "Running" and nodes[W]["startedAt"] == NOW_TEXT
    assert nodes[nid("wf[1]")]["phase"] == "Running" and "children" not in nodes[nid("wf[1]")]
    assert nodes[nid("wf[0].ok")]["phase"] == "Succeeded"
    assert nodes[nid("wf[0]")]["phase"] == "Succeeded"
    assert pods == [pod_name(W, "wf[1].bad", "fail")]
    status = new["status"]
    assert "phase" not in status and "finishedAt" not in status and "message" not in status
    assert status["startedAt"] == NOW_TEXT
    assert {"type": "Completed", "status": "False"} in status["conditions"]
    assert {"type": "PodRunning", "status": "False"} in status["conditions"]
    assert new["metadata"]["labels"] == {"team": "a"}
    assert "shutdown" not in new["spec"] and "activeDeadlineSeconds" not in new["spec"]
    assert wf["status"]["phase"] == "Failed"  # the input is untouched


def test_retry_node_and_its_failed_attempts() -> None:
    wf = workflow(
        "Failed",
        node(W, "DAG", "Failed", "wf.t"),
        node("wf.t", "Retry", "Failed", "wf.t(0)", "wf.t(1)", boundaryID=W),
        node(
            "wf.t(0)", "Pod", "Failed", boundaryID=W, templateName="t", nodeFlag={"retried": True}
        ),
        node("wf.t(1)", "Pod", "Error", boundaryID=W, templateName="t", nodeFlag={"retried": True}),
    )
    new, pods = retry(wf, now=NOW)
    nodes = new["status"]["nodes"]
    assert set(nodes) == {W, nid("wf.t")}
    assert nodes[nid("wf.t")]["phase"] == "Running" and "children" not in nodes[nid("wf.t")]
    assert pods == sorted([pod_name(W, "wf.t(0)", "t"), pod_name(W, "wf.t(1)", "t")])


def test_restart_successful_by_selector_on_a_succeeded_workflow() -> None:
    wf = workflow(
        "Succeeded",
        node(W, "DAG", "Succeeded", "wf.a", "wf.b"),
        node("wf.a", "Pod", "Succeeded", boundaryID=W, templateName="a", displayName="a"),
        node("wf.b", "Pod", "Succeeded", boundaryID=W, templateName="b", displayName="b"),
    )
    with pytest.raises(
        OperationError, match="set the options restartSuccessful and nodeFieldSelector"
    ):
        retry(wf, now=NOW)
    new, pods = retry(wf, restart_successful=True, node_field_selector="displayName=b", now=NOW)
    assert set(new["status"]["nodes"]) == {W, nid("wf.a")}
    assert new["status"]["nodes"][W]["children"] == [nid("wf.a")]
    assert pods == [pod_name(W, "wf.b", "b")]


def test_exit_handler_nodes_are_dropped_with_their_pods() -> None:
    wf = steps_workflow()
    exit_node = node("wf.onExit", "Pod", "Succeeded", templateName="cleanup")
    wf["status"]["nodes"][exit_node["id"]] = exit_node
    new, pods = retry(wf, now=NOW)
    assert exit_node["id"] not in new["status"]["nodes"]
    assert pod_name(W, "wf.onExit", "cleanup") in pods


def test_a_failed_container_resets_its_pod() -> None:
    wf = workflow(
        "Failed",
        node(W, "DAG", "Failed", "wf.set"),
        node("wf.set", "Pod", "Failed", "wf.set.a", "wf.set.b", boundaryID=W, templateName="set"),
        node("wf.set.a", "Container", "Succeeded", boundaryID=W),
        node("wf.set.b", "Container", "Failed", boundaryID=W),
    )
    new, pods = retry(wf, now=NOW)
    assert set(new["status"]["nodes"]) == {W}
    assert pods == [pod_name(W, "wf.set", "set")]


def test_parameters_override_arguments_and_re_expand_groups() -> None:
    wf = steps_workflow()
    wf["spec"]["arguments"] = {"parameters": [{"name": "x", "value": "1"}]}
    new, _ = retry(wf, parameters=["x=2"], now=NOW)
    assert new["spec"]["arguments"]["parameters"] == [{"name": "x", "value": "2"}]


def test_nested_steps_reset_every_boundary_above_the_failure() -> None:
    wf = workflow(
        "Failed",
        node(W, "Steps", "Failed", "wf[0]"),
        node("wf[0]", "StepGroup", "Failed", "wf[0].gate", boundaryID=W),
        node("wf[0].gate", "Steps", "Failed", "wf[0].gate[0]", boundaryID=W),
        node(
            "wf[0].gate[0]",
            "StepGroup",
            "Failed",
            "wf[0].gate[0].bad",
            boundaryID=nid("wf[0].gate"),
        ),
        node("wf[0].gate[0].bad", "Pod", "Failed", boundaryID=nid("wf[0].gate"), templateName="x"),
    )
    new, _ = retry(wf, now=NOW)
    nodes = new["status"]["nodes"]
    assert all(
        nodes[i]["phase"] == "Running"
        for i in (W, nid("wf[0]"), nid("wf[0].gate"), nid("wf[0].gate[0]"))
    )
    assert nid("wf[0].gate[0].bad") not in nodes


def test_a_broken_node_tree_is_an_error() -> None:
    wf = workflow("Failed", node(W, "Steps", "Failed"), node("wf.orphan", "Pod", "Failed"))
    with pytest.raises(OperationError, match="couldn't find parent node for"):
        retry(wf, now=NOW)
