"""The host's /etc as sandboxes see it: one shared directory of links, rebuilt when /etc changes.

Called by `sandbox.bwrap_command` for every container start; `sandbox.host_layout` makes the one
`EtcView` of a kubelet. It writes only under its own directory (the kubelet's data dir, or a
temporary directory when none is given) and never removes a view it did not make just now: a
running sandbox keeps the view it started with bound as its /etc.

A view holds, for each entry of the host's /etc, a link to it through the read-only bind of
the host's /etc at `HOST_ETC` (host links that stay inside /usr, /etc or /proc are copied as
they are; host links leading elsewhere get an empty placeholder a bind covers), and `hosts` and
`hostname` linked to the pod's own files in the container's root (`POD_HOSTS`, `POD_HOSTNAME`).
Building it costs ~140 symlink calls once per /etc change instead of once per sandbox. A view is
named after what it holds, so a kubelet restart or an /etc whose entries did not change (only
their content, as when resolv.conf is replaced) reuses the one on disk.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
import threading
import weakref
from dataclasses import dataclass, field
from pathlib import Path

HOST_ETC = "/.localkube/etc"  # the host's /etc, bound read-only; the view's links lead into it
POD_HOSTS = "/.localkube/hosts"  # the pod's /etc/hosts and /etc/hostname, in the container's root
POD_HOSTNAME = "/.localkube/hostname"
POD_ETC = ("hosts", "hostname")
_VERSION = "1"  # part of a view's name: a change in what a view holds makes new ones
_PARTIAL = ".new-"  # a view being built


@dataclass(frozen=True)
class EtcEntries:
    """The host's /etc by how a sandbox reaches each entry."""

    links: tuple[str, ...] = ()  # reached through the one bind of the host's /etc
    symlinks: dict[str, str] = field(default_factory=dict)  # "mtab" -> "../proc/self/mounts"
    binds: tuple[str, ...] = ()  # host links leading elsewhere (/run/...), bound one by one


def etc_entries(source: str = "/etc") -> EtcEntries:
    """How a sandbox reaches each entry of `source` (`hosts` and `hostname` are the pod's)."""
    binds: list[str] = []
    symlinks: dict[str, str] = {}
    links: list[str] = []
    try:
        names = sorted(os.listdir(source))
    except OSError:
        return EtcEntries()
    for name in names:
        path = f"{source}/{name}"
        if name in POD_ETC:
            continue
        real = os.path.realpath(path)
        if os.path.islink(path) and real.startswith(("/usr/", "/etc/", "/proc/")):
            symlinks[name] = os.readlink(path)
        elif os.path.islink(path) and os.path.exists(path):
            binds.append(name)  # bound through the link when it leads elsewhere (/run/...)
        elif os.path.exists(path):
            links.append(name)
    return EtcEntries(tuple(links), symlinks, tuple(binds))


class EtcView:
    """The current view of the host's /etc, rebuilt when /etc's own mtime (or inode, or link
    count) changes: adding, removing or replacing an entry changes it."""

    def __init__(self, directory: Path | None = None, source: str = "/etc") -> None:
        self.source = source
        self._directory = directory
        self._key: tuple[int, int, int] | None = None
        self._current: tuple[Path, EtcEntries] | None = None
        self._lock = threading.Lock()

    def current(self) -> tuple[Path, EtcEntries]:
        """The view's directory and the entries it was built from (one stat when unchanged)."""
        try:
            st = os.stat(self.source)
            key = (st.st_mtime_ns, st.st_ino, st.st_nlink)
        except OSError:
            key = (0, 0, 0)
        view = self._current
        if view is not None and key == self._key:
            return view
        with self._lock:
            if self._current is None or key != self._key:
                # the key is read before the listing: a change during the build makes another
                self._current = self._build()
                self._key = key
            return self._current

    def _parent(self) -> Path:
        if self._directory is None:
            self._directory = Path(tempfile.mkdtemp(prefix="argoapp-etc-"))
            weakref.finalize(self, shutil.rmtree, self._directory, True)
        elif self._current is None:  # the first build: what a stopped kubelet left half-built
            with contextlib.suppress(OSError):
                for entry in os.scandir(self._directory):
                    if entry.name.startswith(_PARTIAL):
                        shutil.rmtree(entry.path, ignore_errors=True)
        self._directory.mkdir(parents=True, exist_ok=True)
        return self._directory

    def _build(self) -> tuple[Path, EtcEntries]:
        entries = etc_entries(self.source)
        parent = self._parent()
        name = hashlib.sha256(repr((_VERSION, entries)).encode()).hexdigest()[:16]
        final = parent / name
        if final.is_dir():
            return final, entries
        new = Path(tempfile.mkdtemp(prefix=_PARTIAL, dir=parent))
        try:
            _fill(new, entries, self.source)
            os.chmod(new, 0o755)  # a container's other users read /etc too
            os.rename(new, final)
        except OSError:
            shutil.rmtree(new, ignore_errors=True)
            if not final.is_dir():  # not another build's rename winning the race
                raise
        return final, entries


def _fill(view: Path, entries: EtcEntries, source: str) -> None:
    for name in entries.links:
        os.symlink(f"{HOST_ETC}/{name}", view / name)
    for name, target in entries.symlinks.items():
        os.symlink(target, view / name)
    for name in entries.binds:
        if os.path.isdir(f"{source}/{name}"):
            os.mkdir(view / name)
        else:
            (view / name).touch()
    os.symlink(POD_HOSTS, view / "hosts")
    os.symlink(POD_HOSTNAME, view / "hostname")
