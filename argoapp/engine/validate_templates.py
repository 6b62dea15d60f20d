"""Resolving and validating one template the way Argo's validateTemplateHolder does.

`Checker` holds what a validation run shares: the global variable names, the templates
already validated, and the template bases (the workflow itself, or a WorkflowTemplate /
ClusterWorkflowTemplate reached through a `templateRef`, read from the `Lookup`). Steps and
DAG templates are walked by `validate_graph`; leaf templates and outputs are checked here.
Every failure is a `ValidationError` carrying Argo's message.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from argoapp.engine.api import Lookup
from argoapp.engine.validate_fields import (
    ValidationError,
    as_dict,
    as_list,
    check_names,
    has_location,
    text,
    validate_artifact_location,
    validate_inputs,
    validate_output_parameter,
)
from argoapp.engine.validate_leaf import (
    TYPE_NAMES,
    by_name,
    check_container,
    check_container_set,
    check_global_name,
    check_metrics,
    check_resource,
    check_script,
    check_value_from,
    int_or_variable,
)
from argoapp.engine.validate_scope import TYPE_KEYS, resolve_all, template_type
from argoapp.model.types import Obj

_POD_TYPES = ("container", "containerSet", "script", "resource")
_RETRY_POLICIES = ("", "Always", "OnError", "OnFailure", "OnTransientError")
_TYPE_CHOICES = (
    "container, containerSet, steps, script, resource, dag, suspend, template, template ref"
)

# The arguments a template is validated with when the caller's are not known (Argo's
# FakeArguments: every parameter is supplied, every artifact too).
FAKE: Obj | None = None


@dataclass
class Base:
    """Where template names resolve: the workflow, or a (cluster) workflow template."""

    kind: str
    name: str
    spec: Obj
    templates: dict[str, Obj] = field(default_factory=dict)

    @classmethod
    def of(cls, kind: str, name: str, spec: Obj) -> Base:
        templates: dict[str, Obj] = {}
        for raw in as_list(spec.get("templates")):
            tmpl = as_dict(raw)
            templates.setdefault(text(tmpl.get("name")), tmpl)
        return cls(kind, name, spec, templates)


@dataclass
class Checker:
    lookup: Lookup
    namespace: str
    globals: set[str]
    template_validation: bool
    done: set[tuple[str, str, str]] = field(default_factory=set)
    bases: dict[tuple[str, str], Base | None] = field(default_factory=dict)

    def base_of(self, ref: Obj) -> Base | None:
        cluster = ref.get("clusterScope") is True
        kind = "ClusterWorkflowTemplate" if cluster else "WorkflowTemplate"
        name = text(ref.get("name"))
        key = (kind, name)
        if key not in self.bases:
            found = self.lookup.get(kind, "" if cluster else self.namespace, name)
            spec = as_dict(found.get("spec")) if isinstance(found, dict) else None
            self.bases[key] = None if spec is None else Base.of(kind, name, spec)
        return self.bases[key]

    def resolve(self, holder: Obj, base: Base) -> tuple[Obj | None, Base]:
        """The template a step, task or entrypoint names, and the base its names resolve in."""
        ref = holder.get("templateRef")
        name = text(holder.get("template"))
        if isinstance(ref, dict):
            if name:
                raise ValidationError("template name cannot be specified with templateRef.")
            if not ref.get("name"):
                raise ValidationError("resource name is required")
            if not ref.get("template"):
                raise ValidationError("template name is required")
            if "{{" in json.dumps(ref):
                return None, base  # resolved at run time
            target = self.base_of(ref)
            tmpl = None if target is None else target.templates.get(text(ref.get("template")))
            if target is None or tmpl is None:
                raise ValidationError(
                    f"template reference {text(ref.get('name'))}.{text(ref.get('template'))} "
                    "not found"
                )
            return tmpl, target
        if name:
            if name not in base.templates:
                raise ValidationError(f"template name '{name}' undefined")
            return base.templates[name], base
        inline = holder.get("inline")
        if isinstance(inline, dict):
            return inline, base
        raise ValidationError("template name is required")

    def validate_holder(self, holder: Obj, base: Base, args: Obj | None) -> Obj | None:
        """Argo's validateTemplateHolder: resolve, check retryPolicy, validate the template."""
        tmpl, target = self.resolve(holder, base)
        if tmpl is None:
            return None
        policy = text(as_dict(tmpl.get("retryStrategy")).get("retryPolicy"))
        if tmpl.get("retryStrategy") is not None and policy not in _RETRY_POLICIES:
            raise ValidationError(f"{policy} is not a valid RetryPolicy")
        self.validate_template(tmpl, target, args)
        return tmpl

    def validate_template(self, tmpl: Obj, base: Base, args: Obj | None) -> None:
        """Argo's validateTemplate."""
        name = text(tmpl.get("name"))
        kind = _check_type(tmpl, name)
        leaf = kind not in ("steps", "dag", "suspend")
        validate_inputs(tmpl, name, leaf)
        if any(not as_dict(c).get("name") for c in as_list(tmpl.get("initContainers"))):
            raise ValidationError("initContainers must all have container name")
        values = _process_args(tmpl, args, name)
        _check_timeout(tmpl, kind, name, values)
        key = (base.kind, base.name, name)
        if name and key in self.done:
            return
        self.done.add(key)
        scope = _local_scope(tmpl, kind, leaf)
        if kind in ("steps", "dag"):
            from argoapp.engine.validate_graph import validate_dag, validate_steps

            walk = validate_steps if kind == "steps" else validate_dag
            walk(self, scope, tmpl, base)
        else:
            self.validate_leaf(scope, tmpl, base, kind)
        self.validate_outputs(scope, tmpl, kind, leaf)
        if isinstance(tmpl.get("archiveLocation"), dict):
            validate_artifact_location(f"templates.{name}.archiveLocation", tmpl["archiveLocation"])
        check_metrics(tmpl, name)

    def validate_leaf(self, scope: set[str], tmpl: Obj, base: Base, kind: str) -> None:
        """Argo's validateLeaf: variables, images, resource actions, deadlines."""
        name = text(tmpl.get("name"))
        try:
            resolve_all(scope, self.globals, tmpl, self.template_validation)
        except ValidationError as e:
            raise ValidationError(f"templates.{name}: {e}") from None
        if kind == "container":
            check_container(tmpl, name, base)
        elif kind == "containerSet":
            check_container_set(tmpl, name)
        elif kind == "resource":
            check_resource(tmpl, name)
        elif kind == "script":
            check_script(tmpl, name, base)
        deadline = tmpl.get("activeDeadlineSeconds")
        if deadline is not None and not int_or_variable(deadline):
            raise ValidationError(
                f"templates.{name}.activeDeadlineSeconds must be a positive integer > 0 "
                "or an argo variable"
            )
        if tmpl.get("parallelism") is not None:
            raise ValidationError(
                f"templates.{name}.parallelism is only valid for steps and dag templates"
            )

    def validate_outputs(self, scope: set[str], tmpl: Obj, kind: str, leaf: bool) -> None:
        """Argo's validateOutputs."""
        name = text(tmpl.get("name"))
        outputs = as_dict(tmpl.get("outputs"))
        params = as_list(outputs.get("parameters"))
        arts = as_list(outputs.get("artifacts"))
        for field_name, items in (("parameters", params), ("artifacts", arts)):
            err = check_names(items, True)
            if err:
                raise ValidationError(f"templates.{name}.outputs.{field_name} {err}")
        try:
            resolve_all(scope, self.globals, outputs, self.template_validation)
        except ValidationError as e:
            raise ValidationError(f"templates.{name}.outputs {e}") from None
        for raw in arts:
            art = as_dict(raw)
            ref = f"templates.{name}.outputs.artifacts.{text(art.get('name'))}"
            if not leaf and art.get("path"):
                raise ValidationError(f"{ref}.path only valid in container/script templates")
            check_global_name(f"{ref}.globalName", text(art.get("globalName")))
        for raw in params:
            param = as_dict(raw)
            ref = f"templates.{name}.outputs.parameters.{text(param.get('name'))}"
            validate_output_parameter(ref, param)
            check_value_from(ref, as_dict(param.get("valueFrom")), kind)
            check_global_name(f"{ref}.globalName", text(param.get("globalName")))


