"""How the CLI prints: times, ages and durations as the `argo` CLI does, aligned tables, and
objects as JSON, YAML or names.

Used by every verb module in this package. Pure functions of their inputs and `now`; the only
printing helper is `emit`, which writes an object in the `-o` format asked for.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import click

_UNITS = (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))


def parse_time(value: object) -> datetime | None:
    """An RFC 3339 timestamp from the wire, or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def now() -> datetime:
    return datetime.now(UTC)


def short_duration(seconds: float) -> str:
    """The largest whole unit: `5s`, `3m`, `2h`, `4d` (ages and tree durations)."""
    seconds = max(int(seconds), 0)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def long_duration(seconds: float) -> str:
    """Two units in words: `8 seconds`, `1 minute 5 seconds`, `2 hours 3 minutes`."""
    seconds = max(int(seconds), 0)
    parts: list[str] = []
    for unit, size in _UNITS:
        count, seconds = divmod(seconds, size)
        if count or (not parts and size == 1):
            parts.append(f"{count} {unit}{'' if count == 1 else 's'}")
        if len(parts) == 2:
            break
    return " ".join(parts)


def age(value: object, at: datetime | None = None) -> str:
    """How long ago a wire timestamp was, short (`5s`); empty when there is none."""
    t = parse_time(value)
    return short_duration(((at or now()) - t).total_seconds()) if t else ""


def span(start: object, end: object, at: datetime | None = None) -> float | None:
    """Seconds from `start` to `end` (or to now while running); None before it starts."""
    began = parse_time(start)
    if began is None:
        return None
    ended = parse_time(end) or at or now()
    return (ended - began).total_seconds()


def timestamp(value: object, at: datetime | None = None) -> str:
    """`Tue Nov 25 11:00:00 +0000 (1 minute ago)`, in local time."""
    t = parse_time(value)
    if t is None:
        return ""
    seconds = ((at or now()) - t).total_seconds()
    words = " ".join(long_duration(abs(seconds)).split(" ")[:2])
    relative = f"{words} ago" if seconds >= 0 else f"{words} from now"
    return f"{t.astimezone().strftime('%a %b %d %H:%M:%S %z')} ({relative})"


def table(header: Sequence[str], rows: Sequence[Sequence[str]], *, gap: int = 3) -> str:
    """Columns padded to their widest cell (the last one is not padded)."""
    all_rows = [list(header), *[list(r) for r in rows]] if header else [list(r) for r in rows]
    if not all_rows:
        return ""
    widths = [max(_width(r[i]) for r in all_rows if i < len(r)) for i in range(len(all_rows[0]))]
    lines = []
    for row in all_rows:
        cells = [c + " " * (widths[i] - _width(c) + gap) for i, c in enumerate(row[:-1])]
        lines.append(("".join(cells) + (row[-1] if row else "")).rstrip())
    return "\n".join(lines)


def _width(text: str) -> int:
    """Printed width: ANSI colour codes take no room."""
    width, escape = 0, False
    for ch in text:
        if ch == "\x1b":
            escape = True
        elif escape:
            escape = ch != "m"
        else:
            width += 1
    return width


def to_yaml(obj: Any) -> str:
    import yaml

    return str(yaml.safe_dump(obj, sort_keys=False, default_flow_style=False))


def emit(obj: Any, output: str) -> None:
    """Print `obj` as `json`, `yaml` or its `name`; other formats are the caller's."""
    if output == "json":
        click.echo(json.dumps(obj, indent=2))
    elif output == "yaml":
        click.echo(to_yaml(obj).rstrip("\n"))
    elif output == "name":
        click.echo(((obj or {}).get("metadata") or {}).get("name", ""))


def name_of(obj: Any) -> str:
    return str(((obj or {}).get("metadata") or {}).get("name", ""))


def colour(text: str, fg: str, enabled: bool) -> str:
    return click.style(text, fg=fg) if enabled else text
