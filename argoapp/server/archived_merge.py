"""One page of the workflow list: live workflows and archived ones merged, newest first.

`workflows.list_workflows` hands over the live workflows Kubernetes returned (already filtered
by Argo's field selector keys) and the archive query for the same request. The merged order is
Argo's list order extended to the archive: running workflows first (newest created first),
then finished ones, live or archived, latest finished first; equal times by uid. A workflow
both live and archived appears once, as its live copy (every listed live uid is excluded from
the archive query, matched or not, so an edited live copy is not shadowed by its archived one).

Paging is keyset: `continue` names the position of the last item returned (group, time, uid),
so the next page is the live items past it plus one archive query past it, however deep the
page; a workflow archived or finished between two pages does not shift the pages. Nothing here
writes anything.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
from dataclasses import dataclass
from typing import Protocol

from argoapp.model.types import Obj
from argoapp.server.errors import invalid
from argoapp.store.archive import ArchiveQuery, sort_key, stamp

Position = tuple[int, str, str]  # (0 running | 1 finished, time, uid)


@dataclass
class Page:
    items: list[Obj]
    continue_token: str
    remaining: int


def position(wf: Obj) -> Position:
    """Where a live or archived workflow stands in the merged order."""
    status, meta = wf.get("status") or {}, wf.get("metadata") or {}
    uid = str(meta.get("uid") or "")
    if stamp(status.get("finishedAt")):
        return (1, sort_key(wf), uid)
    return (0, stamp(meta.get("creationTimestamp")), uid)


def _before(a: Position, b: Position) -> bool:
    """Whether `a` comes before `b` in the list (lower group, then later time, then uid)."""
    if a[0] != b[0]:
        return a[0] < b[0]
    return (a[1], a[2]) > (b[1], b[2])


def ordered(items: list[Obj]) -> list[Obj]:
    """Live workflows in the merged order."""
    running = [w for w in items if position(w)[0] == 0]
    finished = [w for w in items if position(w)[0] == 1]
    key = lambda w: position(w)[1:]  # noqa: E731
    return sorted(running, key=key, reverse=True) + sorted(finished, key=key, reverse=True)


def encode(pos: Position) -> str:
    raw = json.dumps(list(pos), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(token: str) -> Position | None:
    """The position a continue token names (None for ""); a foreign token is InvalidArgument."""
    if not token:
        return None
    try:
        group, at, uid = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError, TypeError):
        raise invalid(f"invalid listOptions.continue {token!r}") from None
    if group not in (0, 1) or not isinstance(at, str) or not isinstance(uid, str):
        raise invalid(f"invalid listOptions.continue {token!r}")
    return (int(group), at, uid)


class ArchiveRows(Protocol):
    """What the merge needs of the store (`argoapp.store.Store`)."""

    async def archive_rows(
        self, query: ArchiveQuery, limit: int = 0
    ) -> list[tuple[str, str, Obj]]: ...

    async def archive_count(self, query: ArchiveQuery) -> int: ...


async def merged_page(
    live: list[Obj],
    live_uids: set[str],
    archive: ArchiveRows | None,
    query: ArchiveQuery,
    limit: int,
    token: str,
    *,
    count_remaining: bool,
) -> Page:
    """The page after `token` of live (filtered, any order) and archived workflows merged."""
    after = decode(token)
    mine = [w for w in ordered(live) if after is None or _before(after, position(w))]
    archived: list[Obj] = []
    past: ArchiveQuery | None = None
    if archive is not None:
        past = dataclasses.replace(query, exclude_uids=frozenset(live_uids))
        if after is not None and after[0] == 1:
            past = dataclasses.replace(past, after=(after[1], after[2]))
        rows = await archive.archive_rows(past, limit + 1 if limit > 0 else 0)
        archived = [row[2] for row in rows]
    merged = _merge(mine, archived, limit)
    more = limit > 0 and len(mine) + len(archived) > limit
    token_out = encode(position(merged[-1])) if more and merged else ""
    remaining = 0
    if count_remaining:
        live_ids = {id(w) for w in mine}
        live_shown = sum(1 for w in merged if id(w) in live_ids)
        remaining = len(mine) - live_shown
        if past is not None and archive is not None:
            remaining += await archive.archive_count(past) - (len(merged) - live_shown)
    return Page(merged, token_out, max(remaining, 0))


def _merge(live: list[Obj], archived: list[Obj], limit: int) -> list[Obj]:
    out: list[Obj] = []
    i = j = 0
    while (limit <= 0 or len(out) < limit) and (i < len(live) or j < len(archived)):
        take_live = j >= len(archived) or (
            i < len(live) and _before(position(live[i]), position(archived[j]))
        )
        if take_live:
            out.append(live[i])
            i += 1
        else:
            out.append(archived[j])
            j += 1
    return out
