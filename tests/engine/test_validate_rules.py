"""Invalid workflows, one per rule of Argo's validator, each rejected with Argo's message."""

from __future__ import annotations

from typing import Any

import pytest

from argoapp.engine.api import EmptyLookup
from argoapp.engine.validate import ValidationError, validate_workflow
from argoapp.model.types import Obj

C = {"image": "alpine", "command": ["true"]}


def wf(*templates: Obj, **spec: Any) -> Obj:
    spec.setdefault("entrypoint", "main")
    return {
        "metadata": {"name": "wf", "namespace": "argo"},
        "spec": {**spec, "templates": list(templates)},
    }


def leaf(name: str = "main", **extra: Any) -> Obj:
    return {"name": name, "container": dict(C), **extra}


def rejects(doc: Obj, message: str, **kw: Any) -> None:
    with pytest.raises(ValidationError) as info:
        validate_workflow(doc, EmptyLookup(), **kw)
    assert str(info.value) == message


def test_a_minimal_workflow_is_valid() -> None:
    validate_workflow(wf(leaf()), EmptyLookup())


def test_entrypoint_is_required() -> None:
    rejects(wf(leaf(), entrypoint=""), "spec.entrypoint is required")


def test_entrypoint_must_name_a_template() -> None:
    rejects(wf(leaf(), entrypoint="nope"), "template name 'nope' undefined")


def test_spec_must_be_an_object() -> None:
    rejects({"metadata": {}}, "spec is missing")
    rejects(
        {"metadata": {}, "spec": []},
        "json: cannot unmarshal array into Go struct field Workflow.spec of type "
        "v1alpha1.WorkflowSpec",
    )


def test_template_names_are_unique() -> None:
    rejects(wf(leaf(), leaf()), "spec.templates[1].name 'main' is not unique")


def test_template_names_are_dns_like() -> None:
    rejects(
        wf(leaf(), leaf("bad_name")),
        "spec.templates[1].name: 'bad_name' is invalid: name must consist of alpha-numeric "
        "characters or '-', and must start with an alpha-numeric character (e.g. My-name1-2, "
        "123-NAME)",
    )


def test_template_name_is_required() -> None:
    rejects(wf(leaf(), {"container": C}), "spec.templates[1].name is required")


def test_a_template_needs_a_type() -> None:
    rejects(
        wf({"name": "main"}),
        "templates.main template type unspecified. choose one of: container, containerSet, "
        "steps, script, resource, dag, suspend, template, template ref",
    )


def test_a_template_has_one_type() -> None:
    rejects(
        wf({"name": "main", "container": C, "script": {**C, "source": "x"}}),
        "templates.main multiple template types specified. choose one of: container, "
        "containerSet, steps, script, resource, dag, suspend, template, template ref",
    )


def test_container_needs_an_image() -> None:
    rejects(
        wf({"name": "main", "container": {"command": ["x"]}}),
        "templates.main.container.image may not be empty",
    )


def test_template_defaults_may_supply_the_image() -> None:
    doc = wf(
        {"name": "main", "container": {"command": ["x"]}},
        templateDefaults={"container": {"image": "a"}},
    )
    validate_workflow(doc, EmptyLookup())


def test_script_needs_an_image() -> None:
    rejects(
        wf({"name": "main", "script": {"source": "x"}}),
        "templates.main.script.image may not be empty",
    )


def test_unreached_templates_are_validated_too() -> None:
    rejects(
        wf(leaf(), {"name": "other", "container": {}}),
        "templates.other templates.other.container.image may not be empty",
    )


def test_resource_action_is_known() -> None:
    rejects(
        wf({"name": "main", "resource": {"action": "explode", "manifest": "a: 1"}}),
        "templates.main.resource.action must be one of: get, create, apply, delete, replace, patch",
    )


def test_resource_needs_a_manifest() -> None:
    rejects(
        wf({"name": "main", "resource": {"action": "create"}}),
        "either templates.main.resource.manifest or templates.main.resource.manifestFrom must be "
        "specified",
    )


def test_resource_manifest_is_yaml() -> None:
    rejects(
        wf({"name": "main", "resource": {"action": "create", "manifest": "a: [1"}}),
        "templates.main.resource.manifest must be a valid yaml",
    )


def test_resource_manifest_may_hold_tags() -> None:
    manifest = "metadata:\n  name: {{workflow.name}}\n  x: {{=sprig.trim('a')}}\n"
    validate_workflow(
        wf({"name": "main", "resource": {"action": "create", "manifest": manifest}}), EmptyLookup()
    )


def test_required_input_must_be_supplied_by_spec_arguments() -> None:
    doc = wf(leaf(inputs={"parameters": [{"name": "msg"}]}))
    rejects(doc, "templates.main inputs.parameters.msg was not supplied")
    doc["spec"]["arguments"] = {"parameters": [{"name": "msg", "value": "hi"}]}
    validate_workflow(doc, EmptyLookup())


def test_spec_arguments_need_values() -> None:
    doc = wf(leaf(), arguments={"parameters": [{"name": "msg"}]})
    rejects(doc, "spec.arguments.msg.value or spec.arguments.msg.valueFrom is required")
    validate_workflow(doc, EmptyLookup(), lint=True)


