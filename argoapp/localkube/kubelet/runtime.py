"""The container runtime: turn a pod's container into a running attempt, and find attempts again.

Called by the pod worker. `Runtime.start` resolves the command and environment, lays out the
volumes and the sandbox root, and hands the attempt's spec to the supervisor, which writes it
to `spec.json` and starts it; `inspect` reads an attempt directory back after a kubelet
restart. An `Attempt` is one run of one container (restartCount N lives in
`containers/<name>/N`): wait for it, ask it to stop, kill it. Its exit comes with the
supervisor's news of it (exit.json is read back only after a restart or when the supervisor
sent none). What an exit means for the pod is the worker's business, not this module's.

The files a start reads and writes (volumes, the root's directories) are small and local, so
they are done on the event loop: a hop to a thread and back cost more CPU than the write
itself (GIL hand-offs and wake-ups), several times per pod.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from argoapp.localkube.kubelet import procs, sandbox
from argoapp.localkube.kubelet.accounts import AccountTokens
from argoapp.localkube.kubelet.commands import resolve
from argoapp.localkube.kubelet.config import KubeletConfig, PodPaths, pods_dir
from argoapp.localkube.kubelet.env import container_env, service_env
from argoapp.localkube.kubelet.sources import Sources
from argoapp.localkube.kubelet.volumes import (
    Volume,
    container_mounts,
    materialise,
    private_dir,
)
from argoapp.model.labels import EXECUTOR_TMPDIR

Obj = dict[str, Any]
UNKNOWN_REASON = "ContainerStatusUnknown"
UNKNOWN_MESSAGE = "The container could not be located when the pod was terminated"
_MESSAGE_LIMIT = 4096
_TAIL_READ = 256 * 1024
_STARTED_MARKS = ("started.json", "exit.json", "inprocess.json")
IN_PROCESS_MARK = "inprocess.json"


@dataclass(frozen=True)
class Exit:
    """How an attempt ended."""

    exit_code: int
    reason: str
    message: str = ""
    started_at: str | None = None
    finished_at: str | None = None


def unknown_exit(started_at: str | None = None, message: str = UNKNOWN_MESSAGE) -> Exit:
    return Exit(137, UNKNOWN_REASON, message, started_at, None)


class Running(Protocol):
    """One run of one container as the pod worker drives it: a shim's or an in-process role's."""

    @property
    def state(self) -> Path: ...

    @property
    def started_at(self) -> str | None: ...

    @property
    def signalled(self) -> bool: ...

    @property
    def restart_count(self) -> int: ...

    async def wait(self) -> Exit: ...

    def terminate(self) -> None: ...

    def kill(self) -> None: ...

    def force(self) -> None: ...


class Attempt:
    """One run of one container, supervised by the kubelet's supervisor (see `shim`)."""

    def __init__(
        self,
        state: Path,
        supervisor: procs.SupervisorClient,
        fallback_to_logs: bool,
        started_at: str | None = None,
    ) -> None:
        self.state = state
        self.supervisor = supervisor
        self.fallback_to_logs = fallback_to_logs
        self.started_at = started_at
        self.signalled = False
        self.forced = False

    @property
    def restart_count(self) -> int:
        return int(self.state.name)

    async def wait(self) -> Exit:
        """Until the attempt ends; how it ended."""
        told = await self.supervisor.exited(self.state)
        if told is not None:  # the supervisor sent the record: no file to read back
            return exit_from(self.state, told, self.fallback_to_logs)
        ended = read_exit(self.state, self.fallback_to_logs)
        if ended is not None:
            return ended
        if self.forced:
            return Exit(137, "Error", "killed with its supervisor", self.started_at)
        return unknown_exit(
            self.started_at, "The container's supervisor ended without recording an exit code"
        )

    def terminate(self) -> None:
        """SIGTERM to the container's main process."""
        self.signalled = True
        self.supervisor.signal(self.state, kill=False)

    def kill(self) -> None:
        """SIGKILL to every process of the container."""
        self.signalled = True
        self.supervisor.signal(self.state, kill=True)

    def force(self) -> None:
        """SIGKILL the container's whole process group (when the supervisor does not)."""
        self.forced = True
        handle = procs.read_handle(self.state)
        if handle is not None:
            handle.kill_group()


