"""Validating steps and DAG templates as Argo's validateSteps and validateDAG do.

`Checker.validate_template` calls `validate_steps` / `validate_dag` with the template's local
scope; each child is resolved and validated through the checker, first with Argo's fake
arguments and then with the step's or task's own. DAG dependencies come from `dependencies`
or from the task names a `depends` formula mentions (Argo's regular expressions), so a
formula that only fails at run time is not rejected here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING, Any

from argoapp.engine.validate_fields import (
    ValidationError,
    as_dict,
    as_list,
    check_names,
    field_name_errors,
    is_parameter,
    text,
    validate_arguments,
)
from argoapp.engine.validate_scope import add_items, add_outputs, resolve_all
from argoapp.engine.validate_templates import FAKE
from argoapp.model.types import Obj

if TYPE_CHECKING:
    from argoapp.engine.validate_templates import Base, Checker

_TASK_NAME = re.compile(r"([a-zA-Z0-9][-a-zA-Z0-9]*?\.[A-Z][a-zA-Z]+)|([a-zA-Z0-9][-a-zA-Z0-9]*)")
_TASK_RESULT = re.compile(r"([a-zA-Z0-9][-a-zA-Z0-9]*?\.[A-Z][a-zA-Z]+)")
_TASK_RESULTS = (
    "Succeeded",
    "Failed",
    "Errored",
    "Skipped",
    "Omitted",
    "Daemoned",
    "AnySucceeded",
    "AllFailed",
)


def _non_leaf(tmpl: Obj, name: str) -> None:
    if tmpl.get("activeDeadlineSeconds") is not None:
        raise ValidationError(
            f"templates.{name}.activeDeadlineSeconds is only valid for leaf templates"
        )


def _has_exit_hook(holder: Obj) -> bool:
    return bool(holder.get("onExit")) or "exit" in as_dict(holder.get("hooks"))


def check_hooks(
    ck: Checker, holder: Obj, base: Base, prefix: str, need_expression: bool = True
) -> None:
    """Argo's validateHooks, plus: a hook's template must exist. Argo does not ask DAG tasks'
    hooks for an expression (`need_expression` False)."""
    for hook_name, raw in as_dict(holder.get("hooks")).items():
        hook = as_dict(raw)
        if need_expression and hook_name != "exit" and not hook.get("expression"):
            raise ValidationError(f"{prefix}.{hook_name} Expression required")
        if hook.get("template") or hook.get("templateRef"):
            try:
                ck.resolve(hook, base)
            except ValidationError as e:
                raise ValidationError(f"{prefix}.{hook_name} {e}") from None


def validate_steps(ck: Checker, scope: set[str], tmpl: Obj, base: Base) -> None:
    """Argo's validateSteps: names, loops, arguments, children, variables, step by step."""
    name = text(tmpl.get("name"))
    _non_leaf(tmpl, name)
    seen: set[str] = set()
    for i, raw_group in enumerate(as_list(tmpl.get("steps"))):
        group = (
            raw_group if isinstance(raw_group, list) else as_list(as_dict(raw_group).get("steps"))
        )
        for raw in group:
            step = as_dict(raw)
            step_name = text(step.get("name"))
            where = f"templates.{name}.steps[{i}]"
            if not step_name:
                raise ValidationError(f"{where}.name is required")
            if step_name in seen:
                raise ValidationError(f"{where}.name '{step_name}' is not unique")
            errs = field_name_errors(step_name)
            if errs:
                raise ValidationError(f"{where}.name '{step_name}' is invalid: {';'.join(errs)}")
            seen.add(step_name)
            _check_step(ck, scope, step, base, f"{where}.{step_name}", name)


def _check_step(ck: Checker, scope: set[str], step: Obj, base: Base, where: str, name: str) -> None:
    step_name = text(step.get("name"))
    prefix = f"steps.{step_name}"
    scope.add(f"{prefix}.status")
    try:
        add_items(step, scope)
    except ValidationError as e:
        raise ValidationError(f"{where} {e}") from None
    arguments = as_dict(step.get("arguments"))
    validate_arguments(f"{where}.arguments.", arguments, False)
    fake_or_own = arguments if step.get("templateRef") is not None else FAKE
    try:
        child = ck.validate_holder(step, base, fake_or_own)
    except ValidationError as e:
        raise ValidationError(f"{where} {e}") from None
    if _has_exit_hook(step):
        add_outputs(child, prefix, scope, ck.globals, False, False)
    check_hooks(ck, step, base, where)
    step_scope = set(scope)
    inline = as_dict(step.get("inline"))
    for raw in as_list(as_dict(inline.get("inputs")).get("parameters")):
        step_scope.add(f"inputs.parameters.{text(as_dict(raw).get('name'))}")
    try:
        resolve_all(step_scope, ck.globals, step, ck.template_validation)
    except ValidationError as e:
        raise ValidationError(f"templates.{name}.steps {e}") from None
    aggregate = bool(step.get("withItems")) or bool(step.get("withParam"))
    add_outputs(child, prefix, scope, ck.globals, aggregate, False)
    try:
        ck.validate_holder(step, base, arguments)
    except ValidationError as e:
        raise ValidationError(f"{where} {e}") from None


