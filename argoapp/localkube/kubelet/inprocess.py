"""Argo's executor roles run by the kubelet itself, around the sandbox, with no `argoapp exec`.

With `KubeletConfig.executor_in_process` (the default), each pod worker has a `PodRoles` and
asks it to start every container (`start`):
- `argoexec init`: `executor.init.run_init` on the pod's volume directories; no process. The
  Secrets its input artifacts' locations name are read first through the object service
  (`artifact_access`), and the blocking downloads run on a thread; wait does the same for its
  uploads. S3 clients are shared by all pods (`DRIVERS`); locations in the built-in store
  this process serves (`KubeletConfig.artifact_store`) are read and written directly.
- an emissary-wrapped container (`argoexec emissary … -- CMD`): CMD runs straight in the
  sandbox under its shim; when it ends, the kubelet writes what the emissary would
  (`roles.finish_emissary`: stdout/combined, main's output files, `ctr/<name>/exitcode`), and
  an exit by a signal the kubelet sent is reported as 137, a command that cannot start as 64,
  the emissary's codes. A containerSet member with dependencies keeps the real emissary.
- `argoexec wait`: waits (an event, not a poll) until every main container has ended, then
  `executor.wait.finish` collects the outputs and the WorkflowTaskResult is written straight
  through the object service: created once, complete (no incomplete result first, no HTTP).
`tick` does what the emissary and wait do on a timer: sidecars get SIGTERM once every main
ended (SIGKILL after the grace period), and ARGO_DEADLINE signals the mains as wait would.

Restarts: an in-process wait leaves `inprocess.json` in its attempt directory while it runs,
and an init or wait leaves `exit.json` (with its start time) when done; an init cut short
leaves nothing that counts as started. A kubelet that restarts runs an unfinished init or wait
again in the same attempt (both are idempotent: files are rewritten, the task result is created or
patched); a wrapped container (marked by `emissary` in its `spec.json`) is adopted as any other and
wrapped again, and what the emissary leaves behind is written when it ends, or by wait for
one that ended while no kubelet ran.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from argoapp.errors import ArgoappError
from argoapp.executor import artifact_access
from argoapp.executor import wait as executor_wait
from argoapp.executor.artifact_access import ArtifactAccess
from argoapp.executor.env import NO_DEADLINE, ExecEnv, Obj, command_environ, main_names
from argoapp.executor.init import run_init
from argoapp.localkube import resources as r
from argoapp.localkube.errors import AlreadyExists, ApiError
from argoapp.localkube.kubelet import roles
from argoapp.localkube.kubelet.commands import host_program
from argoapp.localkube.kubelet.procs import read_json
from argoapp.localkube.kubelet.runtime import Attempt, Exit, Prepared, Running
from argoapp.localkube.kubelet.secretreads import secret_reads
from argoapp.localkube.kubelet.shim import rfc3339_nano, write_json_atomic
from argoapp.localkube.patching import MERGE, merge_patch
from argoapp.model.types import copy_json

if TYPE_CHECKING:
    from argoapp.localkube.kubelet.worker import PodWorker

log = logging.getLogger(__name__)
_trace = logging.getLogger("argoapp.trace")  # ARGOAPP_TRACE: see argoapp.runtime
T = TypeVar("T")
SIGNALLED = 137  # the emissary's code for a command a signal ended
EMISSARY_FAILED = 64  # the emissary's code when it could not run the command
# init's and wait's work that transfers artifacts over the network runs on threads of its own,
# never on the loop's default executor: the server uses that one, and a transfer waiting there
# on this process's own server, which waits for a free thread, would deadlock. Work with no
# transfer, or only direct ones to the built-in store (`ArtifactAccess.direct_only`: they wait
# on the store's own threads), runs on the default executor (`_on_role_thread`).
ROLE_THREADS = 16
_ROLE_POOL = ThreadPoolExecutor(max_workers=ROLE_THREADS, thread_name_prefix="executor-role")
ROLE_FILE = "inprocess.json"  # an init or wait the kubelet runs (an attempt with no shim)
EMISSARY_KEY = "emissary"  # in spec.json: a wrapped container run without its emissary


class PodRoles:
    """The executor roles of one pod, run by its worker."""

    def __init__(self, worker: PodWorker) -> None:
        self.worker = worker
        self.var_run: Path | None = None
        self._template: Obj | None = None
        self.mains_done = asyncio.Event()
        self.wait_env: ExecEnv | None = None
        self._main_kill_at: float | None = None
        self._sidecar_kill_at: float | None = None
        self._terminated: set[str] = set()  # sidecars sent SIGTERM after the mains ended
        self.finished: set[str] = set()  # wrapped containers whose end this kubelet wrote up

    # -- starting containers -------------------------------------------------------------

    async def start(self, prepared: Prepared) -> Running:
        """Start one container of the pod, taking over the executor's roles."""
        role, argv = roles.classify(prepared.argv)
        if role == roles.EMISSARY:
            argv = host_program(argv, prepared.env.get("PATH", ""))
        name = prepared.state.parent.name
        mounts = prepared.box.mounts
        self.var_run = self.var_run or roles.mount_source(mounts, roles.VAR_RUN)
        if role == "" or (role == roles.EMISSARY and self._has_dependencies(name)):
            return await self.worker.runtime.launch(prepared)
        env = roles.exec_env(prepared.env, mounts, prepared.state)
        if role == roles.EMISSARY:
            record = {EMISSARY_KEY: _role_record(role, env)}
            # the command gets the environment the emissary would have given it
            prepared = replace(prepared, env=command_environ(prepared.env, frozen=False))
            inner = await self.worker.runtime.launch(prepared, argv, record)
            return EmissaryAttempt(inner, self, name, env)
        if role == roles.WAIT:
            self.wait_env = env
        if role == roles.WAIT or any(m.target.startswith(roles.MAINCTRFS + "/") for m in mounts):
            roles.link_mainctrfs(mounts, env.mainctrfs)  # a few symlinks: not worth a thread
        return RoleAttempt(prepared.state, role, env, self)

    def launches(self, prepared: Prepared) -> bool:
        """Whether starting `prepared` starts a process (init and wait are run in-process)."""
        return roles.classify(prepared.argv)[0] not in (roles.INIT, roles.WAIT)

    def adopt(self) -> None:
        """After a kubelet restart: wrap adopted shims of wrapped containers again."""
        for name, attempt in list(self.worker.attempts.items()):
            record = (read_json(attempt.state / "spec.json") or {}).get(EMISSARY_KEY)
            if (
                isinstance(attempt, Attempt)
                and isinstance(record, dict)
                and record.get("role") == roles.EMISSARY
            ):
                env = ExecEnv.from_environ(record.get("env") or {})
                env = replace(env, var_run=Path(str(record.get("varRun"))))
                self.var_run = self.var_run or env.var_run
                self.worker.attempts[name] = EmissaryAttempt(attempt, self, name, env)

    def template(self) -> Obj:
        """The pod's template, as init wrote it ({} before that)."""
        if self._template is None and self.var_run is not None:
            found = replace(ExecEnv(), var_run=self.var_run).read_template()
            if found:
                self._template = found
        return self._template or {}

    def wrote_template(self, template: Obj) -> None:
        """Init wrote `template` to /var/run/argo/template: no need to read it back."""
        if self._template is None and template:
            self._template = template

    def _has_dependencies(self, name: str) -> bool:
        for member in (self.template().get("containerSet") or {}).get("containers") or []:
            if member.get("name") == name and member.get("dependencies"):
                return True
        return False

    # -- fewer status writes ---------------------------------------------------------------

    def quiet_start(self, attempt: Running) -> bool:
        """An in-process init started: its end (within milliseconds) is written and carries
        it. A wait's start is written: when the mains started first, no other write may
        follow it for as long as they run, and the pod would look Pending meanwhile."""
        return isinstance(attempt, RoleAttempt) and attempt.role == roles.INIT

    def quiet_exit(self, attempt: Running, ended: Exit) -> bool:
        """No write for an in-process init that succeeded (the mains' start follows at once),
        nor for the last main while an in-process wait is about to report and end."""
        if isinstance(attempt, RoleAttempt):
            return attempt.role == roles.INIT and ended.exit_code == 0
        return (
            isinstance(attempt, EmissaryAttempt)
            and self.mains_done.is_set()
            and any(
                isinstance(a, RoleAttempt) and a.role == roles.WAIT
                for a in self.worker.attempts.values()
            )
        )

    # -- what the emissary and wait do over time -----------------------------------------

    def observe(self) -> None:
        """A container changed: note when every main has ended."""
        if self.mains_done.is_set() or not self.template():
            return
        states = {st.name: st for st in self.worker.mains}
        for name in main_names(self.template()):
            st = states.get(name)
            if st is not None and (st.state != "terminated" or name in self.worker.attempts):
                return
        self.mains_done.set()

    def tick(self) -> float | None:
        """Stop sidecars and enforce the deadline; seconds until the next thing to do."""
        now = time.monotonic()
        grace = self.wait_env.grace_seconds if self.wait_env else 30.0
        names = set(main_names(self.template()))
        recheck = self._stop_sidecars(now, names, grace) if self.mains_done.is_set() else None
        if self._sidecar_kill_at is not None and not any(
            isinstance(a, EmissaryAttempt) and n not in names
            for n, a in self.worker.attempts.items()
        ):
            self._sidecar_kill_at = None  # every sidecar ended: nothing left to kill
        if self._sidecar_kill_at is not None and now >= self._sidecar_kill_at:
            self._sidecar_kill_at = None
            self._signal(lambda n, a: isinstance(a, EmissaryAttempt) and n not in names, True)
        deadline = self._deadline()
        if deadline is not None and not self.mains_done.is_set() and self._main_kill_at is None:
            left = deadline - time.time()
            if left > 0:
                return _soonest(now, left, self._sidecar_kill_at)
            assert self.wait_env is not None
            executor_wait.terminate_message(self.wait_env, executor_wait.DEADLINE_MESSAGE)
            self._main_kill_at = now + grace
        if self._main_kill_at is not None and self._main_kill_at != float("inf"):
            # SIGTERM each main once, as soon as it runs: one still starting when the deadline
            # passed is signalled when it appears (else only SIGKILL would end it, a grace later)
            for name, attempt in list(self.worker.attempts.items()):
                if name in names and name not in self._terminated:
                    attempt.terminate()
                    self._terminated.add(name)
            if not self.mains_done.is_set() and not names <= self._terminated:
                recheck = min(recheck or SIDECAR_RECHECK, SIDECAR_RECHECK)
        if self._main_kill_at is not None and now >= self._main_kill_at:
            self._main_kill_at = float("inf")
            self._signal(lambda n, a: n in names, True)
        return _soonest(now, recheck, self._sidecar_kill_at, self._main_kill_at)

    def _stop_sidecars(self, now: float, mains: set[str], grace: float) -> float | None:
        """Once every main has ended, SIGTERM each wrapped sidecar as soon as it runs (one
        still starting is signalled when it appears: a quick main can end before a sidecar
        has started); SIGKILL follows after the grace period. Returns a re-check delay while
        a sidecar has neither started nor ended."""
        states = {st.name: st for st in self.worker.mains}
        waiting = False
        for name, st in states.items():
            if name in mains or name in self._terminated:
                continue
            attempt = self.worker.attempts.get(name)
            if isinstance(attempt, EmissaryAttempt):
                attempt.terminate()
                self._terminated.add(name)
                if self._sidecar_kill_at is None:
                    self._sidecar_kill_at = now + grace
            elif attempt is None and st.state != "terminated":
                waiting = True
        return SIDECAR_RECHECK if waiting else None

    def deadline_passed(self) -> bool:
        """Whether wait's deadline passed (its message is in the termination log)."""
        return self._main_kill_at is not None

    def _deadline(self) -> float | None:
        if self.wait_env is None or self.wait_env.deadline == NO_DEADLINE:
            return None
        try:
            when = datetime.fromisoformat(self.wait_env.deadline.replace("Z", "+00:00"))
        except ValueError:
            return None
        return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()

    def _signal(self, which: Any, kill: bool) -> None:
        for name, attempt in list(self.worker.attempts.items()):
            if which(name, attempt):
                attempt.kill() if kill else attempt.terminate()

    # -- artifacts -------------------------------------------------------------------------

    async def artifact_access(self, template: Obj, role: str) -> ArtifactAccess | None:
        """Credentials for `role`'s artifacts, read from their Secrets before the blocking work
        starts (None when the template has no artifacts: nothing is read)."""
        if not _has_artifacts(template):
            return None
        found: dict[str, dict[str, str] | None] = {}
        reads = secret_reads(self.worker.service)
        for name, _key in artifact_access.secret_refs_for(template, role):
            if name not in found:
                # None (missing): the driver's read of it fails, naming the Secret
                found[name] = await reads.data(self.worker.namespace, name)
        local = self.worker.config.artifact_store
        access = ArtifactAccess(artifact_access.SecretData(found), DRIVERS, local)
        access.direct_only = access.serves_all(artifact_access.locations_for(template, role))
        return access

    # -- wait's last step ----------------------------------------------------------------

    async def finish_mains(self, env: ExecEnv) -> None:
        """What the emissary leaves for wait, for mains that ended while no kubelet ran."""
        template = self.template()
        paths = self.worker.paths
        states = {st.name: st for st in self.worker.mains}
        for name in main_names(template):
            st = states.get(name)
            if st is None or st.exit_code is None or name in self.finished:
                continue
            state = paths.attempt(name, st.restart_count)
            await asyncio.to_thread(
                roles.finish_emissary, env, template, name, st.exit_code,
                state / "container.log", paths.root(name),
            )  # fmt: skip

    async def report(self, env: ExecEnv, patch: Obj) -> None:
        """Create the WorkflowTaskResult with its outputs, or patch the one that exists."""
        body = merge_patch(executor_wait.task_result(env), copy_json(patch))
        namespace = self.worker.namespace
        try:
            await self.worker.service.create(r.WORKFLOWTASKRESULTS, namespace, body)
        except AlreadyExists:
            await self.worker.service.patch(
                r.WORKFLOWTASKRESULTS, namespace, env.node_id, MERGE, patch
            )
        _trace.debug("result %s", self.worker.name)


