"""depends (being written)."""

from __future__ import annotations

from collections.abc import Callable

from argoapp.template.errors import ExpressionError


def depends_tasks(expr: str) -> list[str]:
    """The task names `expr` refers to, in order, without repeats."""
    raise ExpressionError("not implemented yet")


def evaluate_depends(expr: str, result: Callable[[str, str], bool]) -> bool:
    """Evaluate a DAG task's `depends` given each task's result attributes."""
    raise ExpressionError("not implemented yet")


def dependencies_to_depends(deps: list[str]) -> str:
    """The `depends` equivalent of a `dependencies` list."""
    return " && ".join(deps)
