"""Field-level checks of Argo's validation: names, arguments, inputs and outputs.

`validate` (the workflow walk) and `validate_graph` (steps and DAGs) call these with Argo's
message prefixes; each raises `ValidationError` with Argo's text. Nothing here resolves
templates or looks anything up.
"""

from __future__ import annotations

import re
from typing import Any

from argoapp.errors import ArgoappError
from argoapp.model.types import Obj
from argoapp.template import render_value


class ValidationError(ArgoappError):
    """The workflow (or template) is invalid; the message is Argo's."""


_FIELD_NAME = re.compile(r"[a-zA-Z0-9][-a-zA-Z0-9]*")
_PARAM_NAME = re.compile(r"[-a-zA-Z0-9_]+")
# A value that is exactly one simple tag, as Argo's isParameter matches it.
_PARAMETER = re.compile(r"{{[-a-zA-Z0-9]+(\.[-a-zA-Z0-9_]+)*}}")
_FIELD_NAME_ERR = (
    "name must consist of alpha-numeric characters or '-', and must start with an "
    "alpha-numeric character (e.g. My-name1-2, 123-NAME)"
)
_PARAM_NAME_ERR = (
    "Parameter/Artifact name must consist of alpha-numeric characters, '_' or '-' "
    "e.g. my_param_1, MY-PARAM-1"
)
# Artifact fields that give it a location (Argo's HasLocationOrKey).
LOCATION_KEYS = (
    "s3",
    "git",
    "http",
    "artifactory",
    "hdfs",
    "raw",
    "oss",
    "gcs",
    "azure",
    "plugin",
    "key",
)


def as_dict(value: Any) -> Obj:
    """`value` when it is a mapping, else an empty one (wire JSON may hold anything)."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    """`value` when it is a list, else an empty one."""
    return value if isinstance(value, list) else []


def text(value: Any) -> str:
    """A scalar as Argo's AnyString reads it ("" for null)."""
    return "" if value is None else render_value(value)


def is_parameter(value: str) -> bool:
    """Whether `value` contains a simple `{{a.b}}` tag (Argo's isParameter)."""
    return _PARAMETER.search(value) is not None


def field_name_errors(name: str) -> list[str]:
    """Argo's isValidWorkflowFieldName: templates, steps and tasks."""
    errs = []
    if len(name) > 128:
        errs.append("must be no more than 128 characters")
    if not _FIELD_NAME.fullmatch(name):
        errs.append(_FIELD_NAME_ERR)
    return errs


def param_name_errors(name: str) -> list[str]:
    """Argo's isValidParamOrArtifactName."""
    return [] if _PARAM_NAME.fullmatch(name) else [_PARAM_NAME_ERR]


def check_names(items: list[Any], params: bool) -> str | None:
    """The `[i].name …` suffix of Argo's validateWorkflowFieldNames, or None when all is well."""
    seen: set[str] = set()
    for i, item in enumerate(items):
        name = text(as_dict(item).get("name"))
        if not name:
            return f"[{i}].name is required"
        errs = param_name_errors(name) if params else field_name_errors(name)
        if errs:
            return f"[{i}].name: '{name}' is invalid: {';'.join(errs)}"
        if name in seen:
            return f"[{i}].name '{name}' is not unique"
        seen.add(name)
    return None


def has_location(art: Obj) -> bool:
    """Whether an artifact names where it lives (or a key in the default repository)."""
    return any(art.get(k) for k in LOCATION_KEYS)


def validate_arguments(prefix: str, arguments: Obj, allow_empty: bool) -> None:
    """Argo's validateArguments: names, then values, valueFrom, enum and artifact sources."""
    params = as_list(arguments.get("parameters"))
    arts = as_list(arguments.get("artifacts"))
    for field, items, is_param in (("parameters", params, True), ("artifacts", arts, True)):
        err = check_names(items, is_param)
        if err:
            raise ValidationError(f"{prefix}{field}{err}")
    for raw in params:
        if _check_argument_value(prefix, as_dict(raw), allow_empty):
            break
    for raw in arts:
        art = as_dict(raw)
        name = text(art.get("name"))
        if not art.get("from") and not art.get("fromExpression") and not has_location(art):
            raise ValidationError(f"{prefix}{name}.from, artifact location, or key is required")
        if art.get("from") and art.get("fromExpression"):
            raise ValidationError(
                f"{prefix}{name} shouldn't have both `from` and `fromExpression` in Artifact"
            )


