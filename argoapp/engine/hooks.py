"""Exit handlers and lifecycle hooks below the workflow level, and ending daemons.

A step or task with `onExit` (or the `exit` key of `hooks`) gets the node `NAME.onExit` once
it has finished, as a child of its own node; the group it belongs to waits for it. Other hooks
run once, when their `expression` first holds (`NAME.hooks.KEY`). Daemoned steps are stopped
(pod deleted, node Succeeded) when the template that started them ends.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from argoapp.engine import sync
from argoapp.engine.api import DeletePod
from argoapp.engine.artbind import resolve_arguments
from argoapp.engine.scope import expand, node_outputs
from argoapp.engine.state import Pass
from argoapp.model.phases import NodePhase, node_done
from argoapp.model.types import Obj
from argoapp.template import TemplateError, evaluate, substitute_obj

if TYPE_CHECKING:
    from argoapp.engine.execute import Frame


def exit_hook_of(holder: Mapping[str, Any]) -> Obj | None:
    hooks = holder.get("hooks") or {}
    if hooks.get("exit"):
        return dict(hooks["exit"])
    if holder.get("onExit"):
        return {"template": holder["onExit"]}
    return None


def run_exit_hook(
    p: Pass,
    frame: Frame,
    child: Obj,
    holder: Mapping[str, Any],
    scope: Mapping[str, Any],
    prefix: str = "steps",
) -> bool:
    """Run the exit hook of a finished step or task; True once there is nothing left to run."""
    from argoapp.engine.execute import Call, execute

    hook = exit_hook_of(holder)
    if hook is None or p.spec.get("shutdown") == "Terminate":
        return True
    name = f"{child['name']}.onExit"
    existing = p.node(name)
    if existing is not None and node_done(existing.get("phase")):
        return True
    local = {**scope, **node_outputs(f"{prefix}.{holder.get('name', '')}", child)}
    resolved_hook = resolve_hook(hook, local)
    call = Call(
        node_name=name,
        display_name=f"{child['displayName']}.onExit",
        holder=resolved_hook,
        source=frame.source,
        boundary_id=child.get("boundaryID", ""),
        parent=child,
        on_exit=True,
        extra_scope=local,
    )
    node = execute(p, call)
    if node is not None:
        node.setdefault("nodeFlag", {})["hooked"] = True
    return node is not None and node_done(node.get("phase"))


def resolve_hook(hook: Obj, scope: Mapping[str, Any]) -> Obj:
    """A hook with what it can resolve now filled in; artifact arguments resolved to the
    artifacts they name (as text they would become JSON)."""
    arts = (hook.get("arguments") or {}).get("artifacts")
    try:
        out: Obj = substitute_obj(hook, scope, allow_unresolved=True)
    except TemplateError:
        out = dict(hook)
    if arts:
        out["arguments"] = {**out.get("arguments", {}), "artifacts": resolve_arguments(arts, scope)}
    return out


def run_expression_hooks(
    p: Pass,
    frame: Frame | None,
    owner: Obj,
    holder: Mapping[str, Any],
    scope: Mapping[str, Any],
    source: Any,
) -> list[Obj]:
    """Hooks other than `exit`: each runs once, from the first pass its expression holds."""
    from argoapp.engine.execute import Call, execute

    started = []
    for key, hook in (holder.get("hooks") or {}).items():
        if key == "exit" or not isinstance(hook, Mapping):
            continue
        name = f"{owner['name']}.hooks.{key}"
        node = p.node(name)
        if node is None:
            try:
                fire = bool(evaluate(str(hook.get("expression") or "false"), expand(scope)))
            except TemplateError:
                fire = False
            if not fire:
                continue
        resolved_hook = resolve_hook(dict(hook), scope)
        call = Call(
            node_name=name,
            display_name=f"{owner['displayName']}.hooks.{key}",
            holder=resolved_hook,
            source=source,
            boundary_id=str(owner.get("boundaryID") or owner["id"]),
            parent=owner,
            extra_scope=dict(scope),
        )
        child = execute(p, call)
        if child is None:
            started.append({"phase": NodePhase.PENDING})  # fired, but cannot start yet
            continue
        if not (child.get("nodeFlag") or {}).get("hooked"):  # an ended node is shared
            child = p.own(child)
            child.setdefault("nodeFlag", {})["hooked"] = True
        started.append(child)
    return started


def kill_daemons(p: Pass, boundary_id: str) -> None:
    """Stop daemoned nodes started inside the template whose node is `boundary_id`."""
    for node in p.daemons():
        if node.get("boundaryID") == boundary_id and not node_done(node.get("phase")):
            if node.get("podName"):
                p.act(DeletePod(node["podName"]))
            p.finish(node, NodePhase.SUCCEEDED)  # a Retry node of a daemon ends with it
            sync.release_node(p, str(node["id"]))
