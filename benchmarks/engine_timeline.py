"""When each pod of a workflow reached each phase, stamped by a watch on localkube.

`engine_workflows` uses it to split a chain's time per step into the kubelet's part (pod
created → Succeeded, and → Running when a status showed it), the executor's report (Succeeded
→ its WorkflowTaskResult) and the controller's reaction (the pod done → the next pod created).
The stamps are this process's monotonic clock when each watch event arrives, so each figure
includes one watch delivery.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import ssl
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import yaml

from benchmarks.engine_harness import NS, Up

NODE_ID = "workflows.argoproj.io/node-id"
OnEvent = Callable[[dict[str, Any], float], None]


class PodTimeline:
    """Watches the pods and task results of namespace `argo` of one `argoapp up`."""

    def __init__(self, up: Up) -> None:
        self.up = up
        self.stamps: dict[str, dict[str, float]] = {}  # pod name -> "created"/phase -> time
        self.node_of: dict[str, str] = {}  # pod name -> node id
        self.results: dict[str, float] = {}  # task result name (node id) -> first seen
        self._tasks: list[asyncio.Task[None]] = []

    def _kube(self) -> tuple[str, str, ssl.SSLContext]:
        args = Path(f"/proc/{self.up.proc.pid}/cmdline").read_text().split("\0")
        data = Path(args[args.index("--data-dir") + 1])
        conf = yaml.safe_load((data / "kubeconfig").read_text())
        cluster, user = conf["clusters"][0]["cluster"], conf["users"][0]["user"]
        ca = base64.b64decode(cluster["certificate-authority-data"]).decode()
        return str(cluster["server"]), str(user["token"]), ssl.create_default_context(cadata=ca)

    def start(self) -> None:
        """Open both watches (events from now on)."""
        server, token, ctx = self._kube()
        headers = {"Authorization": f"Bearer {token}"}
        watches: tuple[tuple[str, OnEvent], ...] = (
            (f"/api/v1/namespaces/{NS}/pods", self._pod),
            (f"/apis/argoproj.io/v1alpha1/namespaces/{NS}/workflowtaskresults", self._result),
        )
        for path, on in watches:
            url = f"{server}{path}?watch=1"
            self._tasks.append(asyncio.create_task(self._watch(url, headers, ctx, on)))

    async def resource_version(self) -> int:
        """localkube's newest resourceVersion: one more per object write."""
        server, token, ctx = self._kube()
        url = f"{server}/api/v1/namespaces/{NS}/pods?limit=1"
        async with self.up.http.get(
            url, headers={"Authorization": f"Bearer {token}"}, ssl=ctx
        ) as resp:
            return int((await resp.json())["metadata"]["resourceVersion"])

    async def _watch(self, url: str, headers: dict[str, str], ctx: Any, on: OnEvent) -> None:
        timeout = aiohttp.ClientTimeout(total=None)
        async with self.up.http.get(url, headers=headers, ssl=ctx, timeout=timeout) as resp:
            async for line in resp.content:
                if line.strip():
                    on(json.loads(line)["object"], time.monotonic())

    def _pod(self, pod: dict[str, Any], now: float) -> None:
        name = pod["metadata"]["name"]
        seen = self.stamps.setdefault(name, {"created": now})
        seen.setdefault(str((pod.get("status") or {}).get("phase") or "Pending"), now)
        node_id = (pod["metadata"].get("annotations") or {}).get(NODE_ID)
        if node_id:
            self.node_of[name] = node_id

    def _result(self, obj: dict[str, Any], now: float) -> None:
        self.results.setdefault(obj["metadata"]["name"], now)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, aiohttp.ClientError):
                await task

    def chain_breakdown(self, part: slice = slice(None)) -> dict[str, float]:
        """Median ms of each stage over consecutive pods (`part` of them, in creation order)."""
        order = sorted(self.stamps, key=lambda n: self.stamps[n]["created"])[part]
        stages: dict[str, list[float]] = {
            "pod created → Succeeded": [],
            "  of which created → Running (if seen)": [],
            "Succeeded → task result seen": [],
            "pod done → next pod created": [],
        }
        for name, after in itertools.pairwise(order):
            this = self.stamps[name]
            if "Succeeded" not in this:
                continue
            result = self.results.get(self.node_of.get(name, ""))
            done = max(this["Succeeded"], result or 0.0)
            # a short pod's start and end may share one status write: Running is not seen
            stages["pod created → Succeeded"].append(this["Succeeded"] - this["created"])
            if "Running" in this:
                stages["  of which created → Running (if seen)"].append(
                    this["Running"] - this["created"]
                )
            if result is not None:
                stages["Succeeded → task result seen"].append(result - this["Succeeded"])
            stages["pod done → next pod created"].append(self.stamps[after]["created"] - done)
        return {k: statistics.median(v) * 1000 for k, v in stages.items() if v}


