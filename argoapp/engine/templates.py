"""Finding the template a step, task or entrypoint names.

A template is named three ways: `template: NAME` (looked up where the caller's template came
from: the workflow, or the WorkflowTemplate that defined it), `templateRef: {name, template,
clusterScope}` (a template inside a WorkflowTemplate or ClusterWorkflowTemplate) and `inline`.
Templates reached through `templateRef` are copied into `status.storedTemplates` the first time,
as Argo does, so a running workflow keeps the definition it started with.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from argoapp.engine.api import Lookup
from argoapp.model.types import Obj, copy_json

TEMPLATE_TYPES = (
    "container",
    "script",
    "steps",
    "dag",
    "suspend",
    "resource",
    "containerSet",
    "http",
    "data",
    "plugin",
)


class TemplateNotFound(Exception):
    """A name that does not resolve; the message is Argo's."""


@dataclass(frozen=True)
class Source:
    """Where template names are looked up, and the `templateScope` nodes record."""

    templates: Mapping[str, Obj]
    scope: str
    defaults: Mapping[str, Any]


@dataclass(frozen=True)
class Resolved:
    tmpl: Obj
    source: Source
    ref: Obj | None = None

    @property
    def scope(self) -> str:
        return self.source.scope

    @property
    def name(self) -> str:
        return str(self.tmpl.get("name") or "")


def template_type(tmpl: Mapping[str, Any]) -> str:
    for t in TEMPLATE_TYPES:
        if tmpl.get(t) is not None:
            return t
    return ""


def by_name(templates: list[Obj] | None) -> dict[str, Obj]:
    return {str(t.get("name")): t for t in templates or [] if isinstance(t, dict)}


def merge_defaults(defaults: Mapping[str, Any], tmpl: Obj) -> Obj:
    """`templateDefaults` under a template: the template's own values win, maps merge."""
    if not defaults:
        return tmpl
    merged = _deep_merge(copy_json(dict(defaults)), tmpl)
    return merged


def _deep_merge(base: Obj, over: Mapping[str, Any]) -> Obj:
    for k, v in over.items():
        if isinstance(v, Mapping) and isinstance(base.get(k), dict):
            base[k] = _deep_merge(base[k], v)
        else:
            base[k] = copy_json(v)
    return base


def resolve(
    holder: Mapping[str, Any],
    source: Source,
    *,
    namespace: str,
    lookup: Lookup,
    stored: dict[str, Obj],
) -> Resolved:
    """The template `holder` (a step, task, hook or entrypoint) refers to."""
    if holder.get("inline") is not None:
        inline = dict(holder["inline"])
        inline.setdefault("name", "")
        return Resolved(merge_defaults(source.defaults, inline), source)
    ref = holder.get("templateRef")
    if ref:
        return _resolve_ref(ref, namespace=namespace, lookup=lookup, stored=stored, source=source)
    name = holder.get("template")
    if not name:
        raise TemplateNotFound("template name cannot be empty")
    local = source.scope.startswith("local/")
    key = f"{source.scope}/{name}"
    tmpl = source.templates.get(str(name)) if local else stored.get(key)
    tmpl = tmpl or source.templates.get(str(name))
    if tmpl is None:
        raise TemplateNotFound(f"template {name} not found")
    if not local:
        # a WorkflowTemplate's own templates are kept too, so it may go while we run
        stored.setdefault(key, copy_json(tmpl))
    return Resolved(merge_defaults(source.defaults, tmpl), source)


def _resolve_ref(
    ref: Mapping[str, Any],
    *,
    namespace: str,
    lookup: Lookup,
    stored: dict[str, Obj],
    source: Source,
) -> Resolved:
    cluster = bool(ref.get("clusterScope"))
    owner, want = str(ref.get("name") or ""), str(ref.get("template") or "")
    kind = "ClusterWorkflowTemplate" if cluster else "WorkflowTemplate"
    scope = f"{'cluster' if cluster else 'namespaced'}/{owner}"
    obj = lookup.get(kind, "" if cluster else namespace, owner)
    key = f"{scope}/{want}"
    if obj is None:
        if key in stored:
            prefix = f"{scope}/"
            templates = {k[len(prefix) :]: v for k, v in stored.items() if k.startswith(prefix)}
            defaults: Mapping[str, Any] = {}
        else:
            label = "ClusterWorkflowTemplate" if cluster else "WorkflowTemplate"
            raise TemplateNotFound(f'{label}.argoproj.io "{owner}" not found')
    else:
        spec = obj.get("spec") or {}
        templates = by_name(spec.get("templates"))
        defaults = spec.get("templateDefaults") or {}
    tmpl = stored.get(key) or templates.get(want)
    if tmpl is None:
        raise TemplateNotFound(f"template {want} not found in workflow template {owner}")
    stored.setdefault(key, copy_json(tmpl))
    owner_source = Source(templates, scope, defaults)
    ref_out: Obj = {"name": owner, "template": want}
    if cluster:
        ref_out["clusterScope"] = True
    return Resolved(merge_defaults(defaults, tmpl), owner_source, ref_out)
