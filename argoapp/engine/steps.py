"""Steps templates: groups that run one after another, steps inside a group in parallel.

The node tree is Argo's: the Steps node's first child is StepGroup `[0]`; each later group
hangs under the outbound nodes of the group before it; a step's node is `parent[i].name`, a
loop item's `parent[i].name(j:item)`. A group ends when all its steps (and their exit hooks)
have; it fails when a step failed that `continueOn` does not cover. Each pass rebuilds the
`steps.*` scope from the finished groups, so the scope needs no storage of its own.
"""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Mapping
from functools import partial
from itertools import repeat
from typing import Any

from argoapp.engine import hooks, loops, quiet
from argoapp.engine.execute import Call, Frame, execute, new_node, resolve_holder
from argoapp.engine.outputs import finish_with_outputs, global_outputs, outbound_of
from argoapp.engine.podnode import held_as_before, note_held, start_item
from argoapp.engine.scope import UNRESOLVED, node_outputs
from argoapp.engine.state import Pass, as_int
from argoapp.model.ids import node_id
from argoapp.model.phases import NODE_DONE, NodePhase, NodeType, node_done
from argoapp.model.types import Obj
from argoapp.template import TemplateError, evaluate_when, substitute

# node ids of big groups' items by (workflow name, group node name), with their names and
# what they were expanded from; see `_child_ids`
_CHILD_IDS: OrderedDict[tuple[str, str], tuple[list[str], list[str], list[object]]] = OrderedDict()
_CHILD_IDS_MAX = 50_000  # ids kept in all
_BIG_GROUP = 100


def fulfilled(node: Obj | None) -> bool:
    """Done for scheduling: finished, or a daemon that is up."""
    if node is None:
        return False
    return node_done(node.get("phase")) or bool(
        node.get("daemoned") and node.get("phase") != NodePhase.PENDING
    )


def successful(node: Obj) -> bool:
    return node.get("phase") in (NodePhase.SUCCEEDED, NodePhase.SKIPPED, NodePhase.OMITTED) or (
        bool(node.get("daemoned")) and node.get("phase") == NodePhase.RUNNING
    )


def continues_on(step: Mapping[str, Any], phase: str | None) -> bool:
    cont = step.get("continueOn") or {}
    return (phase == NodePhase.FAILED and bool(cont.get("failed"))) or (
        phase == NodePhase.ERROR and bool(cont.get("error"))
    )


def execute_steps(p: Pass, frame: Frame, inputs: list[Obj]) -> Obj | None:
    node = p.node(frame.node_name) or new_node(p, frame, NodeType.STEPS, inputs)
    if node_done(node.get("phase")):
        return node
    scope = dict(frame.scope)
    groups = frame.tmpl.get("steps") or []
    for i, group in enumerate(groups):
        sg_name = f"{frame.node_name}[{i}]"
        sg = p.node(sg_name)
        if sg is None:
            sg = p.create_node(
                sg_name,
                NodeType.STEP_GROUP,
                display_name=f"[{i}]",
                template=None,
                boundary_id=node["id"],
            )
            sg["templateScope"] = frame.resolved.scope
        _link_group(p, node, sg, i, frame.node_name)
        sg = _execute_group(p, frame, node, sg, group or [], scope)
        if not fulfilled(sg):
            return node
        if not successful(sg):
            node["outboundNodes"] = _outbound(p, sg)
            hooks.kill_daemons(p, node["id"])
            return p.finish(node, NodePhase.FAILED, sg.get("message", ""))
        scope.update(_group_scope(p, sg_name, group or []))
        scope.update(global_outputs(p))
    if groups:
        last = p.node(f"{frame.node_name}[{len(groups) - 1}]")
        node["outboundNodes"] = _outbound(p, last) if last else []
    hooks.kill_daemons(p, node["id"])
    return finish_with_outputs(p, node, frame, scope)


