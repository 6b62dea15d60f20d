"""The http artifact driver (being written: every operation reports it is unsupported)."""

from __future__ import annotations

from argoapp.artifacts.driver import Driver


class HTTPDriver(Driver):
    """Placeholder until the driver lands."""

    kind = "http"
