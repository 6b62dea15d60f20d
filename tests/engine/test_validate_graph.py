"""Steps, DAGs and template references: Argo's validator messages for each rule."""

from __future__ import annotations

from typing import Any

import pytest

from argoapp.engine.api import EmptyLookup
from argoapp.engine.validate import (
    ValidationError,
    validate_cluster_workflow_template,
    validate_workflow,
    validate_workflow_template,
)
from argoapp.model.types import Obj

C = {"image": "alpine"}
LEAF = {"name": "l", "container": C}
TAKES_P = {"name": "p", "inputs": {"parameters": [{"name": "x"}]}, "container": C}


class Lookup:
    def __init__(self, *objects: Obj) -> None:
        self.objects = {
            (o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"]): o
            for o in objects
        }

    def get(self, kind: str, namespace: str, name: str) -> Obj | None:
        return self.objects.get((kind, namespace, name))


def wf(*templates: Obj, **spec: Any) -> Obj:
    spec.setdefault("entrypoint", "main")
    return {
        "metadata": {"name": "wf", "namespace": "argo"},
        "spec": {**spec, "templates": list(templates)},
    }


def steps(*groups: list[Obj]) -> Obj:
    return {"name": "main", "steps": [list(g) for g in groups]}


def dag(*tasks: Obj, **extra: Any) -> Obj:
    return {"name": "main", "dag": {"tasks": list(tasks), **extra}}


def rejects(doc: Obj, message: str, lookup: Any = None) -> None:
    with pytest.raises(ValidationError) as info:
        validate_workflow(doc, lookup or EmptyLookup())
    assert str(info.value) == message


def test_step_names_are_unique() -> None:
    doc = wf(steps([{"name": "a", "template": "l"}], [{"name": "a", "template": "l"}]), LEAF)
    rejects(doc, "templates.main.steps[1].name 'a' is not unique")


def test_step_name_is_required() -> None:
    rejects(wf(steps([{"template": "l"}]), LEAF), "templates.main.steps[0].name is required")


def test_step_template_must_exist() -> None:
    rejects(
        wf(steps([{"name": "a", "template": "x"}]), LEAF),
        "templates.main.steps[0].a template name 'x' undefined",
    )


def test_step_must_supply_required_inputs() -> None:
    rejects(
        wf(steps([{"name": "a", "template": "p"}]), TAKES_P),
        "templates.main.steps[0].a templates.p inputs.parameters.x was not supplied",
    )


def test_step_arguments_need_values() -> None:
    step = {"name": "a", "template": "p", "arguments": {"parameters": [{"name": "x"}]}}
    rejects(
        wf(steps([step]), TAKES_P),
        "templates.main.steps[0].a.arguments.x.value or templates.main.steps[0].a.arguments.x."
        "valueFrom is required",
    )


def test_step_may_not_read_an_unknown_step() -> None:
    step = {
        "name": "a",
        "template": "p",
        "arguments": {"parameters": [{"name": "x", "value": "{{steps.b.outputs.result}}"}]},
    }
    rejects(
        wf(steps([step]), TAKES_P),
        "templates.main.steps failed to resolve {{steps.b.outputs.result}}",
    )


def test_step_reads_an_earlier_steps_outputs() -> None:
    later = {
        "name": "b",
        "template": "p",
        "arguments": {"parameters": [{"name": "x", "value": "{{steps.a.outputs.result}}"}]},
    }
    validate_workflow(
        wf(steps([{"name": "a", "template": "l"}], [later]), LEAF, TAKES_P), EmptyLookup()
    )


def test_loops_define_item() -> None:
    arg = {"parameters": [{"name": "x", "value": "{{item.k}}"}]}
    ok = {"name": "a", "template": "p", "arguments": arg, "withItems": [{"k": 1}]}
    validate_workflow(wf(steps([ok]), TAKES_P), EmptyLookup())
    bad = {"name": "a", "template": "p", "arguments": arg, "withItems": [{"j": 1}]}
    rejects(wf(steps([bad]), TAKES_P), "templates.main.steps failed to resolve {{item.k}}")
    both = {**ok, "withParam": "[]"}
    rejects(
        wf(steps([both]), TAKES_P),
        "templates.main.steps[0].a only one of withItems, withParam, withSequence can be specified",
    )


def test_dag_unknown_dependency() -> None:
    rejects(
        wf(dag({"name": "a", "template": "l", "dependencies": ["zz"]}), LEAF),
        "templates.main sorting failed: invalid dependency zz",
    )


def test_dag_cycle() -> None:
    doc = wf(
        dag(
            {"name": "a", "template": "l", "depends": "b"},
            {"name": "b", "template": "l", "depends": "a"},
        ),
        LEAF,
    )
    rejects(doc, "templates.main sorting failed: graph with cycle")


def test_dag_duplicate_task() -> None:
    doc = wf(dag({"name": "a", "template": "l"}, {"name": "a", "template": "l"}), LEAF)
    rejects(doc, "templates.main sorting failed: duplicated nodeName a")


def test_dag_needs_tasks() -> None:
    rejects(wf(dag()), "templates.main must have at least one task")


def test_dag_depends_and_dependencies_together() -> None:
    doc = wf(
        dag(
            {"name": "a", "template": "l"},
            {"name": "b", "template": "l", "depends": "a"},
            {"name": "c", "template": "l", "dependencies": ["a"]},
        ),
        LEAF,
    )
    rejects(
        doc, "templates.main cannot use both 'depends' and 'dependencies' in the same DAG template"
    )


def test_dag_task_result_is_known() -> None:
    doc = wf(
        dag(
            {"name": "a", "template": "l"}, {"name": "b", "template": "l", "depends": "a.Exploded"}
        ),
        LEAF,
    )
    rejects(doc, "templates.main.tasks.b task result 'Exploded' for task 'a' is invalid")


def test_dag_items_condition_needs_a_loop() -> None:
    doc = wf(
        dag(
            {"name": "a", "template": "l"},
            {"name": "b", "template": "l", "depends": "a.AnySucceeded"},
        ),
        LEAF,
    )
    rejects(
        doc,
        "templates.main.tasks.b dependency 'a' uses an items-based condition such as "
        ".AnySucceeded or .AllFailed but does not contain any items",
    )


def test_dag_target_must_be_a_task() -> None:
    rejects(
        wf(dag({"name": "a", "template": "l"}, target="a zz"), LEAF),
        "templates.main.targets: target 'zz' is not defined",
    )


def test_dag_task_reads_unknown_task() -> None:
    task = {
        "name": "a",
        "template": "p",
        "arguments": {"parameters": [{"name": "x", "value": "{{tasks.zz.outputs.result}}"}]},
    }
    rejects(
        wf(dag(task), TAKES_P),
        "templates.main.tasks.a failed to resolve {{tasks.zz.outputs.result}}",
    )


def test_dag_argument_from_a_task_needs_the_dependency() -> None:
    reader = {
        "name": "b",
        "template": "p",
        "arguments": {"parameters": [{"name": "x", "value": "{{tasks.a.outputs.result}}"}]},
    }
    rejects(
        wf(dag({"name": "a", "template": "l"}, reader), LEAF, TAKES_P),
        "templates.main.tasks.b missing dependency 'a' for parameter 'x'",
    )
    validate_workflow(
        wf(dag({"name": "a", "template": "l"}, {**reader, "depends": "a"}), LEAF, TAKES_P),
        EmptyLookup(),
    )


def test_dag_task_template_must_exist() -> None:
    rejects(
        wf(dag({"name": "a", "template": "x"})),
        "templates.main.tasks.a template name 'x' undefined",
    )


def test_active_deadline_is_for_leaves() -> None:
    doc = wf({**dag({"name": "a", "template": "l"}), "activeDeadlineSeconds": 5}, LEAF)
    rejects(doc, "templates.main.activeDeadlineSeconds is only valid for leaf templates")


WT = {
    "kind": "WorkflowTemplate",
    "metadata": {"name": "lib", "namespace": "argo"},
    "spec": {
        "templates": [{"name": "echo", "inputs": {"parameters": [{"name": "m"}]}, "container": C}]
    },
}


def test_template_ref_to_a_missing_template() -> None:
    ref = {"name": "a", "templateRef": {"name": "lib", "template": "nope"}}
    rejects(
        wf(steps([ref])),
        "templates.main.steps[0].a template reference lib.nope not found",
        Lookup(WT),
    )
    rejects(wf(steps([ref])), "templates.main.steps[0].a template reference lib.nope not found")


def test_template_ref_checks_the_callers_arguments() -> None:
    ref = {"name": "a", "templateRef": {"name": "lib", "template": "echo"}}
    rejects(
        wf(steps([ref])),
        "templates.main.steps[0].a templates.echo inputs.parameters.m was not supplied",
        Lookup(WT),
    )
    ref["arguments"] = {"parameters": [{"name": "m", "value": "hi"}]}
    validate_workflow(wf(steps([ref])), Lookup(WT))


def test_template_ref_with_template_name() -> None:
    ref = {"name": "a", "template": "l", "templateRef": {"name": "lib", "template": "echo"}}
    rejects(
        wf(steps([ref]), LEAF),
        "templates.main.steps[0].a template name cannot be specified with templateRef.",
        Lookup(WT),
    )


def test_workflow_template_ref() -> None:
    doc = {
        "metadata": {"name": "w", "namespace": "argo"},
        "spec": {"workflowTemplateRef": {"name": "lib"}, "entrypoint": "echo"},
    }
    rejects(doc, 'workflowtemplates.argoproj.io "lib" not found')
    rejects(doc, "templates.echo inputs.parameters.m was not supplied", Lookup(WT))
    doc["spec"]["arguments"] = {"parameters": [{"name": "m", "value": "x"}]}
    validate_workflow(doc, Lookup(WT))
    doc["spec"]["templates"] = [LEAF]
    rejects(
        doc,
        "Templates is invalid field in spec if workflow referred WorkflowTemplate reference",
        Lookup(WT),
    )


def test_workflow_templates_may_leave_entrypoint_and_values_to_submit_time() -> None:
    validate_workflow_template(WT, EmptyLookup())
    tmpl = {
        **WT,
        "spec": {
            "arguments": {"parameters": [{"name": "q"}]},
            "templates": [
                {"name": "t", "container": {**C, "args": ["{{workflow.parameters.other}}"]}}
            ],
        },
    }
    validate_workflow_template(tmpl, EmptyLookup())
    bad = {**WT, "spec": {"templates": [{"name": "t", "container": {}}]}}
    with pytest.raises(ValidationError) as info:
        validate_cluster_workflow_template(
            {**bad, "kind": "ClusterWorkflowTemplate"}, EmptyLookup()
        )
    assert str(info.value) == "templates.t templates.t.container.image may not be empty"


def test_step_hooks_need_an_expression_but_task_hooks_do_not() -> None:
    hooked = {"name": "a", "template": "l", "hooks": {"running": {"template": "l"}}}
    rejects(wf(steps([hooked]), LEAF), "templates.main.steps[0].a.running Expression required")
    validate_workflow(wf(dag(hooked), LEAF), EmptyLookup())
    gone = {"name": "a", "template": "l", "hooks": {"exit": {"template": "gone"}}}
    rejects(wf(dag(gone), LEAF), "templates.main.tasks.a.exit template name 'gone' undefined")
