"""The git artifact driver (being written: every operation reports it is unsupported)."""

from __future__ import annotations

from argoapp.artifacts.driver import Driver


class GitDriver(Driver):
    """Placeholder until the driver lands."""

    kind = "git"
