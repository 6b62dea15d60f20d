"""Workflow pods' logs kept after the pods are deleted (local mode's log retention).

A deleted pod's area under `DATA_DIR/pods/<uid>` is removed by the kubelet. Just before, the
kubelet calls `remove_area(paths, pod)`, which moves (a rename on the same filesystem: no copy)
the log of the last attempt of each container of a workflow's pod into

    DATA_DIR/kept-logs/<namespace>/<workflow>/<pod>/<container>.log   (CRI format, as written)
    DATA_DIR/kept-logs/<namespace>/<workflow>/.uid                    the workflow's uid

and then removes the area. Nothing happens while pods run, so the workflow hot path pays nothing;
a pod of no workflow (no `workflows.argoproj.io/workflow` label) keeps nothing. A workflow
created again under the same name (another uid) starts with an empty directory. Directories of
workflows whose logs were last kept more than `RETENTION_SECONDS` ago (7 days) are removed by
`prune`, which `remove_area` runs at most once an hour.

`KeptLogs` is the reading side, given to the Argo API server by the runtime (the server must
not import localkube; it only knows the `pods`/`read` protocol of `server.logs.KeptLogSource`).
`read` yields the lines as a Kubernetes pod log with timestamps: `<RFC 3339> <content>\\n`.
Everything here blocks on the disk: `remove_area` runs on the kubelet's worker thread, and
`read` reads in bounded chunks through `asyncio.to_thread`.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
import shutil
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from argoapp.localkube.kubelet.config import PodPaths
from argoapp.localkube.kubelet.logs import render
from argoapp.localkube.kubelet.shim import rfc3339_nano
from argoapp.model.labels import LABEL_WORKFLOW

KEPT_DIR = "kept-logs"
RETENTION_SECONDS = 7 * 24 * 3600
PRUNE_EVERY = 3600.0
CHUNK = 256 * 1024
_UID_FILE = ".uid"

_pruned: dict[Path, float] = {}
_prune_lock = threading.Lock()


def kept_dir(data_dir: Path) -> Path:
    return data_dir / KEPT_DIR


def remove_area(paths: PodPaths, pod: dict[str, Any] | None) -> None:
    """Keep the logs of a workflow's pod, then remove the pod's area (blocking)."""
    if pod is not None:
        try:
            keep(paths, pod)
        except OSError:
            pass  # losing a deleted pod's log is better than keeping its whole area
    shutil.rmtree(paths.base, ignore_errors=True)
    _maybe_prune(paths.data_dir)


def keep(paths: PodPaths, pod: dict[str, Any]) -> None:
    """Move each container's last log out of the pod's area."""
    meta = pod.get("metadata") or {}
    workflow = (meta.get("labels") or {}).get(LABEL_WORKFLOW)
    namespace, name = meta.get("namespace"), meta.get("name")
    if not (workflow and namespace and name) or not _safe(workflow, namespace, name):
        return
    logs = _last_logs(paths)
    if not logs:
        return
    wf_dir = kept_dir(paths.data_dir) / namespace / workflow
    _claim(wf_dir, _workflow_uid(meta))
    target = wf_dir / name
    target.mkdir(parents=True, exist_ok=True)
    for container, log in logs.items():
        os.replace(log, target / f"{container}.log")
    os.utime(wf_dir)


def _safe(*names: str) -> bool:
    return all(n not in (".", "..") and "/" not in n and not n.startswith(".") for n in names)


def _workflow_uid(meta: dict[str, Any]) -> str:
    for ref in meta.get("ownerReferences") or []:
        if ref.get("kind") == "Workflow":
            return str(ref.get("uid") or "")
    return ""


def _claim(wf_dir: Path, uid: str) -> None:
    """Make `wf_dir` the workflow `uid`'s: another workflow's logs under the name go."""
    marker = wf_dir / _UID_FILE
    try:
        old = marker.read_text()
    except FileNotFoundError:
        old = None
    if old is not None and old != uid:
        shutil.rmtree(wf_dir, ignore_errors=True)
    if old != uid:
        wf_dir.mkdir(parents=True, exist_ok=True)
        marker.write_text(uid)


def _last_logs(paths: PodPaths) -> dict[str, Path]:
    """container -> the log file of its latest attempt."""
    found: dict[str, Path] = {}
    containers = paths.base / "containers"
    with contextlib.suppress(OSError):
        for container in os.listdir(containers):
            attempts = sorted(
                (int(a) for a in os.listdir(containers / container) if a.isdigit()), reverse=True
            )
            for attempt in attempts:
                log = paths.attempt(container, attempt) / "container.log"
                if log.exists():
                    found[container] = log
                    break
    return found


def _maybe_prune(data_dir: Path) -> None:
    now = time.monotonic()
    with _prune_lock:
        last = _pruned.get(data_dir)
        if last is not None and now - last < PRUNE_EVERY:
            return
        _pruned[data_dir] = now
    prune(data_dir, time.time() - RETENTION_SECONDS)


def prune(data_dir: Path, before: float) -> int:
    """Remove the kept logs of workflows last kept before `before` (epoch seconds)."""
    removed = 0
    root = kept_dir(data_dir)
    with contextlib.suppress(OSError):
        for namespace in os.listdir(root):
            for workflow in os.listdir(root / namespace):
                wf_dir = root / namespace / workflow
                with contextlib.suppress(OSError):
                    if wf_dir.stat().st_mtime < before:
                        shutil.rmtree(wf_dir, ignore_errors=True)
                        removed += 1
    return removed


class KeptLogs:
    """Reads the kept logs of one data dir (`server.logs.KeptLogSource`)."""

    def __init__(self, data_dir: Path) -> None:
        self.root = kept_dir(data_dir)

    def pods(self, namespace: str, workflow: str) -> list[str]:
        """The pods of a workflow whose logs are kept."""
        if not _safe(namespace, workflow):
            return []
        try:
            return sorted(p for p in os.listdir(self.root / namespace / workflow) if _safe(p))
        except OSError:
            return []

    def read(
        self,
        namespace: str,
        workflow: str,
        pod: str,
        container: str,
        *,
        tail_lines: int | None = None,
        since_ns: int | None = None,
    ) -> AsyncIterator[bytes]:
        """The kept log as `<timestamp> <content>` lines (nothing when none is kept)."""
        if not _safe(namespace, workflow, pod, container):
            return _lines(None, None, None)
        path = self.root / namespace / workflow / pod / f"{container}.log"
        since = rfc3339_nano(since_ns).encode() if since_ns is not None else None
        return _lines(path, tail_lines, since)


async def _lines(path: Path | None, tail: int | None, since: bytes | None) -> AsyncIterator[bytes]:
    if path is None:
        return
    if tail is not None:
        for chunk in await asyncio.to_thread(_tail, path, max(tail, 0), since):
            yield chunk
        return
    offset = 0
    rest = b""
    while True:
        data = await asyncio.to_thread(_read_at, path, offset)
        if not data:
            break
        offset += len(data)
        lines = (rest + data).split(b"\n")
        rest = lines.pop()
        out = b"".join(_render(line, since) for line in lines)
        if out:
            yield out
    if rest:
        yield _render(rest, since)


def _read_at(path: Path, offset: int) -> bytes:
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            return f.read(CHUNK)
    except FileNotFoundError:
        return b""


def _tail(path: Path, count: int, since: bytes | None) -> list[bytes]:
    kept: collections.deque[bytes] = collections.deque(maxlen=count)
    try:
        with open(path, "rb") as f:
            for line in f:
                out = _render(line.rstrip(b"\n"), since)
                if out and count:
                    kept.append(out)
    except FileNotFoundError:
        return []
    return list(kept)


def _render(line: bytes, since: bytes | None) -> bytes:
    if not line or (since is not None and line.split(b" ", 1)[0] < since):
        return b""
    return render(line, timestamps=True)
