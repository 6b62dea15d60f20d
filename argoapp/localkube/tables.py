"""Server-side printing: `meta.k8s.io/v1` Tables for `kubectl get`.

kubectl asks for `application/json;as=Table;v=v1;g=meta.k8s.io` and prints the cells it gets,
so the server decides the columns: NAME, a few per type (pods: READY, STATUS, RESTARTS;
workflows: STATUS, MESSAGE) and AGE. Each row's `object` is the object's metadata as a
`PartialObjectMetadata` (kubectl reads the namespace from it for `-A`), or the whole object or
nothing as `includeObject` asks. In a watch each event carries a one-row Table; only the first
has column definitions, as the real API server does.

`wants_table` reads the Accept header; `handlers` and `streams` call the converters. Pure
apart from reading the clock for AGE.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from argoapp.localkube import resources as r
from argoapp.localkube.resources import Resource

Obj = dict[str, Any]
Cell = str | int
_META = "meta.k8s.io"


def wants_table(accept: str) -> str | None:
    """The Table apiVersion to answer with, or None for plain JSON.

    The first media range we can serve wins; one we cannot (protobuf) is skipped.
    """
    for media_range in accept.split(","):
        media, *raw_params = (part.strip() for part in media_range.split(";"))
        params = dict(p.partition("=")[::2] for p in raw_params)
        if media not in ("application/json", "*/*", "application/*", ""):
            continue
        if params.get("as") == "Table" and params.get("g") == _META:
            version = params.get("v", "v1")
            if version in ("v1", "v1beta1"):
                return f"{_META}/{version}"
            continue
        if "as" not in params:
            return None
    return None


def human_duration(seconds: float) -> str:
    """An age as kubectl prints it (`apimachinery/pkg/util/duration.HumanDuration`)."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        return f"{minutes}m" + (f"{s % 60}s" if s % 60 else "")
    if minutes < 180:
        return f"{minutes}m"
    hours = s // 3600
    if hours < 8:
        return f"{hours}h" + (f"{minutes % 60}m" if minutes % 60 else "")
    if hours < 48:
        return f"{hours}h"
    days = hours // 24
    if hours < 24 * 8:
        return f"{days}d" + (f"{hours % 24}h" if hours % 24 else "")
    if days < 365 * 2:
        return f"{days}d"
    years, rest = divmod(days, 365)
    if years < 8:
        return f"{years}y" + (f"{rest}d" if rest else "")
    return f"{years}y"


def age(timestamp: Any, now: datetime) -> str:
    """The AGE cell of an RFC 3339 timestamp; `<unknown>` when there is none."""
    if not isinstance(timestamp, str) or not timestamp:
        return "<unknown>"
    try:
        then = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return "<unknown>"
    if then.tzinfo is None:
        then = then.replace(tzinfo=UTC)
    return human_duration((now - then).total_seconds())


def _pod_status(pod: Obj) -> str:
    status = pod.get("status") or {}
    if pod["metadata"].get("deletionTimestamp"):
        return "Terminating"
    reason = status.get("reason")
    for container in status.get("containerStatuses") or []:
        state = container.get("state") or {}
        detail = (state.get("waiting") or {}).get("reason") or (state.get("terminated") or {}).get(
            "reason"
        )
        if detail and not container.get("ready"):
            reason = reason or detail
    return str(reason or status.get("phase") or "Unknown")


def _pod_cells(pod: Obj) -> list[Cell]:
    status = pod.get("status") or {}
    containers = (pod.get("spec") or {}).get("containers") or []
    statuses = status.get("containerStatuses") or []
    ready = sum(1 for c in statuses if c.get("ready"))
    restarts = sum(int(c.get("restartCount") or 0) for c in statuses)
    return [f"{ready}/{len(containers)}", _pod_status(pod), restarts]


def _phase(obj: Obj) -> list[Cell]:
    return [str((obj.get("status") or {}).get("phase") or "")]


def _workflow_cells(wf: Obj) -> list[Cell]:
    return [*_phase(wf), str((wf.get("status") or {}).get("message") or "")]


def _data_count(obj: Obj) -> list[Cell]:
    return [len(obj.get("data") or {}) + len(obj.get("binaryData") or {})]


def _column(name: str, kind: str = "string", description: str = "") -> Obj:
    return {"name": name, "type": kind, "format": "", "description": description, "priority": 0}


# Extra columns between NAME and AGE, and how to fill them.
_EXTRA: dict[Resource, tuple[list[Obj], Callable[[Obj], list[Cell]]]] = {
    r.PODS: (
        [_column("Ready"), _column("Status"), _column("Restarts", "integer")],
        _pod_cells,
    ),
    r.NAMESPACES: ([_column("Status")], _phase),
    r.CONFIGMAPS: ([_column("Data", "integer")], _data_count),
    r.SECRETS: (
        [_column("Type"), _column("Data", "integer")],
        lambda s: [str(s.get("type") or ""), *_data_count(s)],
    ),
    r.WORKFLOWS: ([_column("Status"), _column("Message")], _workflow_cells),
}


def columns(res: Resource) -> list[Obj]:
    """The column definitions of `res`."""
    name = {**_column("Name", description="Name of the object"), "format": "name"}
    extra = _EXTRA.get(res, ([], None))[0]
    return [name, *extra, _column("Age", description="Time since creation")]


def row(res: Resource, obj: Obj, now: datetime, include: str = "Metadata") -> Obj:
    """One Table row for `obj`, with its object as `includeObject` asks."""
    meta = obj.get("metadata") or {}
    fill = _EXTRA.get(res)
    extra = fill[1](obj) if fill else []
    out: Obj = {"cells": [meta.get("name", ""), *extra, age(meta.get("creationTimestamp"), now)]}
    if include == "Object":
        out["object"] = obj
    elif include != "None":
        out["object"] = {
            "kind": "PartialObjectMetadata",
            "apiVersion": f"{_META}/v1",
            "metadata": meta,
        }
    return out


def table(
    res: Resource,
    objects: list[Obj],
    api_version: str,
    *,
    list_meta: Obj | None = None,
    include: str = "Metadata",
    headers: bool = True,
) -> Obj:
    """A Table of `objects` (a list, a single GET, or one watch event)."""
    now = datetime.now(UTC)
    return {
        "kind": "Table",
        "apiVersion": api_version,
        "metadata": list_meta or {},
        "columnDefinitions": columns(res) if headers else [],
        "rows": [row(res, obj, now, include) for obj in objects],
    }
