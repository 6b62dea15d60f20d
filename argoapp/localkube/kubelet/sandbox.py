"""The bubblewrap sandbox of one container: its root on disk and the `bwrap` command line.

Called by the pod worker to prepare a container attempt; `HostLayout` is computed once by the
kubelet. It writes only inside the pod's area (and the kubelet's shared view of /etc, see
`etcview`) and never starts processes (the shim runs the argv built here).

bwrap 0.8 has no overlay, so each container gets a writable directory of its own bound as `/`
(`PodPaths.root`), and the host directories that hold programs and libraries are bound read-only
on top: `/usr`, `/opt`, the `/lib*` and `/bin`-style directories (recreated as symlinks where the
host has symlinks), every directory on the kubelet's PATH (a version manager's `shims` directory
brings its whole root: pyenv's shims run `$PYENV_ROOT/libexec/pyenv`), the Python installation
and argoapp's own package (so `argoapp exec` runs inside; run from a source checkout that holds
its virtualenv too, the checkout is bound whole). What a sandbox costs is mostly bwrap's mount
work (it reads the whole mount table again after each bind), so it is built from as few binds
as it can be.

/etc: the host's /etc is bound read-only at `HOST_ETC`, and the container's /etc is the
kubelet's shared view of it (`etcview.EtcView`: a link to each host entry), bound read-only:
one bind instead of a tmpfs holding ~140 links that bwrap made afresh for every sandbox (about
a millisecond of machine CPU each). So a container cannot create new files directly in /etc
(the host's entries were read-only already); no test here needs that. A container that mounts
a volume (or its termination message) under /etc, which needs mount points made there, gets
the older layout: a writable tmpfs /etc of its own, holding a link per host entry.
`hosts` and `hostname` are the pod's own and writable: links in the view to files in the
container's root (`etcview.POD_HOSTS`), which bwrap writes afresh at every start from pipes the
supervisor fills (`FILE_SLOT`, `spec.json`'s `files`). The pod's `python` (a link to the host's
`python3`) is in the root at `/.localkube/bin`. The default termination-message file
`/dev/termination-log` is a link to `/.localkube/termination-log` in the root, a hard link of
the attempt's own file (another path is bound). `/proc` is the sandbox's. `/dev` is bwrap's
`--dev`, or, when the supervisor runs as root and nothing but /dev/shm is mounted under /dev,
the same /dev bound read-only from the supervisor's template (`dev_template_slice`,
`shim.own_mounts`: `--dev` binds six device nodes, each a read of the mount table), with a
tmpfs /dev/shm of the sandbox's own. `/tmp`, the empty directories an image's root has
(`/mnt`, `/srv`, …) and everything else not bound is the container's private root. The PID
and UTS namespaces are new (the hostname is the pod's); the network is the host's so pods reach
localkube on loopback.
As root, the capabilities are cut to Docker's default set so a container cannot remount what it
was given. Unprivileged, bwrap makes a user namespace and the same layout works.
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
from argoapp.localkube.kubelet.etcview import HOST_ETC, POD_HOSTNAME, POD_HOSTS, EtcView
from argoapp.localkube.kubelet.shim import TERMINATION_LINK
from argoapp.localkube.kubelet.volumes import Mount

_SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/opt")
# The empty directories every image's root has (Debian's, Alpine's, busybox's): steps write to
# /mnt/out or /srv without creating them first.
_IMAGE_DIRS = ("mnt", "srv", "media", "home", "run", "var/tmp")
# What a new root gets, each directory after its parent.
_NEW_ROOT_DIRS = tuple(
    dict.fromkeys(
        "/".join(parts[: i + 1])
        for parts in (name.split("/") for name in ("etc", "tmp", ".localkube", *_IMAGE_DIRS))
        for i in range(len(parts))
    )
)
_LOCALKUBE = ".localkube"  # in the container's root: what the kubelet puts there
POD_BIN = "/.localkube/bin"
FILE_SLOT = "-1"  # in a bwrap argv: the fd of a file's content, put there by the supervisor
DEFAULT_TERMINATION_PATH = "/dev/termination-log"
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
    etc: EtcView = field(default_factory=EtcView)  # the shared view of the host's /etc
    hidden: tuple[str, ...] = ()  # host directories no sandbox may see (localkube's data dir)


def host_layout(
    extra_dirs: Sequence[str] = (), hidden: Sequence[Path] = (), etc_dir: Path | None = None
) -> HostLayout:
    """The host directories to share with sandboxes (`hidden` ones masked wherever a bind
    would show them); the views of /etc are kept in `etc_dir` (a temporary directory if None).

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
    package = Path(__file__).resolve().parents[2]  # the argoapp package
    candidates.append(str(package))
    wanted = {_tool_root(posixpath.normpath(p)) for p in candidates if p.startswith("/")}
    for path in sorted(_merge_checkout(wanted, package)):
        if os.path.isdir(path) and not _covered(path, binds, symlinks):
            binds.append(path)
    masked = tuple(os.path.realpath(h) for h in hidden)
    return HostLayout(tuple(binds), symlinks, EtcView(etc_dir), masked)


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


