"""Argo's WorkflowService calls that change a workflow: `PUT /api/v1/workflows/{ns}/{name}/`
`suspend`, `resume`, `stop`, `terminate`, `set`, `retry` and `resubmit`.

Each is get → load offloaded nodes → a pure `engine.operations` function → replace, done again
from the start when Kubernetes reports a conflict (the controller wrote in between). Actions that
change only the spec (suspend, terminate, stop without a selector) never load the nodes. A
workflow whose nodes were offloaded is offloaded again before the replace, as Argo does: its
nodes go to the store as a new version and only that version is written to Kubernetes (a big
workflow's nodes inline would exceed what Kubernetes takes in one object). Retry deletes the pods
and the WorkflowTaskResults of the nodes it resets before storing the workflow (they run again
under the same names); resubmit creates a new workflow. The answer is the workflow as stored,
with its nodes.
"""

from __future__ import annotations

import json
import secrets
import string
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from argoapp.engine import operations
from argoapp.engine.operations_retry import dropped_task_results
from argoapp.kube.client import Kube
from argoapp.kube.errors import Conflict, Forbidden, NotFound
from argoapp.model.types import Obj
from argoapp.server.context import (
    NodeStore,
    body_bool,
    json_body,
    json_response,
    kube_for,
    store_of,
)
from argoapp.server.errors import ApiError, Code, invalid
from argoapp.server.validation import hydrate, validate
from argoapp.server.workflows import WORKFLOW, load

_ATTEMPTS = 10
_SUFFIX_ALPHABET = string.ascii_lowercase + string.digits


def setup(app: web.Application) -> None:
    """Register the routes."""
    base = "/api/v1/workflows/{namespace}/{name}"
    app.router.add_put(f"{base}/suspend", suspend)
    app.router.add_put(f"{base}/resume", resume)
    app.router.add_put(f"{base}/stop", stop)
    app.router.add_put(f"{base}/terminate", terminate)
    app.router.add_put(f"{base}/set", set_node)
    app.router.add_put(f"{base}/retry", retry)
    app.router.add_put(f"{base}/resubmit", resubmit)


Change = Callable[[Obj], tuple[Obj, list[str]]]


async def _change(request: web.Request, change: Change, *, nodes: bool = True) -> web.Response:
    """get → change → (delete pods) → replace, again on a conflict; `nodes` False: the
    change reads and writes only the spec, so offloaded nodes stay where they are."""
    namespace, name = request.match_info["namespace"], request.match_info["name"]
    kube, store = kube_for(request), store_of(request)
    for _ in range(_ATTEMPTS):
        wf = await load(request, namespace, name)
        offloaded = str((wf.get("status") or {}).get("offloadNodeStatusVersion") or "")
        if nodes:
            await hydrate(wf, store, strict=True)
        new, pods = change(wf)
        if new == wf:
            return json_response(wf)
        await delete_leftovers(kube, namespace, pods, dropped_task_results(wf, new))
        body, inline = await _offload_again(new, offloaded if nodes else "", wf, store)
        try:
            stored = await kube.replace(WORKFLOW, body, namespace)
        except Conflict:
            continue
        if inline is not None:
            stored.setdefault("status", {})["nodes"] = inline
        return json_response(stored)
    raise ApiError(Code.ABORTED, f"workflow {name} kept changing; try again")


async def delete_leftovers(
    kube: Kube, namespace: str, pods: list[str], task_results: list[str]
) -> None:
    """Delete what the nodes a retry runs again left behind: their pods, then their task
    results. A caller who may delete pods but not task results (client auth mode, a narrow
    role) still gets the retry: an old result only delays its node."""
    for pod in pods:
        try:
            await kube.delete("Pod", pod, namespace)
        except NotFound:
            pass
    for result in task_results:
        try:
            await kube.delete("WorkflowTaskResult", result, namespace)
        except (NotFound, Forbidden):
            pass


