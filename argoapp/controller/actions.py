"""Performs the engine's actions for one workflow pass, against the Kubernetes API.

Every action is idempotent by name, so a pass that is recomputed (after a conflict or a crash)
repeats them harmlessly: creating what exists (AlreadyExists) and deleting what is gone
(NotFound) count as done. Pod creations run concurrently, up to a bound; everything else runs
in the order the engine gave. A failing action is logged and counted, and the pass carries on
with the rest: `perform` reports the failures and the controller requeues with backoff. It
never raises a Kubernetes error to the worker.

Locks are granted in memory (`LockManager`); an http template is handed to `spawn_http`,
which the controller runs as a task it owns. Who calls: `Controller._pass` only.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from argoapp.controller.locks import LockManager
from argoapp.engine import api
from argoapp.kube.api import KubeApi
from argoapp.kube.errors import AlreadyExists, KubeError, NotFound
from argoapp.kube.resources import KINDS, Kind
from argoapp.model.labels import ANNOTATION_NODE_NAME
from argoapp.model.types import Obj

log = logging.getLogger(__name__)
_trace = logging.getLogger("argoapp.trace")  # ARGOAPP_TRACE: see argoapp.runtime

POD_CREATE_CONCURRENCY = 16
EVENT_BACKLOG = 10_000  # Events waiting to be written; beyond it they are dropped and counted
EVENT_BATCH = 32  # Events written at once
_EVENT_SEQ = itertools.count()  # two events in one pass share a timestamp, never a name


@dataclass
class Outcome:
    """What came of one pass's actions."""

    failures: list[str] = field(default_factory=list)  # one line per failed action
    requeue: list[str] = field(default_factory=list)  # workflow keys to pass over again now
    deleted: bool = False  # the workflow itself was deleted (its TTL expired)


