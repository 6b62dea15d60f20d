"""A finished pod's `resourcesDuration`, computed the way Argo's `resource.DurationForPod` does.

Called by `podstatus.assess` once a pod node is done. Pure.

Each container is taken to hold its requests (its limits where no request is set; 100m CPU and
100Mi memory when it declares neither) for as long as it ran (terminated containers only:
finishedAt - startedAt). A resource's duration is that time scaled by the amount over Argo's
unit (1 CPU, 100Mi memory, 10Gi storage, 1 of anything else) and summed over containers, in
whole seconds with a minimum of 1 for any container that ran. It is an approximation by design
(Argo's too): it counts what was reserved, not what was used.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from argoapp.model.types import Obj

_DEFAULTS = {"cpu": "100m", "memory": "100Mi"}
_UNITS = {
    "cpu": Decimal(1),
    "memory": Decimal(100 * 2**20),
    "storage": Decimal(10 * 2**30),
    "ephemeral-storage": Decimal(10 * 2**30),
}
_SUFFIXES = {
    "Ki": Decimal(2**10), "Mi": Decimal(2**20), "Gi": Decimal(2**30), "Ti": Decimal(2**40),
    "Pi": Decimal(2**50), "Ei": Decimal(2**60), "n": Decimal("1e-9"), "u": Decimal("1e-6"),
    "m": Decimal("1e-3"), "k": Decimal(10**3), "M": Decimal(10**6), "G": Decimal(10**9),
    "T": Decimal(10**12), "P": Decimal(10**15), "E": Decimal(10**18),
}  # fmt: skip


def quantity(text: object) -> Decimal | None:
    """A Kubernetes quantity (`100m`, `1.5Gi`, `2e3`) as a number, or None when unreadable."""
    s = str(text).strip()
    for suffix in sorted(_SUFFIXES, key=len, reverse=True):
        if s.endswith(suffix) and s[: -len(suffix)]:
            try:
                return Decimal(s[: -len(suffix)]) * _SUFFIXES[suffix]
            except InvalidOperation:
                return None
    try:
        return Decimal(s)
    except InvalidOperation:
        return None


def _held(container: Obj) -> dict[str, Decimal]:
    resources = container.get("resources") or {}
    held: dict[str, Decimal] = {}
    for source in (_DEFAULTS, resources.get("limits") or {}, resources.get("requests") or {}):
        for name, text in source.items():
            value = quantity(text)
            if value is not None:
                held[name] = value
    return held


def resources_duration(pod: Obj) -> dict[str, int]:
    """Seconds of each resource the pod's finished containers held, in Argo's units."""
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    specs = {
        c.get("name"): c
        for c in [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]
    }
    out: dict[str, int] = {}
    statuses = [
        *(status.get("initContainerStatuses") or []),
        *(status.get("containerStatuses") or []),
    ]
    for cs in statuses:
        seconds = _ran_for(cs)
        if seconds is None:
            continue
        for name, amount in _held(specs.get(cs.get("name")) or {}).items():
            share = amount / _UNITS.get(name, Decimal(1)) * Decimal(seconds)
            out[name] = out.get(name, 0) + max(1, int(share.to_integral_value()))
    return out


def _ran_for(cs: Obj) -> float | None:
    t = (cs.get("state") or {}).get("terminated")
    if not t or not t.get("startedAt") or not t.get("finishedAt"):
        return None
    try:
        start = datetime.fromisoformat(str(t["startedAt"]).replace("Z", "+00:00"))
        end = datetime.fromisoformat(str(t["finishedAt"]).replace("Z", "+00:00"))
    except ValueError:
        return None
    return max(0.0, (end - start).total_seconds())
