"""Output parameters of resource templates: Kubernetes JSONPath templates and the jq subset."""

from __future__ import annotations

from typing import Any

import pytest

from argoapp.executor.resource import output_parameters
from argoapp.executor.resource_api import ResourceError
from argoapp.executor.resource_jq import JqError, run_jq
from argoapp.executor.resource_jsonpath import JsonPathError, render_jsonpath

OBJ: dict[str, Any] = {
    "kind": "Job",
    "metadata": {"name": "pi-1", "labels": {"app": "pi", "a-b": "c"}},
    "spec": {"list": [3, 1, 2]},
    "items": [{"name": "a", "n": 1}, {"name": "b", "n": 2.5}],
    "status": {
        "succeeded": 1,
        "active": None,
        "conditions": [
            {"type": "Failed", "status": "False"},
            {"type": "Complete", "status": "True"},
        ],
    },
}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{.metadata.name}", "pi-1"),
        ("{.status.succeeded}", "1"),
        ("{.status.active}", ""),
        ("{.status.missing}", ""),  # kubectl -o jsonpath allows missing keys
        ("{.items[*].name}", "a b"),
        ("{.items[1].n}", "2.5"),
        ("{.items[-1].name}", "b"),
        ('{.status.conditions[?(@.type=="Complete")].status}', "True"),
        ("{.metadata.labels}", '{"a-b":"c","app":"pi"}'),
        ("{.spec.list}", "[3,1,2]"),
        ("name={$.metadata.name} kind={.kind}", "name=pi-1 kind=Job"),
        ('{range .items[*]}{.name}:{.n}{"\\n"}{end}', "a:1\nb:2.5\n"),
        ("{.metadata['a-b']}", ""),
        ("{.metadata.labels['a-b']}", "c"),
    ],
)
def test_jsonpath(template: str, expected: str) -> None:
    assert render_jsonpath(template, OBJ) == expected


@pytest.mark.parametrize("template", ["{.metadata.name", "{.a[}", "{range .items[*]}{.n}", "{}"])
def test_jsonpath_errors(template: str) -> None:
    with pytest.raises(JsonPathError):
        render_jsonpath(template, OBJ)


@pytest.mark.parametrize(
    ("program", "expected"),
    [
        (".metadata.name", "pi-1"),
        (".", None),
        (".status.succeeded", "1"),
        (".items[0]", '{"name":"a","n":1}'),
        (".items[] | .name", "a\nb"),
        (".items[].name", "a\nb"),
        ('[.items[].name] | join(",")', "a,b"),
        ('.metadata.labels."a-b"', "c"),
        ('.metadata.labels["a-b"]', "c"),
        ('.status.conditions[] | select(.type == "Complete") | .status', "True"),
        (".spec.list | length", "3"),
        (".spec.list | sort", "[1,2,3]"),
        (".spec.list[1:]", "[1,2]"),
        (".spec.list[.spec.list[1]]", "1"),
        (".status.missing", "null"),
        ('.status.missing // "none"', "none"),
        (".items | map(.n) | add", "3.5"),
        ("{name: .metadata.name, count: (.items | length)}", '{"name":"pi-1","count":2}'),
        ('if .status.succeeded > 0 then "done" else "running" end', "done"),
        (".items[] | select(.n > 1) | .name", "b"),
        (".metadata | keys", '["labels","name"]'),
        ('.metadata.name | test("^pi")', "true"),
        (".spec.list[0].x?", ""),
        (".items[] | .name, .n", "a\n1\nb\n2.5"),
        (".spec.list | .[0] + .[1] * 2", "5"),
        ('.metadata.labels | to_entries | map(.key) | join("/")', "app/a-b"),
        ('.metadata | has("name") and has("nope") | not', "true"),
        (".status.conditions | map(.type) | unique | first", "Complete"),
    ],
)
def test_jq(program: str, expected: str | None) -> None:
    import json

    if expected is None:
        assert json.loads(run_jq(program, OBJ)) == OBJ
    else:
        assert run_jq(program, OBJ) == expected


@pytest.mark.parametrize(
    "program", [".spec.list[0].x", ".a |", "nosuchfn", ".[] as $x", ".a |= 1", "(.a"]
)
def test_jq_errors(program: str) -> None:
    with pytest.raises(JqError):
        run_jq(program, OBJ)


def test_output_parameters_take_values_and_defaults() -> None:
    declared = [
        {"name": "job-name", "valueFrom": {"jsonPath": "{.metadata.name}"}},
        {"name": "job-obj", "valueFrom": {"jqFilter": ".items[0].name"}},
        {"name": "bad", "valueFrom": {"jqFilter": ".spec.list.x", "default": "d"}},
        {"name": "given", "value": "v"},
    ]
    params = output_parameters(declared, OBJ)
    assert {p["name"]: p.get("value") for p in params} == {
        "job-name": "pi-1",
        "job-obj": "a",
        "bad": "d",
        "given": "v",
    }
    assert params[0]["valueFrom"] == {"jsonPath": "{.metadata.name}"}


def test_output_parameter_without_default_fails() -> None:
    with pytest.raises(ResourceError, match="output parameter 'bad'"):
        output_parameters([{"name": "bad", "valueFrom": {"jqFilter": ".spec.list.x"}}], OBJ)
