"""Suspend templates: a node that waits for `argo resume` (or `duration`) and supplied outputs.

The node stays Running until the API resumes it (operations.resume marks it Succeeded) or its
`duration` has passed; outputs declared with `valueFrom.supplied` are set through the API's
`set` (operations.set_node), and any still missing take their `default` when it ends here.
"""

from __future__ import annotations

from argoapp.engine.execute import Frame, new_node
from argoapp.engine.outputs import export_globals
from argoapp.engine.scope import as_text
from argoapp.engine.state import Pass
from argoapp.model.durations import parse_duration
from argoapp.model.phases import NodePhase, NodeType, node_done
from argoapp.model.types import Obj


def execute_suspend(p: Pass, frame: Frame, inputs: list[Obj]) -> Obj | None:
    node = p.node(frame.node_name)
    if node is None:
        node = new_node(p, frame, NodeType.SUSPEND, inputs)
        declared = (frame.tmpl.get("outputs") or {}).get("parameters")
        if declared:
            # as Argo does: the declared outputs wait on the node for `argo node set`
            node["outputs"] = {"parameters": [dict(prm) for prm in declared]}
    if node_done(node.get("phase")):
        return node
    duration = (frame.tmpl.get("suspend") or {}).get("duration")
    if duration in (None, ""):
        return node
    try:
        seconds = parse_duration(str(duration))
    except ValueError as e:
        return p.finish(node, NodePhase.ERROR, f"invalid suspend duration: {e}")
    left = seconds - p.seconds_since(node.get("startedAt"))
    if left > 0:
        p.requeue(left)
        return node
    fill_default_outputs(node, frame.tmpl)
    export_globals(p, node)
    return p.finish(node, NodePhase.SUCCEEDED)


def fill_default_outputs(node: Obj, tmpl: Obj) -> None:
    """Supplied outputs nobody set take their declared default."""
    declared = (tmpl.get("outputs") or {}).get("parameters") or []
    have = {
        prm["name"]
        for prm in (node.get("outputs") or {}).get("parameters") or []
        if prm.get("value") is not None
    }
    for prm in declared:
        if prm.get("name") in have:
            continue
        vf = prm.get("valueFrom") or {}
        default = vf.get("default", prm.get("default"))
        if default is None:
            continue
        params = node.setdefault("outputs", {}).setdefault("parameters", [])
        params[:] = [x for x in params if x.get("name") != prm.get("name")]
        params.append({**prm, "value": as_text(default)})
