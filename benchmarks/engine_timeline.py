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