SIDECAR_RECHECK = 0.1  # seconds between looks for a container to signal that has not started
# S3 clients shared by every pod this process runs, one per endpoint, bucket and credentials.
DRIVERS = artifact_access.DriverCache()


def _has_artifacts(template: Obj) -> bool:
    inputs = (template.get("inputs") or {}).get("artifacts")
    outputs = (template.get("outputs") or {}).get("artifacts")
    return bool(inputs or outputs or (template.get("archiveLocation") or {}).get("archiveLogs"))


SMALL_LOG = 64 * 1024  # a container log up to this size is split on the event loop


def _small_finish(template: Obj, name: str, log: Path) -> bool:
    """Whether the emissary's leftovers for `name` are a few small files: no output files of
    main to copy (they may be whole trees to pack), and a short log to split."""
    if name == "main" and template.get("outputs"):
        return False
    try:
        return log.stat().st_size <= SMALL_LOG
    except FileNotFoundError:
        return True  # nothing printed
    except OSError:
        return False


def _soonest(now: float, delay: float | None, *times: float | None) -> float | None:
    """The smallest of `delay` and the delays until the monotonic `times` (None: none)."""
    delays = [t - now for t in times if t is not None and t != float("inf")]
    if delay is not None:
        delays.append(delay)
    return max(min(delays), 0.0) if delays else None


