"""Which `{{…}}` variables a template may use, as Argo's validator tracks them.

A scope is a set of variable names (`inputs.parameters.x`, `steps.a.outputs.result`, …) plus
Argo's magic entries: `item.*` (a `withParam` loop, so any `item.…` goes) and
`workflow.outputs.parameters.*` / `workflow.outputs.artifacts.*` (a parameterised globalName).
`unresolved_tag` applies Argo's resolveAllVariables rules to every simple tag in a value: only
the prefixes Argo validates count, and a handful of runtime-only names are let through.
Expression tags (`{{= … }}`) are never checked here, as in Argo.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from argoapp.engine.validate_fields import ValidationError, as_dict, as_list, is_parameter, text
from argoapp.model.types import Obj
from argoapp.template import references

ANY_ITEM = "item.*"
ANY_WF_OUTPUT_PARAMETER = "workflow.outputs.parameters.*"
ANY_WF_OUTPUT_ARTIFACT = "workflow.outputs.artifacts.*"

# The first segments Argo's validator checks; any other tag is left for run time.
_VALIDATED_PREFIXES = ("item.", "steps.", "inputs.", "outputs.", "pod.", "workflow.", "tasks.")
# Names known only at run time, let through by prefix.
_RUNTIME_PREFIXES = (
    "outputs.",
    "workflow.creationTimestamp",
    "workflow.scheduledTime",
    "workflow.duration",
    "tasks.name",
    "steps.name",
    "node.name",
)

# Types whose node has `outputs.result` / `exitCode` (Argo's HasOutput; resource is let in
# too, so a reference to it is never rejected here when the engine can answer it).
_RESULT_TYPES = ("container", "containerSet", "script", "data", "http", "plugin", "resource")


def _strings(value: Any) -> Iterator[str]:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            for key, sub in item.items():
                if isinstance(key, str) and "{{" in key:
                    yield key
                stack.append(sub)
        elif isinstance(item, list):
            stack.extend(item)


def _unresolved(tag: str, scope: set[str], globals_: set[str], template_validation: bool) -> bool:
    if not tag.startswith(_VALIDATED_PREFIXES) or tag in scope or tag in globals_:
        return False
    if tag.startswith("item.") and ANY_ITEM in scope:
        return False
    known = scope | globals_ if "workflow.outputs." in tag else scope
    if tag.startswith("workflow.outputs.parameters.") and ANY_WF_OUTPUT_PARAMETER in known:
        return False
    if tag.startswith("workflow.outputs.artifacts.") and ANY_WF_OUTPUT_ARTIFACT in known:
        return False
    if tag.startswith(_RUNTIME_PREFIXES):
        return False
    return not (template_validation and tag.startswith("workflow.parameters"))


def resolve_all(scope: set[str], globals_: set[str], value: Any, template_validation: bool) -> None:
    """Raise `failed to resolve {{tag}}` for the first tag in `value` nothing defines."""
    for string in _strings(value):
        if "{{" not in string:
            continue
        for tag in references(string):
            if _unresolved(tag, scope, globals_, template_validation):
                raise ValidationError(f"failed to resolve {{{{{tag}}}}}")


def add_items(holder: Obj, scope: set[str]) -> None:
    """Argo's addItemsToScope: the `item` names a loop defines."""
    items = holder.get("withItems")
    param = holder.get("withParam")
    sequence = holder.get("withSequence")
    if sum(1 for x in (items, param, sequence is not None) if x) > 1:
        raise ValidationError("only one of withItems, withParam, withSequence can be specified")
    if items:
        for item in as_list(items):
            if isinstance(item, dict):
                scope.update(f"item.{key}" for key in item)
            elif isinstance(item, list):
                scope.update(f"item.[{i}]" for i in range(len(item)))
            else:
                scope.add("item")
    elif param:
        scope.update(("item", ANY_ITEM))
    elif sequence is not None:
        seq = as_dict(sequence)
        if seq.get("count") is not None and seq.get("end") is not None:
            raise ValidationError("only one of count or end can be defined in withSequence")
        scope.add("item")


def template_type(tmpl: Obj) -> str:
    """The one type key a template sets, in Argo's precedence order ("" for none)."""
    for key in TYPE_KEYS:
        if tmpl.get(key) is not None:
            return key
    return ""


TYPE_KEYS = (
    "container",
    "containerSet",
    "steps",
    "script",
    "resource",
    "dag",
    "suspend",
    "data",
    "http",
    "plugin",
)


def add_outputs(
    tmpl: Obj | None,
    prefix: str,
    scope: set[str],
    globals_: set[str],
    aggregate: bool,
    ancestor: bool,
) -> None:
    """Argo's addOutputsToScope: what `steps.X.…` / `tasks.X.…` may name once X has run."""
    scope.update(f"{prefix}.{k}" for k in ("id", "startedAt", "finishedAt", "hostNodeName"))
    if ancestor:
        scope.add(f"{prefix}.status")
    if tmpl is None:
        return
    kind = template_type(tmpl)
    if tmpl.get("daemon") is True:
        scope.add(f"{prefix}.ip")
    if kind in _RESULT_TYPES:
        scope.update((f"{prefix}.outputs.result", f"{prefix}.exitCode"))
    outputs = as_dict(tmpl.get("outputs"))
    for kind_key, magic in (
        ("parameters", ANY_WF_OUTPUT_PARAMETER),
        ("artifacts", ANY_WF_OUTPUT_ARTIFACT),
    ):
        for raw in as_list(outputs.get(kind_key)):
            out = as_dict(raw)
            scope.add(f"{prefix}.outputs.{kind_key}.{text(out.get('name'))}")
            global_name = text(out.get("globalName"))
            if not global_name:
                continue
            if is_parameter(global_name):
                scope.add(magic)
            else:
                name = f"workflow.outputs.{kind_key}.{global_name}"
                scope.add(name)
                globals_.add(name)
    if aggregate:
        scope.add(f"{prefix}.outputs.parameters")
        if kind in ("script", "containerSet"):
            scope.update((f"{prefix}.outputs.result", f"{prefix}.exitCode"))
