"""The bubblewrap sandbox of one container: its root on disk and the `bwrap` command line.

Called by the pod worker to prepare a container attempt; `HostLayout` is computed once by the
kubelet. It writes only inside the pod's area and never starts processes (the shim runs the
argv built here).

bwrap 0.8 has no overlay, so each container gets a writable directory of its own bound as `/`
(`PodPaths.root`), and the host directories that hold programs and libraries are bound read-only
on top: `/usr`, `/opt`, the `/lib*` and `/bin`-style directories (recreated as symlinks where the
host has symlinks), every directory on the kubelet's PATH (a version manager's `shims` directory
brings its whole root: pyenv's shims run `$PYENV_ROOT/libexec/pyenv`), the Python installation
and argoapp's own package (so `argoapp exec` runs inside). The host's `/etc` is bound read-only
at `/.localkube/etc`; the container's `/etc` is a tmpfs of the sandbox's own holding a symlink to
each entry there (host entries that are themselves symlinks leading elsewhere are bound one by
one), so that `/etc` stays writable for the container like an image's would, starts afresh on a
container restart as an image's layer does, while `hosts` and `hostname` are the pod's own. bwrap
makes those links in memory: written into the root on disk they were most of a pod's files, and
on a filesystem without a journal every new inode there costs a scan past the recently deleted
ones. `hosts` and `hostname` are files bwrap writes there from pipes the supervisor fills
(`FILE_SLOT`, `spec.json`'s `files`), and the pod's `python` (a link to the host's `python3`) is
in the container's root at `/.localkube/bin`: not bind mounts, as each bind costs bwrap a read
of the whole mount table. `/proc`, `/dev` and the termination-message file are the sandbox's;
`/tmp`, the empty directories an image's root has (`/mnt`, `/srv`, …) and everything else not
bound is the container's private root. The PID and UTS namespaces are new (the hostname is the
pod's); the network is the host's so pods reach localkube on loopback.
As root, the capabilities are cut to Docker's default set so a container cannot remount what it
was given.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from argoapp.errors import ConfigError
from argoapp.localkube.kubelet.volumes import Mount

_SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/opt")
_POD_ETC = ("hosts", "hostname")
# The empty directories every image's root has (Debian's, Alpine's, busybox's): steps write to
# /mnt/out or /srv without creating them first.
_IMAGE_DIRS = ("mnt", "srv", "media", "home", "run", "var/tmp")
# What a new root gets, each directory after its parent.
_NEW_ROOT_DIRS = tuple(
    dict.fromkeys(
        "/".join(parts[: i + 1])
        for parts in (name.split("/") for name in ("etc", "tmp", *_IMAGE_DIRS))
        for i in range(len(parts))
    )
)
POD_BIN = "/.localkube/bin"
FILE_SLOT = "-1"  # in a bwrap argv: the fd of a file's content, put there by the supervisor
HOST_ETC = "/.localkube/etc"  # the host's /etc, read-only; the container's /etc links into it
# Docker's default capability set; everything else is dropped when bwrap runs as root.
_DOCKER_CAPS = (
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
    "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
)  # fmt: skip


@dataclass(frozen=True)
class HostLayout:
    """What of the host every sandbox sees, computed once."""

    binds: tuple[str, ...]  # directories bound read-only at the same path
    symlinks: dict[str, str] = field(default_factory=dict)  # "/bin" -> "usr/bin"
    etc_binds: tuple[str, ...] = ()  # names in /etc bound read-only one by one (host symlinks)
    etc_symlinks: dict[str, str] = field(default_factory=dict)  # "mtab" -> "../proc/self/mounts"
    etc_links: tuple[str, ...] = ()  # names in /etc reached through the one bind of /etc
    hidden: tuple[str, ...] = ()  # host directories no sandbox may see (localkube's data dir)


def host_layout(extra_dirs: Sequence[str] = (), hidden: Sequence[Path] = ()) -> HostLayout:
    """The host directories to share with sandboxes (`hidden` ones masked wherever a bind
    would show them).

    Reads the kubelet's own PATH on purpose: containers run the host's programs.
    """
    binds: list[str] = []
    symlinks: dict[str, str] = {}
    for path in _SYSTEM_DIRS:
        if os.path.islink(path):
            symlinks[path] = os.readlink(path)
        elif os.path.isdir(path):
            binds.append(path)
    candidates = [*extra_dirs, *os.get_exec_path(), sys.prefix, sys.base_prefix]
    candidates.append(os.path.dirname(os.path.realpath(sys.executable)))
    candidates.append(str(Path(__file__).resolve().parents[2]))  # the argoapp package
    wanted = {_tool_root(posixpath.normpath(p)) for p in candidates if p.startswith("/")}
    for path in sorted(wanted):
        if os.path.isdir(path) and not _covered(path, binds, symlinks):
            binds.append(path)
    etc_binds, etc_symlinks, etc_links = _etc_entries()
    masked = tuple(os.path.realpath(h) for h in hidden)
    return HostLayout(tuple(binds), symlinks, etc_binds, etc_symlinks, etc_links, masked)


def probe(bwrap: str) -> None:
    """Run an empty sandbox once, so that a bwrap that cannot work here fails at start-up."""
    argv = [bwrap, "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "--unshare-pid",
            "--unshare-uts", "--hostname", "probe", "--", "true"]  # fmt: skip
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise ConfigError(f"bubblewrap ({bwrap}) cannot be run: {e}") from None
    if done.returncode != 0:
        raise ConfigError(
            f"bubblewrap ({bwrap}) cannot create sandboxes on this host: "
            f"{done.stderr.strip() or f'exit code {done.returncode}'}. Allow unprivileged user "
            "namespaces (or make bwrap setuid), or start with --unsandboxed to run pods as "
            "plain host processes with no private filesystem."
        )


def _tool_root(path: str) -> str:
    """A version manager's `shims` directory (pyenv, rbenv, nodenv...) needs its whole root."""
    parent = os.path.dirname(path)
    if os.path.basename(path) == "shims" and os.path.isdir(os.path.join(parent, "libexec")):
        return parent
    return path


