"""Argo's workflow logs: `GET /api/v1/workflows/{ns}/{name}/log` (every pod of the workflow, or
the `podName` one) and `GET /api/v1/workflows/{ns}/{name}/{podName}/log`, streamed as
`{"result": {"content", "podName"}}` messages in either framing (`streams.serve`).

The pods are those labelled `workflows.argoproj.io/workflow=<name>` (narrowed by `selector`),
started ones only, in the order they started. Each pod's log of `logOptions.container` (main by
default) is read from Kubernetes with timestamps, which order the lines and are cut off again
unless `logOptions.timestamps` asks for them (`logOptions.previous` reads a restarted container's
previous run); `grep` (a regular expression, RE2 syntax as Argo's) keeps matching lines.
Without `follow` the lines of all pods come sorted by time (in windows of `SORT_WINDOW` bytes, so
a huge log never sits in memory whole); with `follow` lines are sent as they come, pods that start
later are picked up from a pod watch (a pod whose container has not started yet is tried again
at its next change), and the stream ends once the workflow has completed (or is deleted) and
every pod's log has ended.

Logs outlive pods: a `KeptLogSource` (in local mode localkube's kept logs, passed in by the
runtime; none in cluster mode) has the logs of the workflow's deleted pods, read when a pod is no
longer in Kubernetes. Kept logs do not carry labels, so `selector` leaves them out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol, cast

import re2  # type: ignore[import-untyped]
from aiohttp import web

from argoapp.kube.client import Kube
from argoapp.kube.errors import BadRequest, KubeError, NotFound
from argoapp.model.labels import LABEL_COMPLETED, LABEL_WORKFLOW
from argoapp.model.types import Obj
from argoapp.server.context import kube_for, query_bool, query_int
from argoapp.server.errors import invalid
from argoapp.server.listing import parse_time
from argoapp.server.streams import serve
from argoapp.server.workflows import load

log = logging.getLogger(__name__)

SORT_WINDOW = 8 * 1024 * 1024
_QUEUE = 256


class Grep(Protocol):
    """A compiled `grep` pattern."""

    def search(self, text: str) -> object | None: ...


class KeptLogSource(Protocol):
    """The logs of a workflow's deleted pods (`localkube.keptlogs.KeptLogs`)."""

    def pods(self, namespace: str, workflow: str) -> list[str]: ...

    def read(
        self,
        namespace: str,
        workflow: str,
        pod: str,
        container: str,
        *,
        tail_lines: int | None = None,
        since_ns: int | None = None,
    ) -> AsyncIterator[bytes]: ...


KEPT_LOGS: web.AppKey[KeptLogSource | None] = web.AppKey("kept_logs")


class NotStarted(Exception):
    """A followed pod's container has not started: try again at the pod's next change."""


@dataclass(frozen=True)
class LogRequest:
    """What a log request asks for."""

    namespace: str
    workflow: str
    pod: str
    container: str
    follow: bool
    timestamps: bool
    tail_lines: int | None
    since_ns: int | None
    limit_bytes: int | None
    grep: Grep | None
    selector: str
    previous: bool = False


@dataclass(frozen=True)
class Entry:
    stamp: str
    pod: str
    content: str


def _by_time(entry: Entry) -> str:
    """Sort key: the time alone. The sort is stable, so lines a container wrote in the same
    instant (one read of its output stamps them alike) keep the order it wrote them in."""
    return entry.stamp


def setup(app: web.Application) -> None:
    """Register both log routes."""
    app.router.add_get("/api/v1/workflows/{namespace}/{name}/log", workflow_logs)
    app.router.add_get("/api/v1/workflows/{namespace}/{name}/{podName}/log", workflow_logs)


