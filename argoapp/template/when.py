"""govaluate `when` (being written)."""

from __future__ import annotations

from argoapp.template.errors import ExpressionError


def evaluate_when(text: str) -> bool:
    """Evaluate a step's or task's `when` (after substitution)."""
    raise ExpressionError(f"Invalid 'when' expression '{text}': not implemented yet")
