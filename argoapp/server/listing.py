"""How Argo Server filters a workflow list.

Argo's list does not hand `listOptions.fieldSelector` to Kubernetes: it reads its own keys
(`metadata.namespace=`, `metadata.name=`/`==`/`!=`, `spec.startedAt>`/`<`,
`ext.showRemainingItemCount=`) and rejects others with "unsupported requirement". `nameFilter`
(Exact, Prefix, Contains, NotEquals) says how `metadata.name` compares; `createdAfter` and
`finishedBefore` are RFC 3339 bounds. The order of the list (Argo's `Workflows.Less`, extended
to archived workflows) and its pages are `archived_merge`'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from argoapp.model.types import Obj
from argoapp.server.errors import invalid

_EPOCH = datetime.fromisoformat("1970-01-01T00:00:00+00:00")


def parse_time(text: str, what: str) -> datetime:
    """An RFC 3339 time from a query; a bad one is InvalidArgument."""
    try:
        t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise invalid(f'parsing time "{text}" as RFC 3339 ({what}): cannot parse') from None
    return t if t.tzinfo else t.replace(tzinfo=_EPOCH.tzinfo)


def _time(obj: Obj, *path: str) -> datetime | None:
    value: object = obj
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    if not isinstance(value, str) or not value:
        return None
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=_EPOCH.tzinfo)


@dataclass
class ListFilter:
    namespace: str = ""
    name: str = ""
    name_filter: str = ""
    min_started: datetime | None = None
    max_started: datetime | None = None
    created_after: datetime | None = None
    finished_before: datetime | None = None
    show_remaining: bool = False

    @classmethod
    def parse(
        cls, *, field_selector: str, name_filter: str, created_after: str, finished_before: str
    ) -> ListFilter:
        """Read the query values Argo's `BuildListOptions` reads."""
        f = cls(name_filter=name_filter)
        if created_after:
            f.created_after = parse_time(created_after, "createdAfter")
        if finished_before:
            f.finished_before = parse_time(finished_before, "finishedBefore")
        for term in field_selector.split(","):
            if term:
                f._term(term)
        return f

    def _term(self, term: str) -> None:
        if term.startswith("metadata.namespace="):
            self.namespace = term.removeprefix("metadata.namespace=")
        elif term.startswith("metadata.name!="):
            self.name, self.name_filter = term.removeprefix("metadata.name!="), "NotEquals"
        elif term.startswith("metadata.name=="):
            self.name = term.removeprefix("metadata.name==")
        elif term.startswith("metadata.name="):
            self.name = term.removeprefix("metadata.name=")
        elif term.startswith("spec.startedAt>"):
            self.min_started = parse_time(term.removeprefix("spec.startedAt>"), "spec.startedAt")
        elif term.startswith("spec.startedAt<"):
            self.max_started = parse_time(term.removeprefix("spec.startedAt<"), "spec.startedAt")
        elif term.startswith("ext.showRemainingItemCount"):
            value = term.removeprefix("ext.showRemainingItemCount=")
            self.show_remaining = value in ("1", "t", "T", "true", "TRUE", "True")
        else:
            raise invalid(f"unsupported requirement {term}")

    def matches(self, wf: Obj) -> bool:
        """True when the workflow passes every filter."""
        name = (wf.get("metadata") or {}).get("name", "")
        if self.name and not _name_matches(name, self.name, self.name_filter):
            return False
        started = _time(wf, "status", "startedAt")
        if self.min_started and (started is None or started <= self.min_started):
            return False
        if self.max_started and (started is None or started >= self.max_started):
            return False
        created = _time(wf, "metadata", "creationTimestamp")
        if self.created_after and (created is None or created <= self.created_after):
            return False
        finished = _time(wf, "status", "finishedAt")
        return not (self.finished_before and (finished is None or finished >= self.finished_before))


def _name_matches(name: str, wanted: str, how: str) -> bool:
    if how == "Prefix":
        return name.startswith(wanted)
    if how == "Contains":
        return wanted in name
    if how == "NotEquals":
        return name != wanted
    return name == wanted
