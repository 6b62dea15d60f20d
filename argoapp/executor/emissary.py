"""`argoapp exec emissary -- CMD ARGS…`: run one wrapped container's command the Argo way.

Every main, containerSet member and sidecar of a workflow pod runs behind this (the controller
rewrites its command to `/var/run/argo/argoexec emissary … -- <command>`). It:
1. makes `/var/run/argo/ctr/<name>/` (mode 0777), `<name>` being ARGO_CONTAINER_NAME;
2. in a containerSet, waits for each dependency's `exitcode` file and stops if one is non-zero;
3. starts the command (found on PATH; a program named `argoexec` that is not on PATH is this
   program), tee-ing stdout to `ctr/<name>/stdout` and stdout+stderr to `ctr/<name>/combined`
   when the result or the logs are wanted, while they still reach the container's own output;
4. forwards the signals it receives to the child, and sends it the signal number written to
   `ctr/<name>/signal` (checked every 100 ms; the file is removed once read);
5. as a sidecar, ends its child (SIGTERM, then SIGKILL after the grace period) once every main
   container has an exitcode;
6. writes `ctr/<name>/exitcode`: the child's code, 137 when a signal ended it (as Argo's
   emissary reports it), 64 when the emissary itself failed; and exits with that code;
7. for `main`, copies the output files into /var/run/argo/outputs (`outputs.copy_out`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from argoapp.executor import outputs
from argoapp.executor.env import ExecEnv, Obj, command_environ, main_names

EMISSARY_FAILED = 64
SIGNALLED = 137
POLL = 0.1
_FORWARDED = (
    signal.SIGTERM,
    signal.SIGINT,
    signal.SIGHUP,
    signal.SIGQUIT,
    signal.SIGUSR1,
    signal.SIGUSR2,
)


class EmissaryError(Exception):
    """The emissary could not run the command (exit code 64)."""


def run_emissary(env: ExecEnv, argv: Sequence[str]) -> int:
    """Run `argv` as container `env.container_name`; the exit code to leave with."""
    ctr = env.ctr_dir(env.container_name)
    code = EMISSARY_FAILED
    try:
        ctr.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):
            ctr.chmod(0o777)  # every container of the pod may run as another user
        template = env.read_template()
        _wait_for_dependencies(env, template)
        code = _run(env, template, ctr, resolve(argv))
    except EmissaryError as e:
        print(f"argoapp emissary: {e}", file=sys.stderr, flush=True)
    finally:
        write_exitcode(ctr, code)
    if env.container_name == "main":
        try:
            outputs.copy_out(env.read_template(), env.var_run)
        except OSError as e:
            print(f"argoapp emissary: copying outputs: {e}", file=sys.stderr, flush=True)
    return code


def write_exitcode(ctr: Path, code: int) -> None:
    """`ctr/<name>/exitcode`, written whole (write, then rename) so readers never see half."""
    tmp = ctr / "exitcode.tmp"
    tmp.write_text(str(code))
    os.replace(tmp, ctr / "exitcode")


def resolve(argv: Sequence[str]) -> list[str]:
    """The command to start: PATH-resolved; `argoexec` falls back to this very program."""
    if not argv:
        raise EmissaryError("no command to run after `--`")
    program = argv[0]
    if "/" in program:
        if program.startswith("/") and not os.path.lexists(program):
            # localkube runs images' commands from the host: a program the image would have at
            # this path (`/argosay`) is looked up by name there
            found = shutil.which(os.path.basename(program))
            if found is not None:
                return [found, *argv[1:]]
        return list(argv)
    found = shutil.which(program)
    if found is not None:
        return [found, *argv[1:]]
    if program == "argoexec":
        return [*self_argv(), *argv[1:]]
    raise EmissaryError(f'exec: "{program}": executable file not found in $PATH')


def self_argv() -> list[str]:
    """How to run `argoapp exec` from inside a pod."""
    if getattr(sys, "frozen", False):
        return [sys.executable, "exec"]
    return [sys.executable, "-m", "argoapp", "exec"]


def _wait_for_dependencies(env: ExecEnv, template: Obj) -> None:
    me = next(
        (c for c in (template.get("containerSet") or {}).get("containers") or []
         if c.get("name") == env.container_name),
        None,
    )  # fmt: skip
    for dep in (me or {}).get("dependencies") or []:
        code_file = env.ctr_dir(str(dep)) / "exitcode"
        while not code_file.exists():
            time.sleep(POLL)
        code = code_file.read_text().strip()
        if code != "0":
            raise EmissaryError(f"dependency {dep!r} exited with code {code}")


def wants_capture(env: ExecEnv, template: Obj) -> bool:
    """Whether the command's output is kept in ctr/<name>/stdout and combined."""
    archive = (template.get("archiveLocation") or {}).get("archiveLogs")
    return env.include_script_output or bool(archive)


