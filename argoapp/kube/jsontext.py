"""JSON text of API objects, written fast: orjson, with `json` for what orjson refuses.

localkube's storage encodes every object it writes (a pod is several KiB, its template JSON
inside an environment variable) and the controller measures what it sends; `json.dumps` was
the largest single cost of argoapp's own process in a big fan-out. Reading text stays with
`json.loads`, which keeps integers over 64 bits exact (orjson would read them as floats);
`copy` reads back only what orjson wrote, where there are none. Nothing here does I/O.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

import orjson

from argoapp.model.types import copy_json

T = TypeVar("T")

# NaN and infinities (orjson writes them as null), and DEL (which `json` escapes in six)
_NOT_SPELT_ALIKE = (b"null", b"\x7f")


def encode(value: Any) -> str:
    """Compact JSON text of `value` that `json.loads` reads back as `json.dumps(value,
    separators=(",", ":"))` would have it.

    orjson writes it ten times faster; its text differs only in spelling (UTF-8 instead of
    \\u escapes, `1e-7` for `1e-07`). What orjson refuses (an integer over 64 bits, a lone
    surrogate, a key that is not a string) `json` writes. Not for NaN or an infinity, which
    orjson writes as null: the API refuses them in every body (`localkube.params`, the size
    check of `localkube.inproc`), so no stored object holds one.
    """
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value, separators=(",", ":"))


def copy(value: T) -> T:
    """A deep copy of an API object as its JSON text reads back: what a client of the HTTP API
    would hold, made by orjson writing and reading it (twice `copy_json`'s speed for a pod).

    What orjson refuses to write (an integer over 64 bits, a lone surrogate, a key that is not
    a string) is copied by `copy_json`. As with `encode`, not for NaN or an infinity (they come
    back None): localkube refuses them in every body, so no object it holds has one. A tuple
    comes back a list, and a value JSON spells as a string (an enum, a UUID) a string.
    """
    try:
        raw = orjson.dumps(value)
    except TypeError:
        return copy_json(value)
    result: T = orjson.loads(raw)
    return result


def encoded_size(value: Any, *, under: int) -> int:
    """`len(json.dumps(value, separators=(",", ":"), allow_nan=False))`, exactly whenever it
    could reach `under`; ValueError for NaN or an infinity, as `json.dumps` raises.

    orjson's text is measured instead when the two cannot differ enough to matter: ASCII
    (no escapes to count) without DEL or `null` (what orjson makes of NaN), where only a
    float can be spelt a character longer by `json`, at most a quarter more (`1e-7`).
    """
    try:
        raw = orjson.dumps(value)
    except TypeError:
        raw = b""
    alike = raw.isascii() and not any(text in raw for text in _NOT_SPELT_ALIKE)
    if raw and alike and len(raw) * 5 // 4 + 1 < under:
        return len(raw)
    return len(json.dumps(value, separators=(",", ":"), allow_nan=False))
