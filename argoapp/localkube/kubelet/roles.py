"""Argo's executor roles as the kubelet sees them: which container is which, and their files.

Called by `inprocess` when the kubelet runs the executor's roles itself
(`KubeletConfig.executor_in_process`). `classify` tells an `argoexec init` or `argoexec wait`
container and an emissary-wrapped one (`/var/run/argo/argoexec emissary … -- CMD`) from the
resolved argv, and gives the command to run instead (CMD, for a wrapped container).
`exec_env` builds the executor's `ExecEnv` with the host directories behind the container's
mounts, so `argoapp.executor` functions work on the pod's volumes with no sandbox.
`finish_emissary` does what the emissary does after its command ends: `ctr/<name>/stdout` and
`combined` (from the container's CRI log), main's output files (`outputs.copy_out`) and, last,
`ctr/<name>/exitcode`, so that the exitcode file means "everything is in place".

Blocking file work only (callers run it on a thread); no API calls, no processes.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping, Sequence
from pathlib import Path

from argoapp.executor import outputs
from argoapp.executor.emissary import wants_capture, write_exitcode
from argoapp.executor.env import CONFIG_DIR, OFFLOADED, ExecEnv, Obj
from argoapp.localkube.kubelet.commands import argoapp_argv, as_argoapp
from argoapp.localkube.kubelet.volumes import Mount

INIT, WAIT, EMISSARY = "init", "wait", "emissary"
VAR_RUN = "/var/run/argo"
MAINCTRFS = "/mainctrfs"


def classify(argv: Sequence[str]) -> tuple[str, list[str]]:
    """(role, argv to run): `init`/`wait` (nothing to run), `emissary` (its CMD), or ("", argv)."""
    prefix = [*argoapp_argv(), "exec"]
    if list(argv[: len(prefix)]) != prefix or len(argv) <= len(prefix):
        return "", list(argv)
    verb, rest = argv[len(prefix)], list(argv[len(prefix) + 1 :])
    if verb in (INIT, WAIT):
        return verb, []
    if verb == EMISSARY and "--" in rest:
        command = rest[rest.index("--") + 1 :]
        if command and command[0]:
            return EMISSARY, as_argoapp(command)
    return "", list(argv)


def mount_source(mounts: Sequence[Mount], inside: str) -> Path | None:
    """The host path behind `inside` when a mount covers it (read-only ones too)."""
    return _source(_deepest_first(mounts), inside)


def _deepest_first(mounts: Sequence[Mount]) -> list[tuple[str, Path]]:
    """(target, source) of each mount, the longest target first (the one that wins)."""
    found = [(m.target.rstrip("/") or "/", m.source) for m in mounts]
    return sorted(found, key=lambda t: len(t[0]), reverse=True)


def _source(ordered: list[tuple[str, Path]], inside: str) -> Path | None:
    inside = posixpath.normpath("/" + inside.lstrip("/"))
    for target, source in ordered:
        if inside == target:
            return source
        if inside.startswith(target + "/"):
            return source / inside[len(target) + 1 :]  # both normalised: no relpath
    return None


def exec_env(env: dict[str, str], mounts: Sequence[Mount], state: Path) -> ExecEnv:
    """The executor's settings for a role run in the kubelet: pod paths made host paths.

    A path no mount covers goes under the attempt directory `state` (where the container's
    private root would be), and so does the termination log.
    """
    scratch = state / "scratch"
    ordered = _deepest_first(mounts)
    environ: Mapping[str, str] = env
    if env.get("ARGO_TEMPLATE") == OFFLOADED:
        found = _source(ordered, f"{CONFIG_DIR}/ARGO_TEMPLATE")
        environ = {**env, "ARGO_TEMPLATE": found.read_text() if found is not None else "{}"}

    def host(path: str) -> Path:
        return _source(ordered, path) or scratch / path.lstrip("/")

    return ExecEnv.from_environ(
        environ,
        place=host,
        mainctrfs=scratch / "mainctrfs",
        termination_log=state / "termination-log",
    )


def link_mainctrfs(mounts: Sequence[Mount], tree: Path) -> None:
    """Make `tree` stand for wait's /mainctrfs: a symlink per main volume it mounts there."""
    tree.mkdir(parents=True, exist_ok=True)
    for mount in sorted(mounts, key=lambda m: m.target.count("/")):
        if not mount.target.startswith(MAINCTRFS + "/"):
            continue
        link = tree / mount.target.removeprefix(MAINCTRFS + "/")
        if any(p.is_symlink() for p in (link, *link.parents)):
            continue  # nested under another volume's link: that volume's own files win
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(mount.source)


def finish_emissary(
    env: ExecEnv, template: Obj, name: str, exit_code: int, log: Path, root: Path
) -> None:
    """What the emissary leaves behind for wait, once `name`'s command ended (idempotent)."""
    ctr = env.ctr_dir(name)
    if (ctr / "exitcode").exists():
        return
    ctr.mkdir(parents=True, exist_ok=True)
    if wants_capture(env, template):
        split_log(log, ctr / "stdout", ctr / "combined")
    if name == "main":
        try:
            outputs.copy_out(template, env.var_run, root=root)
        except OSError:
            pass  # wait reports the output as missing, as after a failed copy in the emissary
    write_exitcode(ctr, exit_code)


def split_log(log: Path, stdout: Path, combined: Path) -> None:
    """A CRI log back into the container's stdout alone and its stdout and stderr together."""
    with open(stdout, "wb") as out, open(combined, "wb") as both:
        try:
            source = open(log, "rb")  # noqa: SIM115 - closed below; absent means nothing printed
        except FileNotFoundError:
            return
        with source:
            for line in source:
                parts = line.rstrip(b"\n").split(b" ", 3)
                if len(parts) < 4:
                    continue
                content = parts[3] + (b"\n" if parts[2] == b"F" else b"")
                if parts[1] == b"stdout":
                    out.write(content)
                both.write(content)


def read_message(path: Path, limit: int = 4096) -> str:
    """A termination log's text ("" when there is none)."""
    try:
        with open(path, "rb") as f:
            return f.read(limit).decode(errors="replace")
    except OSError:
        return ""