def _run(env: ExecEnv, template: Obj, ctr: Path, argv: list[str]) -> int:
    capture = wants_capture(env, template)
    pipe = subprocess.PIPE if capture else None
    try:
        child = subprocess.Popen(argv, stdout=pipe, stderr=pipe, env=command_environ(os.environ))
    except OSError as e:
        raise EmissaryError(f"cannot start {argv[0]}: {e.strerror}") from None
    for signum in _FORWARDED:
        signal.signal(signum, lambda n, _f: _send(child, n))
    pumps = _tee(child, ctr) if capture else []
    is_sidecar = env.container_name not in main_names(template)
    stop_at: float | None = None
    while True:
        try:
            code = child.wait(timeout=POLL)
            break
        except subprocess.TimeoutExpired:
            pass
        _check_signal_file(ctr, child)
        if is_sidecar and stop_at is None and _mains_done(env, template):
            _send(child, signal.SIGTERM)
            stop_at = time.monotonic() + env.grace_seconds
        if stop_at is not None and time.monotonic() >= stop_at:
            _send(child, signal.SIGKILL)
    for pump in pumps:
        pump.join()
    return SIGNALLED if code < 0 else code


def _send(child: subprocess.Popen[bytes], signum: int) -> None:
    try:
        child.send_signal(signum)
    except (ProcessLookupError, OSError):
        pass


def _check_signal_file(ctr: Path, child: subprocess.Popen[bytes]) -> None:
    path = ctr / "signal"
    try:
        text = path.read_text().strip()
    except FileNotFoundError:
        return
    path.unlink(missing_ok=True)
    if text.isdigit():
        _send(child, int(text))


def _mains_done(env: ExecEnv, template: Obj) -> bool:
    return all((env.ctr_dir(name) / "exitcode").exists() for name in main_names(template))


def _tee(child: subprocess.Popen[bytes], ctr: Path) -> list[threading.Thread]:
    """Copy the child's stdout and stderr to ours and to ctr/<name>/{stdout,combined}."""
    stdout_file = (ctr / "stdout").open("wb")
    combined = (ctr / "combined").open("wb")
    lock = threading.Lock()
    closing = [2]

    def pump(source: IO[bytes], own: IO[bytes], also: IO[bytes] | None) -> None:
        while chunk := os.read(source.fileno(), 65536):
            own.write(chunk)
            own.flush()
            with lock:
                if also is not None:
                    also.write(chunk)
                combined.write(chunk)
        with lock:
            closing[0] -= 1
            if closing[0] == 0:
                stdout_file.close()
                combined.close()

    assert child.stdout is not None and child.stderr is not None
    threads = [
        threading.Thread(target=pump, args=(child.stdout, sys.stdout.buffer, stdout_file)),
        threading.Thread(target=pump, args=(child.stderr, sys.stderr.buffer, None)),
    ]
    for t in threads:
        t.start()
    return threads
