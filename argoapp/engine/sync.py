"""Synchronization: mutexes and semaphores at workflow and template level.

Locks are shared across workflows, so the engine only asks: it emits `Acquire` for a lock it
does not hold and waits (phase Pending with Argo's message), and `Release` when done. The
controller's lock manager grants requests atomically and requeues the waiters; who holds what
comes back in `Observed.locks` and is recorded in `status.synchronization` (Argo's shape), which
is what the lock manager rebuilds itself from after a restart.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from argoapp.engine.api import Acquire, Release
from argoapp.engine.state import Pass, as_int
from argoapp.model.types import Obj


def lock_keys(p: Pass, sync: Mapping[str, Any]) -> list[tuple[str, int, str, str]]:
    """(key, limit, kind, display name) for each lock a `synchronization` block names."""
    out = []
    for mutex in sync.get("mutexes") or []:
        ns = mutex.get("namespace") or p.namespace
        out.append((f"{ns}/Mutex/{mutex.get('name')}", 1, "mutex", str(mutex.get("name"))))
    for sem in sync.get("semaphores") or []:
        ref = sem.get("configMapKeyRef") or {}
        ns = sem.get("namespace") or p.namespace
        cm = p.observed.objects.get("ConfigMap", ns, str(ref.get("name")))
        raw = ((cm or {}).get("data") or {}).get(ref.get("key"), "1")
        try:
            limit = int(str(raw))
        except ValueError:
            limit = 1
        key = f"{ns}/ConfigMap/{ref.get('name')}/{ref.get('key')}"
        out.append((key, limit, "semaphore", key))
    return out


def holds(p: Pass, sync: Mapping[str, Any], holder: str) -> tuple[bool, str]:
    """Whether `holder` holds every lock `sync` names; asks for the ones it lacks."""
    waiting = ""
    for key, limit, kind, _ in lock_keys(p, sync):
        holders = p.observed.locks.get(key, ())
        if holder in holders:
            _record(p, kind, key, holder)
            continue
        prio = as_int(p.spec.get("priority"))
        p.act(Acquire(key, holder, limit, prio))
        waiting = waiting or (
            f"Waiting for {key} lock. Lock status: {min(len(holders), limit)}/{limit}"
        )
    return not waiting, waiting


def hold_workflow_locks(p: Pass) -> bool:
    sync = p.spec.get("synchronization")
    if not sync:
        return True
    ok, message = holds(p, sync, f"{p.namespace}/{p.name}")
    if not ok:
        p.status["phase"] = "Pending"
        p.status["message"] = message
        return False
    if p.status.get("message", "").startswith("Waiting for"):
        p.status.pop("message", None)
    p.status["phase"] = "Running"
    return True


def short_holder(holder: str) -> str:
    """How Argo writes a holder in the status: the node id, or the workflow's name."""
    return holder.rsplit("/", 1)[-1]


def _record(p: Pass, kind: str, key: str, holder: str) -> None:
    """Note a held lock in `status.synchronization`, in Argo's shape (a mutex has one
    `holder`; a semaphore's entry lists `holders`)."""
    status: Obj = p.status.setdefault("synchronization", {})
    section: Obj = status.setdefault(kind, {})
    holding: list[Obj] = section.setdefault("holding", [])
    short = short_holder(holder)
    if kind == "mutex":
        if not any(e.get("mutex") == key and e.get("holder") == short for e in holding):
            holding.append({"mutex": key, "holder": short})
        return
    for entry in holding:
        if entry.get("semaphore") == key:
            holders = entry.setdefault("holders", [])
            if short not in holders:
                holders.append(short)
            return
    holding.append({"semaphore": key, "holders": [short]})


def release(p: Pass, sync: Mapping[str, Any], holder: str) -> None:
    short = short_holder(holder)
    for key, _, kind, _ in lock_keys(p, sync):
        p.act(Release(key, holder))
        section = (p.status.get("synchronization") or {}).get(kind) or {}
        kept = []
        for entry in section.get("holding") or []:
            if entry.get(kind) == key:
                if entry.get("holder") == short:
                    continue
                entry["holders"] = [h for h in entry.get("holders") or [] if h != short]
                if "holder" not in entry and not entry["holders"]:
                    continue
                if not entry["holders"]:
                    del entry["holders"]
            kept.append(entry)
        section["holding"] = kept


def full_holder(p: Pass, short: str) -> str:
    """The lock manager's holder key for a holder as the status writes it."""
    if short == p.name:
        return f"{p.namespace}/{p.name}"
    return f"{p.namespace}/{p.name}/{short}"


def release_node(p: Pass, node_id: str) -> None:
    """Give back what a node holds when it is stopped from outside (shutdown, deadline, a
    daemon's scope ending), so a later step or the exit handler can take the lock."""
    holder = f"{p.namespace}/{p.name}/{node_id}"
    for kind in ("mutex", "semaphore"):
        section = (p.status.get("synchronization") or {}).get(kind) or {}
        kept = []
        for entry in section.get("holding") or []:
            if entry.get("holder") == node_id:
                p.act(Release(str(entry.get(kind)), holder))
                continue
            if node_id in (entry.get("holders") or []):
                p.act(Release(str(entry.get(kind)), holder))
                entry["holders"] = [h for h in entry["holders"] if h != node_id]
                if not entry["holders"]:
                    continue
            kept.append(entry)
        if section:
            section["holding"] = kept


def release_all(p: Pass) -> None:
    """Give back every lock this workflow or its nodes hold (the workflow ended)."""
    for kind in ("mutex", "semaphore"):
        section = (p.status.get("synchronization") or {}).get(kind) or {}
        for entry in section.get("holding") or []:
            shorts = list(entry.get("holders") or []) + (
                [entry["holder"]] if "holder" in entry else []
            )
            for short in shorts:
                p.act(Release(str(entry.get(kind)), full_holder(p, str(short))))
                if short == p.name:  # the root node's id is the workflow's name: free both
                    p.act(Release(str(entry.get(kind)), f"{p.namespace}/{p.name}/{p.name}"))
        section["holding"] = []
    if "synchronization" in p.status:
        del p.status["synchronization"]
