"""Workflow validation with Argo's messages (being written)."""

from __future__ import annotations

from argoapp.engine.api import Lookup
from argoapp.errors import ArgoappError
from argoapp.model.types import Obj


class ValidationError(ArgoappError):
    """The workflow (or template) is invalid; the message is Argo's."""


def validate_workflow(wf: Obj, lookup: Lookup) -> None:
    """Raise `ValidationError` when `wf` cannot run."""
    spec = wf.get("spec")
    if not isinstance(spec, dict):
        raise ValidationError("spec is missing")