def _link_group(p: Pass, steps_node: Obj, sg: Obj, i: int, name: str) -> None:
    from argoapp.engine.state import link

    if i == 0:
        link(p, steps_node, sg)
        return
    prev = p.node(f"{name}[{i - 1}]")
    if prev is None:
        return
    if not prev.get("children"):
        link(p, prev, sg)
        return
    for cid in prev["children"]:
        for out_id in outbound_of(p, cid):
            out = p.node_by_id(out_id)
            if out is not None:
                link(p, out, sg)


def _outbound(p: Pass, sg: Obj | None) -> list[str]:
    if sg is None:
        return []
    out: list[str] = []
    for cid in sg.get("children") or []:
        out.extend(outbound_of(p, cid))
    return out or [sg["id"]]


def _execute_group(
    p: Pass, frame: Frame, steps_node: Obj, sg: Obj, group: list[Obj], scope: dict[str, Any]
) -> Obj:
    if node_done(sg.get("phase")):
        return sg
    sg_name = sg["name"]
    expanded: list[tuple[Obj, Obj]] = []  # (expanded step, original step)
    sources: list[object] = []  # what each step's part of `expanded` came from
    for step in group:
        try:
            items = loops.expand(step, scope)
        except (loops.LoopError, TemplateError) as e:
            return p.finish(sg, NodePhase.ERROR, str(e))
        if items is None:
            expanded.append((step, step))
            sources.append(step)
        elif not items:
            _skip(p, frame, sg, f"{sg_name}.{step['name']}", step["name"], "Skipped, empty params")
        else:
            expanded.extend(zip(items, repeat(step)))  # thousands of items: no genexpr
            sources.append(items)
    limit = as_int(frame.tmpl.get("parallelism"))
    running = _running_children(p, sg) if limit else 0  # counted once: a pass stays linear
    hooks_done = True
    nodes = p.nodes  # the loop runs once per item, thousands in a fan-out
    # A loop step whose fresh items are held back as a whole (plain: nothing to resolve per
    # item); it stays so until something runs in this pass (a step ending frees a slot).
    held_plain: Obj | None = None
    ids = _child_ids(p.name, sg_name, expanded, sources)
    left = iter(ids)  # its length hint is how many items come after the current one
    tail_checked = False  # whether the items after the first one held were looked at
    for (item_step, step), child_id in zip(expanded, left, strict=True):
        child = nodes.get(child_id)
        done = child is not None and child.get("phase") in NODE_DONE
        if child is None and ((limit and running >= limit) or step is held_plain):
            if not tail_checked:
                tail_checked = True
                rest = ids[len(ids) - operator.length_hint(left) :]
                if _all_held(bool(limit) and running >= limit, len(sources), rest, nodes):
                    p.held_back += 1 + len(rest)
                    break
            p.held_back += 1
            continue
        if done and not item_step.get("hooks"):
            continue
        child_name = f"{sg_name}.{item_step['name']}"
        if held_as_before(p, step, child is None, partial(_item_resolvable, item_step, scope)):
            held_plain = step if not p.held_loops[id(step)][1] else None
            continue
        held_plain = None
        if child is not None and not done and quiet.unchanged(p, child):
            if item_step.get("hooks"):
                item_scope = {**scope, **item_step.get("_item_scope", {})}
                hooks_done &= _lifecycle_hooks(p, frame, item_step, child_name, item_scope, "steps")
            continue  # a running pod that nothing changed since it last ran
        item_scope = {**scope, **item_step.get("_item_scope", {})}
        if not done:  # daemons that are up are still watched
            was_running = child is not None and not fulfilled(child)
            held = start_item(p)
            _run_step(p, frame, steps_node, sg, item_step, child_name, item_scope)
            now = p.node(child_name)
            if child is None:
                note_held(p, step, held, now is not None)
            if child is None and now is not None and not fulfilled(now):
                running += 1  # started in this pass
            elif was_running and fulfilled(now):
                running -= 1  # finished in this pass: its slot is free for the next item
        # hooks keep running (and may first fire) after their step has finished
        hooks_done &= _lifecycle_hooks(p, frame, item_step, child_name, item_scope, "steps")
    if not hooks_done:
        return sg
    return _group_outcome(p, frame, sg, group, expanded, scope)


