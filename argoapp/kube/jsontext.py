"""JSON text of API objects, written fast: orjson, with `json` for what orjson refuses.

localkube's storage encodes every object it writes (a pod is several KiB, its template JSON
inside an environment variable) and the controller measures what it sends; `json.dumps` was
the largest single cost of argoapp's own process in a big fan-out. Only writing is replaced:
reading stays with `json.loads`, which keeps integers over 64 bits exact (orjson would read
them as floats). Nothing here does I/O.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

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