def _parse(request: web.Request) -> LogRequest:
    q = request.query
    grep = q.get("grep", "")
    pattern = compile_grep(grep) if grep else None
    tail = q.get("logOptions.tailLines")
    limit = q.get("logOptions.limitBytes")
    return LogRequest(
        namespace=request.match_info["namespace"],
        workflow=request.match_info["name"],
        pod=request.match_info.get("podName") or q.get("podName", ""),
        container=q.get("logOptions.container") or "main",
        follow=query_bool(request, "logOptions.follow"),
        timestamps=query_bool(request, "logOptions.timestamps"),
        tail_lines=query_int(request, "logOptions.tailLines") if tail else None,
        since_ns=_since(request),
        limit_bytes=query_int(request, "logOptions.limitBytes") if limit else None,
        grep=pattern,
        selector=q.get("selector", ""),
        previous=query_bool(request, "logOptions.previous"),
    )


def compile_grep(pattern: str) -> Grep:
    """`pattern` compiled with RE2, as Argo's Go regexp is: matching takes time linear in the
    line, so no pattern can hold the event loop (Python's `re` backtracks, and `(a+)+$` on a
    long line would freeze the server and the controller with it)."""
    options = re2.Options()
    options.log_errors = False  # a bad pattern is the caller's error, not a log line
    try:
        return cast(Grep, re2.compile(pattern, options=options))
    except re2.error as e:
        message = e.args[0].decode(errors="replace") if e.args else str(e)
        raise invalid(f"error parsing regexp: {message}") from None


def _since(request: web.Request) -> int | None:
    """The earliest time asked for, in epoch nanoseconds."""
    q = request.query
    if q.get("logOptions.sinceSeconds"):
        return time.time_ns() - query_int(request, "logOptions.sinceSeconds") * 1_000_000_000
    if q.get("logOptions.sinceTime.seconds"):
        seconds = query_int(request, "logOptions.sinceTime.seconds")
        return seconds * 1_000_000_000 + query_int(request, "logOptions.sinceTime.nanos")
    if q.get("logOptions.sinceTime"):
        t = parse_time(q["logOptions.sinceTime"], "logOptions.sinceTime")
        return int(t.timestamp() * 1_000_000_000)
    return None


async def workflow_logs(request: web.Request) -> web.StreamResponse:
    req = _parse(request)
    kept_logs = request.app.get(KEPT_LOGS)
    try:
        wf = await load(request, req.namespace, req.workflow)
    except NotFound:
        # A deleted workflow whose pods' logs are kept: those are what is left to read.
        if kept_logs is None or not kept_logs.pods(req.namespace, req.workflow):
            raise
        wf = {"metadata": {"name": req.workflow}, "status": {"phase": "Succeeded"}}
    req = _named(req, wf["metadata"]["name"])
    kube = kube_for(request)
    labels = f"{LABEL_WORKFLOW}={req.workflow}" + (f",{req.selector}" if req.selector else "")
    fields = f"metadata.name={req.pod}" if req.pod else ""
    listed = await kube.list("Pod", req.namespace, label_selector=labels, field_selector=fields)
    reader = _Reader(kube, kept_logs, req)
    pods = sorted(listed.get("items") or [], key=_started)
    live = {p["metadata"]["name"] for p in pods}
    kept = [] if req.selector else [p for p in reader.kept_pods() if p not in live]
    if req.pod:
        kept = [p for p in kept if p == req.pod]
    if req.follow and not _completed(wf):
        rv = str((listed.get("metadata") or {}).get("resourceVersion") or "")
        source = reader.follow(pods, kept, labels, fields, rv)
    else:
        source = reader.sorted(pods, kept)
    return await serve(request, _messages(source))


def _named(req: LogRequest, name: str) -> LogRequest:
    return replace(req, workflow=name)


async def _messages(entries: AsyncIterator[Entry]) -> AsyncIterator[Obj]:
    async for e in entries:
        yield {"content": e.content, "podName": e.pod}


def _started(pod: Obj) -> str:
    return str((pod.get("status") or {}).get("startTime") or "9999")


def _pending(pod: Obj) -> bool:
    return bool((pod.get("status") or {}).get("phase", "Pending") == "Pending")


def _completed(wf: Obj) -> bool:
    labels = (wf.get("metadata") or {}).get("labels") or {}
    if labels.get(LABEL_COMPLETED) == "true":
        return True
    return bool((wf.get("status") or {}).get("phase") in ("Succeeded", "Failed", "Error"))