def task_dependencies(task: Obj, tasks: dict[str, Obj]) -> dict[str, bool]:
    """The tasks `task` waits for; True where it reads their items (AnySucceeded/AllFailed)."""
    depends = text(task.get("depends"))
    deps: dict[str, bool] = {}
    if not depends:
        for dep in as_list(task.get("dependencies")):
            deps[text(dep)] = False
        return deps
    for match in _TASK_NAME.finditer(depends):
        if match.group(1):
            dep, result = match.group(1).split(".", 1)
            if result in ("AnySucceeded", "AllFailed"):
                deps[dep] = True
            else:
                deps.setdefault(dep, False)
        else:
            deps[match.group(2)] = False
    return deps


def _sort_error(order: list[str], deps: dict[str, dict[str, bool]]) -> str | None:
    """Argo's topological sort errors: duplicated name, unknown dependency, cycle."""
    seen: set[str] = set()
    for task_name in order:
        if task_name in seen:
            return f"duplicated nodeName {task_name}"
        seen.add(task_name)
    for task_name in order:
        for dep in deps[task_name]:
            if dep not in seen:
                return f"invalid dependency {dep}"
    waiting = {t: len(deps[t]) for t in order}
    dependents: dict[str, list[str]] = {}
    for t in order:
        for dep in deps[t]:
            dependents.setdefault(dep, []).append(t)
    ready = [t for t in order if waiting[t] == 0]
    done = 0
    while ready:
        current = ready.pop()
        done += 1
        for t in dependents.get(current, ()):  # a map, so a 10,000-task DAG sorts in linear time
            waiting[t] -= 1
            if waiting[t] == 0:
                ready.append(t)
    return None if done == len(order) else "graph with cycle"


class LayeredScope(set[str]):
    """A task's own names over the DAG's shared scope, without copying that scope (a copy per
    task made validating a DAG of thousands of tasks quadratic)."""

    def __init__(self, base: set[str]) -> None:
        super().__init__()
        self.base = base

    def __contains__(self, item: object) -> bool:
        return super().__contains__(item) or item in self.base

    def __or__(self, other: AbstractSet[Any]) -> set[str]:  # type: ignore[override]
        return set(self).union(self.base, other)


def _ancestry(name: str, deps: dict[str, dict[str, bool]]) -> set[str]:
    found: set[str] = set()
    stack = list(deps.get(name, {}))
    while stack:
        dep = stack.pop()
        if dep not in found:
            found.add(dep)
            stack.extend(deps.get(dep, {}))
    return found


def validate_dag(ck: Checker, scope: set[str], tmpl: Obj, base: Base) -> None:
    """Argo's validateDAG."""
    name = text(tmpl.get("name"))
    _non_leaf(tmpl, name)
    dag = as_dict(tmpl.get("dag"))
    task_list = [as_dict(t) for t in as_list(dag.get("tasks"))]
    if not task_list:
        raise ValidationError(f"templates.{name} must have at least one task")
    tasks = {text(t.get("name")): t for t in task_list}
    deps = {n: task_dependencies(t, tasks) for n, t in tasks.items()}
    error = _sort_error([text(t.get("name")) for t in task_list], deps)
    if error:
        raise ValidationError(f"templates.{name} sorting failed: {error}")
    err = check_names(task_list, False)
    if err:
        raise ValidationError(f"templates.{name}.tasks{err}")
    using_depends = any(t.get("depends") for t in task_list)
    resolved: dict[str, Obj | None] = {}
    for task in task_list:
        resolved[text(task.get("name"))] = _first_pass(ck, scope, task, base, name, using_depends)
    for task in task_list:
        task_name = text(task.get("name"))
        for dep, items in deps[task_name].items():
            dep_task = tasks[dep]
            looped = dep_task.get("withItems") or dep_task.get("withParam")
            if items and not looped and dep_task.get("withSequence") is None:
                raise ValidationError(
                    f"templates.{name}.tasks.{task_name} dependency '{dep}' uses an items-based "
                    "condition such as .AnySucceeded or .AllFailed but does not contain any items"
                )
    target = text(dag.get("target"))
    try:
        resolve_all(scope, ck.globals, target, ck.template_validation)
    except ValidationError as e:
        raise ValidationError(f"templates.{name}.targets {e}") from None
    for target_name in target.split(" ") if target else []:
        if not is_parameter(target_name) and target_name not in tasks:
            raise ValidationError(
                f"templates.{name}.targets: target '{target_name}' is not defined"
            )
    for task in task_list:
        _second_pass(ck, scope, task, base, name, (tasks, deps, resolved))