class ActionRunner:
    """Applies `engine.api` actions; one instance serves every worker."""

    def __init__(
        self,
        kube: KubeApi,
        locks: LockManager,
        spawn_http: Callable[[Obj, str, Obj], None],
        *,
        pod_concurrency: int = POD_CREATE_CONCURRENCY,
    ) -> None:
        self.kube = kube
        self.locks = locks
        self.spawn_http = spawn_http
        self._pod_slots = asyncio.Semaphore(pod_concurrency)
        self.errors: dict[str, int] = {}  # by action type, for /metrics
        # Kubernetes Events are a record, not a step of the workflow: they are written by
        # `record_events` in the background so that no pass waits on them.
        self.events: asyncio.Queue[tuple[str, Obj]] = asyncio.Queue(EVENT_BACKLOG)
        self.events_dropped = 0

    async def perform(self, wf: Obj, actions: list[api.Action]) -> Outcome:
        """Apply `actions` for `wf`; consecutive pod creations go concurrently."""
        outcome = Outcome()
        i = 0
        while i < len(actions):
            if isinstance(actions[i], api.CreatePod):
                j = i
                while j < len(actions) and isinstance(actions[j], api.CreatePod):
                    j += 1
                await asyncio.gather(*(self._one(wf, a, outcome) for a in actions[i:j]))
                i = j
            else:
                await self._one(wf, actions[i], outcome)
                i += 1
        return outcome

    async def _one(self, wf: Obj, action: api.Action, outcome: Outcome) -> None:
        try:
            await self._apply(wf, action, outcome)
        except (AlreadyExists, NotFound):
            pass  # created already / gone already: done either way
        except KubeError as e:
            name = type(action).__name__
            self.errors[name] = self.errors.get(name, 0) + 1
            outcome.failures.append(f"{name}: {e}")
            log.warning("%s of workflow %s failed: %s", name, _key(wf), e)

    async def _apply(self, wf: Obj, action: api.Action, outcome: Outcome) -> None:
        namespace = wf["metadata"]["namespace"]
        match action:
            case api.CreatePod(pod=pod):
                _trace.debug("decide %s", pod["metadata"].get("name"))
                async with self._pod_slots:
                    await self.kube.create("Pod", pod, namespace)
                _trace.debug("created %s", pod["metadata"].get("name"))
            case api.DeletePod(name=name, grace_seconds=grace):
                await self.kube.delete("Pod", name, namespace, grace_seconds=grace)
            case api.CreateObject(kind=kind, obj=obj):
                k = await self._kind(kind, obj)
                await self.kube.create(k, obj, _namespace_for(k, obj, namespace))
            case api.PatchObject(kind=kind, namespace=ns, name=name, patch=patch):
                await self.kube.patch(await self._kind(kind, patch), name, patch, ns or namespace)
            case api.DeleteObject(kind=kind, namespace=ns, name=name):
                await self.kube.delete(await self._kind(kind, {}), name, ns or namespace)
            case api.RunHttp(node_id=node_id, template=template):
                self.spawn_http(wf, node_id, template)
            case api.Acquire(key=key, holder=holder, limit=limit, priority=priority):
                if self.locks.acquire(key, holder, limit, _key(wf), priority):
                    outcome.requeue.append(_key(wf))
            case api.Release(key=key, holder=holder):
                outcome.requeue.extend(self.locks.release(key, holder))
            case api.Event():
                try:
                    self.events.put_nowait((namespace, event_object(wf, action, _now())))
                except asyncio.QueueFull:
                    self.events_dropped += 1
            case api.DeleteWorkflow():
                await self.kube.delete("Workflow", wf["metadata"]["name"], namespace)
                outcome.deleted = True

    async def record_events(self) -> None:
        """Write queued Events until cancelled; a failed write is logged and counted."""
        while True:
            batch = [await self.events.get()]
            while len(batch) < EVENT_BATCH and not self.events.empty():
                batch.append(self.events.get_nowait())
            # together: localkube commits writes that arrive at once in one transaction
            await asyncio.gather(*(self._record(namespace, event) for namespace, event in batch))

    async def _record(self, namespace: str, event: Obj) -> None:
        try:
            await self.kube.create("Event", event, namespace)
        except KubeError as e:
            self.errors["Event"] = self.errors.get("Event", 0) + 1
            log.debug("event for %s not recorded: %s", namespace, e)

    async def _kind(self, kind: str, obj: Obj) -> Kind | str:
        """A kind from the table, or (for a resource template's objects) from discovery."""
        api_version = obj.get("apiVersion")
        known = KINDS.get(kind)
        if known is not None and (not api_version or known.api_version == api_version):
            return known
        if not api_version:
            return kind  # the client names the unknown kind in its error
        return await self.kube.resolve(str(api_version), kind)


def event_object(wf: Obj, event: api.Event, now: datetime) -> Obj:
    """A core/v1 Event about the workflow, as Argo's controller records them."""
    meta = wf["metadata"]
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    body: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {
            "name": f"{meta['name']}.{int(now.timestamp() * 1e9):x}{next(_EVENT_SEQ):x}",
            "namespace": meta["namespace"],
        },
        "involvedObject": {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Workflow",
            "name": meta["name"],
            "namespace": meta["namespace"],
            "uid": meta.get("uid", ""),
            "resourceVersion": meta.get("resourceVersion", ""),
        },
        "reason": event.reason,
        "message": event.message,
        "type": event.type,
        "source": {"component": "workflow-controller"},
        "reportingComponent": "workflow-controller",
        "count": 1,
        "firstTimestamp": stamp,
        "lastTimestamp": stamp,
    }
    if event.node_name:
        body["metadata"]["annotations"] = {ANNOTATION_NODE_NAME: event.node_name}
    return body


def _namespace_for(kind: Kind | str, obj: Obj, namespace: str) -> str:
    if isinstance(kind, Kind) and not kind.namespaced:
        return ""
    return str((obj.get("metadata") or {}).get("namespace") or namespace)


def _key(wf: Obj) -> str:
    return f"{wf['metadata']['namespace']}/{wf['metadata']['name']}"


def _now() -> datetime:
    return datetime.now(UTC)
