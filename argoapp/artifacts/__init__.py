"""Artifact stores and where artifacts live: shared by the executor, controller and server.

`resolve` decides locations (key-only artifacts, output keys, secret references), `archive` packs
and unpacks, and `driver_for` returns the blocking, streaming driver for a location (S3, HTTP,
Git, raw). Drivers load their client libraries on first use. This package imports only
`argoapp.model`, `argoapp.errors` and the stdlib at import time; never aiohttp, kubernetes_asyncio
or another argoapp layer, because the executor ships it into every pod.
"""

from argoapp.artifacts import archive, resolve
from argoapp.artifacts.driver import Driver, driver_for
from argoapp.artifacts.errors import ArtifactError, ArtifactNotFound, MappingSecrets, Secrets

__all__ = [
    "ArtifactError",
    "ArtifactNotFound",
    "Driver",
    "MappingSecrets",
    "Secrets",
    "archive",
    "driver_for",
    "resolve",
]
