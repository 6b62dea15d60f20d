"""Checks on leaf templates (container, script, resource, containerSet) and their outputs.

`validate_templates.Checker` calls these once a template's variables have been checked; each
raises `ValidationError` with Argo's message. Pure: no lookups, no I/O.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import yaml

from argoapp.engine.validate_fields import (
    ValidationError,
    as_dict,
    as_list,
    is_parameter,
    param_name_errors,
    text,
)
from argoapp.model.types import Obj

if TYPE_CHECKING:
    from argoapp.engine.validate_templates import Base

# Argo's names for template types, as its messages print them.
TYPE_NAMES = {
    "container": "Container",
    "containerSet": "ContainerSet",
    "steps": "Steps",
    "script": "Script",
    "resource": "Resource",
    "dag": "DAG",
    "suspend": "Suspend",
    "data": "Data",
    "http": "HTTP",
    "plugin": "Plugin",
}
_RESOURCE_ACTIONS = ("get", "create", "apply", "delete", "replace", "patch")
_METRIC_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_TAG = re.compile(r"{{.*?}}")


def by_name(items: Any, name: str) -> Obj | None:
    """The entry of a name-keyed list (parameters, artifacts) called `name`."""
    for raw in as_list(items):
        if isinstance(raw, dict) and text(raw.get("name")) == name:
            return raw
    return None


def default_image(base: Base, kind: str) -> bool:
    """Whether the base's templateDefaults give this kind of template an image."""
    if base.kind == "ClusterWorkflowTemplate":
        return False
    defaults = as_dict(as_dict(base.spec.get("templateDefaults")).get(kind))
    return bool(defaults.get("image"))


def check_container(tmpl: Obj, name: str, base: Base) -> None:
    """Mount paths do not collide and there is an image."""
    container = as_dict(tmpl["container"])
    mounts: dict[str, str] = {}
    for i, raw in enumerate(as_list(container.get("volumeMounts"))):
        mount = as_dict(raw)
        path = text(mount.get("mountPath"))
        if path in mounts:
            raise ValidationError(
                f"templates.{name}.container.volumeMounts[{i}].mountPath '{path}' already "
                f"mounted in {mounts[path]}"
            )
        mounts[path] = f"container.volumeMounts.{text(mount.get('name'))}"
    for i, raw in enumerate(as_list(as_dict(tmpl.get("inputs")).get("artifacts"))):
        art = as_dict(raw)
        path = text(art.get("path"))
        if path in mounts:
            raise ValidationError(
                f"templates.{name}.inputs.artifacts[{i}].path '{path}' already mounted in "
                f"{mounts[path]}"
            )
        mounts[path] = f"inputs.artifacts.{text(art.get('name'))}"
    if not container.get("image") and not default_image(base, "container"):
        raise ValidationError(f"templates.{name}.container.image may not be empty")


def check_script(tmpl: Obj, name: str, base: Base) -> None:
    """A script template has an image."""
    if not as_dict(tmpl["script"]).get("image") and not default_image(base, "script"):
        raise ValidationError(f"templates.{name}.script.image may not be empty")


def check_container_set(tmpl: Obj, name: str) -> None:
    """A container set has containers, and a `main` one when it has inputs or outputs."""
    containers = [as_dict(c) for c in as_list(as_dict(tmpl["containerSet"]).get("containers"))]
    if not containers:
        raise ValidationError(
            f"templates.{name}.containerSet.containers must have at least one container"
        )
    outputs = as_dict(tmpl.get("outputs"))
    uses_io = (
        as_list(as_dict(tmpl.get("inputs")).get("artifacts"))
        or as_list(outputs.get("parameters"))
        or as_list(outputs.get("artifacts"))
    )
    if uses_io and not any(c.get("name") == "main" for c in containers):
        raise ValidationError(
            f'templates.{name}.containerSet.containers must have a container named "main" '
            "for input or output"
        )


def check_resource(tmpl: Obj, name: str) -> None:
    """A resource template's action is known and its manifest is there and is YAML."""
    resource = as_dict(tmpl["resource"])
    action = text(resource.get("action"))
    if "{{" not in action and action not in _RESOURCE_ACTIONS:
        raise ValidationError(
            f"templates.{name}.resource.action must be one of: get, create, apply, delete, "
            "replace, patch"
        )
    if action in ("delete", "get"):
        return
    manifest = text(resource.get("manifest"))
    manifest_from = resource.get("manifestFrom")
    if not manifest and manifest_from is None:
        raise ValidationError(
            f"either templates.{name}.resource.manifest or templates.{name}.resource."
            "manifestFrom must be specified"
        )
    if manifest and manifest_from is not None:
        raise ValidationError(
            "shouldn't have both `manifest` and `manifestFrom` specified in `Manifest` for "
            "resource template"
        )
    artifact = as_dict(as_dict(manifest_from).get("artifact"))
    if artifact:
        art_name = text(artifact.get("name"))
        if by_name(as_dict(tmpl.get("inputs")).get("artifacts"), art_name) is None:
            raise ValidationError(
                f"artifact {art_name} in `manifestFrom` refer to a non-exist artifact"
            )
    if manifest:
        try:
            list(yaml.safe_load_all(_TAG.sub("placeholder", manifest)))
        except yaml.YAMLError:
            raise ValidationError(
                f"templates.{name}.resource.manifest must be a valid yaml"
            ) from None


def int_or_variable(value: Any) -> bool:
    """Whether an activeDeadlineSeconds is a non-negative integer or an Argo variable."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value >= 0
    if isinstance(value, str):
        if re.fullmatch(r"{{.+}}", value.strip()):
            return True
        try:
            return int(value) >= 0
        except ValueError:
            return False
    return False


def check_value_from(ref: str, value_from: Obj, kind: str) -> None:
    """An output parameter's valueFrom fits its template's type."""
    if not value_from:
        return
    type_name = TYPE_NAMES.get(kind, kind)
    if kind in ("container", "containerSet", "script") and not value_from.get("path"):
        raise ValidationError(f"{ref}.path must be specified for {type_name} templates")
    if kind == "resource" and not (value_from.get("jqFilter") or value_from.get("jsonPath")):
        raise ValidationError(
            f"{ref} .jqFilter or jsonPath must be specified for {type_name} templates"
        )
    if kind in ("steps", "dag"):
        if not (value_from.get("parameter") or value_from.get("expression")):
            raise ValidationError(
                f"{ref}.parameter or expression must be specified for {type_name} templates"
            )
        if value_from.get("parameter") and value_from.get("expression"):
            raise ValidationError(
                f"{ref} shouldn't have both `from` and `expression` specified in `ValueFrom` "
                f"for {type_name} templates"
            )


def check_global_name(ref: str, global_name: str) -> None:
    """A literal globalName is a valid parameter name."""
    if global_name and not is_parameter(global_name):
        errs = param_name_errors(global_name)
        if errs:
            raise ValidationError(f"{ref}: {errs[0]}")


def check_metrics(tmpl: Obj, name: str) -> None:
    """Prometheus metric names are valid and each has help text."""
    for raw in as_list(as_dict(tmpl.get("metrics")).get("prometheus")):
        metric = as_dict(raw)
        metric_name = text(metric.get("name"))
        if not _METRIC_NAME.fullmatch(metric_name):
            raise ValidationError(
                f"templates.{name} metric name '{metric_name}' is invalid. Metric names must "
                "contain alphanumeric characters or '_'"
            )
        if not metric.get("help"):
            raise ValidationError(
                f"templates.{name} metric '{metric_name}' must contain a help string under "
                "'help: ' field"
            )