def _all_held(at_limit: bool, steps: int, rest: list[str], nodes: Obj) -> bool:
    """Whether every item after one held back is held back too: none of them is made yet
    (only an item that exists can end and free a slot), and they are held by the limit or
    are items of the same loop (one step: `held_plain` holds them all). A fan-out's thousands
    waiting are then counted, not walked, every pass."""
    return (at_limit or steps == 1) and not any(map(nodes.__contains__, rest))


def _child_ids(
    wf_name: str, sg_name: str, expanded: list[tuple[Obj, Obj]], sources: list[object]
) -> list[str]:
    """The node ids of a group's items, in order; remembered for big groups (they are a pure
    function of the names, and a pass over a fan-out looks up every item's node). The same
    item lists as last time (`loops.expand` hands out its cached list, which nobody changes,
    and the entry keeps it alive) are the same names, not compared one by one."""
    key = (wf_name, sg_name)
    known = _CHILD_IDS.get(key)
    if (
        known is not None
        and len(known[2]) == len(sources)
        and all(map(operator.is_, known[2], sources))
    ):
        _CHILD_IDS.move_to_end(key)
        return known[1]
    names = [item["name"] for item, _ in expanded]
    if known is not None and known[0] == names:
        _CHILD_IDS[key] = (names, known[1], sources)
        _CHILD_IDS.move_to_end(key)
        return known[1]
    ids = [node_id(wf_name, f"{sg_name}.{name}") for name in names]
    if _BIG_GROUP <= len(ids) <= _CHILD_IDS_MAX:
        _CHILD_IDS[key] = (names, ids, sources)
        while sum(len(v[1]) for v in _CHILD_IDS.values()) > _CHILD_IDS_MAX:
            _CHILD_IDS.popitem(last=False)
    return ids


def _item_resolvable(item_step: Obj, scope: dict[str, Any]) -> bool:
    return resolvable(item_step, {**scope, **item_step.get("_item_scope", {})}, "_item_scope")


def resolvable(step: Obj, scope: dict[str, Any], *leave_out: str) -> bool:
    """Whether the step (without the keys `leave_out`) resolves in `scope`, every argument
    included (one that does not is for the template's inputs to decide)."""
    try:
        holder = resolve_holder({k: v for k, v in step.items() if k not in leave_out}, scope)
    except TemplateError:
        return False
    params = (holder.get("arguments") or {}).get("parameters") or []
    return not any(UNRESOLVED in prm for prm in params)


def _run_step(
    p: Pass,
    frame: Frame,
    steps_node: Obj,
    sg: Obj,
    step: Obj,
    child_name: str,
    scope: dict[str, Any],
) -> None:
    raw = {k: v for k, v in step.items() if k != "_item_scope"}
    if p.node(child_name) is None and raw.get("when"):
        # `when` first: a step that will not run must not fail on references it never uses
        try:
            when = substitute(str(raw["when"]), scope)
            proceed = evaluate_when(when)
        except TemplateError as e:
            _skip(p, frame, sg, child_name, step["name"], str(e), phase=NodePhase.FAILED)
            return
        if not proceed:
            _skip(p, frame, sg, child_name, step["name"], f"when '{when}' evaluated false")
            return
    try:
        resolved_step = resolve_holder(raw, scope)
    except TemplateError as e:
        if p.node(child_name) is None:
            _skip(p, frame, sg, child_name, step["name"], str(e), phase=NodePhase.FAILED)
        return
    call = Call(
        node_name=child_name,
        display_name=step["name"],
        holder=resolved_step,
        source=frame.source,
        boundary_id=steps_node["id"],
        parent=sg,
        on_exit=frame.call.on_exit,
    )
    execute(p, call)


