"""DAG templates: tasks that start once their `depends` (or `dependencies`) are decided.

Every pass walks the target tasks (the `target` list, or the tasks nothing depends on) and,
depth first, their dependencies. A task whose dependencies are all fulfilled evaluates its
`depends` expression: true runs it (after `when` and loop expansion), false makes an Omitted
node. Nodes hang under their dependencies' outbound nodes, loops under a TaskGroup node, as in
Argo. The DAG's phase follows Argo's rule: each target's branch takes the phase of the last
node that completed on the way to it, and a Failed or Error branch fails the DAG unless the
target's `continueOn` covers it.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from argoapp.engine import dag_phase, hooks, loops, steps
from argoapp.engine.execute import Call, Frame, execute, new_node, resolve_holder
from argoapp.engine.outputs import (
    export_globals,
    finish_with_outputs,
    global_outputs,
    outbound_of,
)
from argoapp.engine.podnode import held_as_before, note_held, start_item
from argoapp.engine.scope import node_outputs
from argoapp.engine.state import Pass, as_int, link
from argoapp.engine.steps import fulfilled
from argoapp.model.phases import NodePhase, NodeType, node_done, node_failed
from argoapp.model.types import Obj
from argoapp.template import (
    TemplateError,
    dependencies_to_depends,
    depends_tasks,
    evaluate_depends,
    evaluate_when,
    substitute,
    substitute_obj,
)


class _Dag:
    """One DAG node during one pass."""

    def __init__(self, p: Pass, frame: Frame, node: Obj) -> None:
        self.p = p
        self.frame = frame
        self.node = node
        spec = frame.tmpl.get("dag") or {}
        self.tasks: dict[str, Obj] = {t["name"]: t for t in spec.get("tasks") or []}
        self.logic: dict[str, str] = {n: _depends_of(t, self.tasks) for n, t in self.tasks.items()}
        self.deps: dict[str, list[str]] = {
            n: [d for d in depends_tasks(logic) if d in self.tasks] if logic else []
            for n, logic in self.logic.items()
        }
        self.visited: set[str] = set()
        self.active: int | None = None  # running children, counted when `parallelism` asks
        self._counted_at = 0  # `Pass.finished` when they were counted
        self.scope: dict[str, Any] = dict(frame.scope)
        for name in self.tasks:
            self._add_scope(name)

    def task_node(self, name: str) -> Obj | None:
        return self.p.node(f"{self.node['name']}.{name}")

    def targets(self) -> list[str]:
        target = (self.frame.tmpl.get("dag") or {}).get("target")
        if target:
            try:
                target = substitute(str(target), self.scope)
            except TemplateError:
                pass
            return [t for t in str(target).split() if t]
        depended = {d for deps in self.deps.values() for d in deps}
        return sorted(n for n in self.tasks if n not in depended)

    def _add_scope(self, name: str) -> None:
        node = self.task_node(name)
        if node is None or not fulfilled(node):
            return
        self.scope.update(global_outputs(self.p))
        prefix = f"tasks.{name}"
        if node.get("type") == NodeType.TASK_GROUP:
            self.scope.update(loops.aggregate(prefix, self.p.children(node)))
            self.scope[f"{prefix}.status"] = node.get("phase", "")
        else:
            self.scope.update(node_outputs(prefix, node))

    # ---- walking ---------------------------------------------------------------------------
    def visit(self, name: str) -> None:
        if name in self.visited or name not in self.tasks:
            return
        self.visited.add(name)
        task = self.tasks[name]
        node = self.task_node(name)
        if node is not None and fulfilled(node):
            if not node_done(node.get("phase")):
                self._run(name, task, node)  # a daemon that is up is still watched
            else:
                hooks.run_exit_hook(self.p, self.frame, node, task, self.scope, "tasks")
            # lifecycle hooks may fire once the task has ended; the DAG's phase waits for them
            steps._lifecycle_hooks(self.p, self.frame, task, node["name"], self.scope, "tasks")
            return
        for dep in self.deps[name]:
            self.visit(dep)
            self._add_scope(dep)  # it may have finished during this very pass
        fresh = node is None or node.get("type") == NodeType.TASK_GROUP
        if fresh and not self._ready(name):
            return
        self._run(name, task, node)
        done = self.task_node(name)
        if done is not None and node_done(done.get("phase")):
            # its exit hook starts in the pass it ends, so dependents wait for the hook
            hooks.run_exit_hook(self.p, self.frame, done, task, self.scope, "tasks")

    def _ready(self, name: str) -> bool:
        if self.task_node(name) is not None:
            return True
        logic = self.logic[name]
        if not logic:
            return True
        for dep in self.deps[name]:
            dnode = self.task_node(dep)
            if dnode is None or not fulfilled(dnode):
                return False
            if not self._hook_done(dep, dnode):
                return False
        try:
            go = evaluate_depends(logic, self._result)
        except TemplateError as e:
            self._leaf(name, NodePhase.ERROR, str(e))
            return False
        if not go:
            self._leaf(name, NodePhase.OMITTED, "omitted: depends condition not met")
            return False
        return True

    def _hook_done(self, name: str, node: Obj) -> bool:
        """Whether the exit hook of a finished task has ended (or will never run)."""
        if (
            hooks.exit_hook_of(self.tasks[name]) is None
            or self.p.spec.get("shutdown") == "Terminate"
        ):
            return True
        if not node_done(node.get("phase")):
            return True  # a daemon that is up: its hook runs when it ends
        exit_node = self.p.node(f"{node['name']}.onExit")
        return exit_node is not None and node_done(exit_node.get("phase"))

    def _result(self, task: str, attr: str) -> bool:
        node = self.task_node(task)
        if node is None:
            return False
        phase = node.get("phase")
        if attr in ("AnySucceeded", "AllFailed"):
            kids = list(self.p.children(node)) if node.get("type") == NodeType.TASK_GROUP else []
            if attr == "AnySucceeded":
                return any(k.get("phase") == NodePhase.SUCCEEDED for k in kids)
            return bool(kids) and all(k.get("phase") == NodePhase.FAILED for k in kids)
        if attr == "Daemoned":
            return bool(node.get("daemoned")) and phase != NodePhase.PENDING
        wanted = {
            "Succeeded": NodePhase.SUCCEEDED,
            "Failed": NodePhase.FAILED,
            "Errored": NodePhase.ERROR,
            "Skipped": NodePhase.SKIPPED,
            "Omitted": NodePhase.OMITTED,
        }.get(attr)
        return wanted is not None and phase == wanted

    def _connect(self, name: str, node_name: str, group: Obj | None) -> None:
        target = self.p.node(node_name)
        if target is None:
            return
        if group is not None:
            link(self.p, group, target, fresh=True)
            return
        if not self.deps[name]:
            link(self.p, self.node, target, fresh=True)
            return
        for dep in self.deps[name]:
            dnode = self.task_node(dep)
            if dnode is None:
                continue
            for oid in outbound_of(self.p, dnode["id"]):
                out = self.p.node_by_id(oid)
                if out is not None:
                    link(self.p, out, target)

    def _leaf(
        self,
        name: str,
        phase: str,
        message: str,
        node_name: str = "",
        group: Obj | None = None,
        display: str = "",
    ) -> None:
        node_name = node_name or f"{self.node['name']}.{name}"
        if self.p.node(node_name) is not None:
            return
        self.p.create_node(
            node_name,
            NodeType.SKIPPED,
            display_name=display or name,
            template=None,
            boundary_id=self.node["id"],
            phase=phase,
            message=message,
        )
        self._connect(name, node_name, group)

    def _run(self, name: str, task: Obj, node: Obj | None) -> None:
        try:
            items = loops.expand(task, self.scope)
        except (loops.LoopError, TemplateError) as e:
            self._leaf(name, NodePhase.ERROR, str(e))
            return
        limit = as_int(self.frame.tmpl.get("parallelism"))
        if items is None:
            if limit and node is None and self._active() >= limit:
                self.p.held_back += 1
            else:
                self._run_one(name, task, f"{self.node['name']}.{name}", None)
            return
        gname = f"{self.node['name']}.{name}"
        group = self.p.node(gname)
        if group is None:
            group = self.p.create_node(
                gname,
                NodeType.TASK_GROUP,
                display_name=name,
                template=None,
                boundary_id=self.node["id"],
            )
            group["templateScope"] = self.frame.resolved.scope
            self._connect(name, gname, None)
        if not items:
            self.p.finish(group, NodePhase.SKIPPED, "Skipped, empty params")
            return
        for item_task in items:
            child_name = f"{gname}.{item_task['name']}"[len(gname) + 1 :]
            full = f"{self.node['name']}.{child_name}"
            fresh = self.p.node(full) is None
            if limit and fresh and self._active() >= limit:
                self.p.held_back += 1
                continue
            if held_as_before(self.p, task, fresh, partial(self._resolvable, item_task)):
                continue
            held = start_item(self.p)
            self._run_one(name, item_task, full, group)
            if fresh:
                note_held(self.p, task, held, self.p.node(full) is not None)
        self._close_group(group, len(items))

    def _resolvable(self, task: Obj) -> bool:
        scope = {**self.scope, **task.get("_item_scope", {})}
        return steps.resolvable(task, scope, "_item_scope", "hooks", "onExit")

    def _active(self) -> int:
        """Pods, steps and DAGs running in this DAG: what its `parallelism` limits (Argo).

        Counted once, then kept current as its tasks start and end; counted again after
        any node ended, as one below a task's own node (a retry's attempt) may have."""
        if self.active is None or self._counted_at != self.p.finished:
            self._counted_at = self.p.finished
            bid, kinds = self.node["id"], (NodeType.POD, NodeType.STEPS, NodeType.DAG)
            self.active = sum(
                1
                for n in self.p.nodes.values()
                if n.get("boundaryID") == bid
                and n.get("type") in kinds
                and n.get("phase") in (NodePhase.PENDING, NodePhase.RUNNING)
            )
        return self.active

    def _close_group(self, group: Obj, count: int) -> None:
        kids = list(self.p.children(group))
        if len(kids) < count or not all(fulfilled(k) for k in kids):
            return
        phase = NodePhase.SUCCEEDED
        for kid in kids:
            if node_failed(kid.get("phase")):
                phase = kid["phase"]
        self.p.finish(group, phase)

    def _run_one(self, name: str, task: Obj, node_name: str, group: Obj | None) -> None:
        display = node_name[len(self.node["name"]) + 1 :]
        scope = {**self.scope, **task.get("_item_scope", {})}
        raw = {k: v for k, v in task.items() if k not in ("_item_scope", "hooks", "onExit")}
        if self.p.node(node_name) is None and raw.get("when"):
            try:
                when = substitute(str(raw["when"]), scope)
                go = evaluate_when(when)
            except TemplateError as e:
                self._leaf(name, NodePhase.FAILED, str(e), node_name, group, display)
                return
            if not go:
                self._leaf(
                    name,
                    NodePhase.SKIPPED,
                    f"when '{when}' evaluated false",
                    node_name,
                    group,
                    display,
                )
                return
        try:
            resolved = resolve_holder(raw, scope)
        except TemplateError as e:
            if self.p.node(node_name) is None:
                self._leaf(name, NodePhase.FAILED, str(e), node_name, group, display)
                return
            resolved = substitute_obj(raw, scope, allow_unresolved=True)
        parent = group if group is not None else None
        call = Call(
            node_name=node_name,
            display_name=display,
            holder=resolved,
            source=self.frame.source,
            boundary_id=self.node["id"],
            parent=parent,
            on_exit=self.frame.call.on_exit,
        )
        before = self.p.node(node_name)
        fresh = before is None
        was_running = before is not None and not fulfilled(before)
        after = execute(self.p, call)
        if self.active is not None:  # keep the count current instead of counting again
            if fresh and after is not None and not fulfilled(after):
                self.active += 1
            elif was_running and fulfilled(after):
                self.active -= 1
        if fresh and group is None:
            self._connect(name, node_name, None)
        steps._lifecycle_hooks(self.p, self.frame, task, node_name, scope, "tasks")

    # ---- phase -------------------------------------------------------------------------------


def _depends_of(task: Mapping[str, Any], tasks: Mapping[str, Obj]) -> str:
    """The task's `depends` formula; `dependencies` become one, as Argo converts them (a
    dependency whose own continueOn allows failure or error is satisfied by that too)."""
    if task.get("depends"):
        return str(task["depends"])
    deps = [str(d) for d in task.get("dependencies") or []]
    if not deps:
        return ""
    terms = []
    for dep in deps:
        cont = (tasks.get(dep) or {}).get("continueOn") or {}
        if not cont:
            terms.append(dependencies_to_depends([dep]))
            continue
        parts = [f"{dep}.Succeeded", f"{dep}.Skipped", f"{dep}.Daemoned"]
        if cont.get("failed"):
            parts.append(f"{dep}.Failed")
        if cont.get("error"):
            parts.append(f"{dep}.Errored")
        terms.append("(" + " || ".join(parts) + ")")
    return " && ".join(terms)


def execute_dag(p: Pass, frame: Frame, inputs: list[Obj]) -> Obj | None:
    node = p.node(frame.node_name) or new_node(p, frame, NodeType.DAG, inputs)
    if node_done(node.get("phase")):
        return node
    dag = _Dag(p, frame, node)
    targets = dag.targets()
    for name in targets:
        dag.visit(name)
        tnode = dag.task_node(name)
        if tnode is not None and node_done(tnode.get("phase")):
            hooks.run_exit_hook(p, frame, tnode, dag.tasks.get(name, {}), dag.scope, "tasks")
    fail_fast = (frame.tmpl.get("dag") or {}).get("failFast", True) is not False
    phase = dag_phase.assess(p, node, {t: dag.tasks.get(t, {}) for t in targets}, fail_fast)
    if phase == NodePhase.RUNNING:
        return node
    outbound: list[str] = []
    for name in targets:
        tnode = dag.task_node(name)
        if tnode is not None:
            outbound.extend(outbound_of(p, tnode["id"]))
    node["outboundNodes"] = outbound
    hooks.kill_daemons(p, node["id"])
    if phase != NodePhase.SUCCEEDED:
        return p.finish(node, phase)
    for name in dag.tasks:
        tnode = dag.task_node(name)
        if tnode is not None:
            dag._add_scope(name)
            export_globals(p, tnode)
    return finish_with_outputs(p, node, frame, dag.scope)
