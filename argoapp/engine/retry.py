"""retryStrategy: a Retry node whose children are the attempts `name(0)`, `name(1)`, …

Each pass drives the newest attempt; when it ends badly, the policy (Always, OnFailure,
OnError, OnTransientError), the `expression` over `lastRetry.*`, the `limit` and the backoff
decide whether another attempt starts now, later (a requeue), or never (the Retry node takes
the last attempt's phase). Argo's messages are kept: "No more retries left",
"Max duration limit exceeded", "retryStrategy.expression evaluated to false".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from argoapp.engine.scope import expand
from argoapp.engine.state import Pass, parse_time
from argoapp.model.durations import parse_duration
from argoapp.model.phases import NodePhase, NodeType, node_done, node_failed
from argoapp.model.types import Obj
from argoapp.template import TemplateError, evaluate, substitute, substitute_obj

if TYPE_CHECKING:
    from argoapp.engine.execute import Call
    from argoapp.engine.templates import Resolved

Once = Callable[["Pass", "Call", "Resolved", str, "Obj | None", "int | None"], "Obj | None"]

_TRANSIENT = re.compile(
    r"(?i)(connection reset|connection refused|i/o timeout|timeout|temporarily unavailable|"
    r"too many requests|service unavailable|etcdserver|transport is closing|EOF)"
)


def execute_with_retries(
    p: Pass, call: Call, resolved: Resolved, strategy: Mapping[str, Any], once: Once
) -> Obj | None:
    """Drive the Retry node for `call`."""
    rnode = p.node(call.node_name)
    if rnode is None:
        rnode = p.create_node(
            call.node_name,
            NodeType.RETRY,
            display_name=call.display_name,
            template=resolved,
            boundary_id=call.boundary_id,
            parent=call.parent,
        )
    if node_done(rnode.get("phase")):
        return rnode
    # a lifecycle hook of the step is a child of its Retry node too, but no attempt (Argo)
    attempts = [c for c in p.children(rnode) if not (c.get("nodeFlag") or {}).get("hooked")]
    if attempts and not node_done(attempts[-1].get("phase")):
        last = once(p, call, resolved, attempts[-1]["name"], rnode, len(attempts) - 1)
        if last is None or not node_done(last.get("phase")):
            _copy_inputs(rnode, last)
            if last is not None and last.get("daemoned"):
                rnode["daemoned"] = True  # a daemon that is up satisfies its dependents
            return rnode
        attempts[-1] = last
    if attempts:
        verdict = _next_attempt(p, rnode, attempts, strategy)
        if verdict is not None:
            return verdict
    child = once(p, call, resolved, f"{call.node_name}({len(attempts)})", rnode, len(attempts))
    if child is not None and child is not rnode:
        child.setdefault("nodeFlag", {})["retried"] = True
    _copy_inputs(rnode, child)
    if child is not None and node_done(child.get("phase")) and child is not rnode:
        # the attempt failed at once (bad input): decide again next pass
        p.requeue(0)
    return rnode


def _copy_inputs(rnode: Obj, child: Obj | None) -> None:
    if child is not None and child.get("inputs") and "inputs" not in rnode:
        rnode["inputs"] = child["inputs"]


def _next_attempt(
    p: Pass, rnode: Obj, attempts: list[Obj], strategy: Mapping[str, Any]
) -> Obj | None:
    """None to start another attempt now; else the Retry node (finished or waiting)."""
    last = attempts[-1]
    phase = last.get("phase")
    strategy = _resolved(p, rnode, strategy)
    if not node_failed(phase):
        if last.get("outputs") is not None:
            rnode["outputs"] = last["outputs"]
        return p.finish(rnode, str(phase), last.get("message", ""))
    if p.status.get("_shutdown") or p.spec.get("shutdown"):
        return p.finish(rnode, str(phase), last.get("message", ""))
    if not _policy_allows(strategy, last):
        return p.finish(rnode, str(phase), last.get("message", ""))
    expr = strategy.get("expression")
    if expr and not _expression_allows(str(expr), last, p):
        return p.finish(rnode, str(phase), "retryStrategy.expression evaluated to false")
    limit = _limit(strategy.get("limit"))
    if limit is not None and len(attempts) > limit:
        return p.finish(rnode, str(phase), "No more retries left")
    backoff = strategy.get("backoff") or {}
    if backoff:
        wait = _backoff_wait(p, rnode, attempts, backoff)
        if wait is None:
            return p.finish(rnode, NodePhase.FAILED, "Max duration limit exceeded")
        if wait > 0:
            rnode["message"] = f"Backoff for {_fmt(wait)}"
            p.requeue(wait)
            return rnode
    rnode.pop("message", None)
    return None


def _resolved(p: Pass, rnode: Obj, strategy: Mapping[str, Any]) -> Mapping[str, Any]:
    """The strategy with the template's inputs filled in (`limit`, `expression`, backoff may
    use them); `lastRetry.*` stays for the expression's own evaluation."""
    scope: dict[str, Any] = dict(p.globals)
    for prm in (rnode.get("inputs") or {}).get("parameters") or []:
        scope[f"inputs.parameters.{prm['name']}"] = prm.get("value", "")
    try:
        resolved: Mapping[str, Any] = substitute_obj(dict(strategy), scope, allow_unresolved=True)
    except TemplateError:
        return strategy
    return resolved


