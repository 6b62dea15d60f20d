"""Argo's `{{…}}` substitution and its three expression languages.

- `substitute` / `substitute_obj` / `references`: simple `{{name}}` tags and `{{= expr }}` tags.
- `evaluate`: the expr-lang language (with Argo's `asInt`, `toJson`, `jsonpath`, `sprig.*`).
- `evaluate_when`: a step's or task's `when`, with govaluate's semantics.
- `depends_tasks` / `evaluate_depends` / `dependencies_to_depends`: a DAG task's `depends`.

Everything here is pure: no clock, no I/O, no randomness. The engine and the executor call it.
It imports only `argoapp.model` and `argoapp.errors`.
"""

from argoapp.template.depends import dependencies_to_depends, depends_tasks, evaluate_depends
from argoapp.template.errors import ExpressionError, TemplateError, UnresolvedError
from argoapp.template.expr import compile_check, evaluate
from argoapp.template.substitute import (
    STRICT_PREFIXES,
    expand_scope,
    is_strict,
    references,
    render_value,
    substitute,
    substitute_obj,
)
from argoapp.template.when import evaluate_when

__all__ = [
    "STRICT_PREFIXES",
    "ExpressionError",
    "TemplateError",
    "UnresolvedError",
    "compile_check",
    "dependencies_to_depends",
    "depends_tasks",
    "evaluate",
    "evaluate_depends",
    "evaluate_when",
    "expand_scope",
    "is_strict",
    "references",
    "render_value",
    "substitute",
    "substitute_obj",
]