def _covered(path: str, binds: Sequence[str], symlinks: dict[str, str]) -> bool:
    real = os.path.realpath(path)
    for base in (*binds, *symlinks, "/etc", "/proc", "/dev"):
        for p in (path, real):
            if p == base or p.startswith(base + "/"):
                return True
    return False


def _etc_entries() -> tuple[tuple[str, ...], dict[str, str], tuple[str, ...]]:
    binds: list[str] = []
    symlinks: dict[str, str] = {}
    links: list[str] = []
    try:
        names = sorted(os.listdir("/etc"))
    except OSError:
        return (), {}, ()
    for name in names:
        path = f"/etc/{name}"
        if name in _POD_ETC:
            continue
        real = os.path.realpath(path)
        if os.path.islink(path) and real.startswith(("/usr/", "/etc/", "/proc/")):
            symlinks[name] = os.readlink(path)
        elif os.path.islink(path) and os.path.exists(path):
            binds.append(name)  # bound through the link when it leads elsewhere (/run/...)
        elif os.path.exists(path):
            links.append(name)
    return tuple(binds), symlinks, tuple(links)


@dataclass(frozen=True)
class SandboxSpec:
    """One container attempt's sandbox."""

    root: Path
    hostname: str
    pod_ip: str
    pod_bin: Path  # the pod's `python` link, when not sandboxed
    termination_log: Path
    termination_path: str
    mounts: Sequence[Mount]
    working_dir: str


def prepare_root(layout: HostLayout, spec: SandboxSpec, home: str, python3: str | None) -> None:
    """Make the container's root ready for bwrap (idempotent: restarts reuse it)."""
    root = spec.root
    try:
        root.mkdir(parents=True)
    except FileExistsError:
        _refresh_root(layout, root, python3)
    else:
        _new_root(layout, root, python3)
    os.chmod(root / "tmp", 0o1777)
    (root / home.lstrip("/")).mkdir(parents=True, exist_ok=True)
    spec.termination_log.touch()
    workdir = host_path_of(spec.root, spec.mounts, spec.working_dir)
    if workdir is not None:
        workdir.mkdir(parents=True, exist_ok=True)


def _new_root(layout: HostLayout, root: Path, python3: str | None) -> None:
    """A root just made: what it holds is made without first looking whether it exists (a
    pod's start is mostly new roots)."""
    for name in _NEW_ROOT_DIRS:
        os.mkdir(root / name)
    os.chmod(root / "var" / "tmp", 0o1777)
    for path, target in layout.symlinks.items():
        os.symlink(target, root / path.lstrip("/"))
    if python3:
        os.makedirs(root / POD_BIN.lstrip("/"))
        os.symlink(python3, root / POD_BIN.lstrip("/") / "python")


def _refresh_root(layout: HostLayout, root: Path, python3: str | None) -> None:
    """A root a restart (or an earlier layout) left: put back what is missing or outdated."""
    (root / "etc").mkdir(exist_ok=True)
    for path, target in layout.symlinks.items():
        _ensure_symlink(root / path.lstrip("/"), target)
    if python3:
        _ensure_symlink(root / POD_BIN.lstrip("/") / "python", python3)
    tmp = root / "tmp"
    if not tmp.is_dir():  # a restart reuses the root: one stat, not a mkdir per directory
        for name in _IMAGE_DIRS:
            (root / name).mkdir(parents=True, exist_ok=True)
        os.chmod(root / "var" / "tmp", 0o1777)
        tmp.mkdir(exist_ok=True)