def _lifecycle_hooks(
    p: Pass, frame: Frame, step: Obj, child_name: str, scope: dict[str, Any], prefix: str
) -> bool:
    """Expression hooks of a step or task (`hooks` other than `exit`), fired once each;
    True when every hook that fired has finished (its step's group waits for them)."""
    if not any(k != "exit" for k in step.get("hooks") or {}):
        return True
    child = p.node(child_name)
    if child is None:
        return True
    local = {**scope, **node_outputs(f"{prefix}.{step['name']}", child)}
    started = hooks.run_expression_hooks(p, frame, child, step, local, frame.source)
    return all(node_done(h.get("phase")) for h in started)


def _skip(
    p: Pass,
    frame: Frame,
    sg: Obj,
    name: str,
    display: str,
    message: str,
    *,
    phase: str = NodePhase.SKIPPED,
) -> None:
    if p.node(name) is not None:
        return
    p.create_node(
        name,
        NodeType.SKIPPED,
        display_name=display,
        template=None,
        boundary_id=sg.get("boundaryID", ""),
        phase=phase,
        message=message,
        parent=sg,
    )


def _running_children(p: Pass, sg: Obj) -> int:
    return sum(1 for c in p.children(sg) if not fulfilled(c))


def _group_outcome(
    p: Pass,
    frame: Frame,
    sg: Obj,
    group: list[Obj],
    expanded: list[tuple[Obj, Obj]],
    scope: dict[str, Any],
) -> Obj:
    complete = True
    # exit hooks start (and are waited for) only where a step of the group has one
    exits = any(hooks.exit_hook_of(step) is not None for step in group)
    if exits:
        by_name = _by_name(sg, expanded)
    elif _any_unfulfilled(p, sg):
        return sg
    for child in list(p.children(sg)):
        if not fulfilled(child):
            complete = False
            if not exits:
                break
            continue
        if not exits:
            continue
        step = by_name.get(child["name"])
        ran = step is None or not node_done(child.get("phase"))
        if not ran and step is not None and not hooks.run_exit_hook(p, frame, child, step, scope):
            complete = False
    if not complete:
        return sg
    if not exits:
        by_name = _by_name(sg, expanded)  # only now: most passes of a fan-out stop above
    if not _all_started(p, sg, by_name):
        return sg
    for child in p.children(sg):
        step = by_name.get(child["name"], {})
        if not successful(child) and not continues_on(step, child.get("phase")):
            return p.finish(sg, NodePhase.FAILED, f"child '{child['id']}' failed")
    return p.finish(sg, NodePhase.SUCCEEDED)


def _any_unfulfilled(p: Pass, sg: Obj) -> bool:
    """Whether a child of the group is not done; newest first, as those are the running ones
    (a fan-out's group has thousands of finished children before them)."""
    nodes = p.nodes
    for cid in reversed(sg.get("children") or ()):
        child = nodes.get(cid)
        if child is not None and not fulfilled(child):
            return True
    return False


def _by_name(sg: Obj, expanded: list[tuple[Obj, Obj]]) -> dict[str, Obj]:
    """The group's original steps by the node name of each expanded item."""
    return {f"{sg['name']}.{item['name']}": step for item, step in expanded}


def _all_started(p: Pass, sg: Obj, by_name: dict[str, Obj]) -> bool:
    return all(p.node(name) is not None for name in by_name)


def _group_scope(p: Pass, sg_name: str, group: list[Obj]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for step in group:
        prefix = f"steps.{step['name']}"
        child = p.node(f"{sg_name}.{step['name']}")
        if loops.is_loop(step):
            sg = p.node(sg_name)
            start = f"{sg_name}.{step['name']}("
            items = [c for c in p.children(sg) if c["name"].startswith(start)] if sg else []
            out.update(loops.aggregate(prefix, items))
            if child is not None:
                out.update(node_outputs(prefix, child))
        elif child is not None:
            out.update(node_outputs(prefix, child))
    return out
