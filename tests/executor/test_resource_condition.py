"""successCondition / failureCondition: Kubernetes label-selector syntax over JSON paths."""

from __future__ import annotations

from typing import Any

import pytest

from argoapp.executor.resource_condition import ConditionError, lookup, parse_condition

OBJ: dict[str, Any] = {
    "metadata": {"name": "job-1", "labels": {"app.kubernetes.io/name": "x"}},
    "status": {
        "succeeded": 2,
        "phase": "Failed",
        "ready": True,
        "ratio": 1.5,
        "conditions": [{"type": "Complete", "status": "True"}],
        "none": None,
    },
}


def holds(text: str) -> bool:
    return all(r.matches(OBJ) for r in parse_condition(text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("status.succeeded > 0", True),
        ("status.succeeded > 2", False),
        ("status.succeeded < 3", True),
        ("status.phase in (Failed, Error)", True),
        ("status.phase notin (Failed, Error)", False),
        ("status.phase == Failed", True),
        ("status.phase = Failed", True),
        ("status.phase != Failed", False),
        ("metadata.name == job-1", True),
        ("metadata.name == job-1, status.succeeded > 5", False),  # comma means AND
        ("status.missing != x", True),  # != and notin hold for a missing key
        ("status.missing == x", False),
        ("status.missing", False),
        ("!status.missing", True),
        ("status.phase", True),
        ("status.ready == true", True),
        ("status.ratio > 1", False),  # not an integer: Gt/Lt never hold
        ("status.conditions.0.type == Complete", True),
        ("status.conditions.# == 1", True),
        ("status.conditions.5.type == Complete", False),
        ("status.missing.deeper < 1", False),
        ("metadata.labels.app\\.kubernetes\\.io/name == x", True),
    ],
)
def test_matching(text: str, expected: bool) -> None:
    assert holds(text) is expected


def test_requirements_print_as_kubernetes_does() -> None:
    reqs = parse_condition("status.phase in (Failed,Error), status.failed>3, !a, b, c == d")
    assert [str(r) for r in reqs] == [
        "status.phase in (Error,Failed)",
        "status.failed>3",
        "!a",
        "b",
        "c==d",
    ]


@pytest.mark.parametrize(
    "text", ["in", "a >", "a > b", "a in (x", "a in x", "a b", "a ==, ", ", a", "a ~ b", "!"]
)
def test_bad_conditions(text: str) -> None:
    with pytest.raises(ConditionError):
        parse_condition(text)


def test_lookup_reads_values_as_gjson_strings() -> None:
    assert lookup(OBJ, "status.succeeded") == (True, "2")
    assert lookup(OBJ, "status.ready") == (True, "true")
    assert lookup(OBJ, "status.none") == (True, "")
    assert lookup(OBJ, "status.conditions.0") == (True, '{"type":"Complete","status":"True"}')
    assert lookup(OBJ, "status.nothing") == (False, "")
