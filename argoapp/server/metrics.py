"""`GET /metrics`: the controller's state in Prometheus' text format, with Argo's metric names.

Everything is read when the endpoint is scraped, from what the controller already keeps: its
informer caches (workflows and pods by phase), its work queue (depth, adds), its counters
(`controller.metrics.ControllerMetrics`: pass durations, errors, busy workers) and the request
counts of the Kubernetes clients. Nothing is counted per pod or per pass for this endpoint, so
the hot path pays nothing. The server may not import the controller: `ControllerView` names the
attributes it reads, and `runtime` hands the controller in. `/healthz` stays independent of it
(a long backlog is not unhealthy).

Auth is Argo Server's: in `client` mode a scrape must carry a token (header or cookie), else it
gets an empty 403, unless the server's environment sets `ARGO_SERVER_METRICS_AUTH=false`; in
`server` mode anyone may scrape.

Served, with the names Argo 3.6+ uses (the server reports v3.7): argo_workflows_gauge{phase},
argo_workflows_pods_gauge{phase}, argo_workflows_operation_duration_seconds (histogram),
argo_workflows_queue_depth_gauge, argo_workflows_queue_adds_count, argo_workflows_queue_latency
(histogram), argo_workflows_error_count{cause}, argo_workflows_k8s_request_total{kind,verb,
status_code}, argo_workflows_workers_busy_count, argo_workflows_is_leader (always 1: there is
one controller). argoapp's own: argoapp_workflow_workers (the controller's worker count, which
Argo does not export).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from aiohttp import web

from argoapp.model.types import Obj
from argoapp.server import auth
from argoapp.server.context import AUTH_MODE

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
WORKFLOW_PHASES = ("Pending", "Running", "Succeeded", "Failed", "Error")
POD_PHASES = ("Pending", "Running", "Succeeded", "Failed", "Unknown")
QUEUE = 'queue_name="workflow_queue"'
WORKERS = 'worker_type="workflow_queue"'
RequestCounts = Mapping[tuple[str, str, int], int]


class _Histogram(Protocol):
    @property
    def buckets(self) -> Sequence[float]: ...
    @property
    def counts(self) -> Sequence[int]: ...
    @property
    def total(self) -> float: ...
    @property
    def count(self) -> int: ...


class _Counters(Protocol):
    @property
    def pass_duration(self) -> _Histogram: ...
    @property
    def errors(self) -> Mapping[str, int]: ...
    @property
    def workers_busy(self) -> int: ...
    @property
    def workers(self) -> int: ...


class _QueueStats(Protocol):
    @property
    def adds(self) -> int: ...
    @property
    def latency(self) -> _Histogram: ...


class _Queue(Protocol):
    def __len__(self) -> int: ...
    @property
    def stats(self) -> _QueueStats: ...


class _Cache(Protocol):
    def items(self) -> list[Obj]: ...


class _Counted(Protocol):
    @property
    def request_counts(self) -> RequestCounts: ...


class ControllerView(Protocol):
    """What /metrics reads from `argoapp.controller.Controller`."""

    @property
    def metrics(self) -> _Counters: ...
    @property
    def queue(self) -> _Queue: ...
    @property
    def informers(self) -> Mapping[str, _Cache]: ...
    @property
    def kube(self) -> _Counted: ...


CONTROLLER = web.AppKey("metrics_controller", ControllerView)
SERVER_COUNTS = web.AppKey("metrics_server_counts", _Counted)


def setup(app: web.Application, controller: ControllerView | None, server: _Counted) -> None:
    """Serve /metrics for `controller` (None: only the API server's own request counts)."""
    if controller is not None:
        app[CONTROLLER] = controller
    app[SERVER_COUNTS] = server
    app.router.add_get("/metrics", _metrics)


def _allowed(request: web.Request) -> bool:
    """Whether this scrape passes Argo Server's /metrics auth."""
    if request.app.get(AUTH_MODE) != "client":
        return True
    if os.environ.get("ARGO_SERVER_METRICS_AUTH") == "false":
        return True
    return bool(auth.request_token(request))


async def _metrics(request: web.Request) -> web.Response:
    if not _allowed(request):
        return web.Response(status=403)
    controller = request.app.get(CONTROLLER)
    counts: Counter[tuple[str, str, int]] = Counter(request.app[SERVER_COUNTS].request_counts)
    lines: list[str] = []
    if controller is not None:
        lines += controller_lines(controller)
        if controller.kube is not request.app[SERVER_COUNTS]:
            counts.update(controller.kube.request_counts)
    lines += _requests(counts)
    return web.Response(body=("\n".join(lines) + "\n").encode(), content_type=None,
                        headers={"Content-Type": CONTENT_TYPE})  # fmt: skip


def controller_lines(c: ControllerView) -> list[str]:
    """The controller's families, in Prometheus' text format."""
    workflows = _phases(c.informers["Workflow"].items(), WORKFLOW_PHASES, "Pending")
    pods = _phases(c.informers["Pod"].items(), POD_PHASES, "Pending")
    m = c.metrics
    lines = _family("argo_workflows_gauge", "gauge", "Workflows known to the controller by phase")
    lines += [f'argo_workflows_gauge{{phase="{p}"}} {n}' for p, n in workflows.items()]
    lines += _family("argo_workflows_pods_gauge", "gauge", "Workflow pods by phase")
    lines += [f'argo_workflows_pods_gauge{{phase="{p}"}} {n}' for p, n in pods.items()]
    lines += _histogram(
        "argo_workflows_operation_duration_seconds",
        "Seconds one reconcile pass of a workflow took",
        m.pass_duration,
    )
    lines += _family("argo_workflows_queue_depth_gauge", "gauge", "Workflows waiting for a pass")
    lines.append(f"argo_workflows_queue_depth_gauge{{{QUEUE}}} {len(c.queue)}")
    lines += _family("argo_workflows_queue_adds_count", "counter", "Adds to the work queue")
    lines.append(f"argo_workflows_queue_adds_count{{{QUEUE}}} {c.queue.stats.adds}")
    lines += _histogram(
        "argo_workflows_queue_latency",
        "Seconds a workflow waited in the queue before a worker took it",
        c.queue.stats.latency,
        QUEUE,
    )
    lines += _family("argo_workflows_error_count", "counter", "Controller errors by cause")
    lines += [f'argo_workflows_error_count{{cause="{k}"}} {v}' for k, v in sorted(m.errors.items())]
    lines += _family("argo_workflows_workers_busy_count", "gauge", "Workers in a pass")
    lines.append(f"argo_workflows_workers_busy_count{{{WORKERS}}} {m.workers_busy}")
    lines += _family("argo_workflows_is_leader", "gauge", "1: this controller runs workflows")
    lines.append("argo_workflows_is_leader 1")
    lines += _family("argoapp_workflow_workers", "gauge", "Workers of the controller (argoapp's)")
    lines.append(f"argoapp_workflow_workers{{{WORKERS}}} {m.workers}")
    return lines


def _phases(objects: Iterable[Obj], phases: Sequence[str], empty: str) -> dict[str, int]:
    """How many objects are in each phase (every known phase listed, even at 0)."""
    counted = Counter(((o.get("status") or {}).get("phase") or empty) for o in objects)
    return {p: counted.get(p, 0) for p in phases} | {
        p: n for p, n in sorted(counted.items()) if p not in phases
    }


def _requests(counts: Mapping[tuple[str, str, int], int]) -> list[str]:
    lines = _family(
        "argo_workflows_k8s_request_total", "counter", "Requests made to the Kubernetes API"
    )
    for (kind, verb, status), n in sorted(counts.items()):
        labels = f'kind="{kind}",verb="{verb}",status_code="{status}"'
        lines.append(f"argo_workflows_k8s_request_total{{{labels}}} {n}")
    return lines


def _histogram(name: str, help_text: str, h: _Histogram, labels: str = "") -> list[str]:
    lines = _family(name, "histogram", help_text)
    first = f"{labels}," if labels else ""
    running = 0
    for bound, n in zip(h.buckets, h.counts, strict=False):
        running += n
        lines.append(f'{name}_bucket{{{first}le="{bound:g}"}} {running}')
    lines.append(f'{name}_bucket{{{first}le="+Inf"}} {h.count}')
    tail = f"{{{labels}}}" if labels else ""
    lines.append(f"{name}_sum{tail} {h.total:.6f}")
    lines.append(f"{name}_count{tail} {h.count}")
    return lines


def _family(name: str, kind: str, help_text: str) -> list[str]:
    return [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