def _merge_checkout(wanted: set[str], package: Path) -> set[str]:
    """Run from a source checkout (an editable install) holding its virtualenv too, argoapp's
    own directories are one bind of the checkout: each bind costs bwrap a mount-table read."""
    checkout = str(package.parent)
    if not os.path.isfile(f"{checkout}/pyproject.toml"):
        return wanted
    inside = {p for p in wanted if p.startswith(checkout + "/")}
    return wanted - inside | {checkout} if len(inside) > 1 else wanted


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
    root = str(spec.root)  # str paths: pathlib's joins cost more than these calls themselves
    if _make_root(root):
        _new_root(layout, root, python3)
    else:
        _refresh_root(layout, spec.root, python3)
    os.chmod(f"{root}/tmp", 0o1777)
    _mkdirs(f"{root}/{home.lstrip('/')}")
    os.close(os.open(spec.termination_log, os.O_WRONLY | os.O_CREAT, 0o666))
    if spec.termination_path == DEFAULT_TERMINATION_PATH:
        _link_termination_log(spec)
    if spec.working_dir.strip("/"):
        workdir = host_path_of(spec.root, spec.mounts, spec.working_dir)
        if workdir is not None:
            workdir.mkdir(parents=True, exist_ok=True)


def _make_root(root: str) -> bool:
    """Whether the root was just made (not there from an earlier attempt)."""
    try:
        os.mkdir(root)
    except FileExistsError:
        return False
    except FileNotFoundError:
        os.makedirs(root)  # the pod's first root: its parent too
    return True


def _mkdirs(path: str) -> None:
    try:
        os.mkdir(path)
    except FileExistsError:
        pass
    except FileNotFoundError:
        os.makedirs(path, exist_ok=True)


def _new_root(layout: HostLayout, root: str, python3: str | None) -> None:
    """A root just made: what it holds is made without first looking whether it exists (a
    pod's start is mostly new roots)."""
    for name in _NEW_ROOT_DIRS:
        os.mkdir(f"{root}/{name}")
    os.chmod(f"{root}/var/tmp", 0o1777)
    for path, target in layout.symlinks.items():
        os.symlink(target, f"{root}{path}")
    if python3:
        os.mkdir(f"{root}{POD_BIN}")
        os.symlink(python3, f"{root}{POD_BIN}/python")


def _refresh_root(layout: HostLayout, root: Path, python3: str | None) -> None:
    """A root a restart (or an earlier layout) left: put back what is missing or outdated."""
    (root / "etc").mkdir(exist_ok=True)
    (root / _LOCALKUBE).mkdir(exist_ok=True)
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


def _link_termination_log(spec: SandboxSpec) -> None:
    """The attempt's termination-log, in the root where `/dev/termination-log` leads: a link
    in bwrap's /dev costs nothing, a bind of the file a read of the mount table."""
    link = f"{spec.root}{TERMINATION_LINK}"
    try:
        os.link(spec.termination_log, link)
    except FileExistsError:  # a restart's root: the link is the earlier attempt's
        os.unlink(link)
        os.link(spec.termination_log, link)


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
    files = []
    for dest, content in _etc(out, layout, spec).items():
        files.append((len(out) + 1, content))
        out += ["--file", FILE_SLOT, dest]
    out += ["--proc", "/proc", "--dev", "/dev"]
    if spec.termination_path == DEFAULT_TERMINATION_PATH:
        out += ["--symlink", TERMINATION_LINK, spec.termination_path]
    else:
        out += ["--bind", str(spec.termination_log), spec.termination_path]
    for mount in spec.mounts:
        out += ["--ro-bind" if mount.read_only else "--bind", str(mount.source), mount.target]
    out += _masks(layout, spec)
    out += ["--chdir", spec.working_dir, "--", *argv]
    return out, files


def dev_template_slice(argv: Sequence[str], spec: SandboxSpec) -> list[int] | None:
    """Where in `argv` the supervisor may put its /dev template (`shim.own_mounts`) in place of
    `--dev` and the termination-log link: [start, end], or None when something is mounted
    under /dev (but /dev/shm) or the termination message has a path of its own."""
    if spec.termination_path != DEFAULT_TERMINATION_PATH:
        return None
    for mount in spec.mounts:
        target = posixpath.normpath(mount.target)
        if target == "/dev" or (target.startswith("/dev/") and target != "/dev/shm"):
            return None
    for start in range(len(argv) - 4):
        if argv[start] == "--dev" and argv[start + 1] == "/dev":
            if list(argv[start + 2 : start + 5]) == ["--symlink", TERMINATION_LINK,
                                                     DEFAULT_TERMINATION_PATH]:  # fmt: skip
                return [start, start + 5]
            return None
    return None


def _etc(out: list[str], layout: HostLayout, spec: SandboxSpec) -> dict[str, str]:
    """Add the container's /etc to `out`; the files bwrap is to write for it, by path."""
    view, entries = layout.etc.current()
    source = layout.etc.source
    out += ["--ro-bind", source, HOST_ETC]
    pod = pod_etc(spec.hostname, spec.pod_ip)
    if not _mounts_under_etc(spec):
        out += ["--ro-bind", str(view), "/etc"]
        for name in entries.binds:
            out += ["--ro-bind", f"{source}/{name}", f"/etc/{name}"]
        return {POD_HOSTS: pod["hosts"], POD_HOSTNAME: pod["hostname"]}
    out += ["--tmpfs", "/etc"]  # mount points are made in it: a writable /etc of its own
    for name in entries.links:
        out += ["--symlink", f"{HOST_ETC}/{name}", f"/etc/{name}"]
    for name, target in entries.symlinks.items():
        out += ["--symlink", target, f"/etc/{name}"]
    for name in entries.binds:
        out += ["--ro-bind", f"{source}/{name}", f"/etc/{name}"]
    return {f"/etc/{name}": content for name, content in pod.items()}


def _mounts_under_etc(spec: SandboxSpec) -> bool:
    paths = [m.target for m in spec.mounts]
    if spec.termination_path != DEFAULT_TERMINATION_PATH:
        paths.append(spec.termination_path)
    return any(posixpath.normpath(p).startswith("/etc/") for p in paths)


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
