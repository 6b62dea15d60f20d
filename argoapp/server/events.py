"""Argo's EventService: `POST /api/v1/events/{namespace}/{discriminator}` fires the
WorkflowEventBindings of the namespace, and `GET /api/v1/workflow-event-bindings/{namespace}`
lists them (the UI's event-flow page).

Any JSON body is the event's `payload`. Each binding's `spec.event.selector` is an expr-lang
expression over `payload`, `metadata` (the request's `X-…` headers, lower-cased, each a list of
values: other headers such as Authorization are never exposed), `discriminator` and
`namespace`; when it is true and the binding has `spec.submit`, a Workflow is created from its
`workflowTemplateRef` (namespaced or `clusterScope`) with the binding's `metadata` (name,
generateName, labels and annotations are expressions too, which must give strings), each
`arguments.parameters[].valueFrom.event` expression's value as a parameter (strings as they are,
anything else as JSON), and the label `workflows.argoproj.io/workflow-event-binding`.

The answer is `{}` whatever the bindings do, as Argo's: a binding that fails (bad expression,
missing template, rejected workflow) is logged and the next one is tried. Argo dispatches on a
queue after answering; argoapp dispatches before answering, which bounds the work a sender can
queue (there is no 503 "queue full" to give).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web

from argoapp.engine.submit import from_workflow_template
from argoapp.errors import ArgoappError
from argoapp.kube.client import Kube
from argoapp.model.labels import PREFIX
from argoapp.model.types import Obj
from argoapp.server.context import json_response, kube_for
from argoapp.server.errors import invalid
from argoapp.server.validation import validate
from argoapp.template.expr import evaluate

log = logging.getLogger(__name__)

BINDING = "WorkflowEventBinding"
LABEL_EVENT_BINDING = f"{PREFIX}/workflow-event-binding"


class DispatchError(ArgoappError):
    """A binding that matched could not submit its workflow."""


def setup(app: web.Application) -> None:
    """Register the routes."""
    app.router.add_post("/api/v1/events/{namespace}/{discriminator}", receive_event)
    app.router.add_post("/api/v1/events/{namespace}/", receive_event)
    app.router.add_get("/api/v1/workflow-event-bindings/{namespace}", list_bindings)


async def list_bindings(request: web.Request) -> web.Response:
    q = request.query
    listed = await kube_for(request).list(
        BINDING,
        request.match_info["namespace"],
        label_selector=q.get("listOptions.labelSelector", ""),
        field_selector=q.get("listOptions.fieldSelector", ""),
    )
    return json_response(listed)


async def receive_event(request: web.Request) -> web.Response:
    namespace = request.match_info["namespace"]
    discriminator = request.match_info.get("discriminator", "")
    raw = await request.read()
    try:
        payload: Any = json.loads(raw) if raw.strip() else {}
    except ValueError as e:
        raise invalid(f"invalid JSON body: {e}") from None
    env = {
        "namespace": namespace,
        "discriminator": discriminator,
        "metadata": _metadata(request),
        "payload": payload,
    }
    kube = kube_for(request)
    bindings = (await kube.list(BINDING, namespace)).get("items") or []
    for binding in bindings:
        name = (binding.get("metadata") or {}).get("name", "")
        try:
            await dispatch(kube, namespace, binding, env)
        except ArgoappError as e:
            log.warning("event binding %s/%s: failed to dispatch event: %s", namespace, name, e)
    return json_response({})


def _metadata(request: web.Request) -> dict[str, list[str]]:
    """The `X-` headers, as gRPC metadata shows them: lower-cased names, lists of values."""
    meta: dict[str, list[str]] = {}
    for key, value in request.headers.items():
        low = key.lower()
        if low.startswith("x-"):
            meta.setdefault(low, []).append(value)
    return meta


async def dispatch(kube: Kube, namespace: str, binding: Obj, env: dict[str, Any]) -> Obj | None:
    """Submit the binding's workflow when its selector matches; the created workflow."""
    spec = binding.get("spec") or {}
    selector = str((spec.get("event") or {}).get("selector") or "")
    try:
        matched = evaluate(selector, env)
    except ArgoappError as e:
        raise DispatchError(f"failed to evaluate workflow template expression: {e}") from None
    if not isinstance(matched, bool):
        raise DispatchError(f"selector {selector!r} must give a boolean, not {matched!r}")
    submit = spec.get("submit")
    if not matched or not isinstance(submit, dict):
        return None
    ref = submit.get("workflowTemplateRef") or {}
    cluster = bool(ref.get("clusterScope"))
    kind = "ClusterWorkflowTemplate" if cluster else "WorkflowTemplate"
    try:
        tmpl = await kube.get(kind, str(ref.get("name") or ""), "" if cluster else namespace)
    except ArgoappError as e:
        raise DispatchError(f"failed to get workflow template: {e}") from None
    wf = from_workflow_template(tmpl, cluster_scope=cluster)
    wf["metadata"]["namespace"] = namespace
    _populate_metadata(wf["metadata"], submit.get("metadata") or {}, env)
    wf["metadata"].setdefault("labels", {})[LABEL_EVENT_BINDING] = binding["metadata"]["name"]
    parameters = _parameters(submit.get("arguments") or {}, env)
    if parameters:
        wf["spec"].setdefault("arguments", {})["parameters"] = parameters
    await validate(kube, namespace, wf)
    return await kube.create("Workflow", wf, namespace)


def _populate_metadata(meta: Obj, wanted: Obj, env: dict[str, Any]) -> None:
    for key in ("name", "generateName"):
        if wanted.get(key):
            meta[key] = _string(wanted[key], key, env)
    for field, what in (("labels", "label"), ("annotations", "annotation")):
        for k, v in (wanted.get(field) or {}).items():
            meta.setdefault(field, {})[k] = _string(str(v), f'{what} "{k}"', env)


def _string(source: str, what: str, env: dict[str, Any]) -> str:
    try:
        value = evaluate(source, env)
    except ArgoappError as e:
        raise DispatchError(f"failed to evaluate workflow {what} expression: {e}") from None
    if not isinstance(value, str):
        kind = type(value).__name__
        raise DispatchError(f"workflow {what} expression must evaluate to a string, not a {kind}")
    return value


def _parameters(arguments: Obj, env: dict[str, Any]) -> list[Obj]:
    out: list[Obj] = []
    for p in arguments.get("parameters") or []:
        name = p.get("name", "")
        source = (p.get("valueFrom") or {}).get("event")
        if not source:
            raise DispatchError(f'malformed workflow template parameter "{name}": valueFrom is nil')
        try:
            value = evaluate(str(source), env)
        except ArgoappError as e:
            raise DispatchError(
                f'failed to evaluate workflow template parameter "{name}" expression: {e}'
            ) from None
        text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
        out.append({"name": name, "value": text})
    return out
