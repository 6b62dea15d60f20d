"""The errors the template package raises.

`TemplateError` is the root; `UnresolvedError` is a `{{tag}}` whose variable is not in scope;
`ExpressionError` is an expression (expr, govaluate `when`, or `depends`) that does not parse or
fails while evaluating. The engine turns them into a node's Failed/Error message; they never reach
a user as a traceback.
"""

from __future__ import annotations

from argoapp.errors import ArgoappError


class TemplateError(ArgoappError):
    """A template string or expression that cannot be turned into a value."""


class UnresolvedError(TemplateError):
    """A `{{variable}}` that no scope provides (Argo: `failed to resolve {{x}}`)."""


class ExpressionError(TemplateError):
    """An expression with bad syntax, or one that failed while evaluating."""
