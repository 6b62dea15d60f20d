"""How objects leave localkube: deletion, finalizers, graceful pods, namespaces and GC.

Called by `objects.ObjectService` inside one storage transaction. The rules are the real API
server's and garbage collector's, done synchronously:
- An object with finalizers (or deleted with `propagationPolicy: Foreground`) is only marked
  with `deletionTimestamp`; it goes when its last finalizer is removed.
- A pod bound to a node is marked with `deletionTimestamp` and `deletionGracePeriodSeconds`; the
  kubelet stops its processes and then deletes it with grace 0.
- Deleting an owner deletes its dependents (Background, Foreground) or strips their
  ownerReferences (Orphan). At start, objects whose owners are all gone are collected.
- A namespace is marked Terminating, everything in it is deleted, and it goes once empty.
  `default`, `kube-system` and `kube-public` cannot be deleted.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from argoapp.localkube import resources as r
from argoapp.localkube.errors import Conflict, Forbidden
from argoapp.localkube.storage import Tx
from argoapp.model.types import copy_json

Obj = dict[str, Any]
FOREGROUND = "foregroundDeletion"
ORPHAN = "orphan"
_PROTECTED_NAMESPACES = {"default", "kube-system", "kube-public"}


# The last second formatted and its text: a second's timestamps are asked for many times (every
# object created, every pod status), and formatting one costs twenty times reading the clock.
_formatted: tuple[int, str] = (-1, "")


def now_rfc3339() -> str:
    """Now, as Kubernetes writes timestamps (second precision, UTC, `Z`)."""
    global _formatted
    second = int(time.time())
    known = _formatted  # one read: another thread may replace it meanwhile
    if known[0] != second:
        text = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        known = _formatted = (second, text)
    return known[1]


def check_preconditions(res: r.Resource, obj: Obj, preconditions: Obj | None) -> None:
    meta = obj["metadata"]
    for field in ("uid", "resourceVersion"):
        want = (preconditions or {}).get(field)
        if want and want != meta.get(field):
            raise Conflict(
                f'Operation cannot be fulfilled on {res.key} "{meta["name"]}": Precondition '
                f"failed: {field} in precondition: {want}, {field} in object meta: "
                f"{meta.get(field)}"
            )


def delete(
    tx: Tx, res: r.Resource, obj: Obj, *, policy: str | None = None, grace: int | None = None
) -> Obj:
    """Start or finish deleting `obj`; returns it as last stored."""
    meta = obj["metadata"]
    if res is r.NAMESPACES and meta["name"] in _PROTECTED_NAMESPACES:
        raise Forbidden(
            f'namespaces "{meta["name"]}" is forbidden: this namespace may not be deleted'
        )
    if res is r.PODS and _graceful(obj, grace):
        return _mark_pod(tx, obj, grace)
    finalizers = list(meta.get("finalizers") or [])
    if res is r.PODS and finalizers:
        # Grace 0 (the kubelet is done, or a forced delete): only finalizers hold it now.
        return _mark(tx, res, obj, finalizers, grace=0)
    if policy == "Foreground" and FOREGROUND not in finalizers and tx.dependents(meta["uid"]):
        finalizers.append(FOREGROUND)
    if policy == "Orphan" or ORPHAN in finalizers:
        _orphan_dependents(tx, meta["uid"])
        finalizers = [f for f in finalizers if f != ORPHAN]
    if res is r.NAMESPACES:
        return _delete_namespace(tx, obj, finalizers)
    if finalizers:
        return _mark(tx, res, obj, finalizers)
    return remove(tx, res, obj)


def _graceful(pod: Obj, grace: int | None) -> bool:
    bound = bool((pod.get("spec") or {}).get("nodeName"))
    return bound and grace != 0


def _mark(
    tx: Tx, res: r.Resource, obj: Obj, finalizers: list[str], *, grace: int | None = None
) -> Obj:
    old = obj
    obj = copy_json(obj)
    meta = obj["metadata"]
    meta["finalizers"] = finalizers
    meta.setdefault("deletionTimestamp", now_rfc3339())
    meta.setdefault("deletionGracePeriodSeconds", 0)
    if grace is not None:
        meta["deletionGracePeriodSeconds"] = grace
    if obj == old:
        return old
    tx.put(res.key, obj, old)
    if FOREGROUND in finalizers:
        for dep_res, dep in tx.dependents(meta["uid"]):
            delete(tx, r.by_key(dep_res), dep, policy="Background")
        release_foreground(tx, obj)
    return obj


def _mark_pod(tx: Tx, pod: Obj, grace: int | None) -> Obj:
    meta = pod["metadata"]
    if grace is None:
        grace = int((pod.get("spec") or {}).get("terminationGracePeriodSeconds", 30))
    current = meta.get("deletionGracePeriodSeconds")
    if meta.get("deletionTimestamp") and current is not None and current <= grace:
        return pod
    old = pod
    pod = copy_json(pod)
    pod["metadata"]["deletionTimestamp"] = now_rfc3339()
    pod["metadata"]["deletionGracePeriodSeconds"] = grace
    return tx.put(r.PODS.key, pod, old)


def remove(tx: Tx, res: r.Resource, obj: Obj) -> Obj:
    """Delete `obj` for good, then what depended on it."""
    meta = obj["metadata"]
    gone = tx.remove(res.key, copy_json(obj))
    for dep_res, dep in tx.dependents(meta["uid"]):
        _drop_owner_if_orphaned(tx, r.by_key(dep_res), dep)
    for ref in meta.get("ownerReferences") or []:
        found = tx.by_uid(ref.get("uid", ""))
        if found:
            release_foreground(tx, found[1])
    namespace = meta.get("namespace")
    if namespace:
        ns = tx.get(r.NAMESPACES.key, "", namespace)
        if ns and ns["metadata"].get("deletionTimestamp") and not tx.in_namespace(namespace):
            remove(tx, r.NAMESPACES, ns)
    return gone


def _drop_owner_if_orphaned(tx: Tx, res: r.Resource, dep: Obj) -> None:
    """Garbage-collect `dep` when none of its owners exist any more."""
    refs = dep["metadata"].get("ownerReferences") or []
    if any(tx.by_uid(ref.get("uid", "")) for ref in refs):
        return
    if not dep["metadata"].get("deletionTimestamp") or res is r.PODS:
        delete(tx, res, dep, policy="Background")


def release_foreground(tx: Tx, owner: Obj) -> None:
    """An owner waiting in foreground deletion goes once its last dependent has gone."""
    meta = owner["metadata"]
    if FOREGROUND not in (meta.get("finalizers") or []) or tx.dependents(meta["uid"]):
        return
    res_key = _res_of(tx, owner)
    if res_key is None:
        return
    old = owner
    owner = copy_json(owner)
    owner["metadata"]["finalizers"] = [f for f in meta["finalizers"] if f != FOREGROUND]
    if owner["metadata"]["finalizers"]:
        tx.put(res_key, owner, old)
    else:
        remove(tx, r.by_key(res_key), owner)


def _res_of(tx: Tx, obj: Obj) -> str | None:
    found = tx.by_uid(obj["metadata"]["uid"])
    return found[0] if found else None


def _orphan_dependents(tx: Tx, uid: str) -> None:
    for dep_res, dep in tx.dependents(uid):
        old = dep
        dep = copy_json(dep)
        refs = [
            ref for ref in dep["metadata"].get("ownerReferences") or [] if ref.get("uid") != uid
        ]
        if refs:
            dep["metadata"]["ownerReferences"] = refs
        else:
            dep["metadata"].pop("ownerReferences", None)
        tx.put(dep_res, dep, old)


def _delete_namespace(tx: Tx, ns: Obj, finalizers: list[str]) -> Obj:
    name = ns["metadata"]["name"]
    old = ns
    ns = copy_json(ns)
    ns["metadata"]["finalizers"] = finalizers
    ns["metadata"].setdefault("deletionTimestamp", now_rfc3339())
    ns.setdefault("status", {})["phase"] = "Terminating"
    if ns != old:
        ns = tx.put(r.NAMESPACES.key, ns, old)
    for res_key, obj in tx.in_namespace(name):
        if not obj["metadata"].get("deletionTimestamp") or res_key == r.PODS.key:
            delete(tx, r.by_key(res_key), obj, policy="Background")
    current = tx.get(r.NAMESPACES.key, "", name)
    if current and not tx.in_namespace(name) and not finalizers:
        return remove(tx, r.NAMESPACES, current)
    return current or ns


def finish_if_released(tx: Tx, res: r.Resource, obj: Obj) -> bool:
    """After an update: an object being deleted with no finalizers left goes now."""
    meta = obj["metadata"]
    if not meta.get("deletionTimestamp") or meta.get("finalizers"):
        return False
    bound = res is r.PODS and (obj.get("spec") or {}).get("nodeName")
    if bound and meta.get("deletionGracePeriodSeconds") != 0:
        return False  # the kubelet finishes a bound pod's deletion, then sets grace 0
    if res is r.NAMESPACES and tx.in_namespace(meta["name"]):
        return False
    remove(tx, res, obj)
    return True


def collect_orphans(tx: Tx) -> None:
    """Delete objects whose owners are all gone (owners deleted while we were down)."""
    for res_key, obj in tx.all_owned():
        current = tx.get(res_key, obj["metadata"].get("namespace", ""), obj["metadata"]["name"])
        if current:
            _drop_owner_if_orphaned(tx, r.by_key(res_key), current)