def read_exit(state: Path, fallback_to_logs: bool = False) -> Exit | None:
    """The recorded end of an attempt, or None when there is none."""
    data = procs.read_json(state / "exit.json")
    if data is None:
        return None
    return exit_from(state, data, fallback_to_logs)


def exit_from(state: Path, data: Obj, fallback_to_logs: bool = False) -> Exit:
    """An attempt's end from its exit record (`exit.json`'s content)."""
    code = int(data.get("exitCode", 137))
    started_at = data.get("startedAt")  # kept with the exit since; else in the start record
    if started_at is None:
        started = procs.read_json(state / "started.json")
        started = started or procs.read_json(state / IN_PROCESS_MARK) or {}
        started_at = started.get("startedAt")
    reason = str(data.get("reason") or ("Completed" if code == 0 else "Error"))
    message = str(data.get("message") or "")
    told = data.get("terminationMessage")  # the supervisor read the termination log for us
    if message:
        pass
    elif isinstance(told, str) and (told or code == 0 or not fallback_to_logs):
        message = told
    else:
        message = _termination_message(state, code, fallback_to_logs)
    return Exit(code, reason, message, started_at, data.get("finishedAt"))


def _termination_message(state: Path, code: int, fallback_to_logs: bool) -> str:
    try:
        with open(state / "termination-log", "rb") as f:
            text = f.read(_MESSAGE_LIMIT)
    except OSError:
        text = b""
    if not text and fallback_to_logs and code != 0:
        text = _log_tail(state / "container.log")
    return text.decode(errors="replace")


def _log_tail(path: Path, lines: int = 80, limit: int = 2048) -> bytes:
    try:
        with open(path, "rb") as f:
            f.seek(max(f.seek(0, os.SEEK_END) - _TAIL_READ, 0))
            raw = f.read(_TAIL_READ)  # never the whole log, however big
    except OSError:
        return b""
    out = [line.split(b" ", 3)[-1] for line in raw.splitlines()[-lines:]]
    return b"\n".join(out)[-limit:]


def inspect(
    state: Path, fallback_to_logs: bool, supervisor: procs.SupervisorClient
) -> Attempt | Exit:
    """An attempt found on disk: how it ended, or one to follow (the supervisor says whether
    it still runs; one that died with its supervisor comes out unknown)."""
    ended = read_exit(state, fallback_to_logs)
    if ended is not None:
        return ended
    started = procs.read_json(state / "started.json") or {}
    return Attempt(state, supervisor, fallback_to_logs, started.get("startedAt"))


def attempts_on_disk(paths: PodPaths, container: str) -> list[int]:
    """The restart counts of the attempts that were started, oldest first.

    A directory with no shim record was being prepared when a kubelet stopped: nothing ran
    there, so it does not count (the next start reuses it). An executor role the kubelet ran
    in-process (`inprocess.json`) counts.
    """
    try:
        names = os.listdir(paths.container_dir(container))
    except OSError:
        return []
    base = paths.container_dir(container)
    return sorted(
        int(n)
        for n in names
        if n.isdigit() and any((base / n / f).exists() for f in _STARTED_MARKS)
    )


@dataclass(frozen=True)
class Prepared:
    """A container attempt resolved and its volumes laid out, not started yet."""

    state: Path  # the attempt directory
    argv: list[str]  # the resolved command (`argoexec ...` already turned into argoapp)
    env: dict[str, str]
    box: sandbox.SandboxSpec
    home: str
    fallback_to_logs: bool


