"""The pure engine alone: how long one reconcile pass takes as a workflow grows.

No processes and no Kubernetes: a workflow of N pod nodes (a `withSequence` fan-out in a steps
template, and the same as N independent DAG tasks) is brought to the point where every pod
exists and runs; then each pass sees exactly one more pod finished, as the controller would
after one pod event. The figure is ms per pass at N = 1,000 and N = 10,000: linear work per
event gives a ratio near 10, work that grows with N² per event a ratio near 100. Observed pods
are handed over by reference, as the controller's informer caches are. Times are CPU time
of this process (the machine is shared, so wall time would measure the neighbours too).
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from argoapp.engine.api import CreatePod, Observed, Settings
from argoapp.engine.reconcile import reconcile

T0 = datetime(2026, 1, 1, tzinfo=UTC)
NODE_ID = "workflows.argoproj.io/node-id"
TEMPLATE = {"name": "t", "container": {"image": "busybox", "command": ["true"]}}
PASSES = 20


def _workflow(spec_main: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": "wf", "namespace": "argo", "uid": "uid-1"},
        "spec": {"entrypoint": "main", "templates": [spec_main, TEMPLATE]},
    }


def steps_fanout(n: int, parallelism: int = 0) -> dict[str, Any]:
    step = {"name": "item", "template": "t", "withSequence": {"count": str(n)}}
    wf = _workflow({"name": "main", "steps": [[step]]})
    if parallelism:
        wf["spec"]["parallelism"] = parallelism
    return wf


def dag_fanout(n: int) -> dict[str, Any]:
    tasks = [{"name": f"t{i}", "template": "t"} for i in range(n)]
    return _workflow({"name": "main", "dag": {"tasks": tasks}})


def _ts(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _running(pod: dict[str, Any], at: str) -> dict[str, Any]:
    pod = {**pod, "status": {"phase": "Running", "startTime": at}}
    pod["status"]["initContainerStatuses"] = [
        {"name": "init", "state": {"terminated": {"exitCode": 0, "finishedAt": at}}}
    ]
    pod["status"]["containerStatuses"] = [
        {"name": c["name"], "ready": True, "state": {"running": {"startedAt": at}}}
        for c in pod["spec"]["containers"]
    ]
    return pod


def _finished(pod: dict[str, Any], at: str) -> dict[str, Any]:
    term = {"exitCode": 0, "startedAt": at, "finishedAt": at}
    status = {**pod["status"], "phase": "Succeeded"}
    status["containerStatuses"] = [
        {"name": c["name"], "state": {"terminated": term}} for c in pod["spec"]["containers"]
    ]
    return {**pod, "status": status}


class World:
    """The pods and task results a controller would observe for one workflow."""

    def __init__(self, wf: dict[str, Any]) -> None:
        self.wf = wf
        self.now = T0
        self.pods: dict[str, dict[str, Any]] = {}
        self.results: dict[str, dict[str, Any]] = {}
        self.settings = Settings()

    def step(self) -> float:
        """One pass; the pods it asks for start running. Returns the pass's seconds."""
        observed = Observed(pods=self.pods, task_results=self.results)
        start = time.process_time()
        res = reconcile(self.wf, observed, self.now, self.settings)
        took = time.process_time() - start
        self.wf = res.workflow
        self.now += timedelta(seconds=1)
        for act in res.actions:
            if isinstance(act, CreatePod) and act.pod["metadata"]["name"] not in self.pods:
                self.pods[act.pod["metadata"]["name"]] = _running(act.pod, _ts(self.now))
        return took

    def running(self) -> list[str]:
        return [n for n, pod in self.pods.items() if pod["status"]["phase"] == "Running"]

    def finish_one(self, name: str) -> None:
        pod = _finished(self.pods[name], _ts(self.now))
        self.pods[name] = pod
        nid = pod["metadata"]["annotations"][NODE_ID]
        done = {"workflows.argoproj.io/report-outputs-completed": "true"}
        self.results[nid] = {"metadata": {"name": nid, "labels": done}, "outputs": {}}


def measure_throttled(n: int, parallelism: int, left: int) -> tuple[float, int]:
    """(median ms per one-pod-finished pass, nodes) once all but `left` pods have finished."""
    world = World(steps_fanout(n, parallelism))
    world.step()
    while len(world.pods) < n - left:
        for name in world.running():
            world.finish_one(name)
        world.step()
    times = []
    for _ in range(PASSES):
        world.finish_one(world.running()[0])
        times.append(world.step())
    return statistics.median(times) * 1000, len(world.wf["status"].get("nodes") or {})


def measure(wf: dict[str, Any], n: int) -> tuple[float, float, int]:
    """(ms of the pass that creates the pods, median ms per one-pod-finished pass, nodes)."""
    world = World(wf)
    first = world.step()
    while len(world.pods) < n:
        first = max(first, world.step())
    world.step()
    names = list(world.pods)
    times = []
    for name in names[:PASSES]:
        world.finish_one(name)
        times.append(world.step())
    nodes = len(world.wf["status"].get("nodes") or {})
    return first * 1000, statistics.median(times) * 1000, nodes


async def run() -> None:
    """Print ms per pass for both shapes at 1,000 and 10,000 pods."""
    print("-- engine: one reconcile pass, one pod finished per pass (pure engine, no I/O)")
    per: dict[int, float] = {}
    for n in (1000, 10000):
        per[n], nodes = measure_throttled(n, 50, 200)
        print(
            f"  {'parallelism 50, most done':<26} N={n:>6} nodes={nodes:>6}  per pod event"
            f" {per[n]:8.1f} ms  ({per[n] * 1000 / n:.1f} µs/node)"
        )
    print(f"  {'parallelism 50':<26} ratio 10k/1k = {per[10000] / per[1000]:.1f} (≈10 linear)")
    print("  every pod running at once (the worst case: each pass revisits every running node):")
    for shape, build in (("steps withSequence", steps_fanout), ("dag tasks", dag_fanout)):
        per = {}
        for n in (1000, 10000):
            create_ms, pass_ms, nodes = measure(build(n), n)
            per[n] = pass_ms
            print(
                f"  {shape:<26} N={n:>6} nodes={nodes:>6}  create-all pass {create_ms:8.0f} ms"
                f"  per pod event {pass_ms:8.1f} ms  ({pass_ms * 1000 / n:.1f} µs/node)"
            )
        print(f"  {shape:<26} ratio 10k/1k = {per[10000] / per[1000]:.1f} (≈10 linear, ≈100 N²)")
