"""Go durations (`1h2m3.5s`, `300ms`) to and from seconds.

Argo's spec carries durations as Go duration strings (`activeDeadlineSeconds` aside):
`retryStrategy.backoff.duration`, `ttlStrategy`, `suspend.duration`, `podGC.deleteDelayDuration`.
A plain number, or a string holding one, counts as seconds, as Argo's backoff accepts. Pure: it
imports nothing else from argoapp.
"""

from __future__ import annotations

import math
import re

_UNITS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,  # U+00B5 micro sign
    "μs": 1e-6,  # U+03BC greek mu
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}
_PART = re.compile(r"(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def parse_duration(value: str | int | float) -> float:
    """Seconds in a Go duration string, or in a plain number (which is seconds)."""
    if isinstance(value, bool):
        raise ValueError(f"invalid duration {value!r}: not a number or a Go duration")
    if isinstance(value, int | float):
        return float(value)
    text = value.strip()
    if _NUMBER.fullmatch(text):
        return float(text)
    sign = 1.0
    body = text
    if body[:1] in "+-" and body:
        sign = -1.0 if body[0] == "-" else 1.0
        body = body[1:]
    if body == "0":
        return 0.0
    if not body:
        raise ValueError(f"invalid duration {value!r}: empty")
    total = 0.0
    pos = 0
    while pos < len(body):
        match = _PART.match(body, pos)
        if match is None:
            raise ValueError(
                f"invalid duration {value!r}: expected a number followed by one of "
                "ns, us, ms, s, m, h (like 1h2m3.5s)"
            )
        total += float(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    return sign * total


def format_duration(seconds: float) -> str:
    """Seconds as Go prints a duration: `1h2m3.5s`, `1m30s`, `2s`, `1.5ms`, `0s`."""
    if seconds == 0 or not math.isfinite(seconds):
        return "0s"
    nanos = round(abs(seconds) * 1e9)
    sign = "-" if seconds < 0 else ""
    if nanos == 0:
        return "0s"
    if nanos < 1_000_000_000:
        for unit, size in (("ms", 1_000_000), ("µs", 1_000), ("ns", 1)):
            if nanos >= size:
                return sign + _decimal(nanos, size) + unit
    hours, rest = divmod(nanos, 3_600_000_000_000)
    minutes, rest = divmod(rest, 60_000_000_000)
    out = sign
    if hours:
        out += f"{hours}h"
    if hours or minutes:
        out += f"{minutes}m"
    return out + _decimal(rest, 1_000_000_000) + "s"


def _decimal(value: int, unit: int) -> str:
    """`value / unit` printed with the fewest digits Go's duration printer would use."""
    whole, frac = divmod(value, unit)
    if not frac:
        return str(whole)
    digits = len(str(unit)) - 1
    return f"{whole}.{frac:0{digits}d}".rstrip("0")
