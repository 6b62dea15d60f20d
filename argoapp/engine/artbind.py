"""Artifacts moving through a workflow: arguments resolved, inputs bound, outputs resolved.

A finished node's artifacts are in the variable scope as JSON text
(`steps.a.outputs.artifacts.x`, `tasks.…`, `workflow.outputs.artifacts.g`,
`inputs.artifacts.z`), which is how they render where used as text. Here they are read back as
objects:
- `resolve_arguments`: a step's, task's or hook's `arguments.artifacts` with `from` /
  `fromExpression` replaced by the artifact they name (its location, a `subPath` kept for the
  executor to join), and any other argument substituted. A reference that cannot be resolved
  (the output of a skipped step) is dropped when `optional`, else marked for the consumer to fail.
- `bind_artifacts`: the template's input artifacts with those arguments merged in (the input
  keeps its name, path, mode and recurseMode; the location comes from the argument).
- `resolve_outputs`: a steps or DAG template's declared `outputs.artifacts` from its children.
Callers: `execute` (binding), `steps` / `dag` / `hooks` (arguments), `outputs` (outputs).
Nothing here costs anything for a template without artifacts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from argoapp.engine.scope import UNRESOLVED, InputError, UnresolvedInput, expand
from argoapp.model.types import Obj
from argoapp.template import TemplateError, evaluate, substitute, substitute_obj

_LOCATIONS = ("s3", "gcs", "oss", "azure", "http", "artifactory", "git", "hdfs", "raw", "plugin")
_FROM_KEYS = ("from", "fromExpression")
_KEPT_FROM_INPUT = ("path", "mode", "recurseMode")


class ArtifactRefError(TemplateError):
    """A `from` or `fromExpression` that does not name an artifact."""


def has_location_or_key(art: Mapping[str, Any]) -> bool:
    """Whether an artifact says where it lives, a key in the repository included."""
    return any(art.get(k) is not None for k in _LOCATIONS)


def _is_artifact_key(key: str) -> bool:
    return ".outputs.artifacts." in key or (
        key.startswith("inputs.artifacts.") and not key.endswith(".path")
    )


def expression_env(scope: Mapping[str, Any]) -> dict[str, Any]:
    """The env an artifact expression sees: the scope nested, artifacts as objects."""
    flat: dict[str, Any] = {}
    for key, value in scope.items():
        if isinstance(value, str) and value.startswith("{") and _is_artifact_key(key):
            try:
                flat[key] = json.loads(value)
                continue
            except ValueError:
                pass
        flat[key] = value
    return expand(flat)


def lookup(tag: str, scope: Mapping[str, Any]) -> Obj:
    """The artifact a `{{…}}` reference names."""
    name = tag.strip()
    if name.startswith("{{") and name.endswith("}}"):
        name = name[2:-2].strip()
    value = scope.get(name)
    if isinstance(value, str) and value.startswith("{"):
        try:
            art = json.loads(value)
        except ValueError:
            art = None
        if isinstance(art, dict):
            return art
    if value is None:
        raise ArtifactRefError(f'Unable to resolve: "{name}"')
    raise ArtifactRefError(f"Variable {{{{{name}}}}} is not an artifact")


def resolve_reference(art: Mapping[str, Any], scope: Mapping[str, Any]) -> Obj:
    """The artifact `art.from` / `art.fromExpression` names (a copy, without its name)."""
    if art.get("fromExpression"):
        source = str(art["fromExpression"])
        try:
            value = evaluate(source, expression_env(scope))
        except TemplateError as e:
            raise ArtifactRefError(str(e)) from None
        if not isinstance(value, dict):
            raise ArtifactRefError(f"Unable to resolve: {source!r} is not an artifact")
        found = dict(value)
    else:
        found = lookup(str(art.get("from") or ""), scope)
    for key in _FROM_KEYS:
        found.pop(key, None)
    return found


def resolve_arguments(arts: Sequence[Any], scope: Mapping[str, Any]) -> list[Obj]:
    """Argument artifacts with their references resolved (see the module docstring)."""
    out: list[Obj] = []
    for raw in arts:
        if not isinstance(raw, Mapping):
            continue
        art = dict(raw)
        if not any(art.get(k) for k in _FROM_KEYS):
            out.append(substitute_obj(art, scope, allow_unresolved=True))
            continue
        try:
            found = resolve_reference(art, scope)
        except TemplateError as e:
            if art.get("optional"):
                continue
            out.append({"name": art.get("name"), UNRESOLVED: f"unable to resolve references: {e}"})
            continue
        found["name"] = art.get("name")
        if art.get("subPath"):
            found["subPath"] = substitute(str(art["subPath"]), scope, allow_unresolved=True)
        if art.get("optional") is not None:
            found["optional"] = art["optional"]
        out.append(found)
    return out


def bind_artifacts(tmpl: Obj, arguments: Mapping[str, Any], scope: Mapping[str, Any]) -> list[Obj]:
    """The template's input artifacts, bound (Argo's ProcessArgs for artifacts)."""
    declared = (tmpl.get("inputs") or {}).get("artifacts") or []
    if not declared:
        return []
    given_raw = arguments.get("artifacts") or []
    if any(isinstance(a, Mapping) and any(a.get(k) for k in _FROM_KEYS) for a in given_raw):
        given_raw = resolve_arguments(given_raw, scope)  # a caller that did not resolve them
    given = {a.get("name"): a for a in given_raw if isinstance(a, Mapping)}
    bound: list[Obj] = []
    for inp in declared:
        name = inp.get("name")
        arg = given.get(name)
        if arg is not None and UNRESOLVED in arg:
            if not inp.get("optional"):
                raise UnresolvedInput(str(arg[UNRESOLVED]))
            arg = None
        if arg is None:
            if not inp.get("optional") and not has_location_or_key(inp):
                raise InputError(f"inputs.artifacts.{name} was not supplied")
            bound.append(substitute_obj(dict(inp), scope, allow_unresolved=True))
            continue
        if not has_location_or_key(arg) and not has_location_or_key(inp):
            raise InputError(f"inputs.artifacts.{name} missing location information")
        # substituted once bound, as Argo substitutes the whole bound template (a workflow's
        # own arguments reach here as written)
        bound.append(substitute_obj(_merge(inp, arg), scope, allow_unresolved=True))
    return bound


def _merge(inp: Mapping[str, Any], arg: Mapping[str, Any]) -> Obj:
    """The argument's location under the input's name, path, mode and recurseMode."""
    out = {k: v for k, v in arg.items() if k not in _KEPT_FROM_INPUT and k not in _FROM_KEYS}
    out["name"] = inp.get("name")
    for key in _KEPT_FROM_INPUT:
        if inp.get(key) is not None:
            out[key] = inp[key]
    if inp.get("optional") is not None:
        out["optional"] = bool(inp["optional"]) or bool(arg.get("optional"))
    if inp.get("archive") is not None:
        out["archive"] = inp["archive"]
    if not has_location_or_key(out) and has_location_or_key(inp):
        for key in _LOCATIONS:  # an argument without a location leaves the input's own
            if inp.get(key) is not None:
                out[key] = inp[key]
    return out


def artifact_scope(bound: Sequence[Obj]) -> dict[str, Any]:
    """The `inputs.artifacts.*` variables of bound input artifacts."""
    local: dict[str, Any] = {}
    for art in bound:
        name = art.get("name")
        local[f"inputs.artifacts.{name}"] = json.dumps(art, separators=(",", ":"))
        if art.get("path"):
            local[f"inputs.artifacts.{name}.path"] = art["path"]
    return local


def output_paths(tmpl: Obj) -> dict[str, Any]:
    """`outputs.parameters.NAME.path` and `outputs.artifacts.NAME.path`, as a container's
    command may name where it must write its outputs."""
    outputs = tmpl.get("outputs")
    if not outputs:
        return {}
    local: dict[str, Any] = {}
    for prm in outputs.get("parameters") or []:
        path = (prm.get("valueFrom") or {}).get("path")
        if path:
            local[f"outputs.parameters.{prm.get('name')}.path"] = path
    for art in outputs.get("artifacts") or []:
        if art.get("path"):
            local[f"outputs.artifacts.{art.get('name')}.path"] = art["path"]
    return local


def resolve_outputs(declared: Sequence[Obj], scope: Mapping[str, Any]) -> list[Obj]:
    """A steps or DAG template's output artifacts from its children (Argo's
    getTemplateOutputsFromScope); an optional one that resolves to nothing is left out."""
    out: list[Obj] = []
    for art in declared:
        if not any(art.get(k) for k in _FROM_KEYS):
            out.append(dict(art))
            continue
        try:
            found = resolve_reference(art, scope)
        except ArtifactRefError:
            if art.get("optional"):
                continue
            raise
        found["name"] = art.get("name")
        found.pop("globalName", None)
        if art.get("globalName"):
            found["globalName"] = art["globalName"]
        out.append(found)
    return out
