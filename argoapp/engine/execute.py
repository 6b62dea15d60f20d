"""Running a template as a node: the recursive heart of the engine (Argo's executeTemplate).

`execute(p, call)` is called every pass for every node that is not finished, from the
entrypoint down. It finds or creates the node called `call.node_name`, binds the template's
inputs (once: they are kept on the node), wraps it in a Retry node when a retryStrategy applies,
and hands it to the executor for its template type. It returns the node, or None when the node
cannot start yet (parallelism, suspension or shutdown hold it back). A bad template or bad input
becomes a node in Error or Failed with a message, never an exception.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from argoapp.engine import memo, retry, sync
from argoapp.engine.artbind import (
    artifact_scope,
    bind_artifacts,
    output_paths,
    resolve_arguments,
)
from argoapp.engine.scope import UNRESOLVED, InputError, UnresolvedInput, bind_inputs
from argoapp.engine.state import Pass
from argoapp.engine.templates import Resolved, Source, TemplateNotFound, resolve, template_type
from argoapp.model.phases import NodePhase, NodeType, node_done
from argoapp.model.types import Obj
from argoapp.template import TemplateError, substitute_obj

NODE_TYPES = {
    "container": NodeType.POD,
    "script": NodeType.POD,
    "resource": NodeType.POD,
    "data": NodeType.POD,
    "containerSet": NodeType.POD,
    "steps": NodeType.STEPS,
    "dag": NodeType.DAG,
    "suspend": NodeType.SUSPEND,
    "http": NodeType.HTTP,
    "plugin": NodeType.PLUGIN,
}


@dataclass(frozen=True)
class Call:
    """One invocation of a template: from the entrypoint, a step, a task or a hook."""

    node_name: str
    display_name: str
    holder: Mapping[str, Any]  # has template/templateRef/inline and resolved `arguments`
    source: Source
    boundary_id: str = ""
    parent: Obj | None = None
    on_exit: bool = False
    extra_scope: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Frame:
    """A template bound to its node: what the type executors work with."""

    call: Call
    resolved: Resolved
    tmpl: Obj  # inputs substituted
    node_name: str
    scope: dict[str, Any]
    retry_attempt: int | None = None

    @property
    def source(self) -> Source:
        return self.resolved.source


def execute(p: Pass, call: Call) -> Obj | None:
    """Drive the node for `call` one step forward; None when it cannot start yet."""
    node = p.node(call.node_name)
    if node is not None and node_done(node.get("phase")):
        return node
    try:
        resolved = resolve(
            call.holder,
            call.source,
            namespace=p.namespace,
            lookup=p.observed.objects,
            stored=p.status.setdefault("storedTemplates", {}),
        )
    except TemplateNotFound as e:
        return _failed_node(p, call, None, NodePhase.ERROR, str(e))
    if not p.status["storedTemplates"]:
        del p.status["storedTemplates"]
    strategy = resolved.tmpl.get("retryStrategy") or p.spec.get("retryStrategy")
    if strategy and template_type(resolved.tmpl) not in ("suspend",):
        return retry.execute_with_retries(p, call, resolved, strategy, execute_once)
    return execute_once(p, call, resolved, call.node_name, call.parent, None)


def execute_once(
    p: Pass,
    call: Call,
    resolved: Resolved,
    node_name: str,
    parent: Obj | None,
    attempt: int | None,
) -> Obj | None:
    """Run the template itself as the node `node_name` (one attempt of a retried template)."""
    node = p.node(node_name)
    if node is not None and node_done(node.get("phase")):
        return node
    base = {**p.globals, **call.extra_scope}
    if node is None:
        arguments = call.holder.get("arguments") or {}
        try:
            inputs, local = bind_inputs(
                resolved.tmpl, arguments, base, namespace=p.namespace, lookup=p.observed.objects
            )
            artifacts = bind_artifacts(resolved.tmpl, arguments, {**base, **local})
        except UnresolvedInput as e:
            return _failed_node(p, call, resolved, NodePhase.FAILED, str(e), node_name, parent)
        except (InputError, TemplateError) as e:
            return _failed_node(p, call, resolved, NodePhase.ERROR, str(e), node_name, parent)
    else:
        inputs = (node.get("inputs") or {}).get("parameters") or []
        artifacts = (node.get("inputs") or {}).get("artifacts") or []
        local = inputs_scope(inputs)
    if artifacts:
        local.update(artifact_scope(artifacts))
    scope = {**base, **local, **output_paths(resolved.tmpl)}
    if attempt is not None:
        scope["retries"] = str(attempt)
    scope["node.name"] = node_name
    try:
        tmpl = substitute_template(resolved.tmpl, scope)
    except TemplateError as e:
        return _failed_node(p, call, resolved, NodePhase.ERROR, str(e), node_name, parent)
    if inputs or artifacts:
        # the template as the pod sees it (ARGO_TEMPLATE) carries its inputs bound
        tmpl["inputs"] = dict(tmpl.get("inputs") or {})
        if inputs:
            tmpl["inputs"]["parameters"] = inputs
        if artifacts:
            tmpl["inputs"]["artifacts"] = artifacts
    frame = Frame(call, resolved, tmpl, node_name, scope, attempt)
    frame = replace(frame, call=replace(call, parent=parent))
    lock = tmpl.get("synchronization")
    holder = f"{p.namespace}/{p.name}/{p.node_id(node_name)}"
    if lock and node is None:
        held, _ = sync.holds(p, lock, holder)
        if not held:
            return None
    memoize = tmpl.get("memoize")
    key = memo.cache_key(memoize, scope) if memoize else None
    if memoize and key and node is None:
        cached = memo.lookup(p, memoize, key)
        if cached is not None:
            kind = NODE_TYPES.get(template_type(tmpl), NodeType.POD)
            hit = new_node(p, frame, kind, inputs, phase=NodePhase.SUCCEEDED)
            hit["outputs"] = cached
            hit["memoizationStatus"] = memo.status(memoize, key, True)
            return hit
    result = _dispatch(p, frame, inputs)
    if lock and result is not None and node_done(result.get("phase")):
        sync.release(p, lock, holder)
    if memoize and key and result is not None:
        memo_status = result.setdefault("memoizationStatus", memo.status(memoize, key, False))
        # a node reaches here once in the pass it finishes: later passes return early above
        if result.get("phase") == NodePhase.SUCCEEDED and not memo_status.get("hit"):
            memo.save(p, memoize, key, result)
    return result


def _dispatch(p: Pass, frame: Frame, inputs: list[Obj]) -> Obj | None:
    # imported here: the type executors call back into `execute` for their children
    from argoapp.engine import dag, podnode, steps, suspend

    kind = template_type(frame.tmpl)
    if kind in ("container", "script", "resource", "data", "containerSet"):
        node = podnode.execute_pod(p, frame, inputs)
    elif kind == "steps":
        node = steps.execute_steps(p, frame, inputs)
    elif kind == "dag":
        node = dag.execute_dag(p, frame, inputs)
    elif kind == "suspend":
        node = suspend.execute_suspend(p, frame, inputs)
    elif kind == "http":
        node = podnode.execute_http(p, frame, inputs)
    else:
        return _failed_node(
            p,
            frame.call,
            frame.resolved,
            NodePhase.ERROR,
            f"template '{frame.resolved.name}' has no supported type",
            frame.node_name,
            frame.call.parent,
        )
    return node


def new_node(p: Pass, frame: Frame, node_type: str, inputs: list[Obj], **kw: Any) -> Obj:
    """Create the node for a frame with Argo's identity fields."""
    call = frame.call
    display = call.display_name
    if frame.retry_attempt is not None:
        display = f"{call.display_name}({frame.retry_attempt})"
    node = p.create_node(
        frame.node_name,
        node_type,
        display_name=display,
        template=frame.resolved,
        boundary_id=call.boundary_id,
        parent=call.parent,
        **kw,
    )
    if inputs:
        node["inputs"] = {"parameters": inputs}
    artifacts = (frame.tmpl.get("inputs") or {}).get("artifacts")
    if artifacts:
        node.setdefault("inputs", {})["artifacts"] = artifacts
    return node


