"""The kubelet's settings, and the pod-area layout on disk that every kubelet module shares.

`KubeletConfig` is built by `localkube.cluster` from the `argoapp up` settings; the kubelet
modules only read it. `PodPaths` names every file and directory the kubelet keeps for one pod,
so the worker, the log reader and adoption after a restart agree on where things are. Nothing
here touches the disk or the API.

Layout under `DATA_DIR`:

    pods/<uid>/pod.json                         namespace, name and uid (orphan clean-up)
    pods/<uid>/roots/<container>/               the container's writable root, bound as `/`
    pods/<uid>/volumes/<volume>/                emptyDir, configMap and secret contents
    pods/<uid>/bin/                             unsandboxed: pod-private `python` -> `python3`
    pods/<uid>/containers/<container>/<restartCount>/
        spec.json   what the supervisor runs  started.json  when and which process began
        exit.json   exit code, start and end  container.log CRI-format log
        inprocess.json  a wait the kubelet runs itself (role, env, start time)
        termination-log  bound at the container's terminationMessagePath
    pvcs/<namespace>/<claim>/                   persistentVolumeClaim contents (outlive pods)
    supervisor.json / supervisor.log            the container supervisor's identity and errors
    api-access/<namespace>/<serviceaccount>/    the account's token, ca.crt, namespace: the
                                                same for every pod of the account, so shared
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from argoapp.artifacts.local import LocalTarget

DEFAULT_EXECUTOR_IMAGE = "quay.io/argoproj/argoexec"


@dataclass
class KubeletConfig:
    """How the kubelet runs pods and how pods reach localkube."""

    node_name: str = "localkube"
    images: dict[str, dict[str, Any]] = field(default_factory=dict)
    executor_image: str = DEFAULT_EXECUTOR_IMAGE
    sandboxed: bool = True
    api_host: str = "127.0.0.1"
    api_port: int = 2747
    api_token: str = ""
    ca_cert_pem: bytes = b""
    extra_path: list[str] = field(default_factory=list)
    # The first restart of a crashed container is immediate; later ones wait this long,
    # doubling up to `max_restart_backoff` (a real kubelet's CrashLoopBackOff: 10 s to 5 min).
    restart_backoff: float = 10.0
    max_restart_backoff: float = 300.0
    resync_interval: float = 60.0  # a safety net under the watch (a kubelet's syncFrequency)
    host_ip: str = "127.0.0.1"
    pod_ip: str = "127.0.0.1"
    # Run Argo's executor roles (init, wait, the emissary around each wrapped container) in
    # the kubelet instead of as `argoapp exec` processes in the pod (see `inprocess`).
    executor_in_process: bool = True
    # The built-in artifact store when it shares this process (set by the runtime once it has
    # started): in-process roles reach it directly instead of over HTTP.
    artifact_store: LocalTarget | None = None


@dataclass(frozen=True)
class PodPaths:
    """Where the kubelet keeps one pod's files."""

    data_dir: Path
    uid: str

    @functools.cached_property  # asked for dozens of times per pod start
    def base(self) -> Path:
        return self.data_dir / "pods" / self.uid

    @property
    def identity(self) -> Path:
        return self.base / "pod.json"

    def root(self, container: str) -> Path:
        return self.base / "roots" / container

    def volume(self, name: str) -> Path:
        return self.base / "volumes" / name

    @property
    def bin(self) -> Path:
        return self.base / "bin"

    def container_dir(self, container: str) -> Path:
        return self.base / "containers" / container

    def attempt(self, container: str, restart_count: int) -> Path:
        return self.container_dir(container) / str(restart_count)


def pods_dir(data_dir: Path) -> Path:
    return data_dir / "pods"


def pvcs_dir(data_dir: Path) -> Path:
    return data_dir / "pvcs"


def api_access_dir(data_dir: Path, namespace: str, account: str) -> Path:
    """The service account files every pod of `namespace` running as `account` mounts."""
    return data_dir / "api-access" / namespace / account


def pvc_dir(data_dir: Path, namespace: str, claim: str) -> Path:
    """The directory backing a persistentVolumeClaim: shared by its pods, kept after them."""
    return pvcs_dir(data_dir) / namespace / claim
