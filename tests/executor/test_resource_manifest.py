"""A resource template's manifest, flags and checks that need no API server."""

from __future__ import annotations

from typing import Any, cast

import pytest

from argoapp.executor.env import ExecEnv
from argoapp.executor.resource import execute, load_manifest, parse_flags
from argoapp.executor.resource_api import ResourceApi, ResourceError, is_builtin, three_way
from argoapp.kube.resources import KINDS, Kind

# `execute` refuses these templates before it makes any request, so no client is needed.
NO_API = cast(ResourceApi, None)


def run(resource: dict[str, Any], action: str, **template: Any) -> Any:
    return execute({"resource": resource, **template}, action, NO_API, ExecEnv())


def test_flags_name_the_object_and_the_rest_are_ignored() -> None:
    assert parse_flags(["pod", "my-pod"]) == (("pod", "my-pod"), "", [])
    assert parse_flags(["deploy/web", "-n", "ns1"]) == (("deploy", "web"), "ns1", [])
    assert parse_flags(["--namespace=x", "--overwrite", "cm", "a", "b"]) == (
        ("cm", "a"),
        "x",
        ["--overwrite", "b"],
    )
    assert parse_flags(["--validate=false"]) == (None, "", ["--validate=false"])


def test_manifests_hold_one_document() -> None:
    assert load_manifest("kind: ConfigMap\nmetadata: {name: a}\n", None)["kind"] == "ConfigMap"
    assert load_manifest('[{"op": "remove", "path": "/a"}]', None) == [
        {"op": "remove", "path": "/a"}
    ]
    with pytest.raises(ResourceError, match="exactly one object, found 2"):
        load_manifest("kind: A\n---\nkind: B\n", None)
    with pytest.raises(ResourceError, match="Must provide at least one of flags or manifest"):
        load_manifest("", None)
    with pytest.raises(ResourceError, match="not valid YAML"):
        load_manifest("a: [", None)


def test_delete_takes_no_conditions_or_outputs() -> None:
    with pytest.raises(ResourceError, match="not supported for delete action"):
        run({"manifest": "kind: A", "successCondition": "a == b"}, "delete")
    outputs = {"parameters": [{"name": "p", "valueFrom": {"jsonPath": "{.a}"}}]}
    with pytest.raises(ResourceError, match="not supported for delete action"):
        run({"manifest": "kind: A"}, "delete", outputs=outputs)


def test_refusals_before_any_request() -> None:
    with pytest.raises(ResourceError, match="success condition 'a >' failed to parse"):
        run({"manifest": "kind: A", "successCondition": "a >"}, "create")
    with pytest.raises(ResourceError, match="fail condition 'in' failed to parse"):
        run({"manifest": "kind: A", "failureCondition": "in"}, "create")
    with pytest.raises(ResourceError, match="artifact m in `manifestFrom` refer to a non-exist"):
        run({"manifestFrom": {"artifact": {"name": "m"}}}, "create")
    with pytest.raises(ResourceError, match="unknown resource action 'scale'"):
        run({"manifest": "kind: A"}, "scale")


def test_apply_patch_removes_only_what_was_applied_before() -> None:
    last = {"data": {"a": "1", "b": "2"}, "metadata": {"name": "x", "labels": {"l": "v"}}}
    desired = {"data": {"a": "3"}, "metadata": {"name": "x"}}
    assert three_way(last, desired) == {
        "data": {"b": None, "a": "3"},
        "metadata": {"labels": None, "name": "x"},
    }
    assert three_way({}, desired) == desired


def test_strategic_merge_is_for_kubernetes_own_groups() -> None:
    assert is_builtin(KINDS["ConfigMap"])
    assert is_builtin(Kind("Deployment", "apps", "v1", "deployments"))
    assert is_builtin(Kind("Role", "rbac.authorization.k8s.io", "v1", "roles"))
    assert not is_builtin(KINDS["Workflow"])