async def _offload_again(
    new: Obj, before: str, old: Obj, store: NodeStore | None
) -> tuple[Obj, Obj | None]:
    """The body to replace: `new` with its nodes saved to the store as a new version when
    they were offloaded (`before`), and those nodes (None when they stay inline)."""
    status = new.get("status")
    if not before or store is None or not isinstance(status, dict) or "nodes" not in status:
        return new, None
    nodes: Obj = status["nodes"]
    uid = str((new.get("metadata") or {}).get("uid") or "")
    base = (before, (old.get("status") or {}).get("nodes") or {})
    version, _ = await store.save_nodes(uid, nodes, base)
    # The controller prunes versions older than the one a workflow names when it next writes.
    slim = {k: v for k, v in status.items() if k != "nodes"}
    slim["offloadNodeStatusVersion"] = version
    return {**new, "status": slim}, nodes


def _str(body: Obj, key: str) -> str:
    value = body.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise invalid(f"{key} must be a string")
    return value


def _params(body: Obj) -> list[str] | None:
    value: Any = body.get("parameters")
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(p, str) for p in value):
        raise invalid("parameters must be a list of NAME=VALUE strings")
    return list(value)


def _now() -> datetime:
    return datetime.now(UTC)


async def suspend(request: web.Request) -> web.Response:
    return await _change(request, lambda wf: (operations.suspend(wf), []), nodes=False)


async def terminate(request: web.Request) -> web.Response:
    return await _change(request, lambda wf: (operations.terminate(wf), []), nodes=False)


async def resume(request: web.Request) -> web.Response:
    selector = _str(await json_body(request), "nodeFieldSelector")
    return await _change(request, lambda wf: (operations.resume(wf, selector, now=_now()), []))


async def stop(request: web.Request) -> web.Response:
    body = await json_body(request)
    selector, message = _str(body, "nodeFieldSelector"), _str(body, "message")
    return await _change(
        request,
        lambda wf: (operations.stop(wf, message, selector, now=_now()), []),
        nodes=bool(selector),
    )


def _output_parameters(raw: str) -> dict[str, str]:
    if not raw:
        return {}
    try:
        parsed = json.loads(raw)
    except ValueError as e:
        raise invalid(f"unable to parse output parameter set request: {e}") from None
    if not isinstance(parsed, dict) or not all(isinstance(v, str) for v in parsed.values()):
        raise invalid(
            "unable to parse output parameter set request: expected a JSON object of strings"
        )
    return parsed


async def set_node(request: web.Request) -> web.Response:
    body = await json_body(request)
    selector, phase = _str(body, "nodeFieldSelector"), _str(body, "phase")
    message = _str(body, "message")
    outputs = _output_parameters(_str(body, "outputParameters"))
    return await _change(
        request,
        lambda wf: (operations.set_node(wf, selector, phase, message, outputs, now=_now()), []),
    )


async def retry(request: web.Request) -> web.Response:
    body = await json_body(request)
    restart = body_bool(body, "restartSuccessful")
    selector, parameters = _str(body, "nodeFieldSelector"), _params(body)
    return await _change(
        request,
        lambda wf: operations.retry(
            wf,
            restart_successful=restart,
            node_field_selector=selector,
            parameters=parameters,
            now=_now(),
        ),
    )


async def resubmit(request: web.Request) -> web.Response:
    namespace, name = request.match_info["namespace"], request.match_info["name"]
    body = await json_body(request)
    memoized, parameters = body_bool(body, "memoized"), _params(body)
    kube = kube_for(request)
    wf = await load(request, namespace, name)
    if memoized:
        await hydrate(wf, store_of(request), strict=True)
    suffix = "".join(secrets.choice(_SUFFIX_ALPHABET) for _ in range(5))
    new = operations.resubmit(
        wf, memoized=memoized, parameters=parameters, now=_now(), name_suffix=suffix
    )
    new["metadata"]["namespace"] = namespace
    await validate(kube, namespace, new)
    return json_response(await kube.create(WORKFLOW, new, namespace))
