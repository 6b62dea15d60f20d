"""Artifact GC, done by the controller itself: it deletes the output artifacts a workflow's
`artifactGC` strategies name, once their time has come (`artifact_gc_plan` decides which).

Argo starts a GC pod per strategy and reads back its WorkflowArtifactGCTask. argoapp does the
deletes in the controller: it already reads Secrets in every namespace it runs workflows in and
holds the artifact drivers, so a pod would only add an image pull, a schedule and a round trip
through the API for the same requests. What Argo's users see stays the same: the finalizer
`workflows.argoproj.io/artifact-gc`, `deleted: true` on each artifact deleted,
`status.artifactGCStatus.strategiesProcessed`, the `ArtifactGCError` condition and the
`ArtifactGCFailed` event, and `forceFinalizerRemoval`. `artifactGC.serviceAccountName` and
`podMetadata` have no pod to apply to and are ignored; the Secrets read are the workflow's own.

The work is off the workers' hot path: `review` (called at the end of a pass) starts a task of
its own per workflow, which reads the Secrets the artifacts' locations name (in the workflow's
namespace, with the controller's client) and runs the blocking driver calls in a small thread
pool of its own, so an unreachable store delays nothing but its own workflow's GC. The outcome
is kept as a `Report` and the workflow is queued: the next pass writes it into the workflow
(`apply`), in the pass's one write. A failed attempt is retried with back-off.

Who calls: `Controller` (prepare/apply/review in `_pass`, forget in `_gone`, close at the end).
It must not write the workflow itself: only passes do.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from argoapp.artifacts import ArtifactError, MappingSecrets, driver_for, resolve
from argoapp.controller import artifact_gc_plan as plan
from argoapp.kube.api import KubeApi
from argoapp.kube.errors import KubeError
from argoapp.model.types import Obj

log = logging.getLogger(__name__)

THREADS = 4  # blocking driver calls at once, over all workflows
# Failures in a row after which one attempt stops trying the rest of its artifacts: a store
# that does not answer costs each call its whole connect timeout and retries.
FAILURES_IN_A_ROW = 3
BACKOFF_FIRST = 2.0
BACKOFF_MAX = 300.0
NO_DELETE_KINDS = ("", "raw")  # nothing stored anywhere: nothing to delete

Spawn = Callable[[Coroutine[Any, Any, None], str], None]
Requeue = Callable[[str, float], None]
Warn = Callable[[Obj, str, str], None]  # (workflow, reason, message): a Warning event


class ArtifactCollector:
    """Runs every workflow's artifact GC; one instance per controller."""

    def __init__(self, kube: KubeApi, spawn: Spawn, requeue: Requeue, warn: Warn) -> None:
        self.kube = kube
        self.spawn = spawn
        self.requeue = requeue
        self.warn = warn
        self._pool: ThreadPoolExecutor | None = None
        self._running: set[str] = set()
        self._reports: dict[str, plan.Report] = {}
        self._attempts: dict[str, int] = {}  # failed attempts in a row, by workflow key
        self._not_before: dict[str, float] = {}

    # --- called by passes ---

    def prepare(self, wf: Obj) -> Obj:
        """`wf` with the GC finalizer when it has artifacts to collect (Argo adds it at start)."""
        return plan.with_finalizer(wf)

    def apply(self, key: str, wf: Obj) -> Obj:
        """`wf` with the last GC attempt's outcome written in (itself when there is none)."""
        report = self._reports.get(key)
        if report is None:
            return wf
        if report.uid != (wf.get("metadata") or {}).get("uid"):
            del self._reports[key]  # a new workflow of the same name
            return wf
        new = plan.applied(wf, report)
        if new == wf:
            del self._reports[key]  # already written
        return new

    def review(self, key: str, wf: Obj) -> None:
        """Start GC for `wf` when a strategy is due and no attempt is running or backing off."""
        if key in self._running:
            return
        strategies = plan.ready_strategies(wf)
        if not strategies:
            return
        wait = self._not_before.get(key, 0.0) - asyncio.get_running_loop().time()
        if wait > 0:
            self.requeue(key, wait)  # the retry's pass (a timer: the earliest one wins)
            return
        self._running.add(key)
        self.spawn(self._collect(key, wf, strategies), f"artifact-gc-{key}")

    def forget(self, key: str) -> None:
        """The workflow is gone."""
        self._reports.pop(key, None)
        self._attempts.pop(key, None)
        self._not_before.pop(key, None)

    def close(self) -> None:
        """Let go of the thread pool (a delete in progress finishes on its own)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    # --- the attempt ---

    async def _collect(self, key: str, wf: Obj, strategies: frozenset[str]) -> None:
        try:
            report = await self._attempt(wf, strategies)
        except Exception as e:  # a bug must not hold the finalizer silently
            log.exception("artifact GC of workflow %s failed", key)
            uid = str((wf.get("metadata") or {}).get("uid") or "")
            report = plan.Report(uid, strategies, frozenset(), (f"artifact GC failed: {e}",))
        finally:
            self._running.discard(key)
        self._reports[key] = report
        if report.errors:
            attempts = self._attempts.get(key, 0) + 1
            self._attempts[key] = attempts
            delay = min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** (attempts - 1))
            self._not_before[key] = asyncio.get_running_loop().time() + delay
            self.warn(wf, "ArtifactGCFailed", _event_message(strategies, report.errors))
            log.warning("artifact GC of workflow %s: %s", key, "; ".join(report.errors))
        else:
            self._attempts.pop(key, None)
            self._not_before.pop(key, None)
        self.requeue(key, 0.0)  # a pass writes the report (and, when it failed, arms the retry)

    async def _attempt(self, wf: Obj, strategies: frozenset[str]) -> plan.Report:
        meta = wf.get("metadata") or {}
        uid, namespace = str(meta.get("uid") or ""), str(meta.get("namespace") or "")
        found = plan.targets(wf, strategies)
        if not found:
            return plan.Report(uid, strategies, frozenset(), ())
        repository = _repository_location(wf)
        gone: set[tuple[str, str]] = set()
        errors: list[str] = []
        work: list[tuple[plan.Target, Obj]] = []
        for target in found:
            name = str(target.artifact.get("name") or "")
            if resolve.kind(target.artifact) in NO_DELETE_KINDS:
                gone.add((target.node_id, name))
                continue
            try:
                own = target.template.get("archiveLocation") or {}
                where = own if resolve.has_location(own) else repository
                work.append((target, resolve.relocate(target.artifact, where)))
            except ArtifactError as e:
                errors.append(f"{name} (node {target.node_id}): {e}")
        secrets = await self._secrets(namespace, [full for _, full in work])
        loop = asyncio.get_running_loop()
        if self._pool is None:
            self._pool = ThreadPoolExecutor(THREADS, thread_name_prefix="artifact-gc")
        deleted, failed = await loop.run_in_executor(self._pool, _delete_all, work, secrets)
        return plan.Report(uid, strategies, frozenset(gone | deleted), (*errors, *failed))

    async def _secrets(self, namespace: str, artifacts: list[Obj]) -> dict[tuple[str, str], str]:
        """The values of every Secret key the locations name; missing ones are left out (the
        driver then names them in its error)."""
        wanted = {ref for art in artifacts for ref in resolve.secret_refs(art)}
        found: dict[tuple[str, str], str] = {}
        read: dict[str, Obj | None] = {}
        for name, key in sorted(wanted):
            if name not in read:
                try:
                    read[name] = await self.kube.get("Secret", name, namespace)
                except KubeError as e:
                    log.info("artifact GC: Secret %s/%s: %s", namespace, name, e)
                    read[name] = None
            secret = read[name]
            value = _secret_value(secret, key) if secret is not None else None
            if value is not None:
                found[(name, key)] = value
        return found


def _delete_all(
    work: list[tuple[plan.Target, Obj]], values: dict[tuple[str, str], str]
) -> tuple[set[tuple[str, str]], list[str]]:
    """Delete each artifact (in a pool thread): the ones gone, and one line per failure."""
    secrets = MappingSecrets(values)
    deleted: set[tuple[str, str]] = set()
    errors: list[str] = []
    in_a_row = 0
    for target, art in work:
        name = str(target.artifact.get("name") or "")
        if in_a_row >= FAILURES_IN_A_ROW:
            errors.append(f"{name} (node {target.node_id}): not tried after {in_a_row} failures")
            continue
        try:
            driver_for(art, secrets).delete(art)
        except Exception as e:  # the driver's ArtifactError, or its client's own error
            errors.append(f"{name} (node {target.node_id}): {e}")
            in_a_row += 1
        else:
            deleted.add((target.node_id, name))
            in_a_row = 0
    return deleted, errors


def _repository_location(wf: Obj) -> Obj | None:
    """The repository the workflow ran with, as a location (what key-only artifacts lack)."""
    ref = (wf.get("status") or {}).get("artifactRepositoryRef") or {}
    repository = ref.get("artifactRepository") or {}
    location = {k: v for k, v in repository.items() if k != "archiveLogs"}
    return location or None


def _secret_value(secret: Obj, key: str) -> str | None:
    if key in (secret.get("stringData") or {}):
        return str(secret["stringData"][key])
    encoded = (secret.get("data") or {}).get(key)
    if encoded is None:
        return None
    try:
        return base64.b64decode(encoded).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None


def _event_message(strategies: frozenset[str], errors: tuple[str, ...]) -> str:
    names = ", ".join(sorted(strategies))
    return f"Artifact Garbage Collection failed for strategy {names}, err: {'; '.join(errors)}"