@dataclass(frozen=True)
class Runtime:
    """What every container start needs from the kubelet."""

    config: KubeletConfig
    data_dir: Path
    layout: sandbox.HostLayout | None  # None when unsandboxed
    bwrap: str
    supervisor: procs.SupervisorClient
    _laid_out: set[Path] = field(default_factory=set)  # attempts `lay_out` already did
    accounts: AccountTokens | None = None  # the pods' ServiceAccount tokens

    def default_path(self) -> str:
        # os.get_exec_path's care for a bytes PATH (a warnings context each call) is not needed
        host = os.environ.get("PATH", os.defpath).split(os.pathsep)
        return ":".join([*self.config.extra_path, *host])

    async def start(
        self, pod: Obj, container: Obj, restart_count: int, sources: Sources
    ) -> Attempt:
        """Start one attempt of `container`; raises `CommandError` when it cannot be built."""
        prepared = await self.prepare(pod, container, restart_count, sources)
        return await self.launch(prepared)

    async def prepare(
        self,
        pod: Obj,
        container: Obj,
        restart_count: int,
        sources: Sources,
        volumes: dict[str, Volume] | None = None,
    ) -> Prepared:
        """Resolve what the attempt runs and lay out its volumes (or take `volumes`, which
        `volumes` made for another container of the pod just before); nothing is started."""
        paths = PodPaths(self.data_dir, pod["metadata"]["uid"])
        if volumes is None:
            volumes = self.volumes(pod, sources)
        return self._prepare(pod, container, paths, restart_count, sources, volumes)

    def volumes(self, pod: Obj, sources: Sources) -> dict[str, Volume]:
        """The pod's area and its volumes on disk, by name."""
        paths = PodPaths(self.data_dir, pod["metadata"]["uid"])
        private_dir(pods_dir(self.data_dir))
        private_dir(paths.base)
        return materialise(pod, paths, sources, self.config)

    async def launch(
        self, prepared: Prepared, argv: list[str] | None = None, record: Obj | None = None
    ) -> Attempt:
        """Start `prepared` under the supervisor (running `argv` instead of its own if given;
        `record` is kept in its spec.json for whoever adopts it after a restart)."""
        if prepared.state in self._laid_out:
            self._laid_out.discard(prepared.state)
        else:
            await self.lay_out(prepared)
        spec = self._spec(prepared, argv or prepared.argv) | (record or {})
        # The supervisor writes spec.json (for a kubelet that adopts the attempt after a
        # restart) on its own core, before it starts anything.
        started = await self.supervisor.start(prepared.state, spec)
        at = started.get("startedAt")
        return Attempt(prepared.state, self.supervisor, prepared.fallback_to_logs, at)

    def _prepare(
        self,
        pod: Obj,
        container: Obj,
        paths: PodPaths,
        restart_count: int,
        sources: Sources,
        volumes: dict[str, Volume],
    ) -> Prepared:
        hostname = pod_hostname(pod)
        cfg = self.config
        node = {"nodeName": cfg.node_name, "hostIP": cfg.host_ip, "podIP": cfg.pod_ip}
        home = _home()
        pod_bin = sandbox.POD_BIN if self.layout is not None else str(paths.bin)
        defaults = {"PATH": self.default_path(), "HOSTNAME": hostname, "HOME": home}
        env = container_env(
            pod, container, sources, service=service_env(cfg.api_host, cfg.api_port),
            defaults=defaults, node=node,
        )  # fmt: skip
        env["PATH"] = f"{env['PATH']}:{pod_bin}" if env.get("PATH") else pod_bin
        argv = resolve(container, cfg.images, cfg.executor_image, env)
        mounts = container_mounts(pod, container, volumes, env)
        state = paths.attempt(str(container["name"]), restart_count)
        state.mkdir(parents=True, exist_ok=True)
        box = sandbox.SandboxSpec(
            root=paths.root(str(container["name"])),
            hostname=hostname,
            pod_ip=cfg.pod_ip,
            pod_bin=paths.bin,
            termination_log=state / "termination-log",
            termination_path=str(container.get("terminationMessagePath") or "/dev/termination-log"),
            mounts=mounts,
            working_dir=str(container.get("workingDir") or "/"),
        )
        fallback = container.get("terminationMessagePolicy") == "FallbackToLogsOnError"
        return Prepared(state, argv, env, box, home, fallback)

    async def lay_out(self, prepared: Prepared) -> None:
        """Put on disk what a started container sees (the pod's /etc files and its root), ahead
        of `launch` when the worker can do it while something else runs."""
        self._lay_out(prepared)
        self._laid_out.add(prepared.state)

    def forget(self, prepared: Prepared) -> None:
        """`prepared` will not be launched (its layout stays on disk with the pod's area)."""
        self._laid_out.discard(prepared.state)

    def _lay_out(self, prepared: Prepared) -> None:
        box, env, home = prepared.box, prepared.env, prepared.home
        python3 = _python3(env["PATH"])
        if self.layout is None:
            sandbox.write_pod_bin(box.pod_bin, python3)
            _unsandboxed_root(box, home)
        else:
            sandbox.prepare_root(self.layout, box, home, python3)

    def _spec(self, prepared: Prepared, argv: list[str]) -> Obj:
        box, env, home = prepared.box, prepared.env, prepared.home
        if self.layout is None:
            return _unsandboxed_spec(box, argv, env, home)
        full, files = sandbox.bwrap_command(self.bwrap, self.layout, box, argv)
        spec: Obj = {"sandboxed": True, "argv": full, "env": env, "files": files}
        dev = sandbox.dev_template_slice(full, box)
        if dev is not None:
            spec["devTemplate"] = dev
        return spec