class _Reader:
    """Reads the logs of one request's pods, live or kept."""

    def __init__(self, kube: Kube, kept: KeptLogSource | None, req: LogRequest) -> None:
        self.kube = kube
        self.kept = kept
        self.req = req

    def kept_pods(self) -> list[str]:
        return self.kept.pods(self.req.namespace, self.req.workflow) if self.kept else []

    async def sorted(self, pods: list[Obj], kept: list[str]) -> AsyncIterator[Entry]:
        """Every line of every pod, ordered by time within windows of SORT_WINDOW bytes."""
        window: list[Entry] = []
        size = 0
        names = [p["metadata"]["name"] for p in pods if not _pending(p)] + kept
        for name in names:
            async for entry in self.lines(name, follow=False):
                window.append(entry)
                size += len(entry.content)
                if size >= SORT_WINDOW:
                    for e in sorted(window, key=_by_time):
                        yield e
                    window, size = [], 0
        for e in sorted(window, key=_by_time):
            yield e

    async def lines(self, pod: str, *, follow: bool) -> AsyncIterator[Entry]:
        """One pod's lines, from Kubernetes, or kept when the pod is gone."""
        req = self.req
        sent = False
        try:
            chunks = self._live(pod, follow)
            async for entry in self._entries(pod, chunks):
                sent = True
                yield entry
            return
        except NotFound:
            pass
        except BadRequest:
            if follow and not sent:
                raise NotStarted(pod) from None  # its container has not started yet
            return  # as Argo: a pod whose log cannot be read is left out
        except KubeError:
            return
        if self.kept is not None:
            chunks = self.kept.read(
                req.namespace, req.workflow, pod, req.container,
                tail_lines=req.tail_lines, since_ns=req.since_ns,
            )  # fmt: skip
            async for entry in self._entries(pod, chunks):
                yield entry

    async def _live(self, pod: str, follow: bool) -> AsyncIterator[bytes]:
        req = self.req
        since = None
        if req.since_ns is not None:
            since = max(1, -(-(time.time_ns() - req.since_ns) // 1_000_000_000))
        stream = self.kube.pod_log(
            pod, req.namespace, container=req.container, follow=follow,
            tail_lines=req.tail_lines, since_seconds=since, timestamps=True,
            limit_bytes=req.limit_bytes, previous=req.previous,
        )  # fmt: skip
        async with contextlib.aclosing(stream):
            async for chunk in stream:
                yield chunk

    async def _entries(self, pod: str, chunks: AsyncIterator[bytes]) -> AsyncIterator[Entry]:
        rest = b""
        sent = 0
        limit = self.req.limit_bytes
        async for chunk in chunks:
            lines = (rest + chunk).split(b"\n")
            rest = lines.pop()
            for line in lines:
                entry = self._entry(pod, line)
                if entry is None:
                    continue
                sent += len(entry.content) + 1
                if limit is not None and limit > 0 and sent > limit:
                    return
                yield entry
        entry = self._entry(pod, rest) if rest else None
        if entry is not None:
            yield entry

    def _entry(self, pod: str, raw: bytes) -> Entry | None:
        line = raw.decode(errors="replace")
        stamp, sep, content = line.partition(" ")
        at = _time_ns(stamp) if sep else None
        if at is None:
            stamp, content = "", line
        elif self.req.since_ns is not None and at < self.req.since_ns:
            return None  # Kubernetes' sinceSeconds counts whole seconds: it sends a bit more
        if self.req.timestamps and stamp:
            content = line
        if self.req.grep is not None and not self.req.grep.search(content):
            return None
        return Entry(stamp, pod, content)

    async def follow(
        self, pods: list[Obj], kept: list[str], labels: str, fields: str, rv: str
    ) -> AsyncIterator[Entry]:
        """Lines as they come, from the pods there are and those that start later."""
        queue: asyncio.Queue[Entry | None] = asyncio.Queue(_QUEUE)
        tasks: set[asyncio.Task[None]] = set()
        streamed: set[str] = set()
        ended = asyncio.Event()
        active = 0

        def start(name: str, follow: bool) -> None:
            nonlocal active
            if name in streamed:
                return
            streamed.add(name)
            active += 1
            pump = self._pump(name, follow, queue, retry)
            tasks.add(asyncio.create_task(pump, name=f"log-{name}"))

        def retry(name: str) -> None:
            """A pod whose container had not started: at its next change, or now if the
            workflow has ended (no change will come)."""
            streamed.discard(name)
            if ended.is_set():
                start(name, False)

        for pod in pods:
            if not _pending(pod):
                start(pod["metadata"]["name"], True)
        for name in kept:
            start(name, False)
        active += 1
        watcher = asyncio.create_task(
            self._watch_pods(labels, fields, rv, start, queue, ended), name="log-pod-watch"
        )
        try:
            while active:
                entry = await queue.get()
                if entry is None:
                    active -= 1
                else:
                    yield entry
        finally:
            for task in (*tasks, watcher):
                task.cancel()
            await asyncio.gather(*tasks, watcher, return_exceptions=True)

    async def _pump(
        self,
        pod: str,
        follow: bool,
        queue: asyncio.Queue[Entry | None],
        retry: Callable[[str], None],
    ) -> None:
        try:
            async for entry in self.lines(pod, follow=follow):
                await queue.put(entry)
        except NotStarted:
            retry(pod)
        except Exception:
            log.exception("the log of pod %s/%s failed", self.req.namespace, pod)
        await queue.put(None)  # not when cancelled: then nobody reads the queue any more

    async def _watch_pods(
        self,
        labels: str,
        fields: str,
        rv: str,
        start: _Start,
        queue: asyncio.Queue[Entry | None],
        ended: asyncio.Event,
    ) -> None:
        """Start the pods that begin running, until the workflow completes or goes."""
        req = self.req
        new_pods = asyncio.create_task(
            self._start_new_pods(labels, fields, rv, start), name="log-pod-watch"
        )
        try:
            await self._until_completed()
        except KubeError as e:
            log.warning("logs of %s/%s: workflow watch failed: %s", req.namespace, req.workflow, e)
        finally:
            new_pods.cancel()
            await asyncio.gather(new_pods, return_exceptions=True)
        ended.set()
        with contextlib.suppress(KubeError):
            # A pod that started as the workflow completed, not yet seen by the watch.
            listed = await self.kube.list(
                "Pod", req.namespace, label_selector=labels, field_selector=fields
            )
            for pod in listed.get("items") or []:
                if not _pending(pod):
                    start(pod["metadata"]["name"], False)
        await queue.put(None)

    async def _start_new_pods(self, labels: str, fields: str, rv: str, start: _Start) -> None:
        req = self.req
        with contextlib.suppress(KubeError):
            while True:
                stream = self.kube.watch(
                    "Pod", req.namespace, label_selector=labels, field_selector=fields,
                    resource_version=rv, timeout_seconds=300,
                )  # fmt: skip
                async with contextlib.aclosing(stream):
                    async for kind, pod in stream:
                        rv = str(pod["metadata"].get("resourceVersion") or rv)
                        if kind in ("ADDED", "MODIFIED") and not _pending(pod):
                            start(pod["metadata"]["name"], True)

    async def _until_completed(self) -> None:
        req = self.req
        selector = f"metadata.name={req.workflow}"
        while True:
            stream = self.kube.watch("Workflow", req.namespace, field_selector=selector)
            async with contextlib.aclosing(stream):
                async for kind, wf in stream:
                    if kind == "DELETED" or (kind != "BOOKMARK" and _completed(wf)):
                        return


class _Start(Protocol):
    def __call__(self, name: str, follow: bool) -> None: ...


def _time_ns(text: str) -> int | None:
    """A log line's RFC 3339 stamp in nanoseconds since the epoch (None: not a stamp)."""
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if at.tzinfo is None:
        return None
    whole = int(at.replace(microsecond=0).timestamp()) * 1_000_000_000
    _, _, fraction = text.partition(".")
    digits = fraction[: len(fraction) - len(fraction.lstrip("0123456789"))][:9]
    return whole + int(digits.ljust(9, "0")) if digits else whole
