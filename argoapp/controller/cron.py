"""`CronController`: runs CronWorkflows on their schedules, as Argo's cron controller does.

The workflow `Controller` owns one and runs `run()` in its TaskGroup. It follows CronWorkflows
with its own informer and reads their children (the Workflows they own) from the controller's
Workflow informer, so it adds no watch on workflows and no work per pod. One task does all the
scheduling: it keeps each cron's next firing time, sleeps until the earliest one (or until a
CronWorkflow changes), and fires what is due, one after another. Every `sync_seconds` the same
task follows the children: finished ones leave `status.active` and count as succeeded or failed
(then `stopStrategy` may stop the cron), and finished ones beyond the history limits are
deleted. The decisions are `cron_status`'s; this module reads caches and writes.

A run (`_fire`) checks the spec (a `SpecError` condition when invalid), `stopStrategy`,
`suspend`, `when` and `concurrencyPolicy`, then creates `<cron>-<unix seconds>` (an existing
one means the run was already made) and records it in the status (`active`,
`lastScheduledTime`, `phase`, conditions) with one merge patch. A failure to create is a
`SubmissionError` condition and counts as failed. A run missed while nobody scheduled is made
when the cron is (re)seen, if `startingDeadlineSeconds` allows (see `cron_status.missed_run`).

The clock is injectable (`clock`): tests move a fake one and call `wake()`; production uses
the wall clock. The cron's own status writes are kept (`_fresh`) until the informer has them,
so a run right after another sees its own changes.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from argoapp.controller import cron_status as cs
from argoapp.controller.cron_schedule import Schedule, ScheduleError
from argoapp.engine.api import Lookup
from argoapp.engine.validate import ValidationError, validate_cron_workflow
from argoapp.kube.api import KubeApi
from argoapp.kube.errors import AlreadyExists, KubeError, NotFound
from argoapp.kube.informer import Informer, object_key
from argoapp.model.labels import LABEL_CONTROLLER_INSTANCE_ID
from argoapp.model.phases import workflow_done
from argoapp.model.types import Obj
from argoapp.template import ExpressionError

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
SYNC_SECONDS = 10.0  # Argo's CRON_SYNC_PERIOD
# Without any firing due, the loop still looks at the clock this often (a laptop's sleep or a
# clock change moves the wall clock without waking anyone).
MAX_SLEEP_SECONDS = 60.0
# A child we created and have not seen in the cache for this long is taken as gone.
PENDING_SECONDS = 300.0


def wall_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class _Entry:
    signature: str
    schedules: list[Schedule]
    next_at: datetime | None


class CronController:
    """Schedules the CronWorkflows of one namespace (or all) on one Kubernetes API."""

    def __init__(
        self,
        kube: KubeApi,
        workflows: Informer,
        lookup: Lookup,
        *,
        namespace: str = "",
        instance_id: str = "",
        clock: Clock = wall_clock,
        sync_seconds: float = SYNC_SECONDS,
    ) -> None:
        self.kube = kube
        self.workflows = workflows
        self.lookup = lookup
        self.clock = clock
        self.sync_seconds = sync_seconds
        selector = (
            f"{LABEL_CONTROLLER_INSTANCE_ID}={instance_id}"
            if instance_id
            else f"!{LABEL_CONTROLLER_INSTANCE_ID}"
        )
        self.informer = Informer(
            kube,
            "CronWorkflow",
            namespace=namespace,
            label_selector=selector,
            on_event=self._on_cron,
        )
        # Argo's cronworkflows_triggered_total and cronworkflows_concurrencypolicy_triggered.
        self.triggered: Counter[tuple[str, str]] = Counter()
        self.policy_triggered: Counter[tuple[str, str, str]] = Counter()
        self.errors: Counter[str] = Counter()  # "SpecError", "SubmissionError"
        self._entries: dict[str, _Entry] = {}
        self._dirty: set[str] = set()
        self._fresh: dict[str, Obj] = {}
        self._pending: dict[str, dict[str, float]] = {}  # cron key -> child uid -> made at
        self._wake = asyncio.Event()
        self._ready = asyncio.Event()

    # --- lifetime ---

    async def run(self) -> None:
        """Follow and fire CronWorkflows until cancelled."""
        async with asyncio.TaskGroup() as tg:
            watch = tg.create_task(self.informer.run(), name="inf-CronWorkflow")
            try:
                await self.informer.wait_synced()
                await self.workflows.wait_synced()
                self._ready.set()
                await self._loop()
            finally:
                watch.cancel()

    async def wait_ready(self) -> None:
        """Return once both caches are filled and the scheduling loop runs."""
        await self._ready.wait()

    def wake(self) -> None:
        """Look at the clock now (tests call it after moving a fake clock)."""
        self._wake.set()

    def next_run_of(self, namespace: str, name: str) -> datetime | None:
        """When the cron fires next, as scheduled now (None: not scheduled)."""
        entry = self._entries.get(f"{namespace}/{name}")
        return entry.next_at if entry else None

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        next_sync = loop.time()
        while True:
            self._wake.clear()
            now = self.clock()
            for key in sorted(self._dirty):
                self._dirty.discard(key)
                await self._guarded(self._register(key, now), f"registering {key}")
            if loop.time() >= next_sync:
                await self._guarded(self._sync_all(), "following cron children")
                next_sync = loop.time() + self.sync_seconds
            await self._fire_due(now)
            await self._sleep(next_sync - loop.time())

    async def _sleep(self, until_sync: float) -> None:
        due = [e.next_at for e in self._entries.values() if e.next_at is not None]
        delay = min(until_sync, MAX_SLEEP_SECONDS)
        if due:
            delay = min(delay, (min(due) - self.clock()).total_seconds())
        if self._dirty or delay <= 0:
            await asyncio.sleep(0)
            return
        try:
            async with asyncio.timeout(delay):
                await self._wake.wait()
        except TimeoutError:
            pass

    async def _guarded(self, work: Coroutine[Any, Any, None], what: str) -> None:
        """One step of the loop; a failure is logged and the loop goes on."""
        try:
            await work
        except Exception:
            log.exception("cron: %s failed", what)
            self.errors["internal"] += 1

    async def _fire_due(self, now: datetime) -> None:
        for key, entry in list(self._entries.items()):
            if entry.next_at is not None and entry.next_at <= now:
                scheduled = entry.next_at
                # As robfig/cron: the next firing is reckoned from now, not from the late one.
                entry.next_at = cs.next_run(entry.schedules, max(now, scheduled))
                await self._guarded(self._fire(key, scheduled), f"running {key}")

    # --- informer events ---

    def _on_cron(self, kind: str, obj: Obj, old: Obj | None) -> None:
        key = object_key(obj)
        fresh = self._fresh.get(key)
        if fresh is not None and (kind == "DELETED" or not _older(obj, fresh)):
            del self._fresh[key]
        if kind == "DELETED":
            self._entries.pop(key, None)
            self._pending.pop(key, None)
            self._dirty.discard(key)
        else:
            self._dirty.add(key)
        self._wake.set()

    def _current(self, key: str) -> Obj | None:
        """The cron as we last know it: our own write, until the informer has caught up."""
        namespace, _, name = key.partition("/")
        cached = self.informer.get(namespace, name)
        fresh = self._fresh.get(key)
        if fresh is None or cached is None or not _older(cached, fresh):
            self._fresh.pop(key, None)
            return cached
        return fresh

    # --- scheduling ---

    async def _register(self, key: str, now: datetime) -> None:
        """(Re)schedule a cron after a change; start a missed run if one is due."""
        cron = self._current(key)
        labels = ((cron or {}).get("metadata") or {}).get("labels") or {}
        if cron is None or labels.get(cs.LABEL_CRON_COMPLETED) == "true":
            self._entries.pop(key, None)  # Argo leaves stopped crons alone for good
            return
        signature = f"{cs.schedule_signature(cron)}|{cs.spec_of(cron).get('timezone') or ''}"
        entry = self._entries.get(key)
        if entry is None or entry.signature != signature:
            try:
                parsed = cs.schedules(cron)
            except ScheduleError as e:
                self._entries.pop(key, None)
                await self._report_spec_error(key, cron, f"invalid schedule: {e}")
                return
            entry = _Entry(signature, parsed, cs.next_run(parsed, now))
            self._entries[key] = entry
        missed = cs.missed_run(cron, entry.schedules, now)
        if missed is not None:
            log.info("cron %s: running the missed run of %s", key, missed.isoformat())
            await self._fire(key, missed)

    async def _report_spec_error(self, key: str, cron: Obj, message: str) -> None:
        status: Obj = dict(cron.get("status") or {})
        cs.set_condition(status, cs.SPEC_ERROR, message)
        self.errors[cs.SPEC_ERROR] += 1
        log.warning("cron %s: %s", key, message)
        await self._persist(key, cron, status)

    async def _fire(self, key: str, scheduled: datetime) -> None:
        """One scheduled run: Argo's checks, then the child workflow, then the status."""
        cron = self._current(key)
        if cron is None:
            return
        status: Obj = dict(cron.get("status") or {})
        meta_patch: Obj = {}
        try:
            validate_cron_workflow(cron, self.lookup)
        except ValidationError as e:
            cs.set_condition(status, cs.SPEC_ERROR, str(e))
            self.errors[cs.SPEC_ERROR] += 1
            await self._persist(key, cron, status)
            return
        cs.clear_condition(status, cs.SPEC_ERROR)
        stopped = self._stop_check(cron, status, meta_patch)
        if stopped is None:
            await self._persist(key, cron, status, meta_patch)
            return
        view = {**cron, "status": status}
        if await self._allowed(key, view, status):
            await self._submit(key, view, status, meta_patch, scheduled)
        await self._persist(key, cron, status, meta_patch)

    def _stop_check(self, cron: Obj, status: Obj, meta_patch: Obj) -> bool | None:
        """Apply `stopStrategy`; whether the cron is stopped (None: the check itself failed)."""
        name = (cron.get("metadata") or {}).get("name", "")
        try:
            stop = cs.should_stop({**cron, "status": status})
        except ExpressionError as e:
            message = f"failed to check CronWorkflow '{name}' stopping condition: {e}"
            cs.set_condition(status, cs.SPEC_ERROR, message)
            self.errors[cs.SPEC_ERROR] += 1
            return None
        if stop:
            status["phase"] = cs.STOPPED
            meta_patch.setdefault("labels", {})[cs.LABEL_CRON_COMPLETED] = "true"
        return status.get("phase") == cs.STOPPED

    async def _allowed(self, key: str, cron: Obj, status: Obj) -> bool:
        """Argo's run policy: suspend, stopped, `when`, then `concurrencyPolicy`."""
        spec = cs.spec_of(cron)
        namespace, _, name = key.partition("/")
        if spec.get("suspend") or status.get("phase") == cs.STOPPED:
            return False
        try:
            if not cs.when_allows(cron, self.clock()):
                return False
        except ExpressionError as e:
            self._submission_error(status, f"run policy error: {e}")
            return False
        self._follow(key, cron, status)
        active = status.get("active") or []
        policy = str(spec.get("concurrencyPolicy") or "Allow")
        if policy == "Forbid" and active:
            self.policy_triggered[(namespace, name, policy)] += 1
            log.info("cron %s: Forbid, and a workflow of it is still running: skipped", key)
            return False
        if policy == "Replace" and active:
            self.policy_triggered[(namespace, name, policy)] += 1
            try:
                await self._terminate(namespace, active)
            except KubeError as e:
                self._submission_error(status, f"run policy error: {e}")
                return False
        return True

    def _follow(self, key: str, cron: Obj, status: Obj) -> None:
        """Bring `status.active` up to date from the cache before a policy looks at it."""
        children = cs.children_by_owner(self.workflows.items()).get(
            str(cron["metadata"].get("uid")), []
        )
        followed = cs.follow_children({**cron, "status": status}, children, self._pending_of(key))
        if followed is not None:
            status.clear()
            status.update(followed)

    async def _terminate(self, namespace: str, active: list[Obj]) -> None:
        """Replace: terminate the running children, as `argo terminate` does."""
        for ref in active:
            name = str(ref.get("name") or "")
            cached = self.workflows.get(namespace, name)
            if cached is not None and workflow_done((cached.get("status") or {}).get("phase")):
                continue
            try:
                await self.kube.patch(
                    "Workflow", name, {"spec": {"shutdown": "Terminate"}}, namespace
                )
            except NotFound:
                continue

    async def _submit(
        self, key: str, cron: Obj, status: Obj, meta_patch: Obj, scheduled: datetime
    ) -> None:
        namespace, _, name = key.partition("/")
        wf = cs.child_workflow(cron, scheduled)
        try:
            made = await self.kube.create("Workflow", wf, namespace)
        except AlreadyExists:
            return  # this run was made before (a restart, or a missed run made twice)
        except KubeError as e:
            self._submission_error(status, f"Failed to submit Workflow: {e}")
            return
        self.triggered[(namespace, name)] += 1
        uid = str(made["metadata"].get("uid") or "")
        self._pending.setdefault(key, {})[uid] = asyncio.get_running_loop().time()
        status["active"] = [*(status.get("active") or []), cs.object_ref(made)]
        status["phase"] = cs.ACTIVE
        status["lastScheduledTime"] = cs.stamp(scheduled)
        cs.clear_condition(status, cs.SUBMISSION_ERROR)
        annotations = (cron.get("metadata") or {}).get("annotations") or {}
        signature = cs.schedule_signature(cron)
        if annotations.get(cs.ANNOTATION_LAST_USED_SCHEDULE) != signature:
            meta_patch.setdefault("annotations", {})[cs.ANNOTATION_LAST_USED_SCHEDULE] = signature
        log.info("cron %s: made workflow %s", key, made["metadata"].get("name"))

    def _submission_error(self, status: Obj, message: str) -> None:
        cs.set_condition(status, cs.SUBMISSION_ERROR, message)
        status["failed"] = int(status.get("failed") or 0) + 1
        self.errors[cs.SUBMISSION_ERROR] += 1
        log.warning("cron: %s", message)

    # --- following the children ---

    def _pending_of(self, key: str) -> set[str]:
        """Children we made that the cache may not have yet (forgotten after a while)."""
        made = self._pending.get(key)
        if not made:
            return set()
        oldest = asyncio.get_running_loop().time() - PENDING_SECONDS
        for uid in [u for u, at in made.items() if at < oldest]:
            del made[uid]
        return set(made)

    async def _sync_all(self) -> None:
        """Argo's periodic sync: history limits, then `status.active` and the counters."""
        grouped = cs.children_by_owner(self.workflows.items())
        for cron in self.informer.items():
            key = object_key(cron)
            await self._guarded(
                self._sync_one(key, grouped.get(str(cron["metadata"].get("uid")), [])),
                f"syncing {key}",
            )

    async def _sync_one(self, key: str, children: list[Obj]) -> None:
        cron = self._current(key)
        if cron is None:
            return
        namespace = key.partition("/")[0]
        seen = {str(c["metadata"].get("uid")) for c in children}
        made = self._pending.get(key) or {}
        for uid in seen & set(made):
            del made[uid]
        for name in cs.over_history_limit(cron, children):
            try:
                await self.kube.delete("Workflow", name, namespace)
                log.info("cron %s: deleted workflow %s (history limit)", key, name)
            except NotFound:
                pass
        status = cs.follow_children(cron, children, self._pending_of(key))
        if status is None:
            return
        meta_patch: Obj = {}
        before = (cron.get("status") or {}).get("phase")
        if (
            self._stop_check({**cron, "status": status}, status, meta_patch)
            and before != cs.STOPPED
        ):
            log.info("cron %s: its stop strategy holds: stopped", key)
        await self._persist(key, cron, status, meta_patch)

    # --- writing ---

    async def _persist(
        self, key: str, cron: Obj, status: Obj, meta_patch: Obj | None = None
    ) -> None:
        """One merge patch of what changed (status, labels, annotations); nothing if nothing."""
        patch: Obj = {}
        if status != (cron.get("status") or {}):
            patch["status"] = status
        meta = cron.get("metadata") or {}
        for field, values in (meta_patch or {}).items():
            if any((meta.get(field) or {}).get(k) != v for k, v in values.items()):
                patch.setdefault("metadata", {})[field] = values
        if not patch:
            return
        namespace, _, name = key.partition("/")
        try:
            written = await self.kube.patch("CronWorkflow", name, patch, namespace)
        except NotFound:
            return
        self._fresh[key] = written


def _older(a: Obj, b: Obj) -> bool:
    """Whether `a` is an older version than `b` (resourceVersions compared as numbers, as
    etcd's and localkube's are; equal or unreadable ones are not older)."""
    rv_a = str((a.get("metadata") or {}).get("resourceVersion") or "")
    rv_b = str((b.get("metadata") or {}).get("resourceVersion") or "")
    if rv_a.isdigit() and rv_b.isdigit():
        return int(rv_a) < int(rv_b)
    return False