def _check_type(tmpl: Obj, name: str) -> str:
    count = sum(1 for key in TYPE_KEYS if tmpl.get(key) is not None)
    if count == 0:
        raise ValidationError(
            f"templates.{name} template type unspecified. choose one of: {_TYPE_CHOICES}"
        )
    if count > 1:
        raise ValidationError(
            f"templates.{name} multiple template types specified. choose one of: {_TYPE_CHOICES}"
        )
    return template_type(tmpl)


def _process_args(tmpl: Obj, args: Obj | None, name: str) -> dict[str, str]:
    """Argo's ProcessArgs checks: every input parameter and artifact gets a value."""
    inputs = as_dict(tmpl.get("inputs"))
    values: dict[str, str] = {}
    for raw in as_list(inputs.get("parameters")):
        param = as_dict(raw)
        pname = text(param.get("name"))
        value = param.get("value")
        if value is None:
            value = param.get("default")
        value_from = param.get("valueFrom")
        if args is FAKE:
            continue
        arg = by_name(as_dict(args).get("parameters"), pname)
        if arg is not None:
            value, value_from = arg.get("value"), arg.get("valueFrom")
            if value is not None:
                value_from = None
        if isinstance(value_from, dict) and value_from.get("configMapKeyRef"):
            continue
        if value is None:
            raise ValidationError(f"templates.{name} inputs.parameters.{pname} was not supplied")
        values[pname] = text(value)
    for raw in as_list(inputs.get("artifacts")):
        art = as_dict(raw)
        if args is FAKE or art.get("optional") is True or has_location(art):
            continue
        aname = text(art.get("name"))
        if by_name(as_dict(args).get("artifacts"), aname) is None:
            raise ValidationError(f"templates.{name} inputs.artifacts.{aname} was not supplied")
    return values


def _check_timeout(tmpl: Obj, kind: str, name: str, values: dict[str, str]) -> None:
    timeout = text(tmpl.get("timeout"))
    if not timeout:
        return
    if kind in ("steps", "dag"):
        raise ValidationError(f"{TYPE_NAMES[kind]} template doesn't support timeout field.")
    for pname, value in values.items():
        timeout = re.sub(r"{{\s*inputs\.parameters\." + re.escape(pname) + r"\s*}}", value, timeout)
    if re.fullmatch(r"[+-]?[0-9]+", timeout.strip()) and timeout == timeout.strip():
        raise ValidationError(f"{name} has invalid duration format in timeout.")


def _local_scope(tmpl: Obj, kind: str, leaf: bool) -> set[str]:
    inputs = as_dict(tmpl.get("inputs"))
    scope: set[str] = set()
    params = as_list(inputs.get("parameters"))
    scope.update(f"inputs.parameters.{text(as_dict(p).get('name'))}" for p in params)
    if params:
        scope.add("inputs.parameters")
    for raw in as_list(inputs.get("artifacts")):
        art_name = text(as_dict(raw).get("name"))
        scope.add(f"inputs.artifacts.{art_name}")
        if leaf:
            scope.add(f"inputs.artifacts.{art_name}.path")
    if kind in _POD_TYPES:
        scope.add("pod.name")
    return scope