def _first_pass(
    ck: Checker, scope: set[str], task: Obj, base: Base, name: str, using_depends: bool
) -> Obj | None:
    task_name = text(task.get("name"))
    where = f"templates.{name}.tasks.{task_name}"
    has_deps = bool(as_list(task.get("dependencies")))
    if (using_depends or has_deps) and task_name[:1].isdigit():
        raise ValidationError(
            f"{where} name cannot begin with a digit when using either 'depends' or 'dependencies'"
        )
    if using_depends and has_deps:
        raise ValidationError(
            f"templates.{name} cannot use both 'depends' and 'dependencies' in the same DAG "
            "template"
        )
    if using_depends and task.get("continueOn") is not None:
        raise ValidationError(
            f"templates.{name} cannot use 'continueOn' when using 'depends'. Instead use "
            "'dep-task.Failed'/'dep-task.Errored'"
        )
    arguments = as_dict(task.get("arguments"))
    try:
        child = ck.validate_holder(task, base, arguments if task.get("templateRef") else FAKE)
    except ValidationError as e:
        raise ValidationError(f"{where} {e}") from None
    aggregate = bool(task.get("withItems")) or bool(task.get("withParam"))
    add_outputs(child, f"tasks.{task_name}", scope, ck.globals, aggregate, False)
    for match in _TASK_RESULT.finditer(text(task.get("depends"))):
        dep, result = match.group(1).split(".", 1)
        if result not in _TASK_RESULTS:
            raise ValidationError(f"{where} task result '{result}' for task '{dep}' is invalid")
    return child


def _second_pass(
    ck: Checker,
    scope: set[str],
    task: Obj,
    base: Base,
    name: str,
    graph: tuple[dict[str, Obj], dict[str, dict[str, bool]], dict[str, Obj | None]],
) -> None:
    tasks, deps, resolved = graph
    task_name = text(task.get("name"))
    where = f"templates.{name}.tasks.{task_name}"
    prefix = f"tasks.{task_name}"
    if task.get("hooks") is not None:
        scope.add(f"{prefix}.status")
    add_outputs(resolved[task_name], prefix, scope, ck.globals, False, False)
    check_hooks(ck, task, base, where, need_expression=False)
    task_scope = LayeredScope(scope)
    ancestry = _ancestry(task_name, deps)
    for ancestor in ancestry:
        looped = bool(tasks[ancestor].get("withItems")) or bool(tasks[ancestor].get("withParam"))
        add_outputs(resolved[ancestor], f"tasks.{ancestor}", task_scope, ck.globals, looped, True)
    inline = as_dict(task.get("inline"))
    for raw in as_list(as_dict(inline.get("inputs")).get("parameters")):
        task_scope.add(f"inputs.parameters.{text(as_dict(raw).get('name'))}")
    try:
        add_items(task, task_scope)
        resolve_all(task_scope, ck.globals, task, ck.template_validation)
    except ValidationError as e:
        raise ValidationError(f"{where} {e}") from None
    arguments = as_dict(task.get("arguments"))
    validate_arguments(f"{where}.arguments.", arguments, False)
    _check_argument_dependencies(where, arguments, ancestry)
    try:
        ck.validate_holder(task, base, arguments)
    except ValidationError as e:
        raise ValidationError(f"{where} {e}") from None


def _check_argument_dependencies(where: str, arguments: Obj, ancestry: set[str]) -> None:
    """Argo's validateDAGTaskArgumentDependency: `{{tasks.X…}}` arguments need X upstream."""
    for kind, key in (("parameter", "value"), ("artifact", "from")):
        for raw in as_list(arguments.get(f"{kind}s")):
            item = as_dict(raw)
            value = item.get(key)
            value_text = value if isinstance(value, str) else json.dumps(value)
            if value is None or not value_text.startswith("{{tasks."):
                continue
            parts = value_text.split(".")
            if len(parts) > 1 and parts[1] not in ancestry:
                raise ValidationError(
                    f"{where} missing dependency '{parts[1]}' for {kind} '{text(item.get('name'))}'"
                )
