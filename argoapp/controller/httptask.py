"""Argo's `http` template, run by the controller (Argo runs it in its agent pod).

The engine emits `RunHttp(node_id, template)` with the template already substituted; the
controller hands it to `HttpRequests.start`, which runs `run_http` once per node (once more after
`retry` deletes the node's result to run it again) in a task the controller owns. The outcome
travels back the way a pod's does: as the WorkflowTaskResult named after the node, whose
informer event requeues the workflow. A request that fails, times out or misses its
`successCondition` ends the node Failed with a message; nothing here raises to the caller
except cancellation.

The request: `url`, `method` (GET), `headers` (a `valueFrom.secretKeyRef` is read from the
workflow's namespace), `body` or `bodyFrom.bytes` (base64), `timeoutSeconds` (30),
`insecureSkipVerify`. Success is `successCondition` evaluated over `request` and `response`
({statusCode, body, headers}), or any 2xx status when there is none. The body is the node's
`outputs.result`. Uses aiohttp's client only (the server side of aiohttp is not for us).
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Callable, Coroutine
from typing import Any

import aiohttp

from argoapp.errors import ArgoappError
from argoapp.kube.api import KubeApi
from argoapp.kube.errors import AlreadyExists, KubeError
from argoapp.kube.informer import Informer
from argoapp.model.labels import LABEL_REPORT_OUTPUTS_COMPLETED, LABEL_WORKFLOW
from argoapp.model.types import Obj
from argoapp.template import TemplateError, evaluate

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 30.0
MAX_BODY = 256 * 1024  # as much of a body as Argo keeps of a script's stdout


Spawn = Callable[[Coroutine[Any, Any, None], str], None]


class HttpRequests:
    """Starts each http node's request once, as a task the controller owns (via `spawn`).

    A request is remembered until its workflow goes, not only while it runs: the pass that
    follows a request may come before the informer has seen its task result, and a request
    (a POST, say) must not be sent twice for that.
    """

    def __init__(self, kube: KubeApi, spawn: Spawn, results: Informer | None = None) -> None:
        self.kube = kube
        self.spawn = spawn
        self.results = results  # the WorkflowTaskResult informer
        self._session: aiohttp.ClientSession | None = None
        self._started: set[tuple[str, str]] = set()

    def open(self) -> None:
        """Make the client session (on the running loop)."""
        self._session = aiohttp.ClientSession()

    async def close(self) -> None:
        """Close the client session (the controller has cancelled the requests by then)."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    def start(self, wf: Obj, node_id: str, template: Obj) -> None:
        """Send the node's request unless it was sent or its result is in."""
        meta = wf["metadata"]
        done = self.results.get(meta["namespace"], node_id) if self.results else None
        labels = ((done or {}).get("metadata") or {}).get("labels") or {}
        if labels.get(LABEL_REPORT_OUTPUTS_COMPLETED) == "true":
            return
        ident = (meta.get("uid", ""), node_id)
        if ident in self._started or self._session is None:
            return
        self._started.add(ident)
        self.spawn(self._run(ident, self._session, wf, node_id, template), f"http-{node_id}")

    def result_deleted(self, result: Obj) -> None:
        """A node's result was deleted (`retry` runs the node again under the same id): its
        request is to be sent again."""
        meta = result.get("metadata") or {}
        for owner in meta.get("ownerReferences") or []:
            self._started.discard((str(owner.get("uid") or ""), str(meta.get("name") or "")))

    def forget(self, uid: str) -> None:
        """The workflow is gone: forget its requests."""
        self._started = {i for i in self._started if i[0] != uid}

    async def _run(
        self,
        ident: tuple[str, str],
        session: aiohttp.ClientSession,
        wf: Obj,
        node_id: str,
        template: Obj,
    ) -> None:
        try:
            await run_http(self.kube, session, wf, node_id, template)
        except Exception:
            self._started.discard(ident)  # no result recorded: the next pass tries again
            raise


class HttpTemplateError(ArgoappError):
    """The http template cannot be turned into a request."""


async def run_http(
    kube: KubeApi, session: aiohttp.ClientSession, wf: Obj, node_id: str, template: Obj
) -> None:
    """Perform the request and record its outcome as the node's WorkflowTaskResult."""
    namespace = wf["metadata"]["namespace"]
    http = template.get("http") or {}
    try:
        phase, message, result = await _request(kube, session, namespace, http)
    except HttpTemplateError as e:
        phase, message, result = "Failed", str(e), None
    outputs: Obj = {"result": result} if result is not None else {}
    await write_task_result(kube, wf, node_id, phase=phase, message=message, outputs=outputs)


