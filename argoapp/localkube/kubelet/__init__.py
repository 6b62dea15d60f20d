"""localkube's kubelet: runs the pods bound to this node as sandboxed host processes.

`Kubelet` watches pods through the object service, runs each under bubblewrap through a shim
process that outlives argoapp restarts, reports pod status like a real kubelet and serves
container logs to the API server. `KubeletConfig` is everything it needs from the settings.
Module map: `kubelet` (watch, bind, workers), `worker` and `transitions` (one pod's life),
`status` (pod status), `runtime`, `procs` and `shim` (container processes), `sandbox`, `volumes`,
`env`, `commands` and `sources` (what a container is given), `logs` (`pods/log`).
"""

from argoapp.localkube.kubelet.config import KubeletConfig
from argoapp.localkube.kubelet.kubelet import Kubelet

__all__ = ["Kubelet", "KubeletConfig"]