def _unsandboxed_spec(
    box: sandbox.SandboxSpec, argv: list[str], env: dict[str, str], home: str
) -> Obj:
    """Run as a plain host process: mounts only reported, working dir under the pod's area."""
    cwd = sandbox.host_path_of(box.root, box.mounts, box.working_dir) or box.root
    env = dict(env)
    if env.get("TMPDIR") == EXECUTOR_TMPDIR:
        del env["TMPDIR"]  # a pod path, not the host's; the host's /tmp serves the executor
    env["HOME"] = str(box.root / home.lstrip("/"))
    env["LOCALKUBE_MOUNTS"] = json.dumps({m.target: str(m.source) for m in box.mounts})
    env["LOCALKUBE_TERMINATION_LOG"] = str(box.termination_log)
    return {"sandboxed": False, "argv": argv, "env": env, "cwd": str(cwd)}


def _unsandboxed_root(box: sandbox.SandboxSpec, home: str) -> None:
    box.root.mkdir(parents=True, exist_ok=True)
    box.termination_log.touch()
    cwd = sandbox.host_path_of(box.root, box.mounts, box.working_dir) or box.root
    cwd.mkdir(parents=True, exist_ok=True)
    (box.root / home.lstrip("/")).mkdir(parents=True, exist_ok=True)


PYTHON3_TTL = 30.0  # seconds a lookup of python3 on a PATH is reused
_PYTHON3: dict[str, tuple[float, str | None]] = {}


def _python3(path: str) -> str | None:
    """`python3` on `path` (a search of every directory: reused for a while, as every pod of a
    kubelet has the same PATH; looked up again later, as the host may install or remove it)."""
    now = time.monotonic()
    found = _PYTHON3.get(path)
    if found is None or now - found[0] > PYTHON3_TTL:
        if len(_PYTHON3) >= 64:  # pods with PATHs of their own: never a growing table
            _PYTHON3.clear()
        found = _PYTHON3[path] = (now, shutil.which("python3", path=path))
    return found[1]


def pod_hostname(pod: Obj) -> str:
    spec = pod.get("spec") or {}
    return str(spec.get("hostname") or pod["metadata"]["name"])[:63]


def _home() -> str:
    if os.geteuid() == 0:
        return "/root"
    try:
        return pwd.getpwuid(os.geteuid()).pw_dir or "/"
    except KeyError:
        return "/"