def _policy_allows(strategy: Mapping[str, Any], last: Obj) -> bool:
    policy = strategy.get("retryPolicy") or ("Always" if strategy.get("expression") else "")
    phase = last.get("phase")
    if policy == "Always":
        return True
    if policy == "OnError":
        return phase == NodePhase.ERROR
    if policy == "OnTransientError":
        return bool(_TRANSIENT.search(str(last.get("message") or "")))
    return phase == NodePhase.FAILED


def _expression_allows(expr: str, last: Obj, p: Pass) -> bool:
    outputs = last.get("outputs") or {}
    started, finished = parse_time(last.get("startedAt")), parse_time(last.get("finishedAt"))
    duration = (finished - started).total_seconds() if started and finished else 0.0
    env = expand(
        {
            "lastRetry.exitCode": outputs.get("exitCode", "-1"),
            "lastRetry.status": last.get("phase", ""),
            "lastRetry.duration": str(int(duration)),
            "lastRetry.message": last.get("message", ""),
            **p.globals,
        }
    )
    try:
        return bool(evaluate(expr, env))
    except TemplateError:
        return False


def _limit(value: Any) -> int | None:
    if value is None:
        return None
    try:
        return int(str(value))
    except ValueError:
        return 0


def _backoff_wait(
    p: Pass, rnode: Obj, attempts: list[Obj], backoff: Mapping[str, Any]
) -> float | None:
    """Seconds to wait before the next attempt; None once maxDuration has passed."""
    try:
        base = parse_duration(substitute(str(backoff.get("duration") or "0"), p.globals))
        factor = float(backoff.get("factor") or 1)
        cap = parse_duration(str(backoff["cap"])) if backoff.get("cap") else None
        max_duration = (
            parse_duration(str(backoff["maxDuration"])) if backoff.get("maxDuration") else None
        )
    except (ValueError, TemplateError):
        return 0.0
    if max_duration is not None and p.seconds_since(rnode.get("startedAt")) >= max_duration:
        return None
    delay = base * (factor ** (len(attempts) - 1))
    if cap is not None:
        delay = min(delay, cap)
    waited = p.seconds_since(attempts[-1].get("finishedAt"))
    remaining = delay - waited
    if max_duration is not None:
        left = max_duration - p.seconds_since(rnode.get("startedAt"))
        if remaining > left:
            return None
    return max(remaining, 0.0)


def _fmt(seconds: float) -> str:
    from argoapp.model.durations import format_duration

    return format_duration(seconds)