def _check_argument_value(prefix: str, param: Obj, allow_empty: bool) -> bool:
    """Check one argument parameter; True when Argo stops looking at the rest."""
    name = text(param.get("name"))
    value_from = param.get("valueFrom")
    value = param.get("value")
    if value_from is None and value is None and not allow_empty:
        raise ValidationError(f"{prefix}{name}.value or {prefix}{name}.valueFrom is required")
    if isinstance(value_from, dict):
        only = f"{prefix}{name}.valueFrom only allows: default, configMapKeyRef and supplied"
        if not (value_from.get("configMapKeyRef") or value_from.get("event")) and (
            "supplied" not in value_from
        ):
            raise ValidationError(only)
        if any(value_from.get(k) for k in ("path", "jsonPath", "parameter", "expression")):
            raise ValidationError(only)
    enum = param.get("enum")
    if enum is not None:
        if not enum:
            raise ValidationError(f"{prefix}{name}.enum should contain at least one value")
        if value is None:
            if allow_empty:
                return True
            raise ValidationError(f"{prefix}{name}.value is required")
        if text(value) not in [text(e) for e in as_list(enum)]:
            raise ValidationError(
                f"{prefix}{name}.value should be present in {prefix}{name}.enum list"
            )
    return False


def validate_inputs(tmpl: Obj, name: str, leaf: bool) -> None:
    """Argo's validateInputs: input names, artifact paths and sources."""
    inputs = as_dict(tmpl.get("inputs"))
    err = check_names(as_list(inputs.get("parameters")), True)
    if err:
        raise ValidationError(f"templates.{name}.inputs.parameters{err}")
    arts = as_list(inputs.get("artifacts"))
    err = check_names(arts, True)
    if err:
        raise ValidationError(f"templates.{name}.inputs.artifacts{err}")
    for raw in arts:
        art = as_dict(raw)
        ref = f"templates.{name}.inputs.artifacts.{text(art.get('name'))}"
        if not leaf and art.get("path"):
            raise ValidationError(f"{ref}.path only valid in container/script templates")
        if art.get("from"):
            raise ValidationError(f"{ref}.from not valid in inputs")
        validate_artifact_location(ref, art)


def validate_artifact_location(prefix: str, art: Obj) -> None:
    """The parts of an artifact location Argo checks (a git artifact needs its repo)."""
    git = art.get("git")
    if isinstance(git, dict) and not git.get("repo"):
        raise ValidationError(f"{prefix}.git.repo is required")


def validate_output_parameter(ref: str, param: Obj) -> None:
    """Argo's validateOutputParameter: exactly one of value / one valueFrom source."""
    value_from = param.get("valueFrom")
    if value_from is not None and param.get("value") is not None:
        raise ValidationError(f"{ref} has both valueFrom and value specified. Choose one.")
    if param.get("value") is not None:
        return
    if not isinstance(value_from, dict):
        raise ValidationError(f"{ref} does not have valueFrom or value specified")
    kinds = sum(
        1 for k in ("path", "jqFilter", "jsonPath", "parameter", "expression") if value_from.get(k)
    )
    if value_from.get("supplied") is not None:
        kinds += 1
    if kinds == 0:
        raise ValidationError(
            "valueFrom type unspecified. choose one of: path, jqFilter, jsonPath, parameter, "
            "raw, expression"
        )
    if kinds > 1:
        raise ValidationError(
            "multiple valueFrom types specified. choose one of: path, jqFilter, jsonPath, "
            "parameter, raw"
        )
