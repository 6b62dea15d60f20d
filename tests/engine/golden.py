"""Drives the pure engine through a workflow with simulated pods and a simulated controller.

`Sim` plays the controller and the kubelet around `reconcile`: it performs the actions (pods
created start Running, finish after the number of passes a test chooses with the exit code and
outputs `outcome(pod)` returns; deleted pods vanish; Acquire/Release go through a tiny lock
table), advances a controllable clock by `step` per pass, and can deliver task results a number
of passes after their pod ended. `run(wf, outcome)` is the short form: reconcile until the
workflow ends. No controller, no kubelet: the engine's contract (pods in, status and actions
out); nothing here is mocked inside the engine.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import yaml

from argoapp.engine.api import (
    Acquire,
    CreatePod,
    DeletePod,
    EmptyLookup,
    Observed,
    Release,
    Result,
    Settings,
)
from argoapp.engine.reconcile import reconcile
from argoapp.model.types import Obj

T0 = datetime(2026, 1, 1, tzinfo=UTC)
DONE = ("Succeeded", "Failed", "Error")

# outcome(pod) -> (exit code, outputs dict or None)
Outcome = Callable[[Obj], tuple[int, Obj | None]]


def workflow(text: str, name: str = "wf") -> Obj:
    wf: Obj = yaml.safe_load(text)
    wf.setdefault("metadata", {})
    wf["metadata"].update(
        name=name, namespace="argo", uid="uid-1", creationTimestamp="2026-01-01T00:00:00Z"
    )
    return wf


def ts(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class Objects:
    """A Lookup over a fixed set of objects (WorkflowTemplates, ConfigMaps, ...)."""

    def __init__(self, *objs: Obj) -> None:
        self.objs: dict[tuple[str, str, str], Obj] = {}
        for obj in objs:
            self.add(obj)

    def add(self, obj: Obj) -> None:
        meta = obj.get("metadata") or {}
        kind = str(obj.get("kind"))
        ns = "" if kind.startswith("Cluster") else str(meta.get("namespace", "argo"))
        self.objs[(kind, ns, str(meta.get("name")))] = obj

    def get(self, kind: str, namespace: str, name: str) -> Obj | None:
        return copy.deepcopy(self.objs.get((kind, namespace, name)))


@dataclass
class Sim:
    """A workflow under a simulated controller; `step()` is one pass."""

    wf: Obj
    outcome: Outcome = field(default=lambda pod: (0, None))
    settings: Settings = field(default_factory=Settings)
    objects: Any = field(default_factory=EmptyLookup)
    now: datetime = T0
    tick: timedelta = timedelta(seconds=1)
    running_passes: Callable[[Obj], int] = field(default=lambda pod: 0)
    result_delay: int = 0  # passes between a pod ending and its task result arriving
    pods: dict[str, Obj] = field(default_factory=dict)
    results: dict[str, Obj] = field(default_factory=dict)
    locks: dict[str, list[str]] = field(default_factory=dict)
    actions: list[Any] = field(default_factory=list)
    created: list[str] = field(default_factory=list)  # pod names, in creation order
    waves: list[list[str]] = field(default_factory=list)  # node names of pods made, per pass
    last: Result | None = None
    _left: dict[str, int] = field(default_factory=dict)
    _pending_results: dict[str, tuple[int, Obj]] = field(default_factory=dict)
    # what each pass was handed, by name: (the world's object then, the copy handed over)
    _handed: dict[str, dict[str, tuple[Obj, Obj]]] = field(default_factory=dict)

    def observed(self) -> Observed:
        return Observed(
            pods=self._share("pods", self.pods),
            task_results=self._share("results", self.results),
            objects=self.objects,
            locks={k: tuple(v) for k, v in self.locks.items()},
        )

    def _share(self, kind: str, world: dict[str, Obj]) -> dict[str, Obj]:
        """The world's objects as an informer hands them over: a copy, the very same one on
        each pass until the object changes (the engine may rely on that, `engine.quiet`),
        and never changed by the engine."""
        handed = self._handed.setdefault(kind, {})
        out: dict[str, Obj] = {}
        for name, obj in world.items():
            known = handed.get(name)
            if known is not None and known[0] == obj:
                assert known[1] == obj, f"the engine changed the observed {name}"
            else:
                known = handed[name] = (copy.deepcopy(obj), copy.deepcopy(obj))
            out[name] = known[1]
        return out

    def reconcile(self) -> Result:
        """One pass without acting on it (the workflow is not replaced). The pass must leave
        the workflow it was given as it was: the controller keeps it (the informer's copy,
        the base of the next offloaded write), and the engine shares parts of it."""
        before = copy.deepcopy(self.wf)
        result = reconcile(self.wf, self.observed(), self.now, self.settings)
        assert self.wf == before, _changed(before, self.wf)
        return result

    def step(self) -> Result:
        """One pass: reconcile, persist, perform the actions, let the clock and pods move."""
        res = self.reconcile()
        self.last = res
        self.wf = res.workflow
        self.actions.extend(res.actions)
        self.waves.append([node_name_of(a.pod) for a in res.actions if isinstance(a, CreatePod)])
        self.now += self.tick
        self._advance_pods()
        for act in res.actions:
            self._perform(act)
        return res

    def run(self, max_passes: int = 200) -> Obj:
        """Step until the workflow has ended."""
        for _ in range(max_passes):
            self.step()
            if self.phase in DONE:
                return self.wf
        raise AssertionError(f"workflow did not finish: {self.phase}")

    def until(self, check: Callable[[Sim], bool], max_passes: int = 100) -> Obj:
        for _ in range(max_passes):
            if check(self):
                return self.wf
            self.step()
        raise AssertionError("condition never held")

    @property
    def phase(self) -> str:
        return str((self.wf.get("status") or {}).get("phase") or "")

    def nodes(self) -> dict[str, Obj]:
        return by_display(self.wf)

    def created_pods(self) -> list[Obj]:
        return [a.pod for a in self.actions if isinstance(a, CreatePod)]

    def of(self, kind: type) -> list[Any]:
        return [a for a in self.actions if isinstance(a, kind)]

    # ---- the simulated world ---------------------------------------------------------------
    def _perform(self, act: Any) -> None:
        if isinstance(act, CreatePod):
            name = act.pod["metadata"]["name"]
            if name in self.pods:
                return
            self.created.append(name)
            self.pods[name] = _running_pod(act.pod, ts(self.now))
            self._left[name] = self.running_passes(act.pod)
            if self._left[name] <= 0:
                self._finish(name)
        elif isinstance(act, DeletePod):
            self.pods.pop(act.name, None)
            self._left.pop(act.name, None)
        elif isinstance(act, Acquire):
            holders = self.locks.setdefault(act.key, [])
            if act.holder not in holders and len(holders) < act.limit:
                holders.append(act.holder)
        elif isinstance(act, Release):
            holders = self.locks.get(act.key, [])
            if act.holder in holders:
                holders.remove(act.holder)

    def _advance_pods(self) -> None:
        for name in list(self._left):
            if self._left[name] > 0:
                self._left[name] -= 1
                if self._left[name] == 0:
                    self._finish(name)
        for nid in list(self._pending_results):
            delay, result = self._pending_results[nid]
            if delay <= 1:
                self.results[nid] = result
                del self._pending_results[nid]
            else:
                self._pending_results[nid] = (delay - 1, result)

    def _finish(self, name: str) -> None:
        pod = self.pods[name]
        code, outputs = self.outcome(pod)
        self.pods[name] = _finished_pod(pod, code, ts(self.now), self.result_delay > 0)
        nid = node_id_of(pod)
        result = {
            "metadata": {
                "name": nid,
                "labels": {"workflows.argoproj.io/report-outputs-completed": "true"},
            },
            "outputs": outputs or {},
        }
        del self._left[name]
        if self.result_delay > 0:
            self._pending_results[nid] = (self.result_delay, result)
        else:
            self.results[nid] = result


def _changed(before: Obj, after: Obj) -> str:
    """Which nodes a pass changed in the workflow it was given (for the assertion)."""
    old = (before.get("status") or {}).get("nodes") or {}
    new = (after.get("status") or {}).get("nodes") or {}
    diff = []
    for nid, node in old.items():
        now = new.get(nid) or {}
        if node != now:
            keys = sorted(k for k in {*node, *now} if node.get(k) != now.get(k))
            diff.append(f"{node.get('type')} {node.get('displayName')} {node.get('phase')}: {keys}")
    return "the pass changed its input: " + ("; ".join(diff) or "outside the nodes")


def _running_pod(pod: Obj, at: str) -> Obj:
    pod = copy.deepcopy(pod)
    pod["status"] = {
        "phase": "Running",
        "startTime": at,
        "initContainerStatuses": [
            {"name": "init", "state": {"terminated": {"exitCode": 0, "finishedAt": at}}}
        ],
        "containerStatuses": [
            {"name": c["name"], "ready": True, "state": {"running": {"startedAt": at}}}
            for c in pod["spec"]["containers"]
        ],
    }
    return pod


def _finished_pod(pod: Obj, code: int, at: str, wait_ran: bool) -> Obj:
    pod = copy.deepcopy(pod)
    statuses = []
    for c in pod["spec"]["containers"]:
        term: Obj = {"exitCode": 0, "finishedAt": at}
        if c["name"] == "main":
            term = {"exitCode": code, "finishedAt": at, "startedAt": at}
            if code:
                term["reason"] = "Error"
        elif c["name"] == "wait" and wait_ran:
            term["startedAt"] = at
        statuses.append({"name": c["name"], "state": {"terminated": term}})
    pod["status"] = {
        "phase": "Succeeded" if code == 0 else "Failed",
        "startTime": (pod.get("status") or {}).get("startTime", at),
        "initContainerStatuses": [
            {"name": "init", "state": {"terminated": {"exitCode": 0, "finishedAt": at}}}
        ],
        "containerStatuses": statuses,
    }
    return pod


def node_id_of(pod: Obj) -> str:
    annotations = pod["metadata"].get("annotations") or {}
    if "workflows.argoproj.io/node-id" in annotations:
        return str(annotations["workflows.argoproj.io/node-id"])
    for c in pod["spec"]["containers"] + pod["spec"].get("initContainers", []):
        for e in c.get("env") or []:
            if e.get("name") == "ARGO_NODE_ID":
                return str(e.get("value"))
    raise AssertionError("pod has no node id")


def node_name_of(pod: Obj) -> str:
    return str(pod["metadata"]["annotations"]["workflows.argoproj.io/node-name"])


def run(
    wf: Obj,
    outcome: Outcome | None = None,
    *,
    settings: Settings | None = None,
    objects: Any = None,
    max_passes: int = 200,
    step: timedelta = timedelta(seconds=1),
) -> tuple[Obj, list[Any]]:
    """Reconcile until the workflow ends; every created pod finishes at the next pass."""
    sim = Sim(
        wf,
        outcome or (lambda pod: (0, None)),
        settings=settings or Settings(),
        objects=objects if objects is not None else EmptyLookup(),
        tick=step,
    )
    return sim.run(max_passes), sim.actions


def by_display(wf: Obj) -> dict[str, Obj]:
    return {n["displayName"]: n for n in _nodes(wf).values()}


def by_name(wf: Obj) -> dict[str, Obj]:
    return {n["name"]: n for n in _nodes(wf).values()}


def _nodes(wf: Obj) -> dict[str, Obj]:
    return dict((wf.get("status") or {}).get("nodes") or {})


def params(*pairs: tuple[str, str], result: str | None = None) -> Obj:
    """Task-result outputs: parameters given as (name, value) and an optional result."""
    out: Obj = {}
    if pairs:
        out["parameters"] = [{"name": n, "value": v} for n, v in pairs]
    if result is not None:
        out["result"] = result
    return out


def tmpl_of(pod: Obj) -> Obj:
    """The template a pod runs (from its ARGO_TEMPLATE env)."""
    import json

    for c in pod["spec"]["containers"] + pod["spec"].get("initContainers", []):
        for e in c.get("env") or []:
            if e.get("name") == "ARGO_TEMPLATE":
                return dict(json.loads(e["value"]))
    raise AssertionError("pod has no ARGO_TEMPLATE")
