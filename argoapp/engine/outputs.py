"""Outputs of steps and DAG templates, global outputs, and outbound nodes.

A steps or DAG template declares outputs that point into its children
(`valueFrom.parameter: "{{steps.a.outputs.parameters.x}}"`, `valueFrom.expression`); they are
resolved from the template's final scope when the node finishes. Parameters with `globalName`
and artifacts with `globalName` are also exported to `status.outputs` and
`{{workflow.outputs.parameters.NAME}}` / `{{workflow.outputs.artifacts.NAME}}`.
`outbound_of` is Argo's getOutboundNodes: the nodes a following step group hangs under.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from argoapp.engine.artbind import resolve_outputs
from argoapp.engine.scope import as_text, expand
from argoapp.engine.state import Pass
from argoapp.model.phases import NodePhase, NodeType
from argoapp.model.types import Obj
from argoapp.template import TemplateError, evaluate, substitute

if TYPE_CHECKING:
    from argoapp.engine.execute import Frame


def finish_with_outputs(p: Pass, node: Obj, frame: Frame, scope: dict[str, Any]) -> Obj:
    """Resolve the template's outputs from `scope` and mark the node Succeeded."""
    declared = (frame.tmpl.get("outputs") or {}).get("parameters") or []
    params = []
    for prm in declared:
        try:
            value = _output_value(prm, scope)
        except TemplateError as e:
            return p.finish(node, NodePhase.FAILED, str(e))
        if value is None:
            continue
        out = {k: v for k, v in prm.items() if k not in ("value",)}
        out["value"] = value
        params.append(out)
    if params:
        node["outputs"] = {"parameters": params}
    declared = (frame.tmpl.get("outputs") or {}).get("artifacts")
    if declared:
        try:
            arts = resolve_outputs(declared, scope)
        except TemplateError as e:
            return p.finish(node, NodePhase.FAILED, f"unable to resolve outputs: {e}")
        if arts:
            node.setdefault("outputs", {})["artifacts"] = arts
    export_globals(p, node)
    return p.finish(node, NodePhase.SUCCEEDED)


def _output_value(prm: Obj, scope: dict[str, Any]) -> str | None:
    if prm.get("value") is not None:
        return substitute(as_text(prm["value"]), scope)
    vf = prm.get("valueFrom") or {}
    if vf.get("parameter"):
        try:
            return substitute(str(vf["parameter"]), scope)
        except TemplateError:
            if vf.get("default") is not None:
                return as_text(vf["default"])
            raise
    if vf.get("expression"):
        try:
            result = evaluate(str(vf["expression"]), expand(scope))
        except TemplateError:
            if vf.get("default") is not None:
                return as_text(vf["default"])
            raise
        if result is None:
            if vf.get("default") is not None:
                return as_text(vf["default"])
            raise TemplateError(f"expression {vf['expression']!r} evaluated to nil")
        return as_text(result)
    if vf.get("default") is not None:
        return as_text(vf["default"])
    return None


def export_globals(p: Pass, node: Obj) -> None:
    """Copy `globalName` outputs of a node to the workflow's outputs."""
    outputs = node.get("outputs") or {}
    for prm in outputs.get("parameters") or []:
        name = prm.get("globalName")
        if not name or prm.get("value") is None:
            continue
        wf_out = p.status.setdefault("outputs", {}).setdefault("parameters", [])
        for existing in wf_out:
            if existing["name"] == name:
                existing["value"] = prm["value"]
                break
        else:
            wf_out.append({"name": name, "value": prm["value"]})
        p.globals[f"workflow.outputs.parameters.{name}"] = prm["value"]
    for art in outputs.get("artifacts") or []:
        name = art.get("globalName")
        if name:
            wf_arts = p.status.setdefault("outputs", {}).setdefault("artifacts", [])
            exported = {**art, "name": name}
            wf_arts[:] = [a for a in wf_arts if a.get("name") != name]
            wf_arts.append(exported)
            text = json.dumps(exported, separators=(",", ":"))
            p.globals[f"workflow.outputs.artifacts.{name}"] = text


def global_outputs(p: Pass) -> dict[str, Any]:
    """The `workflow.outputs.*` values as they stand now (a step may export one mid-pass)."""
    return {k: v for k, v in p.globals.items() if k.startswith("workflow.outputs.")}


def outbound_of(p: Pass, node_id: str) -> list[str]:
    """The leaf nodes a node ends in (Argo's getOutboundNodes)."""
    node = p.node_by_id(node_id)
    if node is None:
        return []
    kind = node.get("type")
    if kind in (NodeType.SKIPPED, NodeType.SUSPEND, NodeType.HTTP, NodeType.PLUGIN, NodeType.POD):
        return [node_id]
    if kind == NodeType.TASK_GROUP:
        # a loop's group ends in each of its items (an empty one in itself)
        kids = node.get("children") or []
        return [o for cid in kids for o in outbound_of(p, cid)] or [node_id]
    if kind == NodeType.RETRY:
        children = node.get("children") or []
        return [children[-1]] if children else [node_id]
    out: list[str] = []
    for oid in node.get("outboundNodes") or []:
        child = p.node_by_id(oid)
        if child is not None and child.get("type") == NodeType.POD:
            out.append(oid)
        else:
            out.extend(outbound_of(p, oid))
    return out or [node_id]