def _ensure_symlink(path: Path, target: str) -> None:
    if path.is_symlink():
        if os.readlink(path) == target:
            return
        path.unlink()
    elif path.is_dir():
        try:
            path.rmdir()  # an empty mount point left by an earlier layout
        except OSError:
            return
    elif path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        path.symlink_to(target)


def host_path_of(root: Path, mounts: Sequence[Mount], inside: str) -> Path | None:
    """Where a path inside the sandbox lives on the host (None when read-only)."""
    inside = posixpath.normpath("/" + inside.lstrip("/"))
    for mount in sorted(mounts, key=lambda m: len(m.target), reverse=True):
        if inside == mount.target or inside.startswith(mount.target.rstrip("/") + "/"):
            if mount.read_only:
                return None
            return mount.source / posixpath.relpath(inside, mount.target)
    return root / inside.lstrip("/")


def bwrap_argv(bwrap: str, layout: HostLayout, spec: SandboxSpec, argv: Sequence[str]) -> list[str]:
    """The full command line that runs `argv` in the sandbox (files' fds left as slots)."""
    return bwrap_command(bwrap, layout, spec, argv)[0]


def bwrap_command(
    bwrap: str, layout: HostLayout, spec: SandboxSpec, argv: Sequence[str]
) -> tuple[list[str], list[tuple[int, str]]]:
    """The full command line that runs `argv` in the sandbox, and the files bwrap writes
    there: (index of the `FILE_SLOT` in the command line, content) for the supervisor."""
    out = [bwrap, "--die-with-parent", "--unshare-pid", "--unshare-uts"]
    out += ["--hostname", spec.hostname]
    if os.geteuid() == 0:
        out += ["--cap-drop", "ALL"]
        for cap in _DOCKER_CAPS:
            out += ["--cap-add", cap]
    out += ["--bind", str(spec.root), "/"]
    for path in layout.binds:
        out += ["--ro-bind", path, path]
    out += ["--ro-bind", "/etc", HOST_ETC, "--tmpfs", "/etc"]
    for name in layout.etc_links:
        out += ["--symlink", f"{HOST_ETC}/{name}", f"/etc/{name}"]
    for name, target in layout.etc_symlinks.items():
        out += ["--symlink", target, f"/etc/{name}"]
    for name in layout.etc_binds:
        out += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
    files = []
    for name, content in pod_etc(spec.hostname, spec.pod_ip).items():
        files.append((len(out) + 1, content))
        out += ["--file", FILE_SLOT, f"/etc/{name}"]
    out += ["--proc", "/proc", "--dev", "/dev"]
    out += ["--bind", str(spec.termination_log), spec.termination_path]
    for mount in spec.mounts:
        out += ["--ro-bind" if mount.read_only else "--bind", str(mount.source), mount.target]
    out += _masks(layout, spec)
    out += ["--chdir", spec.working_dir, "--", *argv]
    return out, files


def _masks(layout: HostLayout, spec: SandboxSpec) -> list[str]:
    """An empty tmpfs over each hidden directory wherever a bind (a system directory, a
    hostPath of `/` or of a home) would show it, after every bind so that nothing undoes it."""
    if not layout.hidden:
        return []
    shown = [(path, path) for path in layout.binds]
    shown += [(os.path.realpath(m.source), m.target) for m in spec.mounts]
    out: list[str] = []
    for hidden in layout.hidden:
        for source, target in shown:
            if hidden.startswith(source.rstrip("/") + "/"):
                inside = posixpath.join(target, posixpath.relpath(hidden, source))
                out += ["--tmpfs", inside]
    return out


def pod_etc(hostname: str, pod_ip: str) -> dict[str, str]:
    """The pod's /etc/hosts and /etc/hostname, as a kubelet writes them."""
    return {"hosts": _hosts(hostname, pod_ip), "hostname": f"{hostname}\n"}


def _hosts(hostname: str, pod_ip: str) -> str:
    return (
        "# Kubernetes-managed hosts file.\n"
        "127.0.0.1\tlocalhost\n"
        "::1\tlocalhost ip6-localhost ip6-loopback\n"
        "fe00::0\tip6-localnet\n"
        "fe00::0\tip6-mcastprefix\n"
        "fe00::1\tip6-allnodes\n"
        "fe00::2\tip6-allrouters\n"
        f"{pod_ip}\t{hostname}\n"
    )


def write_pod_bin(directory: Path, python3: str | None) -> None:
    """The pod-private bin directory: `python` -> the host's `python3` when there is one."""
    directory.mkdir(parents=True, exist_ok=True)
    link = directory / "python"
    if python3 and not link.is_symlink():
        with contextlib.suppress(FileExistsError):
            link.symlink_to(python3)