async def _request(
    kube: KubeApi, session: aiohttp.ClientSession, namespace: str, http: Obj
) -> tuple[str, str, str | None]:
    url = str(http.get("url") or "")
    if not url:
        raise HttpTemplateError("http template has no url")
    method = str(http.get("method") or "GET").upper()
    headers = await _headers(kube, namespace, http.get("headers") or [])
    body = _body(http)
    timeout = aiohttp.ClientTimeout(total=float(http.get("timeoutSeconds") or DEFAULT_TIMEOUT))
    ssl = not http.get("insecureSkipVerify")
    try:
        async with session.request(
            method, url, headers=headers, data=body, timeout=timeout, ssl=ssl
        ) as resp:
            raw = await resp.content.read(MAX_BODY)
            status, resp_headers = resp.status, {k: v for k, v in resp.headers.items()}
    except TimeoutError:
        return "Failed", f"http request to {url} timed out", None
    except (aiohttp.ClientError, OSError, ValueError) as e:
        return "Failed", f"http request to {url} failed: {e or type(e).__name__}", None
    text = raw.decode("utf-8", errors="replace")
    request: Obj = {"method": method, "url": url, "body": (body or b"").decode(errors="replace")}
    request["headers"] = {k: [v] for k, v in headers.items()}
    response = {
        "statusCode": status,
        "body": text,
        "headers": {k: [v] for k, v in resp_headers.items()},
    }
    ok, why = _succeeded(http.get("successCondition") or "", request, response)
    return ("Succeeded", "", text) if ok else ("Failed", why, text)


def _succeeded(condition: str, request: Obj, response: Obj) -> tuple[bool, str]:
    if not condition:
        code = response["statusCode"]
        if 200 <= code < 300:
            return True, ""
        return False, f"received non-2xx response code: {code}"
    try:
        value: Any = evaluate(condition, {"request": request, "response": response})
    except TemplateError as e:
        return False, f"successCondition {condition!r}: {e}"
    if value is True:
        return True, ""
    return False, f"successCondition {condition!r} evaluated false"


async def _headers(kube: KubeApi, namespace: str, entries: list[Obj]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for entry in entries:
        name = str(entry.get("name") or "")
        if not name:
            continue
        ref = (entry.get("valueFrom") or {}).get("secretKeyRef")
        headers[name] = (
            await _secret_value(kube, namespace, ref) if ref else str(entry.get("value") or "")
        )
    return headers


async def _secret_value(kube: KubeApi, namespace: str, ref: Obj) -> str:
    name, key = str(ref.get("name") or ""), str(ref.get("key") or "")
    try:
        secret = await kube.get("Secret", name, namespace)
    except KubeError as e:
        raise HttpTemplateError(f"cannot read secret {namespace}/{name}: {e}") from None
    data = (secret.get("data") or {}).get(key)
    if data is None:
        string = (secret.get("stringData") or {}).get(key)
        if string is None:
            raise HttpTemplateError(f"secret {namespace}/{name} has no key {key!r}")
        return str(string)
    try:
        return base64.b64decode(data).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise HttpTemplateError(f"secret {namespace}/{name} key {key!r} is not text") from None


def _body(http: Obj) -> bytes | None:
    if http.get("body"):
        return str(http["body"]).encode()
    raw = (http.get("bodyFrom") or {}).get("bytes")
    if raw:
        try:
            return base64.b64decode(raw)
        except binascii.Error:
            raise HttpTemplateError("http bodyFrom.bytes is not base64") from None
    return None


async def write_task_result(
    kube: KubeApi, wf: Obj, node_id: str, *, phase: str, message: str, outputs: Obj
) -> None:
    """Create (or update) the node's WorkflowTaskResult, marked complete."""
    meta = wf["metadata"]
    body: Obj = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "WorkflowTaskResult",
        "metadata": {
            "name": node_id,
            "namespace": meta["namespace"],
            "labels": {LABEL_WORKFLOW: meta["name"], LABEL_REPORT_OUTPUTS_COMPLETED: "true"},
            "ownerReferences": [owner_reference(wf)],
        },
        "phase": phase,
        "outputs": outputs,
    }
    if message:
        body["message"] = message
    try:
        await kube.create("WorkflowTaskResult", body)
    except AlreadyExists:
        patch = {k: v for k, v in body.items() if k in ("phase", "message", "outputs")}
        patch["metadata"] = {"labels": body["metadata"]["labels"]}
        await kube.patch("WorkflowTaskResult", node_id, patch, meta["namespace"])


def owner_reference(wf: Obj) -> Obj:
    """An ownerReference to the workflow, so its objects go when it goes."""
    meta = wf["metadata"]
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "name": meta["name"],
        "uid": meta.get("uid", ""),
        "blockOwnerDeletion": True,
        "controller": True,
    }