def inputs_scope(inputs: list[Obj]) -> dict[str, Any]:
    local: dict[str, Any] = {}
    for prm in inputs:
        local[f"inputs.parameters.{prm['name']}"] = prm.get("value", "")
    if inputs:
        local["inputs.parameters"] = json.dumps(
            [{"name": x["name"], "value": x.get("value", "")} for x in inputs],
            separators=(",", ":"),
        )
    return local


def substitute_template(tmpl: Obj, scope: Mapping[str, Any]) -> Obj:
    """The template with `inputs.*`, `workflow.*` and friends filled in.

    Steps and tasks are substituted later, one by one, when their own scope (`steps.*`,
    `tasks.*`, `item`) is known, so they are left as written here.
    """
    inner: dict[str, Any] = {k: tmpl[k] for k in ("steps", "dag", "hooks") if k in tmpl}
    rest = {k: v for k, v in tmpl.items() if k not in inner}
    out: Obj = substitute_obj(rest, scope, allow_unresolved=True)
    out.update(inner)
    return out


def _failed_node(
    p: Pass,
    call: Call,
    resolved: Resolved | None,
    phase: str,
    message: str,
    node_name: str | None = None,
    parent: Obj | None = None,
) -> Obj:
    name = node_name or call.node_name
    node = p.node(name)
    if node is not None:
        return p.finish(node, phase, message)
    kind = template_type(resolved.tmpl) if resolved else ""
    return p.create_node(
        name,
        NODE_TYPES.get(kind, NodeType.POD),
        display_name=call.display_name,
        template=resolved,
        boundary_id=call.boundary_id,
        phase=phase,
        message=message,
        parent=parent if parent is not None else call.parent,
    )


def resolve_holder(holder: Mapping[str, Any], scope: Mapping[str, Any]) -> Obj:
    """A step or task with its references filled in (its `when` evaluated separately).

    Arguments are resolved one by one: a parameter whose reference cannot be resolved (the
    output of a skipped step, say) is marked so that the template's input default can stand
    in, as Argo 4.0 decides; anything else unresolved raises.
    """
    raw = {k: v for k, v in holder.items() if k not in ("arguments", "when", "hooks", "onExit")}
    out: Obj = substitute_obj(raw, scope)
    args = dict(holder.get("arguments") or {})
    params = []
    for prm in args.get("parameters") or []:
        try:
            params.append(substitute_obj(prm, scope))
        except TemplateError as e:
            params.append({"name": prm.get("name"), UNRESOLVED: str(e)})
    if params:
        args["parameters"] = params
    if args:
        out["arguments"] = substitute_obj(
            {k: v for k, v in args.items() if k not in ("parameters", "artifacts")},
            scope,
            allow_unresolved=True,
        )
        if params:
            out["arguments"]["parameters"] = params
        if args.get("artifacts"):
            out["arguments"]["artifacts"] = resolve_arguments(args["artifacts"], scope)
    return out
