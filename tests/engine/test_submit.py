"""Workflows made from templates and cron workflows (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from argoapp.engine.operations import OperationError
from argoapp.engine.submit import from_cron_workflow, from_workflow_template

NOW = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)


def test_from_workflow_template_references_it() -> None:
    tmpl = {"metadata": {"name": "base", "namespace": "argo"}, "spec": {"entrypoint": "main"}}
    wf = from_workflow_template(tmpl, cluster_scope=False, options={})
    assert wf == {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {
            "generateName": "base-",
            "labels": {"workflows.argoproj.io/workflow-template": "base"},
        },
        "spec": {"workflowTemplateRef": {"name": "base"}},
    }
    cwf = from_workflow_template(tmpl, cluster_scope=True)
    assert cwf["spec"]["workflowTemplateRef"] == {"name": "base", "clusterScope": True}
    assert cwf["metadata"]["labels"] == {"workflows.argoproj.io/cluster-workflow-template": "base"}


def test_submit_options_apply() -> None:
    options = {
        "name": "exact",
        "generateName": "gen-",
        "entryPoint": "other",
        "parameters": ["a=1", "b=x=y"],
        "labels": "k=v,l=w",
        "annotations": "note=yes",
        "serviceAccount": "robot",
        "priority": 3,
        "podPriorityClassName": "high",
        "ownerReference": {"apiVersion": "v1", "kind": "ConfigMap", "name": "o", "uid": "1"},
    }
    wf = from_workflow_template({"metadata": {"name": "t"}}, cluster_scope=False, options=options)
    meta, spec = wf["metadata"], wf["spec"]
    assert meta["name"] == "exact" and meta["generateName"] == "gen-"
    assert meta["labels"] == {"workflows.argoproj.io/workflow-template": "t", "k": "v", "l": "w"}
    assert meta["annotations"] == {"note": "yes"}
    assert meta["ownerReferences"][0]["kind"] == "ConfigMap"
    assert spec["entrypoint"] == "other" and spec["serviceAccountName"] == "robot"
    assert spec["priority"] == 3 and spec["podPriorityClassName"] == "high"
    assert spec["arguments"]["parameters"] == [
        {"name": "a", "value": "1"},
        {"name": "b", "value": "x=y"},
    ]
    with pytest.raises(OperationError, match="expected labels of the form"):
        from_workflow_template(
            {"metadata": {"name": "t"}}, cluster_scope=False, options={"labels": "bad"}
        )
    with pytest.raises(OperationError, match="expected parameter of the form: NAME=VALUE"):
        from_workflow_template(
            {"metadata": {"name": "t"}}, cluster_scope=False, options={"parameters": ["x"]}
        )


def test_from_cron_workflow_is_owned_and_labelled() -> None:
    cron = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "CronWorkflow",
        "metadata": {
            "name": "nightly",
            "namespace": "argo",
            "uid": "u-1",
            "labels": {"workflows.argoproj.io/controller-instanceid": "i1", "other": "x"},
        },
        "spec": {
            "schedules": ["0 0 * * *"],
            "workflowMetadata": {"labels": {"team": "a"}, "annotations": {"n": "1"}},
            "workflowSpec": {
                "entrypoint": "main",
                "arguments": {"parameters": [{"name": "p", "value": "1"}]},
            },
        },
    }
    wf = from_cron_workflow(cron, {"parameters": ["p=2"]}, now=NOW)
    meta = wf["metadata"]
    assert meta["generateName"] == "nightly-"
    assert meta["labels"] == {
        "workflows.argoproj.io/controller-instanceid": "i1",
        "workflows.argoproj.io/cron-workflow": "nightly",
        "team": "a",
    }
    assert meta["annotations"] == {
        "workflows.argoproj.io/scheduled-time": "2024-05-06T07:08:09Z",
        "n": "1",
    }
    assert meta["ownerReferences"] == [
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "CronWorkflow",
            "name": "nightly",
            "uid": "u-1",
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]
    assert wf["spec"]["arguments"]["parameters"] == [{"name": "p", "value": "2"}]
    assert cron["spec"]["workflowSpec"]["arguments"]["parameters"][0]["value"] == "1"