# ---- the fan-out's per-stage timeline, from argoapp's own stamps (ARGOAPP_TRACE) -----------
STAGES = (
    ("decide → pod created (API write)", "decide", "created"),
    ("created → kubelet's worker for it", "created", "worker"),
    ("worker → init done", "worker", "exited init"),
    ("init done → main prepared, launching", "exited init", "launch main"),
    ("launching → supervisor has the request", "launch main", "shim-request main"),
    ("  request → bwrap spawned (Popen)", "shim-request main", "shim-spawned main"),
    ("  spawned → sandbox ready (info fd)", "shim-spawned main", "shim-running main"),
    ("  ready → kubelet told (main started)", "shim-running main", "started main"),
    ("  ready → main exited (supervisor)", "shim-running main", "shim-exit main"),
    ("  exited → exit recorded (supervisor)", "shim-exit main", "shim-recorded main"),
    ("  recorded → kubelet sees the exit", "shim-recorded main", "exited main"),
    ("main's exit → task result written", "exited main", "result"),
    ("main's exit → final status written", "exited main", "status Succeeded"),
    ("status written → controller sees it", "status Succeeded", "seen"),
    ("controller sees → its next pass", "seen", "pass"),
    ("controller sees → next pod decided", "seen", "next"),
    ("decide → controller sees it done", "decide", "seen"),
)


def read_trace(path: Path) -> tuple[dict[str, dict[str, float]], list[float]]:
    """Each pod's first stamp per event, and the controller's pass starts, from a trace file.
    The supervisor names an attempt by its state directory (pods/UID/containers/NAME/N)."""
    pods: dict[str, dict[str, float]] = {}
    passes: list[float] = []
    lines = [line.split() for line in path.read_text().splitlines()]
    names = {rest[1]: rest[0] for _, event, *rest in lines if event == "uid" and len(rest) == 2}
    for stamp, event, *rest in lines:
        if event == "pass":
            passes.append(float(stamp))
            continue
        if not rest or event in ("uid", "passed"):
            continue
        if event.startswith("shim-"):
            parts = Path(rest[0]).parts
            name, what = names.get(parts[-4], ""), f"{event} {parts[-2]}"
        else:
            name, what = rest[0], event if len(rest) == 1 else f"{event} {rest[1]}"
        pods.setdefault(name, {}).setdefault(what, float(stamp))
    pods.pop("", None)
    return pods, sorted(passes)


def _link_next(pods: dict[str, dict[str, float]], passes: list[float], slots: int) -> None:
    """Stamp each pod with the controller's first pass after it saw the pod end, and with the
    decision that took its slot (the i-th pod seen ending frees the slot of the (slots+i)-th
    pod decided)."""
    import bisect

    decided = sorted(p["decide"] for p in pods.values() if "decide" in p)[slots:]
    ended = sorted((p["seen"], name) for name, p in pods.items() if "seen" in p)
    for i, (seen, name) in enumerate(ended):
        at = bisect.bisect_right(passes, seen)
        if at < len(passes):
            pods[name]["pass"] = passes[at]
        if i < len(decided):
            pods[name]["next"] = decided[i]


def fanout_stages(path: Path, slots: int) -> dict[str, tuple[float, float, int]]:
    """Per stage: (median ms, p90 ms, pods measured)."""
    pods, passes = read_trace(path)
    _link_next(pods, passes, slots)
    out: dict[str, tuple[float, float, int]] = {}
    for label, start, end in STAGES:
        spans = sorted(p[end] - p[start] for p in pods.values() if start in p and end in p)
        if spans:
            p90 = spans[min(len(spans) - 1, int(len(spans) * 0.9))]
            out[label] = (statistics.median(spans) * 1000, p90 * 1000, len(spans))
    return out


def concurrency(path: Path, step: float = 0.5) -> list[tuple[float, int, int]]:
    """Every `step` seconds from the first decision: (time, pods between decide and the
    controller seeing them end, sandboxes between spawn and exit)."""
    pods, _ = read_trace(path)
    slots = [(p["decide"], p.get("seen", 1e18)) for p in pods.values() if "decide" in p]
    boxes = [(p["started main"], p.get("exited main", 1e18)) for p in pods.values()
             if "started main" in p]  # fmt: skip
    if not slots:
        return []
    start, end = min(s for s, _ in slots), max(e for _, e in slots if e < 1e18)
    rows, now = [], start
    while now <= end:
        held = sum(1 for a, b in slots if a <= now < b)
        running = sum(1 for a, b in boxes if a <= now < b)
        rows.append((now - start, held, running))
        now += step
    return rows


def pass_spans(path: Path) -> list[float]:
    """How long each of the controller's passes took (seconds), in order."""
    spans, begun = [], 0.0
    for line in path.read_text().splitlines():
        stamp, event, *_ = line.split()
        if event == "pass":
            begun = float(stamp)
        elif event == "passed" and begun:
            spans.append(float(stamp) - begun)
    return spans


def print_fanout(path: Path, slots: int) -> None:
    """The stage table and the concurrency samples of one traced fan-out."""
    print(f"    per pod, median / p90 ms (n), parallelism {slots}:")
    for label, (median, p90, n) in fanout_stages(path, slots).items():
        print(f"      {label:<40} {median:8.1f} / {p90:7.1f}  ({n})")
    spans = pass_spans(path)
    if spans:
        spans.sort()
        print(
            f"    controller passes: {len(spans)}, median {statistics.median(spans) * 1000:.1f} ms,"
            f" p90 {spans[int(len(spans) * 0.9)] * 1000:.1f} ms, {sum(spans):.2f} s in all"
        )
    rows = concurrency(path)
    print("    pods holding a slot (decide → seen ended) / sandboxes running, every 0.5 s:")
    line = [f"{held}/{running}" for _, held, running in rows]
    for i in range(0, len(line), 12):
        print("      " + " ".join(f"{x:>6}" for x in line[i : i + 12]))
