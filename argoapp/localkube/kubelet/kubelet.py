"""The kubelet: watches pods, binds the unscheduled ones to this node, runs one worker per pod.

`localkube.cluster.LocalKube` owns one `Kubelet`: `start()` after the object service,
`stop()` before it closes. Pods are keyed by uid; each bound pod gets a `worker.PodWorker` task
that this class owns and awaits at `stop()`. A watch on every namespace's pods (resumed from its
last resourceVersion, relisted on 410) and a periodic resync feed the workers; pods this node
finds on disk but not in the API (deleted for good while it was down) have their processes
killed and their areas removed. `stop()` ends the watch and the workers' tasks but never the pods'
processes: they live on, and the next kubelet adopts them.

It also serves container logs to the API server (`PodLogSource`), through `logs.LogReader`.

This node is the only one, so every pod without a nodeName is bound to it whatever its
schedulerName, nodeSelector, affinity or tolerations; those and `resources` and
`securityContext` are kept on the pod and have no effect. Pods share the host's network: every
pod's IP is 127.0.0.1, and two pods listening on one port collide.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from argoapp.errors import ConfigError
from argoapp.localkube import keptlogs
from argoapp.localkube import resources as r
from argoapp.localkube.errors import ApiError, NotFound
from argoapp.localkube.kubelet import procs, sandbox
from argoapp.localkube.kubelet.accounts import AccountTokens
from argoapp.localkube.kubelet.config import KubeletConfig, PodPaths, pods_dir
from argoapp.localkube.kubelet.logs import LogReader
from argoapp.localkube.kubelet.procs import SupervisorClient
from argoapp.localkube.kubelet.runtime import Runtime
from argoapp.localkube.kubelet.volumes import private_dir
from argoapp.localkube.kubelet.worker import PodWorker, resource_version
from argoapp.localkube.objects import ObjectService
from argoapp.localkube.patching import MERGE
from argoapp.localkube.podlogs import LogOptions

log = logging.getLogger(__name__)
_trace = logging.getLogger("argoapp.trace")  # ARGOAPP_TRACE: see argoapp.runtime
Obj = dict[str, Any]
RELIST_PAUSE = 1.0
UNSANDBOXED_WARNING = (
    "pods run UNSANDBOXED as plain host processes: they see and write the real host "
    "filesystem (/tmp, /result.txt, ... are the host's and shared by every pod), volumes are "
    "not mounted at their mountPath (their host directories are only listed in the "
    "LOCALKUBE_MOUNTS variable), no service account token appears under "
    "/var/run/secrets/kubernetes.io/serviceaccount, and pods share the host's PID namespace "
    "and hostname. Install bubblewrap (bwrap) to run pods in sandboxes."
)


class Kubelet:
    """Runs this node's pods as sandboxed host processes."""

    def __init__(self, service: ObjectService, *, data_dir: Path, config: KubeletConfig) -> None:
        self.service = service
        self.data_dir = data_dir
        self.config = config
        self.logs = LogReader(data_dir)
        self.workers: dict[str, PodWorker] = {}
        self._worker_tasks: dict[str, asyncio.Task[None]] = {}
        self._binding: set[str] = set()
        # uid -> resourceVersion of pods whose workers finished their deletion, so that a list
        # taken before the deletion cannot bring them back.
        self._finished: dict[str, int] = {}
        # uid -> resourceVersion of finished pods not deleted yet, whose workers have ended
        # (a worker per finished pod held its pod and state for as long as the pod existed);
        # a deletion starts a worker again, which reads what it needs back from disk.
        self._idle: dict[str, int] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._runtime: Runtime | None = None
        # pods mount their ServiceAccount's token, signed with the admin token's derived key
        self.accounts = AccountTokens(service, config.api_token)

    # -- PodLogSource ----------------------------------------------------------------------

    def stream(self, pod: dict[str, object], options: LogOptions) -> AsyncIterator[bytes]:
        """A container's log (see `podlogs.PodLogSource`)."""
        return self.logs.stream(pod, options)

    # -- start and stop --------------------------------------------------------------------

    async def start(self) -> None:
        """Check the sandbox, adopt what runs, clean up what was deleted, start watching."""
        self._runtime = self._make_runtime()
        if self._runtime.layout is not None:
            await asyncio.to_thread(sandbox.probe, self._runtime.bwrap)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        private_dir(pods_dir(self.data_dir))
        listed = await self.service.list(r.PODS, None)
        await self._clean_orphans({p["metadata"]["uid"] for p in listed["items"]})
        for pod in listed["items"]:
            self._observe(pod)
        rv = str(listed["metadata"]["resourceVersion"])
        self._spawn(self._watch(rv), "kubelet-watch")
        self._spawn(self._resync(), "kubelet-resync")

    def _make_runtime(self) -> Runtime:
        cfg = self.config
        if not cfg.sandboxed:
            log.warning(UNSANDBOXED_WARNING)
            supervisor = SupervisorClient(self.data_dir)
            return Runtime(cfg, self.data_dir, None, "", supervisor, accounts=self.accounts)
        bwrap = shutil.which("bwrap")
        if bwrap is None:
            raise ConfigError(
                "bubblewrap (bwrap) is not installed, and localkube runs pods in bwrap "
                "sandboxes. Install it (for example `apt-get install bubblewrap`), or start "
                "with --unsandboxed to run pods as plain host processes with no private "
                "filesystem."
            )
        etc_views = self.data_dir / "etc"
        layout = sandbox.host_layout(cfg.extra_path, hidden=[self.data_dir], etc_dir=etc_views)
        supervisor = SupervisorClient(self.data_dir)
        return Runtime(cfg, self.data_dir, layout, bwrap, supervisor, accounts=self.accounts)

    async def stop(self) -> None:
        """Stop watching and end the workers' tasks; the pods' processes keep running."""
        tasks = [*self._tasks, *self._worker_tasks.values()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
        self._worker_tasks.clear()
        self.workers.clear()
        if self._runtime is not None:
            await self._runtime.supervisor.close()

    def _spawn(self, coro: Any, name: str) -> None:
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("kubelet task %s failed", task.get_name(), exc_info=task.exception())

    # -- pods in, workers out --------------------------------------------------------------

    def _observe(self, pod: Obj) -> None:
        """A pod was added or changed."""
        meta, spec = pod["metadata"], pod.get("spec") or {}
        uid = meta["uid"]
        if uid in self._finished:
            return
        if uid in self._idle:
            if not meta.get("deletionTimestamp"):
                return
            del self._idle[uid]
        node = spec.get("nodeName")
        if not node:
            if uid not in self._binding and not meta.get("deletionTimestamp"):
                _trace.debug("kubelet %s", meta["name"])
                self._binding.add(uid)
                self._spawn(self._bind(pod), f"bind-{meta['name']}")
            return
        if node != self.config.node_name:
            return
        worker = self.workers.get(uid)
        if worker is None:
            self._start_worker(pod)
        else:
            worker.update(pod)

    def _start_worker(self, pod: Obj) -> None:
        assert self._runtime is not None
        uid = pod["metadata"]["uid"]
        _trace.debug("worker %s", pod["metadata"]["name"])
        _trace.debug("uid %s %s", pod["metadata"]["name"], uid)
        worker = PodWorker(self.service, self._runtime, pod, self.workers)
        worker.update(pod)
        self.workers[uid] = worker
        task = asyncio.create_task(worker.run(), name=f"pod-{pod['metadata']['name']}")
        self._worker_tasks[uid] = task
        task.add_done_callback(lambda t: self._worker_done(uid, t))

    def _worker_done(self, uid: str, task: asyncio.Task[None]) -> None:
        if self._worker_tasks.get(uid) is task:
            del self._worker_tasks[uid]
            worker = self.workers.pop(uid, None)
            if worker is not None and not task.cancelled() and task.exception() is None:
                if worker.idle and worker.gone:  # deleted for good while it was ending
                    self._spawn(self._remove_area(uid, worker.pod), f"remove-{uid}")
                elif worker.idle and worker.deleting:  # deletion came as it ended: see to it
                    self._start_worker(worker.pod)
                elif worker.idle:
                    self._idle[uid] = resource_version(worker.pod)
                else:
                    self._finished[uid] = resource_version(worker.pod)
        if not task.cancelled() and task.exception() is not None:
            log.error("pod worker %s failed", task.get_name(), exc_info=task.exception())

    def _forget(self, pod: Obj) -> None:
        """A pod is gone from the API."""
        uid = pod["metadata"]["uid"]
        worker = self.workers.get(uid)
        if worker is not None:
            worker.removed()
        elif self._idle.pop(uid, None) is not None:
            self._spawn(self._remove_area(uid, pod), f"remove-{uid}")

    async def _remove_area(self, uid: str, pod: Obj | None = None) -> None:
        """A finished pod deleted for good: nothing of it runs; its files go (a workflow
        pod's logs are kept when the pod is known: `keptlogs`)."""
        await asyncio.to_thread(keptlogs.remove_area, PodPaths(self.data_dir, uid), pod)

    async def _bind(self, pod: Obj) -> None:
        meta = pod["metadata"]
        try:
            bound = await self.service.patch(
                r.PODS, meta["namespace"], meta["name"], MERGE,
                {"spec": {"nodeName": self.config.node_name}},
            )  # fmt: skip
        except ApiError as e:
            if not isinstance(e, NotFound):
                log.warning("pod %s/%s not bound: %s", meta["namespace"], meta["name"], e)
            return
        finally:
            self._binding.discard(meta["uid"])
        # Start it now rather than when the watch brings the binding back (a round trip later).
        if bound["metadata"].get("uid") == meta["uid"]:
            self._observe(bound)

    # -- watch and resync -----------------------------------------------------------------

    async def _watch(self, rv: str) -> None:
        while True:
            watch = self.service.watch(r.PODS, None, resource_version=rv)
            events = aiter(watch)
            try:
                async for event in events:
                    kind, obj = event["type"], event["object"]
                    if kind == "ERROR":
                        break
                    rv = obj["metadata"].get("resourceVersion") or rv
                    if kind in ("ADDED", "MODIFIED"):
                        self._observe(obj)
                    elif kind == "DELETED":
                        self._forget(obj)
            finally:
                watch.close()
                closer = getattr(events, "aclose", None)
                if closer is not None:
                    await closer()
            await asyncio.sleep(RELIST_PAUSE)
            rv = await self.resync()

    async def resync(self) -> str:
        """Bring every worker up to date with a fresh list; returns its resourceVersion."""
        listed = await self.service.list(r.PODS, None)
        rv = int(listed["metadata"]["resourceVersion"])
        present = set()
        for pod in listed["items"]:
            present.add(pod["metadata"]["uid"])
            self._observe(pod)
        for uid, worker in list(self.workers.items()):
            # A worker that has seen a newer version of its pod than this list knows it exists.
            if uid not in present and resource_version(worker.pod) <= rv:
                worker.removed()
        for uid, idle_rv in list(self._idle.items()):
            if uid not in present and idle_rv <= rv:
                del self._idle[uid]
                self._spawn(self._remove_area(uid), f"remove-{uid}")
        for uid, finished_rv in list(self._finished.items()):
            if uid not in present and finished_rv < rv:
                del self._finished[uid]
        return str(rv)

    async def _resync(self) -> None:
        while True:
            await asyncio.sleep(self.config.resync_interval)
            try:
                await self.resync()
            except ApiError as e:
                log.warning("pod resync failed: %s", e)

    async def _clean_orphans(self, known: set[str]) -> None:
        """Kill and remove the pods on disk that the API no longer has."""
        try:
            uids = os.listdir(pods_dir(self.data_dir))
        except OSError:
            return
        for uid in uids:
            if uid in known:
                continue
            paths = PodPaths(self.data_dir, uid)
            assert self._runtime is not None
            await _kill_all(paths, self._runtime.supervisor)
            await asyncio.to_thread(shutil.rmtree, paths.base, True)


async def _kill_all(paths: PodPaths, supervisor: SupervisorClient) -> None:
    """SIGKILL every container of a pod area still running, and wait until the supervisor is
    done with it (it writes the exit record last: removing the area before then races it)."""
    containers = paths.base / "containers"
    killed = []
    for state in containers.glob("*/*"):
        handle = procs.read_handle(state)
        if handle is not None and handle.alive():
            handle.kill_group()
            killed.append(state)
    for state in killed:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(5):
                await supervisor.exited(state)