def _role_record(role: str, env: ExecEnv) -> Obj:
    keep = {"ARGO_CONTAINER_NAME": env.container_name, "ARGO_NODE_ID": env.node_id,
            "ARGO_INCLUDE_SCRIPT_OUTPUT": "true" if env.include_script_output else "false",
            "ARGO_WORKFLOW_NAME": env.workflow_name}  # fmt: skip
    return {"role": role, "varRun": str(env.var_run), "env": keep}


def _write_role(path: Path, role: str, env: ExecEnv, started_at: str | None) -> None:
    write_json_atomic(path, {**_role_record(role, env), "startedAt": started_at})


class EmissaryAttempt:
    """A wrapped container run without its emissary: the emissary's bookkeeping after it ends."""

    def __init__(self, inner: Attempt, pod: PodRoles, name: str, env: ExecEnv) -> None:
        self.inner = inner
        self.pod = pod
        self.name = name
        self.env = env

    @property
    def state(self) -> Path:
        return self.inner.state

    @property
    def started_at(self) -> str | None:
        return self.inner.started_at

    @property
    def signalled(self) -> bool:
        return self.inner.signalled

    @property
    def restart_count(self) -> int:
        return self.inner.restart_count

    async def wait(self) -> Exit:
        ended = await self.inner.wait()
        if ended.reason == "StartError":
            ended = replace(ended, exit_code=EMISSARY_FAILED, reason="Error")
        elif self.inner.signalled and ended.exit_code > 128:
            ended = replace(ended, exit_code=SIGNALLED)
        root = self.pod.worker.paths.root(self.name)
        template, log = self.pod.template(), self.state / "container.log"
        args = (self.env, template, self.name, ended.exit_code, log, root)
        if _small_finish(template, self.name, log):
            roles.finish_emissary(*args)  # a few small files: less than a trip to a thread
        else:
            await asyncio.to_thread(roles.finish_emissary, *args)
        self.pod.finished.add(self.name)
        return ended

    def terminate(self) -> None:
        self.inner.terminate()

    def kill(self) -> None:
        self.inner.kill()

    def force(self) -> None:
        self.inner.force()


