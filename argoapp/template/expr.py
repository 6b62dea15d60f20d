"""expr-lang (being written)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from argoapp.template.errors import ExpressionError


def evaluate(source: str, env: Mapping[str, Any]) -> Any:
    """Evaluate an expr-lang expression over `env`."""
    raise ExpressionError(f"expression {source!r}: not implemented yet")
