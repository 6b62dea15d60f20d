"""Plain JSON objects as they come off the wire."""

from __future__ import annotations

from typing import Any

Obj = dict[str, Any]
