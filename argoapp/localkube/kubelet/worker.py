"""One pod's life on this node: the only code that starts, restarts and stops its containers.

The kubelet makes one `PodWorker` per bound pod uid and feeds it every new version of the pod
(`update`) or its disappearance (`removed`); `run` is the worker's task. It picks up what is on
disk first (so a restarted kubelet adopts running shims, reads exits that happened while it was
down, and marks containers it cannot account for `ContainerStatusUnknown`, never re-running
them), then runs init containers one by one and the containers together, restarting them by
`restartPolicy` with CrashLoopBackOff delays. It enforces `activeDeadlineSeconds`, and on
deletion sends SIGTERM, waits out the grace period, sends SIGKILL, removes the pod's area and
deletes the pod with grace 0. Every transition is written to the status subresource at once.
A malformed spec fails the container that reads it (`specs.check`), and anything unexpected
ends the pod Failed with reason `InternalError`, logged once with its traceback: the task
itself never dies of it, or the kubelet would start it again and again.

It must not touch other pods, and stopping the kubelet (cancelling `run`) must leave the pod's
processes running for the next kubelet to adopt.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sized
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from argoapp.localkube import keptlogs
from argoapp.localkube import resources as r
from argoapp.localkube.errors import ApiError, NotFound
from argoapp.localkube.kubelet import sources, specs, transitions
from argoapp.localkube.kubelet.commands import RUN_ERROR, CommandError
from argoapp.localkube.kubelet.config import KubeletConfig, PodPaths
from argoapp.localkube.kubelet.env import CONFIG_ERROR
from argoapp.localkube.kubelet.inprocess import PodRoles
from argoapp.localkube.kubelet.runtime import Prepared, Running, Runtime
from argoapp.localkube.kubelet.sources import Sources
from argoapp.localkube.kubelet.status import (
    TERMINAL,
    ContainerState,
    PodOutcome,
    pod_phase,
    pod_status,
)
from argoapp.localkube.kubelet.volumes import Volume
from argoapp.localkube.lifecycle import now_rfc3339
from argoapp.localkube.objects import ObjectService
from argoapp.localkube.patching import MERGE

log = logging.getLogger(__name__)
_trace = logging.getLogger("argoapp.trace")  # ARGOAPP_TRACE: see argoapp.runtime
Obj = dict[str, Any]
CONFIG_RETRY = 2.0
DEFAULT_GRACE = 30.0
INTERNAL_MESSAGE = "the kubelet failed while running this pod; localkube's log has the details"
STOP_POLL = 0.1
FORCE_AFTER = 5.0  # seconds after SIGKILL before the container's whole group is killed
# A status that is not final waits a while for the changes after it, so that a short
# container's start and end make one write (Kubernetes promises no client sees every phase);
# a final status is written at once. The wait grows with the number of pods the kubelet runs:
# an idle kubelet reports within 0.1 s; a busy one coalesces for up to 1 s (a real kubelet
# relists its containers once a second), which at a 50-pod fan-out halves the pod writes and
# the controller passes they cause.
STATUS_DEFER = 0.1
STATUS_DEFER_MAX = 1.0
STATUS_DEFER_PER_POD = 0.02


def status_defer(pods: int) -> float:
    """How long a non-final status waits, with `pods` pod workers running."""
    return min(STATUS_DEFER_MAX, max(STATUS_DEFER, STATUS_DEFER_PER_POD * pods))


def parse_time(text: Any) -> float | None:
    if not text or not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


@dataclass
class StopRequest:
    deadline: float  # monotonic: SIGKILL from then on


class PodWorker:
    """Runs one pod and reports its status."""

    def __init__(
        self, service: ObjectService, runtime: Runtime, pod: Obj, peers: Sized = ()
    ) -> None:
        self.service = service
        self.runtime = runtime
        self.peers = peers  # the kubelet's running workers, this one included
        self.pod = pod
        meta = pod["metadata"]
        self.uid, self.namespace, self.name = meta["uid"], meta["namespace"], meta["name"]
        self.paths = PodPaths(runtime.data_dir, self.uid)
        spec = pod.get("spec") or {}
        # A kubelet shows every container not created yet as PodInitializing in a pod with
        # init containers, and as ContainerCreating otherwise.
        waiting = "PodInitializing" if spec.get("initContainers") else "ContainerCreating"
        self.inits = [_state(c, waiting) for c in spec.get("initContainers") or []]
        self.mains = [_state(c, waiting) for c in spec.get("containers") or []]
        self.attempts: dict[str, Running] = {}
        self.next_attempt: dict[str, int] = {}
        self.stop: StopRequest | None = None
        self.outcome: PodOutcome | None = None
        self.deleting = False
        self.gone = False
        self.idle = False  # ended with the pod finished and not deleted (see Kubelet._idle)
        self.start_time = (pod.get("status") or {}).get("startTime") or now_rfc3339()
        self._wake = asyncio.Event()
        self._publishing = asyncio.Lock()
        self._published: Obj | None = None
        self._deferred: asyncio.Task[None] | None = None  # a deferred write under way
        self._deferred_at: asyncio.TimerHandle | None = None  # a deferred write to come
        self._killed_at: dict[str, float] = {}
        # Argo's executor roles done by the kubelet itself (see `inprocess`).
        self.roles = PodRoles(self) if runtime.config.executor_in_process else None
        # Main containers' first attempts, prepared while the init containers run.
        self._early: dict[str, asyncio.Task[Prepared]] = {}
        # The pod (this very object) whose sources and volumes were read and made for its
        # containers' first attempts, with them (see `_prepare`).
        self._setup: tuple[Obj, Sources, dict[str, Volume]] | None = None

    @property
    def config(self) -> KubeletConfig:
        return self.runtime.config

    # -- inputs from the kubelet ---------------------------------------------------------

    def update(self, pod: Obj) -> None:
        """A newer version of the pod from the API."""
        if pod is not self.pod and resource_version(pod) <= resource_version(self.pod):
            return  # older, or the version this worker has (its own status write, seen again)
        self.pod = pod
        meta = pod["metadata"]
        if meta.get("deletionTimestamp"):
            # As a kubelet does, the grace period runs from when this node sees the deletion
            # (deletionTimestamp only has a precision of seconds).
            self.deleting = True
            self.request_stop(specs.number(meta.get("deletionGracePeriodSeconds")) or 0.0)
        self._wake.set()

    def removed(self) -> None:
        """The pod is gone from the API (deleted with grace 0): kill now, nothing to report."""
        self.gone = True
        self.request_stop(0)

    def request_stop(self, grace: float) -> None:
        deadline = time.monotonic() + max(grace, 0.0)
        if self.stop is None or deadline < self.stop.deadline:
            self.stop = StopRequest(deadline)
        self._wake.set()

    def fail_pod(self, reason: str = "", message: str = "") -> None:
        """End the pod as Failed: stop whatever still runs, with the pod's grace period."""
        if self.outcome is None:
            self.outcome = PodOutcome("Failed", reason, message)
        self.request_stop(self._grace_period())

    def _grace_period(self) -> float:
        grace = specs.number((self.pod.get("spec") or {}).get("terminationGracePeriodSeconds"))
        return DEFAULT_GRACE if grace is None else grace

    # -- the task ------------------------------------------------------------------------

    async def run(self) -> None:
        """The worker's task: run the pod, then finish its deletion when it comes."""
        flow: asyncio.Task[None] | None = None
        try:
            try:
                # A finished pod too: what still runs of it is followed (and stopped), and its
                # deletion reports the exits it had, never blank containers.
                transitions.resume(self)
                if self.roles is not None:
                    self.roles.adopt()
                    self.roles.observe()
                if self._terminal() and self.attempts:
                    self.request_stop(self._grace_period())
                self._defer()  # the pod's first status, even when no container has changed
                flow = asyncio.create_task(self._flow(), name=f"pod-flow-{self.name}")
                try:
                    self.idle = await self._supervise(flow)
                finally:
                    self._cancel_deferred()
                    await _cancelled(self._deferred)
                    await self._drop_early()
                if self.idle:
                    return
            except Exception:
                # A bug must not end the task: the kubelet would start a new worker at its
                # next resync, which would fail the same way, again and again.
                log.exception("pod %s/%s: internal error, the pod ends Failed",
                              self.namespace, self.name)  # fmt: skip
                await _cancelled(flow)
                await self._internal_error()
                flow = asyncio.create_task(self._drain(), name=f"pod-drain-{self.name}")
                await self._supervise(flow, may_idle=False)
        finally:
            await _cancelled(flow)
        await self._finish()

    async def _internal_error(self) -> None:
        if self._terminal():
            self.request_stop(self._grace_period())
        else:
            self.fail_pod("InternalError", INTERNAL_MESSAGE)
        await self.publish()

    async def _drain(self) -> None:
        """After an internal error: wait for what still runs to end, and report its exits."""
        records = {st.name: st for st in (*self.inits, *self.mains)}
        for name, attempt in list(self.attempts.items()):
            ended = await attempt.wait()
            self.attempts.pop(name, None)
            transitions.record_exit(self, records[name], ended)
            self._exited()
        await self.publish()

    async def _supervise(self, flow: asyncio.Task[None] | None, *, may_idle: bool = True) -> bool:
        """Until the flow is done and the pod deleted (False), or the pod finished with nothing
        left running (True: the worker may end until the deletion comes): deadlines, stops,
        signals."""
        watched: asyncio.Task[None] | None = None
        while True:
            self._check_deadline()
            if self.stop is not None:
                self._drive_stop()
            roles_due = self.roles.tick() if self.roles is not None else None
            flow_done = flow is None or flow.done()
            if flow_done and flow is not None:
                flow.result()
            if flow_done and (self.deleting or self.gone):
                return False
            if may_idle and flow_done and not self.attempts and self._settled():
                return True
            self._wake.clear()
            timeout = STOP_POLL if self.stop is not None and not flow_done else self._idle()
            if roles_due is not None:
                timeout = roles_due if timeout is None else min(timeout, roles_due)
            if flow is not None and not flow_done and flow is not watched:
                flow.add_done_callback(lambda _: self._wake.set())  # its end wakes us too
                watched = flow
            # One event to wait on, no task or future a turn (a turn per pod event).
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self._wake.wait()

    def _idle(self) -> float | None:
        deadline = self._deadline()
        if deadline is None or self.outcome is not None or self._terminal():
            return None
        return max(deadline - time.time(), 0.05)

    def _deadline(self) -> float | None:
        # Not a number: `specs.check` fails the pod at its first container start.
        seconds = specs.number((self.pod.get("spec") or {}).get("activeDeadlineSeconds"))
        if seconds is None:
            return None
        start = parse_time(self.start_time)
        if start is None:
            return None
        return start + seconds

    def _check_deadline(self) -> None:
        deadline = self._deadline()
        if deadline is None or self._terminal() or self.outcome is not None:
            return
        if time.time() >= deadline:
            self.fail_pod("DeadlineExceeded", "Pod was active on the node longer than the "
                       "specified deadline")  # fmt: skip

    def _settled(self) -> bool:
        """The pod's final status is written (and the API has it)."""
        return (
            self._published is not None
            and self._published.get("phase") in TERMINAL
            and (self.pod.get("status") or {}).get("phase") in TERMINAL
        )

    def _terminal(self) -> bool:
        return (self.pod.get("status") or {}).get("phase") in TERMINAL or (
            self._published is not None and self._published.get("phase") in TERMINAL
        )

    def _drive_stop(self) -> None:
        assert self.stop is not None
        now = time.monotonic()
        for name, attempt in self.attempts.items():
            if not attempt.signalled:
                attempt.terminate()
            if now >= self.stop.deadline and name not in self._killed_at:
                attempt.kill()
                self._killed_at[name] = now
            elif name in self._killed_at and now - self._killed_at[name] > FORCE_AFTER:
                attempt.force()

    # -- containers ----------------------------------------------------------------------

    async def _flow(self) -> None:
        spec = self.pod.get("spec") or {}
        inits = spec.get("initContainers") or []
        if inits and not self._inits_in_process(inits):
            self._prepare_early(spec.get("containers") or [])
        for container, st in zip(inits, self.inits, strict=True):
            if not await self._run_container(container, st, init=True):
                await self.publish()
                return
        async with asyncio.TaskGroup() as tg:
            for container, st in zip(spec.get("containers") or [], self.mains, strict=True):
                tg.create_task(self._run_container(container, st, init=False))
        await self.publish()

    async def _run_container(self, container: Obj, st: ContainerState, *, init: bool) -> bool:
        """Run a container until it is done for good; True when it ended successfully."""
        while True:
            attempt = self.attempts.get(st.name)
            if attempt is None:
                if st.state == "terminated":
                    if transitions.permanent(st) or not self._should_restart(st, init):
                        return st.succeeded()
                    if not await self._back_off(st):
                        return False
                if self.stop is not None or self._terminal():
                    return False  # a finished pod never starts a container again
                attempt = await self._start(container, st)
                if attempt is None:
                    if st.state != "terminated":
                        await self._sleep(CONFIG_RETRY)
                    continue
            ended = await attempt.wait()
            _trace.debug("exited %s %s", self.name, st.name)
            self.attempts.pop(st.name, None)
            transitions.record_exit(self, st, ended)
            self._exited()
            if self.roles is None or not self.roles.quiet_exit(attempt, ended):
                await self.publish()

    def _exited(self) -> None:
        """A container ended: the executor roles may have something to do now."""
        if self.roles is not None:
            self.roles.observe()
            self._wake.set()

    def _should_restart(self, st: ContainerState, init: bool) -> bool:
        if self.stop is not None or self._terminal():
            return False
        policy = (self.pod.get("spec") or {}).get("restartPolicy") or "Always"
        if init or policy == "OnFailure":
            return policy != "Never" and not st.succeeded()
        return policy == "Always"

    async def _back_off(self, st: ContainerState) -> bool:
        """Wait before a restart (CrashLoopBackOff); False when the pod stopped meanwhile."""
        restarts = self.next_attempt.get(st.name, 0) - 1
        delay = transitions.backoff(self.config, restarts)
        if delay <= 0:
            return True
        st.last_terminated = st.terminated_obj()
        st.state, st.reason = "waiting", "CrashLoopBackOff"
        st.message = (
            f"back-off {delay:g}s restarting failed container={st.name} "
            f"pod={self.name}_{self.namespace}({self.uid})"
        )
        await self.publish()
        await self._sleep(delay)
        return self.stop is None

    async def _sleep(self, seconds: float) -> None:
        """Sleep, cut short when the pod is asked to stop."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                while self.stop is None:
                    self._wake.clear()
                    await self._wake.wait()

    async def _start(self, container: Obj, st: ContainerState) -> Running | None:
        restart_count = self.next_attempt.get(st.name, 0)
        if st.state == "terminated":
            st.last_terminated = st.terminated_obj()
        attempt = await self._create(container, st, restart_count)
        if isinstance(attempt, CommandError):
            transitions.start_failed(self, st, attempt)
            await self.publish()
            return None
        _trace.debug("started %s %s", self.name, st.name)
        self.next_attempt[st.name] = restart_count + 1
        transitions.started(self, st, attempt)
        self.attempts[st.name] = attempt
        if self.stop is not None:
            attempt.terminate()
        if self.roles is None or not self.roles.quiet_start(attempt):
            await self.publish()
        return attempt

    def _inits_in_process(self, inits: list[Obj]) -> bool:
        """Whether the only init container is Argo's, which the kubelet runs itself on this
        loop: preparing the mains "meanwhile" would overlap with nothing (and cost a task
        each); the mains are prepared when they start."""
        return self.roles is not None and all(c.get("name") == "init" for c in inits)

    def _prepare_early(self, containers: list[Obj]) -> None:
        """Prepare the main containers' first attempts now, while the init containers run: a
        short pod's start is then only its init, then the mains' processes."""
        for container, st in zip(containers, self.mains, strict=True):
            if st.state == "waiting" and self.next_attempt.get(st.name, 0) == 0:
                task = asyncio.create_task(self._prepare(container, 0), name=f"prepare-{st.name}")
                self._early[st.name] = task

    async def _prepare(self, container: Obj, restart_count: int) -> Prepared:
        pod = self.pod
        setup = self._setup
        if setup is None or setup[0] is not pod or restart_count:
            specs.check(pod, container)
            found = await sources.fetch(self.service, pod, self.runtime.accounts)
            volumes = self.runtime.volumes(pod, found)
            # The pod's other containers prepared next (at its start, before anything about
            # it changes) share what was read and made: a kubelet syncs a pod's sources and
            # volumes once, not per container.
            self._setup = setup = (pod, found, volumes) if restart_count == 0 else None
        else:
            specs.check_container(pod, container)
            _pod, found, volumes = setup
        prepared = await self.runtime.prepare(pod, container, restart_count, found, volumes)
        if self.roles is None or self.roles.launches(prepared):
            await self.runtime.lay_out(prepared)
        return prepared

    async def _drop_early(self) -> None:
        """Early preparations no container start used (an init failed, or the pod ended).
        They are waited for, not cancelled: a cancelled task would leave its thread writing
        the container's root while the pod's area is being removed."""
        early, self._early = self._early, {}
        for task in early.values():
            with contextlib.suppress(Exception):
                self.runtime.forget(await asyncio.shield(task))

    async def _create(
        self, container: Obj, st: ContainerState, restart_count: int
    ) -> Running | CommandError:
        """Check the spec, fetch what it refers to, start an attempt; or why it cannot start."""
        try:
            early = self._early.pop(st.name, None) if restart_count == 0 else None
            if early is not None:
                prepared = await early
            else:
                prepared = await self._prepare(container, restart_count)
            _trace.debug("launch %s %s", self.name, st.name)
            if self.roles is not None:
                return await self.roles.start(prepared)
            return await self.runtime.launch(prepared)
        except CommandError as e:
            self._setup = None  # a retry reads and makes everything again
            return e
        except OSError as e:  # the disk or the host refused: retried, as a kubelet does
            self._setup = None
            return CommandError("CreateContainerError", str(e))
        except ApiError as e:  # its ConfigMaps and Secrets could not be read: retried
            self._setup = None
            return CommandError(CONFIG_ERROR, f"cannot read the pod's ConfigMaps and Secrets: {e}")
        except Exception as e:
            # Something no check foresaw (or a bug): the container fails, and the pod with it,
            # rather than the worker.
            log.exception("pod %s/%s: container %s could not be prepared",
                          self.namespace, self.name, st.name)  # fmt: skip
            return CommandError(RUN_ERROR, f"cannot prepare the container: {type(e).__name__}: {e}")

    # -- status and deletion -------------------------------------------------------------

    async def publish(self, *, now: bool = False) -> None:
        """Write the pod's status if it changed: a final one (or with `now`) at once, any other
        within `status_defer`, together with what changes meanwhile."""
        async with self._publishing:
            await self._publish(now)

    def _defer(self) -> None:
        """Have the status written within `status_defer` (once for any number of changes): a
        timer, which a write meanwhile cancels, and a task only once it is due."""
        if self._deferred_at is None and (self._deferred is None or self._deferred.done()):
            delay = status_defer(len(self.peers))
            self._deferred_at = asyncio.get_running_loop().call_later(delay, self._deferred_due)

    def _deferred_due(self) -> None:
        self._deferred_at = None
        self._deferred = asyncio.create_task(self.publish(now=True), name=f"pod-status-{self.name}")

    def _cancel_deferred(self) -> None:
        if self._deferred_at is not None:
            self._deferred_at.cancel()
            self._deferred_at = None

    async def _publish(self, now: bool) -> None:
        if self.gone:
            return
        if not now and pod_phase(self.pod, self.inits, self.mains, self.outcome) not in TERMINAL:
            # The deferred write builds the status then, and skips it when nothing changed:
            # building it now too would only be thrown away.
            self._defer()
            return
        status = pod_status(
            self.pod, self.inits, self.mains, now=now_rfc3339(), start_time=self.start_time,
            host_ip=self.config.host_ip, pod_ip=self.config.pod_ip, outcome=self.outcome,
        )  # fmt: skip
        if self._published is not None and _same(status, self._published):
            return
        try:
            stored = await self.service.patch(
                r.PODS, self.namespace, self.name, MERGE, {"status": status}, subresource="status"
            )
        except NotFound:
            self.removed()
            return
        except ApiError as e:
            log.warning("pod %s/%s: status not written: %s", self.namespace, self.name, e)
            return
        _trace.debug("status %s %s", self.name, status.get("phase"))
        if stored["metadata"].get("uid") == self.uid:
            self.pod = stored
        self._published = status
        self._cancel_deferred()  # what it was to write is written
        deferred = self._deferred
        if deferred is not None and deferred is not asyncio.current_task():
            deferred.cancel()

    async def _finish(self) -> None:
        """The pod's processes are gone: final status, remove its area, delete it for good."""
        if not self.gone:
            if not self._terminal() and self.outcome is None:
                self.outcome = PodOutcome("Failed")
            await self.publish()
        await asyncio.to_thread(keptlogs.remove_area, self.paths, self.pod)  # logs outlive it
        if self.gone:
            return
        try:
            await self.service.delete(
                r.PODS, self.namespace, self.name, grace_period_seconds=0,
                preconditions={"uid": self.uid},
            )  # fmt: skip
        except NotFound:
            pass
        except ApiError as e:
            log.warning("pod %s/%s: could not be deleted: %s", self.namespace, self.name, e)


def _state(container: Obj, reason: str) -> ContainerState:
    name, image = str(container.get("name")), str(container.get("image") or "")
    return ContainerState(name, image, reason=reason)


def resource_version(pod: Obj) -> int:
    try:
        return int(pod["metadata"].get("resourceVersion") or 0)
    except (TypeError, ValueError):
        return 0


async def _cancelled(task: asyncio.Task[Any] | None) -> None:
    """Cancel `task` unless it is done, and wait for it to end."""
    if task is not None and not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def _same(a: Obj, b: Obj) -> bool:
    def strip(s: Obj) -> Obj:
        conds = [{k: v for k, v in c.items() if k != "lastTransitionTime"}
                 for c in s.get("conditions") or []]  # fmt: skip
        return {**s, "conditions": conds}

    return strip(a) == strip(b)
