"""Variables a template sees, and turning a call's arguments into a template's inputs.

Scopes are flat dicts keyed by Argo's dotted variable names (`inputs.parameters.msg`,
`steps.a.outputs.result`, `workflow.name`), the shape `argoapp.template.substitute` takes.
`workflow_globals` builds the `workflow.*` part once per pass; `node_outputs` adds what a
finished step or task exposes; `aggregate_outputs` does the same for a loop's children, as
JSON lists; `bind_inputs` applies arguments, defaults, enums and `valueFrom` to a template.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from argoapp.engine.api import Lookup
from argoapp.model.phases import NodePhase
from argoapp.model.types import Obj
from argoapp.template import TemplateError, evaluate, substitute

_TIME_PARTS = "YmdHMSjyaAbBpIUWcxXzZ"


class InputError(Exception):
    """Arguments that do not satisfy a template's inputs; the message is Argo's."""


class UnresolvedInput(InputError):
    """An argument refers to an output that does not exist (a skipped or omitted step's) and
    no default covers it: the consuming node fails (Argo 4.0)."""


UNRESOLVED = "_unresolved"  # marks an argument whose reference could not be resolved


def as_text(value: Any) -> str:
    """A parameter value as Argo stores it (strings as is, anything else as JSON)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return json.dumps(value, separators=(",", ":"))


def workflow_globals(wf: Obj, spec: Obj, *, status_phase: str = "") -> dict[str, Any]:
    """The `workflow.*` variables (Argo's docs/variables.md, global section)."""
    meta = wf.get("metadata") or {}
    status = wf.get("status") or {}
    g: dict[str, Any] = {
        "workflow.name": meta.get("name", ""),
        "workflow.namespace": meta.get("namespace", ""),
        "workflow.uid": meta.get("uid", ""),
        "workflow.serviceAccountName": spec.get("serviceAccountName") or "default",
        "workflow.mainEntrypoint": spec.get("entrypoint", ""),
        "workflow.priority": str(spec.get("priority", 0)),
        "workflow.status": status_phase or status.get("phase") or "Running",
    }
    created = meta.get("creationTimestamp") or ""
    g["workflow.creationTimestamp"] = created
    when = _parse(created)
    if when is not None:
        g["workflow.creationTimestamp.RFC3339"] = created
        g["workflow.creationTimestamp.s"] = str(int(when.timestamp()))
        for ch in _TIME_PARTS:
            g[f"workflow.creationTimestamp.{ch}"] = when.strftime(f"%{ch}")
    params = (spec.get("arguments") or {}).get("parameters") or []
    plist = []
    for prm in params:
        value = prm.get("value")
        if value is None:
            value = prm.get("default")
        if value is not None:
            g[f"workflow.parameters.{prm['name']}"] = as_text(value)
        plist.append(
            {"name": prm.get("name"), "value": as_text(value) if value is not None else ""}
        )
    g["workflow.parameters"] = json.dumps(plist, separators=(",", ":"))
    for key in ("labels", "annotations"):
        values = meta.get(key) or {}
        g[f"workflow.{key}"] = json.dumps(values, separators=(",", ":"))
        for k, v in values.items():
            g[f"workflow.{key}.{k}"] = v
    for prm in (status.get("outputs") or {}).get("parameters") or []:
        g[f"workflow.outputs.parameters.{prm['name']}"] = prm.get("value", "")
    for art in (status.get("outputs") or {}).get("artifacts") or []:
        g[f"workflow.outputs.artifacts.{art['name']}"] = json.dumps(art, separators=(",", ":"))
    scheduled = (meta.get("annotations") or {}).get("workflows.argoproj.io/scheduled-time")
    if scheduled:
        g["workflow.scheduledTime"] = scheduled
    return g


def _parse(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None
    except ValueError:
        return None


def node_outputs(prefix: str, node: Mapping[str, Any]) -> dict[str, Any]:
    """What `steps.NAME.*` / `tasks.NAME.*` resolve to once a node is done."""
    out: dict[str, Any] = {
        f"{prefix}.id": node.get("id", ""),
        f"{prefix}.status": node.get("phase", ""),
        f"{prefix}.startedAt": node.get("startedAt", ""),
        f"{prefix}.finishedAt": node.get("finishedAt", ""),
    }
    if node.get("podIP"):
        out[f"{prefix}.ip"] = node["podIP"]
    if node.get("hostNodeName"):
        out[f"{prefix}.hostNodeName"] = node["hostNodeName"]
    outputs = node.get("outputs") or {}
    if "exitCode" in outputs:
        out[f"{prefix}.exitCode"] = outputs["exitCode"]
    if outputs.get("result") is not None:
        out[f"{prefix}.outputs.result"] = outputs["result"]
    params = outputs.get("parameters") or []
    for prm in params:
        if prm.get("value") is not None:
            out[f"{prefix}.outputs.parameters.{prm['name']}"] = prm["value"]
    if params:
        out[f"{prefix}.outputs.parameters"] = json.dumps(
            {p["name"]: p.get("value") for p in params}, separators=(",", ":")
        )
    for art in outputs.get("artifacts") or []:
        out[f"{prefix}.outputs.artifacts.{art['name']}"] = json.dumps(art, separators=(",", ":"))
    return out


def aggregate_outputs(prefix: str, children: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """A loop's outputs: results and each parameter as JSON lists, in start order."""
    done = [
        c
        for c in children
        if c.get("phase") == NodePhase.SUCCEEDED and c.get("outputs") is not None
    ]
    done.sort(key=lambda c: str(c.get("startedAt") or ""))
    results: list[Any] = []
    rows: list[dict[str, Any]] = []
    by_name: dict[str, list[Any]] = {}
    for child in done:
        outputs = child["outputs"]
        if outputs.get("parameters"):
            row = {}
            for prm in outputs["parameters"]:
                row[prm["name"]] = prm.get("value")
                by_name.setdefault(prm["name"], []).append(prm.get("value"))
            rows.append(row)
        if outputs.get("result") is not None:
            results.append(_item(outputs["result"]))
    out: dict[str, Any] = {
        f"{prefix}.outputs.result": json.dumps(results, separators=(",", ":")),
        f"{prefix}.outputs.parameters": json.dumps(rows, separators=(",", ":")),
    }
    for name, values in by_name.items():
        out[f"{prefix}.outputs.parameters.{name}"] = json.dumps(values, separators=(",", ":"))
    return out


def _item(text: str) -> Any:
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return value if isinstance(value, (dict, list)) else text


def bind_inputs(
    tmpl: Obj,
    arguments: Mapping[str, Any],
    scope: Mapping[str, Any],
    *,
    namespace: str,
    lookup: Lookup,
) -> tuple[list[Obj], dict[str, Any]]:
    """The template's input parameters with values, and the `inputs.*` scope they make."""
    given = {p.get("name"): p for p in arguments.get("parameters") or []}
    bound: list[Obj] = []
    local: dict[str, Any] = {}
    for prm in (tmpl.get("inputs") or {}).get("parameters") or []:
        name = prm.get("name")
        arg = given.get(name)
        if arg is not None and UNRESOLVED in arg:
            if prm.get("default") is None and not (prm.get("valueFrom") or {}).get("default"):
                raise UnresolvedInput(str(arg[UNRESOLVED]))
            arg = None
        value = _input_value(prm, arg, {**scope, **local}, namespace=namespace, lookup=lookup)
        if "{{" in value:
            # an input may refer to the workflow or to inputs bound before it
            value = substitute(value, {**scope, **local}, allow_unresolved=True)
        enum = prm.get("enum")
        if enum and value not in [as_text(e) for e in enum]:
            raise InputError(
                f"value {value} of parameter {name} is not one of the enum values {enum}"
            )
        out = {k: v for k, v in prm.items() if k not in ("valueFrom", "value")}
        out["value"] = value
        bound.append(out)
        local[f"inputs.parameters.{name}"] = value
    if bound:
        local["inputs.parameters"] = json.dumps(
            [{"name": b["name"], "value": b["value"]} for b in bound], separators=(",", ":")
        )
    for art in (tmpl.get("inputs") or {}).get("artifacts") or []:
        if art.get("path"):
            local[f"inputs.artifacts.{art['name']}.path"] = art["path"]
    return bound, local


def _input_value(
    prm: Mapping[str, Any],
    arg: Mapping[str, Any] | None,
    scope: Mapping[str, Any],
    *,
    namespace: str,
    lookup: Lookup,
) -> str:
    name = prm.get("name")
    for source in (arg, prm):
        if source is None:
            continue
        if source.get("value") is not None:
            return as_text(source["value"])
        value_from = source.get("valueFrom")
        if value_from:
            found = value_from_source(value_from, scope, namespace=namespace, lookup=lookup)
            if found is not None:
                return found
        if source is prm and prm.get("default") is not None:
            return as_text(prm["default"])
    raise InputError(f"inputs.parameters.{name} was not supplied")


def value_from_source(
    value_from: Mapping[str, Any],
    scope: Mapping[str, Any],
    *,
    namespace: str,
    lookup: Lookup,
) -> str | None:
    """A `valueFrom` the controller can answer (configMapKeyRef, expression, default)."""
    ref = value_from.get("configMapKeyRef")
    if ref:
        cm = lookup.get("ConfigMap", namespace, str(ref.get("name")))
        data = (cm or {}).get("data") or {}
        if ref.get("key") in data:
            return str(data[ref["key"]])
        if value_from.get("default") is not None:
            return as_text(value_from["default"])
        if ref.get("optional"):
            return ""
        raise InputError(
            f"unable to retrieve parameter from ConfigMap {ref.get('name')} key {ref.get('key')}"
        )
    expr = value_from.get("expression")
    if expr:
        try:
            result = evaluate(str(expr), expand(scope))
        except TemplateError as e:
            if value_from.get("default") is not None:
                return as_text(value_from["default"])
            raise InputError(str(e)) from None
        if result is None:
            if value_from.get("default") is not None:
                return as_text(value_from["default"])
            raise InputError(f"expression {expr!r} evaluated to nil")
        return as_text(result)
    if value_from.get("parameter"):
        try:
            return substitute(str(value_from["parameter"]), scope)
        except TemplateError:
            if value_from.get("default") is not None:
                return as_text(value_from["default"])
            raise
    if value_from.get("default") is not None:
        return as_text(value_from["default"])
    return None


def expand(scope: Mapping[str, Any]) -> dict[str, Any]:
    """Flat dotted keys as nested maps, the environment expressions see."""
    env: dict[str, Any] = {}
    for key in sorted(scope, key=len):
        parts = key.split(".")
        node = env
        ok = True
        for part in parts[:-1]:
            nxt = node.get(part)
            if not isinstance(nxt, dict):
                nxt = {}
                node[part] = nxt
            node = nxt
        if ok and not isinstance(node.get(parts[-1]), dict):
            node[parts[-1]] = scope[key]
    return env
