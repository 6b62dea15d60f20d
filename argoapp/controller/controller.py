"""`Controller`: the imperative shell around the pure engine.

It follows Workflows, their pods and WorkflowTaskResults, templates and ConfigMaps with
informers; every change to a workflow or to one of its pods or task results puts the workflow's
`namespace/name` on the work queue at once (a finished pod moves its workflow on immediately;
there are no fixed delays). A pool of workers takes keys, one worker per key at a time, and runs
one pass: hydrate the workflow, build `Observed` from the indexes, call the engine's
`reconcile`, perform its actions, write the workflow back once if it changed, and arm the
engine's `requeue_after` timer. A conflict on the write means "reload and recompute": the key
goes straight back on the queue. A failing action or pass is logged and counted and the key is
retried with backoff; a worker never dies of it. A workflow the engine raises over five passes in
a row ends `Error` (`failures.py`); a traceback is logged once per run of failures.

Artifacts ride on passes: with `artifact_store` (argoapp's built-in S3 endpoint) the store is
the default repository while the config names none, and its Secret is put in a workflow's
namespace before its first pod (`artifact_secrets.py`); artifact GC runs beside the workers and
its outcome and finalizer go into the pass's one write (`artifact_gc.py`).

Completed workflows are fed to the engine too (TTL and pod GC are its decisions), but cheaply:
once at start-up and on their own events, never on the periodic resync. The write that makes a
workflow done is followed by the deletion of its WorkflowTaskResults beside the passes
(`task_results.py`); a done workflow that still has some at start-up is swept then.

Lifetime: `run()` owns every task (informers, workers, resync, http requests) in one TaskGroup
and returns after `stop()`: stop taking work, let in-flight passes finish (bounded by
`drain_seconds`), then cancel the rest. The caller closes the Kubernetes client and the store after.
`health()` says what is wrong when `run()` ended without `stop()` or an informer or worker task
has ended (the API's /healthz); a long backlog is not a fault.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

from argoapp.artifacts.builtin import BuiltinStore
from argoapp.controller.actions import ActionRunner, event_object
from argoapp.controller.archiving import Archiver
from argoapp.controller.artifact_gc import ArtifactCollector
from argoapp.controller.artifact_secrets import SecretKeeper
from argoapp.controller.cron import CronController
from argoapp.controller.failures import PassFailures, describe, errored
from argoapp.controller.httptask import HttpRequests
from argoapp.controller.locks import LockManager
from argoapp.controller.metrics import ControllerMetrics
from argoapp.controller.observe import ByWorkflow, CacheLookup, Unfinished
from argoapp.controller.persist import NodeStore, OffloadError, Persister
from argoapp.controller.queue import Rank, WorkQueue
from argoapp.controller.task_results import completes, delete_task_results
from argoapp.controller.throttle import Throttle
from argoapp.engine import api
from argoapp.engine.podstatus import observed_pod
from argoapp.kube.api import KubeApi
from argoapp.kube.errors import Conflict, KubeError, NotFound
from argoapp.kube.informer import Informer
from argoapp.model.labels import (
    LABEL_COMPLETED,
    LABEL_CONTROLLER_INSTANCE_ID,
    LABEL_PARALLELISM_LIMIT,
    LABEL_WORKFLOW,
)
from argoapp.model.phases import workflow_done
from argoapp.model.types import Obj

log = logging.getLogger(__name__)
_trace = logging.getLogger("argoapp.trace")  # ARGOAPP_TRACE: see argoapp.runtime

Reconcile = Callable[[Obj, api.Observed, datetime, api.Settings], api.Result]
SettingsFrom = Callable[[Obj], api.Settings]

RESYNC_SECONDS = 300.0
DRAIN_SECONDS = 10.0
GUARD_RESTART_SECONDS = 1.0
# Pod and task result events of one workflow come in bursts (a step's result, then its pod's
# end, a millisecond apart): one pass a few milliseconds after the first takes them all, where
# a pass each cost a reconcile (and often a write) each, the more the bigger the workflow.
COALESCE_SECONDS = 0.003
# A workflow with several pods running whose pass took longer than REST_FROM and brought new
# events meanwhile rests REST_RATIO times as long as the pass took (at most REST_MAX) before
# the next: the events until then share that next pass. A big workflow's pass costs in
# proportion to its nodes, and back-to-back passes of a few events each were most of the
# controller's work in a 2,000-item fan-out. One pod running (a chain) never rests: its end
# moves it on at once. The cap is short because a pass's time is mostly its awaited pod
# creations, not its CPU: at 0.2 s a 50-wide fan-out ran in waves (each pass refilling 25-50
# slots at once, freed slots idle ~0.1 s before the pass that refills them); at 0.05 s the
# 2,000-item fan-out took 13.0-13.4 s instead of 14.2-16.3 s for the same CPU.
REST_FROM = 0.003
REST_RATIO = 2.0
REST_MAX = 0.05
POSTPONED = "Workflow processing has been postponed because too many workflows are already running"


class Controller:
    """One workflow controller over one Kubernetes API (one namespace, or all)."""

    def __init__(
        self,
        kube: KubeApi,
        store: NodeStore | None,
        settings: api.Settings,
        *,
        namespace: str = "",
        workers: int = 8,
        reconcile: Reconcile | None = None,
        offload_threshold: int | None = None,
        resync_seconds: float = RESYNC_SECONDS,
        drain_seconds: float = DRAIN_SECONDS,
        configmap: tuple[str, str] | None = None,
        settings_from: SettingsFrom | None = None,
        artifact_store: BuiltinStore | None = None,
    ) -> None:
        self.kube = kube
        # The built-in store is the default repository while the config names none.
        self.artifact_store = artifact_store
        self.secrets = SecretKeeper(kube, artifact_store, self._warn) if artifact_store else None
        self._store_is_default = False
        self.settings = self._with_store(settings)
        self.namespace = namespace
        self.worker_count = max(1, workers)
        # Injectable so the shell's own tests can script the engine; production uses the real one.
        self.reconcile = reconcile or _engine_reconcile()
        self.resync_seconds = resync_seconds
        self.drain_seconds = drain_seconds
        self.configmap = configmap  # (namespace, name) of the controller's own ConfigMap
        self.settings_from = settings_from
        self.metrics = ControllerMetrics(workers=self.worker_count)
        self.queue = WorkQueue(rank=self._rank)
        self.locks = LockManager()
        self.throttle = Throttle(settings.parallelism, settings.namespace_parallelism)
        persist_kw = {} if offload_threshold is None else {"threshold": offload_threshold}
        self.persister = Persister(kube, store, **persist_kw)
        self.archiver = Archiver(
            kube,
            store,
            lambda: self.settings,
            self.persister.hydrate,
            self._spawn,
            retry=self.queue.add_after,
        )
        self.informers = self._make_informers()
        # Not among `informers`: the controller does not wait for it (a controller that may
        # not list Namespaces still runs; their parallelism labels are then not seen). All of
        # them, not a label selector: a namespace losing its label must be seen too.
        self.namespaces = Informer(
            kube,
            "Namespace",
            field_selector=f"metadata.name={namespace}" if namespace else "",
            on_event=self._on_namespace,
        )
        self.http = HttpRequests(kube, self._spawn, self.informers["WorkflowTaskResult"])
        self.actions = ActionRunner(kube, self.locks, self.http.start)
        self.gc = ArtifactCollector(kube, self._spawn, self._requeue_in, self._warn)
        self.workflows = self.informers["Workflow"]
        self.pods = ByWorkflow(self.informers["Pod"])
        self.unfinished = Unfinished()  # pods not ended, by workflow: whether passes rest
        self.task_results = ByWorkflow(self.informers["WorkflowTaskResult"])
        self.lookup = CacheLookup(self.informers)
        self.cron = CronController(
            kube, self.workflows, self.lookup, namespace=namespace, instance_id=settings.instance_id
        )
        self._stopping = asyncio.Event()
        self._ready = asyncio.Event()
        self._stopped = asyncio.Event()
        self._tg: asyncio.TaskGroup | None = None
        self._side_tasks: set[asyncio.Task[None]] = set()
        self._essential: dict[str, asyncio.Task[None]] = {}  # what health() watches
        self._ended: str | None = None  # why run() ended, when it ended by itself
        self._writing: dict[str, list[str]] = {}
        self.failures = PassFailures()  # the engine raising over a workflow
        self._shell_failures = PassFailures()  # anything else failing a pass (logging only)

    # --- lifetime ---

    async def run(self) -> None:
        """Run until `stop()`; every task it starts has ended when it returns."""
        self.http.open()
        try:
            async with asyncio.TaskGroup() as tg:
                self._tg = tg
                watches = [
                    tg.create_task(self._guard(inf.run, f"{kind} informer"), name=f"inf-{kind}")
                    for kind, inf in [*self.informers.items(), ("Namespace", self.namespaces)]
                ]
                self._essential = {f"{t.get_name()[4:]} informer": t for t in watches}
                if await self._until_stopping(self._wait_synced()):
                    self._start_up()
                    self._spawn(self.archiver.run(), "archive-ttl")
                    workers = [
                        tg.create_task(self._worker(), name=f"worker-{i}")
                        for i in range(self.worker_count)
                    ]
                    self._essential.update((f"worker {i}", t) for i, t in enumerate(workers))
                    resync = tg.create_task(self._resync(), name="resync")
                    events = tg.create_task(
                        self._guard(self.actions.record_events, "event recorder"), name="events"
                    )
                    cron = tg.create_task(self._guard(self.cron.run, "cron"), name="cron")
                    self._ready.set()
                    await self._stopping.wait()
                    self.queue.shutdown()
                    await self._drain(workers)
                    resync.cancel()
                    events.cancel()
                    cron.cancel()
                for task in [*watches, *self._side_tasks]:
                    task.cancel()
        except Exception as e:
            cause: BaseException = e
            while isinstance(cause, BaseExceptionGroup) and cause.exceptions:
                cause = cause.exceptions[0]  # the task's own error, not the group's summary
            self._ended = f"the workflow controller failed: {describe(cause)}"
            raise
        finally:
            self._tg = None
            self.gc.close()
            await self.http.close()
            self._stopped.set()

    def stop(self) -> None:
        """Ask `run()` to finish: no new passes, in-flight ones drain, then everything ends."""
        self._stopping.set()

    def health(self) -> str | None:
        """Why the controller is not working (None when it is): it has ended without `stop()`,
        or one of its informers or workers has. Cheap: a few flags, no I/O."""
        if self._stopping.is_set():
            return None
        if self._stopped.is_set():
            return self._ended or "the workflow controller has stopped"
        for what, task in self._essential.items():
            if task.done():
                return f"the workflow controller's {what} has stopped"
        return None

    async def wait_ready(self) -> None:
        """Return once the caches are filled and the workers run."""
        await self._ready.wait()

    async def wait_stopped(self) -> None:
        """Return once `run()` has ended every task it started."""
        await self._stopped.wait()

    async def _until_stopping(self, work: Coroutine[Any, Any, None]) -> bool:
        """Await `work` unless `stop()` comes first; True when `work` finished."""
        assert self._tg is not None
        task = self._tg.create_task(work)
        stopping = self._tg.create_task(self._stopping.wait())
        await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
        task.cancel()
        stopping.cancel()
        return not self._stopping.is_set()

    async def _wait_synced(self) -> None:
        for informer in self.informers.values():
            await informer.wait_synced()

    async def _drain(self, workers: list[asyncio.Task[None]]) -> None:
        _, late = await asyncio.wait(workers, timeout=self.drain_seconds)
        for task in late:
            log.warning(
                "controller: a pass did not finish within %ss; cancelling it", self.drain_seconds
            )
            task.cancel()

    async def _guard(self, run: Callable[[], Coroutine[Any, Any, None]], what: str) -> None:
        """Keep a long-lived task alive: a bug in it is logged and it starts again."""
        while True:
            try:
                await run()
                return
            except Exception:
                log.exception("controller: %s crashed; restarting it", what)
                self.metrics.error("task")
                await asyncio.sleep(GUARD_RESTART_SECONDS)

    def _start_up(self) -> None:
        """Rebuild locks and running slots from what the workflows say, then queue them all."""
        workflows = self.workflows.items()
        self.locks.restore(workflows)
        for wf in workflows:
            phase = (wf.get("status") or {}).get("phase")
            if phase == "Running":
                self.throttle.occupy(_key(wf))
        for wf in workflows:
            self.queue.add(_key(wf))
            if self.task_results.count(_key(wf)) and _done(wf):
                # Done before a restart, or its deletion failed: Argo would leave these to
                # the workflow's deletion; here one sweep at start-up costs one request each.
                self._delete_task_results(_key(wf))

    async def _resync(self) -> None:
        """Every `resync_seconds`, queue every workflow that has not completed."""
        while True:
            await asyncio.sleep(self.resync_seconds)
            for wf in self.workflows.items():
                if (wf["metadata"].get("labels") or {}).get(LABEL_COMPLETED) != "true":
                    self.queue.add(_key(wf))

    # --- the workers ---

    async def _worker(self) -> None:
        while (key := await self.queue.get()) is not None:
            self.metrics.workers_busy += 1
            started = asyncio.get_running_loop().time()
            _trace.debug("pass %s", key)
            try:
                await self._pass(key)
            except Exception as e:
                self._shell_failures.failed(key, e)
                self.metrics.error("pass")
                self.queue.add_backoff(key)
            else:
                self._shell_failures.succeeded(key)
            finally:
                self.metrics.workers_busy -= 1
                self.metrics.passes += 1
                took = asyncio.get_running_loop().time() - started
                _trace.debug("passed %s", key)
                self.metrics.pass_duration.observe(took)
                rests = took > REST_FROM and self.unfinished.count(key) > 1
                self.queue.done(key, rest=min(took * REST_RATIO, REST_MAX) if rests else 0.0)
                self._update_gauges()

    async def _pass(self, key: str) -> None:
        """One reconcile of one workflow: observe, decide (engine), act, persist once."""
        namespace, _, name = key.partition("/")
        cached = self.workflows.get(namespace, name)
        if cached is None:
            self._gone(key, None)
            return
        if not await self._admitted(key, cached):
            return
        try:
            wf = await self.persister.hydrate(cached)
        except OffloadError as e:
            log.error("controller: workflow %s: %s", key, e)
            self.metrics.error("offload")
            self.queue.add_backoff(key)
            return
        wf = self._on_current_store(wf)
        observed = api.Observed(
            pods=self.pods.objects(key),
            task_results=self.task_results.objects(key),
            objects=self.lookup,
            locks=self.locks.holders(),
        )
        try:
            result = self.reconcile(wf, observed, datetime.now(UTC), self.settings)
        except Exception as e:
            await self._reconcile_failed(key, cached, wf, e)
            return
        self.failures.succeeded(key)
        if not await self._artifacts(key, wf, result):
            self.queue.add_backoff(key)
            return
        log.debug(
            "pass %s: %d pods, %d task results -> phase %s, %d actions, requeue after %s",
            key,
            len(observed.pods),
            len(observed.task_results),
            (result.workflow.get("status") or {}).get("phase"),
            len(result.actions),
            result.requeue_after,
        )
        outcome = await self.actions.perform(wf, result.actions)
        failed = bool(outcome.failures)
        new = self.archiver.pending(result.workflow)  # Argo's archiving label, in this write
        if not outcome.deleted and new != wf:
            failed = not await self._write(key, cached, new) or failed
        if not outcome.deleted:
            self.gc.review(key, new)
        if workflow_done((result.workflow.get("status") or {}).get("phase")):
            outcome.requeue.extend(self.throttle.release(key))
            self.archiver.finished(self.workflows.get(namespace, name))
        for other in outcome.requeue:
            self.queue.add(other)
        if result.requeue_after is not None and not outcome.deleted:
            self.queue.add_after(key, result.requeue_after)
        if failed:
            self.queue.add_backoff(key)
        else:
            self.queue.forget(key)

    async def _reconcile_failed(self, key: str, cached: Obj, wf: Obj, error: Exception) -> None:
        """The engine raised over `wf`: retry with backoff; after a few failures in a row end
        it `Error`, as Argo ends a workflow whose operation panicked. One that has ended is
        not retried: its next event brings the next try."""
        self.metrics.error("pass")
        given_up = self.failures.failed(key, error)
        if workflow_done((wf.get("status") or {}).get("phase")):
            self.queue.forget(key)  # only TTL and pod GC were left: its next event tries again
            return
        if not given_up:
            self.queue.add_backoff(key)
            return
        new = self.archiver.pending(errored(wf, error, datetime.now(UTC), self.failures.limit))
        if not await self._write(key, cached, new):
            self.queue.add_backoff(key)
            return
        self.queue.forget(key)
        for other in [*self.locks.forget_workflow(key), *self.throttle.release(key)]:
            self.queue.add(other)
        namespace, _, name = key.partition("/")
        self.archiver.finished(self.workflows.get(namespace, name))

    async def _write(self, key: str, cached: Obj, wf: Obj) -> bool:
        """Persist the engine's workflow; False when it must be retried with backoff."""
        self._writing[key] = []  # workflow events that arrive meanwhile, by resourceVersion
        written: Obj | None = None
        try:
            written = await self.persister.write(wf)
        except Conflict:
            # Someone wrote in between: reload (the informer brings the new version) and redo.
            self.metrics.conflicts += 1
            self.queue.add(key)
            return True
        except NotFound:
            return True  # deleted meanwhile: its DELETED event cleans up
        except KubeError as e:
            log.warning("controller: writing workflow %s failed: %s", key, e)
            self.metrics.error("write")
            return False
        finally:
            seen = self._writing.pop(key, [])
            mine = _rv(written) if written is not None else None
            # Only events of other writes than ours call for another pass.
            if any(rv != mine for rv in seen):
                self.queue.add(key)
        self.metrics.writes += 1
        self._cache_written(key, cached, written)
        if completes(cached, written):
            self._delete_task_results(key)
        return True

    def _cache_written(self, key: str, cached: Obj, written: Obj) -> None:
        """Put our own write in the informer cache, as Argo does.

        The next pass then starts from what we wrote instead of a stale copy, and the watch
        event of our write carries a resourceVersion the cache already has, so the informer
        does not report it and no useless pass follows. If the cache moved on meanwhile (the
        event came first, and `_write` has judged it, or a newer change), it is left alone.
        """
        current = self.workflows.cache.get(key)
        if current is not None and _rv(current) == _rv(cached):
            self.workflows.cache[key] = written

    async def _admitted(self, key: str, wf: Obj) -> bool:
        """Controller-wide parallelism: may this workflow run now? Marks it postponed if not."""
        self.throttle.limit = self.settings.parallelism
        self.throttle.namespace_limit = self.settings.namespace_parallelism
        status = wf.get("status") or {}
        if workflow_done(status.get("phase")) or self.throttle.admit(key, self._rank(key)):
            return True
        if not status.get("phase"):
            postponed = {**wf, "status": {**status, "phase": "Pending", "message": POSTPONED}}
            await self._write(key, wf, postponed)
        return False

    def _update_gauges(self) -> None:
        self.metrics.queue_depth = len(self.queue)
        self.metrics.queue_adds = self.queue.stats.adds

    # --- informer events (plain callbacks on the loop: they only index and enqueue) ---

    def _make_informers(self) -> dict[str, Informer]:
        ns = self.namespace
        return {
            "Workflow": Informer(
                self.kube,
                "Workflow",
                namespace=ns,
                label_selector=_instance_selector(self.settings.instance_id),
                on_event=self._on_workflow,
            ),
            "Pod": Informer(
                self.kube,
                "Pod",
                namespace=ns,
                label_selector=LABEL_WORKFLOW,
                on_event=self._on_pod,
                transform=observed_pod,
            ),
            "WorkflowTaskResult": Informer(
                self.kube, "WorkflowTaskResult", namespace=ns, on_event=self._on_task_result
            ),
            "WorkflowTemplate": Informer(self.kube, "WorkflowTemplate", namespace=ns),
            "ClusterWorkflowTemplate": Informer(self.kube, "ClusterWorkflowTemplate"),
            "ConfigMap": Informer(
                self.kube, "ConfigMap", namespace=ns, on_event=self._on_configmap
            ),
        }

    def _on_workflow(self, kind: str, obj: Obj, old: Obj | None) -> None:
        key = _key(obj)
        if kind == "DELETED":
            self._gone(key, obj)
        elif key in self._writing:
            self._writing[key].append(_rv(obj))  # maybe our own write: `_write` decides
        else:
            self.queue.add(key)

    def _on_pod(self, kind: str, obj: Obj, old: Obj | None) -> None:
        key = self.pods.update(kind, obj, old)
        if key is None:
            return
        self.unfinished.update(key, kind, obj)
        if (obj.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
            _trace.debug("seen %s", obj["metadata"].get("name"))
            # A pod's end moves its workflow on at once (its task result came first: the
            # executor reports before it exits), taking any coalescing timer's place.
            self.queue.add_now(key)
        else:
            self.queue.add_after(key, COALESCE_SECONDS)

    def _on_task_result(self, kind: str, obj: Obj, old: Obj | None) -> None:
        key = self.task_results.update(kind, obj, old)
        if kind == "DELETED":
            self.http.result_deleted(obj)
            if key is not None and _done(self.workflows.cache.get(key)):
                return  # our clean-up after completion: a done workflow reads no results
        if key is not None:
            self.queue.add_after(key, COALESCE_SECONDS)

    def _on_namespace(self, kind: str, obj: Obj, old: Obj | None) -> None:
        meta = obj.get("metadata") or {}
        text = (meta.get("labels") or {}).get(LABEL_PARALLELISM_LIMIT)
        limit = None
        if kind != "DELETED" and text is not None:
            try:
                limit = int(text)
            except ValueError:
                log.warning("namespace %s: label %s=%r is not a number; ignored",
                            meta.get("name"), LABEL_PARALLELISM_LIMIT, text)  # fmt: skip
        for key in self.throttle.set_namespace_limit(str(meta.get("name") or ""), limit):
            self.queue.add(key)
        if kind == "DELETED" and self.secrets is not None:
            self.secrets.forget(str(meta.get("name") or ""))

    def _on_configmap(self, kind: str, obj: Obj, old: Obj | None) -> None:
        meta = obj.get("metadata") or {}
        # A semaphore's limit lives in a ConfigMap: a raised limit may let waiters in.
        prefix = f"{meta.get('namespace', '')}/ConfigMap/{meta.get('name', '')}/"
        for waiting in self.locks.waiting_workflows(prefix):
            self.queue.add(waiting)
        if self.configmap is None or self.settings_from is None or kind == "DELETED":
            return
        if (meta.get("namespace"), meta.get("name")) != self.configmap:
            return
        try:
            self.settings = self._with_store(self.settings_from(obj))
        except Exception as e:
            log.error("controller: ignoring the changed ConfigMap %s: %s", meta.get("name"), e)
            return
        log.info("controller: settings reloaded from ConfigMap %s", meta.get("name"))

    def _gone(self, key: str, wf: Obj | None) -> None:
        """A workflow was deleted: free what it held and wake who waited for it."""
        self.queue.drop(key)
        self.failures.succeeded(key)
        self.gc.forget(key)
        if self.secrets is not None:
            self.secrets.forget_workflow(key)
        self._shell_failures.succeeded(key)
        for other in [*self.locks.forget_workflow(key), *self.throttle.release(key)]:
            self.queue.add(other)
        uid = ((wf or {}).get("metadata") or {}).get("uid")
        if uid:
            self.http.forget(uid)
        if uid and (wf or {}).get("status", {}).get("offloadNodeStatusVersion"):
            self._spawn(self.persister.forget(uid), f"forget-{key}")

    # --- artifacts: the built-in store's Secret, GC's requeues and warnings ---

    def _with_store(self, settings: api.Settings) -> api.Settings:
        """`settings`, with the built-in store as the repository when the config has none."""
        store = self.artifact_store
        self._store_is_default = store is not None and not settings.artifact_repository
        if store is None or settings.artifact_repository:
            return settings
        return dataclasses.replace(settings, artifact_repository=store.repository())

    def _on_current_store(self, wf: Obj) -> Obj:
        """`wf` with its resolved repository pointed at the built-in store as it answers now,
        when it names the store of an earlier run elsewhere (`argoapp up` restarted on another
        port): its next pods, downloads and GC reach the store where it is."""
        ref = (wf.get("status") or {}).get("artifactRepositoryRef")
        store = self.artifact_store
        if store is None or not isinstance(ref, dict):
            return wf
        repo = ref.get("artifactRepository")
        if not isinstance(repo, dict) or (moved := store.rebase(repo)) is repo:
            return wf
        status = {**wf["status"], "artifactRepositoryRef": {**ref, "artifactRepository": moved}}
        return {**wf, "status": status}

    async def _artifacts(self, key: str, wf: Obj, result: api.Result) -> bool:
        """The artifact work riding on a pass: GC's last outcome and its finalizer go into
        this pass's one write, and the built-in store's Secret is in the namespace before any
        pod is created. False when the pass must be retried (the Secret is not there)."""
        result.workflow = self.gc.prepare(self.gc.apply(key, result.workflow))
        if wf["metadata"].get("deletionTimestamp"):
            # Being deleted already (its finalizers hold it): a TTL's delete would only skip
            # the write that lets it go.
            result.actions = [a for a in result.actions if not isinstance(a, api.DeleteWorkflow)]
        if self.secrets is None or not self._store_is_default:
            return True
        if await self.secrets.ready_for_pods(key, wf, result.actions):
            return True
        self.metrics.error("artifact-secret")
        return False

    def _warn(self, wf: Obj, reason: str, message: str) -> None:
        """A Warning Event about the workflow, written in the background like the engine's."""
        event = api.Event(type="Warning", reason=reason, message=message)
        try:
            self.actions.events.put_nowait(
                (wf["metadata"]["namespace"], event_object(wf, event, datetime.now(UTC)))
            )
        except asyncio.QueueFull:
            self.actions.events_dropped += 1

    def _delete_task_results(self, key: str) -> None:
        """Delete the workflow's task results beside the passes (see `task_results`)."""
        namespace, _, name = key.partition("/")
        self._spawn(delete_task_results(self.kube, namespace, name), f"task-results-{key}")

    def _requeue_in(self, key: str, delay: float) -> None:
        if delay > 0:
            self.queue.add_after(key, delay)
        else:
            self.queue.add(key)

    # --- tasks started on the engine's behalf ---

    def _spawn(self, work: Coroutine[Any, Any, None], name: str) -> None:
        if self._tg is None or self._stopping.is_set():
            work.close()
            return
        task = self._tg.create_task(self._logged(work, name), name=name)
        self._side_tasks.add(task)
        task.add_done_callback(self._side_tasks.discard)

    async def _logged(self, work: Coroutine[Any, Any, None], name: str) -> None:
        try:
            await work
        except Exception:
            log.exception("controller: %s failed", name)
            self.metrics.error("task")

    def _rank(self, key: str) -> Rank:
        """Queue and admission order: higher `spec.priority` first, then older first."""
        namespace, _, name = key.partition("/")
        wf = self.workflows.get(namespace, name)
        if wf is None:
            return (0.0, 0.0)
        priority = (wf.get("spec") or {}).get("priority") or 0
        created = wf["metadata"].get("creationTimestamp") or ""
        try:
            stamp = datetime.fromisoformat(created).timestamp() if created else 0.0
        except ValueError:
            stamp = 0.0
        return (-float(priority), stamp)


def _instance_selector(instance_id: str) -> str:
    """Argo's sharding: a controller with an instanceID owns only the workflows labelled with
    it; one without owns only the unlabelled ones."""
    if instance_id:
        return f"{LABEL_CONTROLLER_INSTANCE_ID}={instance_id}"
    return f"!{LABEL_CONTROLLER_INSTANCE_ID}"


def _engine_reconcile() -> Reconcile:
    from argoapp.engine.reconcile import reconcile

    return reconcile


def _key(wf: Obj) -> str:
    meta = wf.get("metadata") or {}
    return f"{meta.get('namespace', '')}/{meta.get('name', '')}"


def _done(wf: Obj | None) -> bool:
    return wf is not None and workflow_done((wf.get("status") or {}).get("phase"))


def _rv(obj: Obj) -> str:
    return str((obj.get("metadata") or {}).get("resourceVersion") or "")