def test_argument_values_must_be_in_the_enum() -> None:
    doc = wf(leaf(), arguments={"parameters": [{"name": "c", "value": "red", "enum": ["blue"]}]})
    rejects(doc, "spec.arguments.c.value should be present in spec.arguments.c.enum list")


def test_argument_enum_is_not_empty() -> None:
    doc = wf(leaf(), arguments={"parameters": [{"name": "c", "value": "red", "enum": []}]})
    rejects(doc, "spec.arguments.c.enum should contain at least one value")


def test_argument_names_are_parameter_names() -> None:
    doc = wf(leaf(), arguments={"parameters": [{"name": "a b", "value": "1"}]})
    rejects(
        doc,
        "spec.arguments.parameters[0].name: 'a b' is invalid: Parameter/Artifact name must "
        "consist of alpha-numeric characters, '_' or '-' e.g. my_param_1, MY-PARAM-1",
    )


def test_unknown_input_reference() -> None:
    rejects(
        wf(leaf(args=["{{inputs.parameters.nope}}"])),
        "templates.main: failed to resolve {{inputs.parameters.nope}}",
    )


def test_unknown_workflow_parameter() -> None:
    rejects(
        wf(leaf(args=["{{workflow.parameters.nope}}"])),
        "templates.main: failed to resolve {{workflow.parameters.nope}}",
    )


def test_known_globals_and_unchecked_prefixes_resolve() -> None:
    args = [
        "{{workflow.name}} {{workflow.uid}} {{pod.name}} {{workflow.parameters.p}}",
        "{{item}} {{custom.thing}} {{=inputs.parameters.p}} {{workflow.creationTimestamp.Y}}",
        "{{workflow.labels.team}} {{workflow.annotations.note}}",
    ]
    doc = wf(leaf(args=args), arguments={"parameters": [{"name": "p", "value": "1"}]})
    doc["metadata"]["labels"] = {"team": "a"}
    doc["metadata"]["annotations"] = {"note": "b"}
    validate_workflow(doc, EmptyLookup())


def test_item_outside_a_loop() -> None:
    rejects(wf(leaf(args=["{{item.name}}"])), "templates.main: failed to resolve {{item.name}}")


def test_timeout_must_not_be_a_bare_number() -> None:
    rejects(wf(leaf(timeout="30")), "main has invalid duration format in timeout.")
    validate_workflow(wf(leaf(timeout="30s")), EmptyLookup())


def test_timeout_only_on_leaves() -> None:
    steps = {"name": "main", "timeout": "1m", "steps": [[{"name": "a", "template": "l"}]]}
    rejects(wf(steps, leaf("l")), "Steps template doesn't support timeout field.")


def test_active_deadline_seconds_is_a_positive_int_or_variable() -> None:
    message = (
        "templates.main.activeDeadlineSeconds must be a positive integer > 0 or an argo variable"
    )
    rejects(wf(leaf(activeDeadlineSeconds="soon")), message)
    rejects(wf(leaf(activeDeadlineSeconds=-1)), message)
    validate_workflow(wf(leaf(activeDeadlineSeconds="{{workflow.name}}")), EmptyLookup())


def test_parallelism_only_on_steps_and_dags() -> None:
    rejects(
        wf(leaf(parallelism=2)),
        "templates.main.parallelism is only valid for steps and dag templates",
    )


def test_retry_policy_is_known() -> None:
    rejects(
        wf(leaf(retryStrategy={"retryPolicy": "Sometimes"})), "Sometimes is not a valid RetryPolicy"
    )


def test_on_exit_names_a_template() -> None:
    rejects(wf(leaf(), onExit="gone"), "template name 'gone' undefined")


def test_workflow_hooks_need_an_expression_and_a_template() -> None:
    rejects(
        wf(leaf(), hooks={"running": {"template": "main"}}), "hooks.running Expression required"
    )
    rejects(
        wf(leaf(), hooks={"exit": {"template": "gone"}}),
        "hooks.exit template name 'gone' undefined",
    )


def test_pod_gc_strategy_is_known() -> None:
    rejects(
        wf(leaf(), podGC={"strategy": "Sometimes"}), "podGC.strategy unknown strategy 'Sometimes'"
    )


def test_workflow_name_length() -> None:
    doc = wf(leaf())
    doc["metadata"]["name"] = "a" * 64
    rejects(
        doc, f'workflow name "{"a" * 64}" must not be more than 63 characters long (currently 64)'
    )


def test_output_parameter_needs_a_source() -> None:
    rejects(
        wf(leaf(outputs={"parameters": [{"name": "o"}]})),
        "templates.main.outputs.parameters.o does not have valueFrom or value specified",
    )


def test_container_output_parameter_needs_a_path() -> None:
    rejects(
        wf(leaf(outputs={"parameters": [{"name": "o", "valueFrom": {"jsonPath": "{.a}"}}]})),
        "templates.main.outputs.parameters.o.path must be specified for Container templates",
    )


def test_malformed_documents_are_validation_errors() -> None:
    for spec in ({"entrypoint": "main", "templates": "x"}, {"entrypoint": 3, "templates": [7]}):
        with pytest.raises(ValidationError):
            validate_workflow({"spec": spec}, EmptyLookup())
