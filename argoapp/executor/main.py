"""Run one executor role as a process: what `argoapp exec …` calls after parsing its flags.

Called only by `cli.main`'s `exec` group (`resource` and `data` are the mains of resource and
data templates, which report their own outputs). Each function reads the environment once
(`ExecEnv.from_environ`), runs the role and returns the process exit code. A failure is written
to the container's termination log and stderr (one line, no traceback) and ends the process with
code 1, as Argo's executor does; the emissary's own failures are code 64 (see `emissary`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from argoapp.errors import ArgoappError
from argoapp.executor.env import ExecEnv


def _fail(env: ExecEnv, message: str) -> int:
    print(f"argoapp exec: {message}", file=sys.stderr, flush=True)
    try:
        env.termination_log.write_text(message)
    except OSError:
        pass
    return 1


def init() -> int:
    """The init container."""
    from argoapp.executor.artifact_access import in_pod
    from argoapp.executor.init import run_init

    env = ExecEnv.from_environ()
    try:
        run_init(env, in_pod())
    except (ArgoappError, OSError) as e:
        return _fail(env, str(e))
    return 0


def wait() -> int:
    """The wait container: the API server is reached with the pod's service account."""
    from argoapp.executor.artifact_access import ArtifactAccess, KubeSecrets
    from argoapp.executor.wait import LiteTaskResults, run_wait
    from argoapp.kube.lite import LiteKube

    env = ExecEnv.from_environ()
    try:
        kube = LiteKube.in_cluster()
        access = ArtifactAccess(KubeSecrets(lambda: kube))
        return run_wait(env, LiteTaskResults(kube), access)
    except (ArgoappError, OSError) as e:
        return _fail(env, str(e))


def emissary(argv: Sequence[str]) -> int:
    """A wrapped container."""
    from argoapp.executor.emissary import run_emissary

    return run_emissary(ExecEnv.from_environ(), argv)


def kill(signum: int, pid: int) -> int:
    """`argoexec kill SIG PID`, as the controller runs it over pods/exec."""
    try:
        os.kill(pid, signum)
    except OSError as e:
        print(f"argoapp exec kill: {e.strerror}", file=sys.stderr, flush=True)
        return 1
    return 0


def resource(action: str) -> int:
    """`argoexec resource ACTION`: a resource template's main, reporting its own outputs."""
    from argoapp.executor.resource import run_resource
    from argoapp.executor.resource_api import ResourceApi
    from argoapp.executor.wait import LiteTaskResults
    from argoapp.kube.lite import LiteKube

    env = ExecEnv.from_environ()
    interval = _seconds(os.environ.get("RESOURCE_STATE_CHECK_INTERVAL"), 1.0)
    try:
        kube = LiteKube.in_cluster()
        return run_resource(
            env, action, ResourceApi(kube), LiteTaskResults(kube), interval=interval
        )
    except (ArgoappError, OSError) as e:
        return _fail(env, str(e))


def data(data_json: str = "") -> int:
    """`argoexec data [JSON]`: a data template's main, reporting its own result."""
    from argoapp.executor.artifact_access import ArtifactAccess, KubeSecrets
    from argoapp.executor.data import list_artifact_paths, run_data
    from argoapp.executor.wait import LiteTaskResults
    from argoapp.kube.lite import LiteKube

    env = ExecEnv.from_environ()
    try:
        kube = LiteKube.in_cluster()
        lister = list_artifact_paths(env, ArtifactAccess(KubeSecrets(lambda: kube)))
        return run_data(env, LiteTaskResults(kube), data_json=data_json, list_artifact_paths=lister)
    except (ArgoappError, OSError) as e:
        return _fail(env, str(e))


def _seconds(text: str | None, default: float) -> float:
    """A Go duration (`5s`, `500ms`, `1m`) or plain seconds; `default` when unreadable."""
    if not text:
        return default
    for suffix, scale in (("ms", 0.001), ("s", 1.0), ("m", 60.0)):
        if text.endswith(suffix):
            text, unit = text[: -len(suffix)], scale
            break
    else:
        unit = 1.0
    try:
        return max(0.05, float(text) * unit)
    except ValueError:
        return default
