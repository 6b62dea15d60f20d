"""The artifact library's error, and the credentials interface its drivers read secrets through.

Every driver failure (a missing key, refused credentials, an unreachable store, an archive entry
that would escape its destination) surfaces as `ArtifactError` with a message that names the
artifact and the cause, ready for a node's `message`; `ArtifactNotFound`, one of them, says the
object (key, URL, git ref) does not exist, so callers need not read messages to tell. `Secrets`
is how drivers get credentials: the executor backs it with Kubernetes Secrets; async callers read
the Secrets first and hand the drivers a `MappingSecrets`. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from argoapp.errors import ArgoappError


class ArtifactError(ArgoappError):
    """An artifact could not be resolved, moved, packed or unpacked; the message says why."""


class ArtifactNotFound(ArtifactError):
    """The artifact's object, key, URL or git ref does not exist (an optional input is skipped)."""


class Secrets(Protocol):
    """Credentials as Kubernetes Secrets hold them: one value per (secret name, key)."""

    def get(self, name: str, key: str) -> str:
        """The value of `key` in Secret `name`; ArtifactError when either is missing."""
        ...


class MappingSecrets:
    """Secrets read ahead of time into a dict keyed by (secret name, key)."""

    def __init__(self, values: Mapping[tuple[str, str], str]) -> None:
        self._values = dict(values)

    def get(self, name: str, key: str) -> str:
        """The value of `key` in Secret `name`; ArtifactError when either is missing."""
        try:
            return self._values[(name, key)]
        except KeyError:
            raise ArtifactError(f'secret "{name}" has no key "{key}" (or does not exist)') from None


def secret_value(secrets: Secrets, selector: object, what: str) -> str:
    """The value a `{name, key}` secret selector names, with an error saying what it was for."""
    if not isinstance(selector, dict) or not selector.get("name") or not selector.get("key"):
        raise ArtifactError(f"{what}: a secret selector needs both name and key")
    return secrets.get(str(selector["name"]), str(selector["key"]))