def _on_role_thread(
    access: ArtifactAccess | None, fn: Callable[..., T], *args: Any
) -> asyncio.Future[T]:
    """`fn(*args)` on the executor roles' own threads when it transfers artifacts over the
    network (it may wait on this process's own server), else on the loop's default executor:
    a role with nothing to send, or only to the built-in store directly, cannot deadlock it,
    and keeping the role pool's threads out of the GIL's way costs less (about 1 ms of CPU a
    pod on a fan-out)."""
    pool = None if access is None or access.direct_only else _ROLE_POOL
    return asyncio.get_running_loop().run_in_executor(pool, fn, *args)


class RoleAttempt:
    """`argoexec init` or `argoexec wait` done by the kubelet, recorded like a container."""

    def __init__(self, state: Path, role: str, env: ExecEnv, pod: PodRoles) -> None:
        self.state = state
        self.role = role
        self.env = env
        self.pod = pod
        self.started_at: str | None = rfc3339_nano()
        self.signalled = False
        self._killed = False
        self._work: asyncio.Future[Exit] | None = None
        # At most one record while it runs (no started.json, no empty log or termination log:
        # each new file costs): what ran and since when, for a wait, which runs as long as the
        # mains do. An init lasts milliseconds and leaves only its exit.json: one cut short by
        # a kubelet stop left nothing that counts, so it runs again in the same attempt, as an
        # init with its record does. A failure writes the log and the termination log.
        if role != roles.INIT:
            _write_role(state / ROLE_FILE, role, env, self.started_at)

    @property
    def restart_count(self) -> int:
        return int(self.state.name)

    async def wait(self) -> Exit:
        """Run the role; how it ended. Cancelled (kubelet stop), it leaves no exit record."""
        try:
            if self.role == roles.INIT and not self._killed and self._init_inline():
                ended = self._init_now()  # a few small files: done before anything could kill it
            else:
                ended = await self._run()
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if not self._killed or (task is not None and task.cancelling()):
                raise  # the kubelet stops (no exit record), not a kill
            ended = Exit(SIGNALLED, "Error", "", self.started_at)  # killed, as a SIGKILL would
        except Exception as error:
            # A failure the role did not expect (a bug, not a bad input): the container fails
            # with its cause as the message; the operator gets the traceback, once.
            log.error("executor role %s failed", self.role, exc_info=error)
            ended = self._failed(f"executor {self.role} failed: {type(error).__name__}: {error}")
        ended = replace(ended, started_at=self.started_at, finished_at=rfc3339_nano())
        record: Obj = {"exitCode": ended.exit_code, "finishedAt": ended.finished_at,
                       "reason": ended.reason, "message": ended.message,
                       "startedAt": self.started_at}  # fmt: skip
        write_json_atomic(self.state / "exit.json", record)
        return ended

    def _run(self) -> asyncio.Future[Exit]:
        """The role as a task of its own, which `kill` cancels (and a cancelled `wait`, the
        kubelet stopping, cancels too)."""
        self._work = work = asyncio.ensure_future(
            self._init() if self.role == roles.INIT else self._wait()
        )
        if self._killed:
            work.cancel()
        return work

    def _init_inline(self) -> bool:
        """Whether init has nothing to wait for: no artifacts to fetch, no binary to copy."""
        return '"artifacts"' not in self.env.template_json and not getattr(sys, "frozen", False)

    def _init_now(self) -> Exit:
        try:
            wrote = run_init(self.env, None)  # a few small files: less than a thread trip
        except (ArgoappError, OSError, ValueError) as e:
            return self._failed(str(e))
        self.pod.wrote_template(wrote)
        return Exit(0, "Completed")

    async def _init(self) -> Exit:
        if self._init_inline():
            return self._init_now()
        try:
            access = None
            if '"artifacts"' in self.env.template_json:
                template = json.loads(self.env.template_json)
                access = await self.pod.artifact_access(template, roles.INIT)
            if access is None and not getattr(sys, "frozen", False):
                wrote = run_init(self.env, None)
            else:  # downloads, or a frozen build copying its whole program
                wrote = await _on_role_thread(access, run_init, self.env, access)
        except (ArgoappError, OSError, ValueError) as e:
            return self._failed(str(e))
        self.pod.wrote_template(wrote)
        return Exit(0, "Completed")

    async def _wait(self) -> Exit:
        self.pod.observe()
        await self.pod.mains_done.wait()
        await self.pod.finish_mains(self.env)
        results = _Recorded()
        template = self.pod.template()
        access = await self.pod.artifact_access(template, roles.WAIT)
        code = await _on_role_thread(
            access, executor_wait.finish, self.env, template, results, access
        )
        try:
            await self.pod.report(self.env, results.reported)
        except ApiError as e:
            return self._failed(f"cannot report the outputs: {e}")
        # A wait that succeeded has a termination message only when the deadline passed.
        deadline_passed = self.pod.deadline_passed()
        message = roles.read_message(self.env.termination_log) if code or deadline_passed else ""
        return Exit(code, "Completed" if code == 0 else "Error", message)

    def _failed(self, message: str) -> Exit:
        with contextlib.suppress(OSError):
            self.env.termination_log.write_text(message)
            with open(self.state / "container.log", "ab") as f:
                f.write(f"{rfc3339_nano()} stderr F argoapp exec: {message}\n".encode())
        return Exit(1, "Error", message)

    def terminate(self) -> None:
        # wait keeps going when asked to stop: it reports once the mains (being stopped) end.
        self.signalled = True

    def kill(self) -> None:
        self.signalled = True
        self._killed = True
        if self._work is not None:
            self._work.cancel()

    def force(self) -> None:
        self.kill()


class _Recorded:
    """A `TaskResults` that keeps what wait reports, for the kubelet to write in one request."""

    def __init__(self) -> None:
        self.reported: Obj = {}

    def create(self, body: Obj) -> None:
        pass  # `PodRoles.report` creates the result whole

    def patch(self, name: str, patch: Obj) -> None:
        self.reported = merge_patch(self.reported, patch)
