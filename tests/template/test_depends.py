"""A DAG task's `depends` formula: references and evaluation."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from argoapp.template import (
    ExpressionError,
    dependencies_to_depends,
    depends_tasks,
    evaluate_depends,
)
from argoapp.template.depends import ATTRIBUTES, BARE


def states(**phases: str) -> Callable[[str, str], bool]:
    """A result callback where each task has exactly one attribute true."""
    return lambda task, attribute: phases.get(task.replace("-", "_")) == attribute


def test_tasks_in_order_without_repeats() -> None:
    assert depends_tasks("A && (C.Succeeded || C.Failed) || !b-2.AllFailed || A") == [
        "A",
        "C",
        "b-2",
    ]
    assert depends_tasks("should-execute-2.Succeeded || should-not-execute") == [
        "should-execute-2",
        "should-not-execute",
    ]


@pytest.mark.parametrize(
    ("expr", "phases", "expected"),
    [
        ("A", {"A": "Succeeded"}, True),
        ("A", {"A": "Skipped"}, True),
        ("A", {"A": "Daemoned"}, True),
        ("A", {"A": "Failed"}, False),
        ("A.Failed", {"A": "Failed"}, True),
        ("A && B", {"A": "Succeeded", "B": "Failed"}, False),
        ("A || B", {"A": "Succeeded", "B": "Failed"}, True),
        ("!A.Succeeded", {"A": "Errored"}, True),
        ("A && (C.Succeeded || C.Failed)", {"A": "Succeeded", "C": "Failed"}, True),
        ("A && (C.Succeeded || C.Failed)", {"A": "Succeeded", "C": "Omitted"}, False),
        ("A.AnySucceeded", {"A": "AnySucceeded"}, True),
    ],
)
def test_evaluate(expr: str, phases: dict[str, str], expected: bool) -> None:
    assert evaluate_depends(expr, states(**phases)) is expected


@pytest.mark.parametrize("expr", ["", "A &&", "(A", "A)", "A.Bogus", "A & B", "&& A", "A B"])
def test_bad_depends(expr: str) -> None:
    with pytest.raises(ExpressionError, match="invalid depends"):
        evaluate_depends(expr, states())


def test_dependencies_to_depends() -> None:
    assert dependencies_to_depends(["A", "B"]) == "A && B"
    assert evaluate_depends(dependencies_to_depends(["A", "B"]), states(A="Succeeded", B="Skipped"))


# ---- property: evaluate_depends agrees with a direct evaluation of the same formula ---------

_TASKS = ["A", "b-2", "task3"]
_PHASES = ["Succeeded", "Failed", "Errored", "Skipped", "Omitted", "Daemoned"]

Formula = tuple[str, Callable[[dict[str, str]], bool]]


def _atom(task: str, attribute: str | None) -> Formula:
    if attribute is None:
        return task, lambda world: world[task] in BARE
    return f"{task}.{attribute}", lambda world: world[task] == attribute


def _combine(children: st.SearchStrategy[Formula]) -> st.SearchStrategy[Formula]:
    def both(op: str, a: Formula, b: Formula) -> Formula:
        if op == "&&":
            return f"({a[0]} && {b[0]})", lambda w: a[1](w) and b[1](w)
        return f"({a[0]} || {b[0]})", lambda w: a[1](w) or b[1](w)

    return st.one_of(
        st.builds(lambda a: (f"!{a[0]}", lambda w: not a[1](w)), children),
        st.builds(both, st.sampled_from(["&&", "||"]), children, children),
    )


_formulas = st.recursive(
    st.builds(_atom, st.sampled_from(_TASKS), st.one_of(st.none(), st.sampled_from(_PHASES))),
    _combine,
    max_leaves=12,
)


@given(
    formula=_formulas, world=st.fixed_dictionaries({t: st.sampled_from(_PHASES) for t in _TASKS})
)
def test_agrees_with_direct_evaluation(formula: Formula, world: dict[str, str]) -> None:
    text, direct = formula
    assert evaluate_depends(text, lambda task, attr: world[task] == attr) is direct(world)
    assert set(depends_tasks(text)) <= set(_TASKS)


def test_every_attribute_is_accepted() -> None:
    for attribute in ATTRIBUTES:
        assert depends_tasks(f"x.{attribute}") == ["x"]
