"""Fields of the wrong JSON type are refused with Go's decoding message, as Argo's decoding
refuses them before any other check; the types Argo's decoder accepts still pass."""

from __future__ import annotations

from typing import Any

import pytest

from argoapp.engine.validate import (
    ValidationError,
    validate_cron_workflow,
    validate_workflow,
    validate_workflow_template,
)
from argoapp.model.types import Obj
from tests.engine.golden import Objects, Sim


def wf(*templates: Obj, **spec: Any) -> Obj:
    return {
        "metadata": {"name": "w", "namespace": "argo"},
        "spec": {"entrypoint": "main", "templates": list(templates), **spec},
    }


def leaf(name: str = "main", **fields: Any) -> Obj:
    return {"name": name, "container": {"image": "alpine"}, **fields}


def refused(doc: Obj) -> str:
    with pytest.raises(ValidationError) as info:
        validate_workflow(doc, Objects())
    return str(info.value)


PREFIX = "json: cannot unmarshal"


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (
            wf({"name": "main", "steps": "x"}),
            "string into Go struct field Template.spec.templates.steps of type "
            "[]v1alpha1.ParallelSteps",
        ),
        (
            wf({"name": "main", "steps": ["a"]}),
            "string into Go struct field Template.spec.templates.steps of type "
            "v1alpha1.ParallelSteps",
        ),
        (
            wf({"name": "main", "steps": [["a"]]}),
            "string into Go struct field Template.spec.templates.steps of type "
            "v1alpha1.WorkflowStep",
        ),
        (
            wf({"name": "main", "dag": {"tasks": {"a": {}}}}),
            "object into Go struct field DAGTemplate.spec.templates.dag.tasks of type "
            "[]v1alpha1.DAGTask",
        ),
        (
            {"metadata": {}, "spec": {"entrypoint": "main", "templates": {"main": {}}}},
            "object into Go struct field WorkflowSpec.spec.templates of type []v1alpha1.Template",
        ),
        (
            wf("main"),
            "string into Go struct field WorkflowSpec.spec.templates of type v1alpha1.Template",
        ),
        (
            wf({"name": "main", "container": "alpine"}),
            "string into Go struct field Template.spec.templates.container of type v1.Container",
        ),
        (
            wf(leaf(), arguments={"parameters": {"a": "1"}}),
            "object into Go struct field Arguments.spec.arguments.parameters of type "
            "[]v1alpha1.Parameter",
        ),
        (
            wf({"name": "main", "container": {"image": "a", "command": ["sleep", 1]}}),
            "number into Go struct field Container.spec.templates.container.command of type string",
        ),
        (
            wf({"name": "main", "container": {"image": "a", "env": [{"name": "N", "value": 3}]}}),
            "number into Go struct field EnvVar.spec.templates.container.env.value of type string",
        ),
        (
            wf(leaf(), parallelism="2"),
            "string into Go struct field WorkflowSpec.spec.parallelism of type int64",
        ),
        (
            wf(leaf(), ttlStrategy={"secondsAfterCompletion": 1.5}),
            "number 1.5 into Go struct field TTLStrategy.spec.ttlStrategy.secondsAfterCompletion "
            "of type int32",
        ),
        (
            wf(leaf(retryStrategy={"limit": True})),
            "bool into Go struct field RetryStrategy.spec.templates.retryStrategy.limit of type "
            "intstr.IntOrString",
        ),
    ],
)
def test_a_wrongly_typed_field_is_refused_naming_its_path(doc: Obj, message: str) -> None:
    assert refused(doc) == f"{PREFIX} {message}"


def test_the_types_argos_decoder_accepts_pass() -> None:
    validate_workflow(
        wf(
            leaf(
                inputs={"parameters": [{"name": "n", "value": 3}, {"name": "b", "default": True}]},
                retryStrategy={"limit": "2"},
                activeDeadlineSeconds=10,
                metadata=None,
            ),
            # Argo's AnyString decodes a map or list too (as ""), so it is not refused.
            arguments={
                "parameters": [
                    {"name": "x", "value": 1.5, "enum": [1.5, "a"]},
                    {"name": "m", "value": {"k": 1}, "default": ["a"]},
                ]
            },
            parallelism=2.0,
            unknownField=["anything"],
        ),
        Objects(),
    )


def test_templates_and_cron_workflows_are_checked_too() -> None:
    template = {"metadata": {"name": "t"}, "spec": {"templates": [{"name": "m", "dag": []}]}}
    with pytest.raises(ValidationError) as info:
        validate_workflow_template(template, Objects())
    assert str(info.value) == (
        f"{PREFIX} array into Go struct field Template.spec.templates.dag of type "
        "v1alpha1.DAGTemplate"
    )
    cron = {"metadata": {"name": "c"}, "spec": {"schedule": 5, "workflowSpec": {}}}
    with pytest.raises(ValidationError) as info:
        validate_cron_workflow(cron, Objects())
    assert str(info.value) == (
        f"{PREFIX} number into Go struct field CronWorkflowSpec.spec.schedule of type string"
    )


def test_the_engine_fails_a_wrongly_typed_workflow_at_admission() -> None:
    sim = Sim(wf({"name": "main", "steps": "x"}))
    sim.step()
    assert sim.phase == "Failed"
    assert sim.wf["status"]["message"].startswith(f"invalid spec: {PREFIX} string")
