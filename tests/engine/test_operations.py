"""Pure workflow operations: suspend, resume, stop, terminate, set, resubmit, node selectors."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from argoapp.engine import operations as ops
from argoapp.engine.operations import OperationError, parse_node_selector
from argoapp.model.ids import node_id

NOW = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
NOW_TEXT = "2024-05-06T07:08:09Z"


def wf_with_suspend(phase: str = "Running", **outputs_param: Any) -> dict[str, Any]:
    name = "wf"
    sid = node_id(name, "wf[0].approve")
    param = {"name": "message", "valueFrom": {"supplied": {}, **outputs_param}}
    return {
        "metadata": {"name": name, "namespace": "argo", "labels": {}},
        "spec": {"entrypoint": "main", "suspend": True},
        "status": {
            "phase": phase,
            "nodes": {
                name: {
                    "id": name,
                    "name": name,
                    "type": "Steps",
                    "phase": "Running",
                    "children": [sid],
                },
                sid: {
                    "id": sid,
                    "name": "wf[0].approve",
                    "displayName": "approve",
                    "type": "Suspend",
                    "phase": "Running",
                    "templateName": "approve",
                    "inputs": {"parameters": [{"name": "who", "value": "me"}]},
                    "outputs": {"parameters": [param]},
                },
            },
        },
    }


SID = node_id("wf", "wf[0].approve")


def test_suspend_sets_spec_and_refuses_completed() -> None:
    wf = {"metadata": {"name": "a"}, "spec": {}, "status": {"phase": "Running"}}
    assert ops.suspend(wf)["spec"]["suspend"] is True
    assert "suspend" not in wf["spec"]  # the input is untouched
    done = {"metadata": {"labels": {"workflows.argoproj.io/completed": "true"}}, "spec": {}}
    with pytest.raises(OperationError, match="cannot suspend completed workflows"):
        ops.suspend(done)


def test_resume_clears_suspend_and_succeeds_suspend_nodes_with_defaults() -> None:
    wf = wf_with_suspend(default="fallback")
    new = ops.resume(wf, now=NOW)
    assert "suspend" not in new["spec"]
    node = new["status"]["nodes"][SID]
    assert node["phase"] == "Succeeded" and node["finishedAt"] == NOW_TEXT
    assert node["outputs"]["parameters"] == [{"name": "message", "value": "fallback"}]
    assert wf["status"]["nodes"][SID]["phase"] == "Running"


def test_resume_without_a_default_for_a_supplied_output_fails() -> None:
    with pytest.raises(OperationError, match="raw output parameter 'message' has not been set"):
        ops.resume(wf_with_suspend(), now=NOW)


def test_resume_by_selector_only_touches_matching_nodes() -> None:
    new = ops.resume(wf_with_suspend(), "displayName=approve", now=NOW)
    assert new["status"]["nodes"][SID]["phase"] == "Succeeded"
    assert new["spec"]["suspend"] is True  # Argo leaves spec.suspend alone here
    with pytest.raises(OperationError, match="no suspend nodes matching nodeFieldSelector"):
        ops.resume(wf_with_suspend(), "displayName=other", now=NOW)


def test_stop_terminate_and_completed_workflows() -> None:
    wf = {"metadata": {"name": "a", "namespace": "n"}, "spec": {}, "status": {"phase": "Running"}}
    assert ops.stop(wf, now=NOW)["spec"]["shutdown"] == "Stop"
    assert ops.terminate(wf)["spec"]["shutdown"] == "Terminate"
    done = {**wf, "status": {"phase": "Failed"}}
    with pytest.raises(OperationError) as e:
        ops.terminate(done)
    assert str(e.value) == 'cannot shutdown a completed workflow: workflow: "a", namespace: "n"'
    stopped = ops.stop(wf_with_suspend(), "bye", "displayName=approve", now=NOW)
    node = stopped["status"]["nodes"][SID]
    assert (node["phase"], node["message"], node["finishedAt"]) == ("Failed", "bye", NOW_TEXT)


def test_set_node_supplies_outputs_and_global_parameters() -> None:
    wf = wf_with_suspend()
    wf["status"]["nodes"][SID]["outputs"]["parameters"][0]["globalName"] = "approval"
    new = ops.set_node(wf, "displayName=approve", "", "", {"message": "hello"}, now=NOW)
    param = new["status"]["nodes"][SID]["outputs"]["parameters"][0]
    assert param == {"name": "message", "value": "hello", "globalName": "approval"}
    assert new["status"]["outputs"]["parameters"] == [{"name": "approval", "value": "hello"}]
    assert new["status"]["nodes"][SID]["phase"] == "Running"
    with pytest.raises(OperationError, match="already set"):
        ops.set_node(new, "displayName=approve", "", "", {"message": "again"}, now=NOW)
    with pytest.raises(OperationError, match="node is not expecting output parameter 'x'"):
        ops.set_node(wf, "displayName=approve", "", "", {"x": "1"}, now=NOW)
    with pytest.raises(OperationError, match="use a node field selector"):
        ops.set_node(wf, "", "Succeeded", now=NOW)
    with pytest.raises(OperationError, match="Running is an invalid phase to set to"):
        ops.set_node(wf, "id=x", "Running", now=NOW)
    done = ops.set_node(wf, f"id={SID}", "Succeeded", "ok", now=NOW)
    assert done["status"]["nodes"][SID]["finishedAt"] == NOW_TEXT


@pytest.mark.parametrize(
    ("selector", "matches"),
    [
        ("displayName=approve", True),
        ("displayName==approve", True),
        ("displayName!=approve", False),
        ("templateName=approve,phase=Running", True),
        ("templateName=approve,phase=Failed", False),
        ("inputs.parameters.who.value=me", True),
        ("inputs.parameters.nobody.value=", True),
        (f"name=wf[0].approve,id={SID}", True),
        ("", True),
    ],
)
def test_node_field_selectors(selector: str, matches: bool) -> None:
    node = wf_with_suspend()["status"]["nodes"][SID]
    assert parse_node_selector(selector).matches(node) is matches


def test_selector_escapes_and_errors() -> None:
    node = {"displayName": "a,b=c"}
    assert parse_node_selector(r"displayName=a\,b\=c").matches(node)
    with pytest.raises(OperationError, match="can't understand 'displayName'"):
        parse_node_selector("displayName")


def test_resubmit_makes_a_new_workflow() -> None:
    wf = wf_with_suspend(phase="Failed")
    wf["metadata"]["labels"] = {
        "team": "a",
        "workflows.argoproj.io/completed": "true",
        "workflows.argoproj.io/phase": "Failed",
    }
    wf["spec"].update(shutdown="Terminate", activeDeadlineSeconds=0)
    wf["spec"]["arguments"] = {
        "parameters": [{"name": "x", "value": "1"}, {"name": "y", "value": "2"}]
    }
    new = ops.resubmit(wf, parameters=["x=9"], now=NOW)
    assert new["metadata"] == {
        "generateName": "wf-",
        "namespace": "argo",
        "labels": {"team": "a", "workflows.argoproj.io/resubmitted-from-workflow": "wf"},
    }
    assert "shutdown" not in new["spec"] and "activeDeadlineSeconds" not in new["spec"]
    assert new["spec"]["arguments"]["parameters"] == [
        {"name": "x", "value": "9"},
        {"name": "y", "value": "2"},
    ]
    assert "status" not in new
    with pytest.raises(OperationError, match="expected parameter of the form: NAME=VALUE"):
        ops.resubmit(wf, parameters=["oops"], now=NOW)


def test_memoized_resubmit_keeps_succeeded_pods_as_skipped() -> None:
    name = "m"
    ok, bad = node_id(name, "m.ok"), node_id(name, "m.bad")
    wf = {
        "metadata": {"name": name},
        "spec": {"entrypoint": "main"},
        "status": {
            "phase": "Failed",
            "nodes": {
                name: {
                    "id": name,
                    "name": name,
                    "type": "DAG",
                    "phase": "Failed",
                    "children": [ok, bad],
                },
                ok: {
                    "id": ok,
                    "name": "m.ok",
                    "type": "Pod",
                    "phase": "Succeeded",
                    "boundaryID": name,
                },
                bad: {
                    "id": bad,
                    "name": "m.bad",
                    "type": "Pod",
                    "phase": "Failed",
                    "boundaryID": name,
                },
            },
        },
    }
    new = ops.resubmit(wf, memoized=True, now=NOW, name_suffix="abcde")
    new_name = "m-abcde"
    assert new["metadata"]["name"] == new_name
    nodes = new["status"]["nodes"]
    root, nok, nbad = (
        new_name,
        node_id(new_name, f"{new_name}.ok"),
        node_id(new_name, f"{new_name}.bad"),
    )
    assert set(nodes) == {root, nok, nbad}
    assert nodes[nok]["type"] == "Skipped" and nodes[nok]["phase"] == "Skipped"
    assert nodes[nok]["message"] == f"original pod: {ok}"
    assert nodes[nbad]["phase"] == "Pending" and "startedAt" not in nodes[nbad]
    assert nodes[root]["children"] == [nok, nbad] and nodes[nok]["boundaryID"] == root
    running = copy.deepcopy(wf)
    running["status"]["phase"] = "Running"
    with pytest.raises(OperationError, match="must be Failed/Error to resubmit in memoized mode"):
        ops.resubmit(running, memoized=True, now=NOW, name_suffix="x")
