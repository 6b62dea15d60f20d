"""How the executor reaches artifact stores: credentials from Secrets, and drivers to reuse.

Called by `init`, `wait` and `data` (through an `ArtifactAccess` they are given) and by
localkube's in-process kubelet, which builds its own `ArtifactAccess` over Secrets it read ahead
(`secret_refs_for` says which). Two ways to get credentials, one interface (`Secrets`):
- `KubeSecrets`: in a pod, a Secret of the pod's namespace is read over the API with the pod's
  ServiceAccount (`LiteKube.in_cluster()`, made on the first read: a pod whose artifacts need no
  credentials never talks to the API for them) and memoized whole, as Argo's executor does;
- `SecretData`: Secrets an async caller (the kubelet) read ahead, with the same errors.
`ArtifactAccess.driver` hands out the library's drivers; S3 drivers are kept per endpoint, bucket
and credentials when a cache is shared (the kubelet keeps one for all its pods). The in-process
kubelet also passes the built-in store it shares a process with (`artifacts.local.LocalTarget`):
locations in it are read and written directly, not over HTTP.

The artifact library is imported only when an artifact needs it, so `argoapp exec` starts as
fast as before for pods without artifacts. No threads, no asyncio.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from argoapp.executor.env import Obj

if TYPE_CHECKING:
    from argoapp.artifacts import Driver, Secrets
    from argoapp.artifacts.local import LocalTarget
    from argoapp.kube.lite import LiteKube

SecretRef = tuple[str, str]  # (Secret name, key)


class SecretData:
    """Secrets from the `data` of Secret objects already read (None: that Secret is missing)."""

    def __init__(self, found: dict[str, dict[str, str] | None] | None = None) -> None:
        self._found: dict[str, dict[str, str] | None] = dict(found or {})

    def get(self, name: str, key: str) -> str:
        """The decoded value of `key` in Secret `name`; ArtifactError when either is missing."""
        from argoapp.artifacts import ArtifactError

        if name not in self._found:
            self._found[name] = self.read(name)
        data = self._found[name]
        if data is None:
            raise ArtifactError(f'secrets "{name}" not found')
        if key not in data:
            raise ArtifactError(f"secret '{name}' does not have the key '{key}'")
        try:
            return base64.b64decode(data[key]).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise ArtifactError(f"secret '{name}' key '{key}' is not base64 text") from None

    def read(self, name: str) -> dict[str, str] | None:
        """A Secret not read ahead: missing."""
        return None


def secret_data(secret: Obj) -> dict[str, str]:
    """A Secret object's `data` (base64 values), as `SecretData` keeps it."""
    data = secret.get("data") or {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


class KubeSecrets(SecretData):
    """Secrets of the pod's namespace, read with its ServiceAccount when first needed."""

    def __init__(self, connect: Callable[[], LiteKube]) -> None:
        super().__init__()
        self._connect = connect
        self._kube: LiteKube | None = None

    def read(self, name: str) -> dict[str, str] | None:
        """The Secret's data from the API server (None when it does not exist)."""
        from argoapp.artifacts import ArtifactError
        from argoapp.errors import ArgoappError
        from argoapp.kube.errors import NotFound

        try:
            if self._kube is None:
                self._kube = self._connect()
            return secret_data(self._kube.get("Secret", name))
        except NotFound:
            return None
        except ArgoappError as e:
            raise ArtifactError(f"cannot read secret '{name}': {e}") from None


class DriverCache:
    """Drivers shared between pods, one per store and credentials (thread-safe), at most
    `limit` of them: the least recently used goes first, so rotated credentials or many
    buckets over a long-lived kubelet never pile up clients."""

    def __init__(self, limit: int = 32) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._drivers: OrderedDict[str, Driver] = OrderedDict()

    def __len__(self) -> int:
        with self._lock:
            return len(self._drivers)

    def get(self, key: str, make: Callable[[], Driver]) -> Driver:
        """The driver kept under `key`, made with `make` the first time."""
        with self._lock:
            found = self._drivers.get(key)
            if found is not None:
                self._drivers.move_to_end(key)
                return found
        made = make()  # outside the lock: making a client may be slow
        with self._lock:
            kept = self._drivers.setdefault(key, made)
            self._drivers.move_to_end(key)
            while len(self._drivers) > self.limit:
                self._drivers.popitem(last=False)
            return kept


class ArtifactAccess:
    """Drivers for fully located artifacts, with credentials from `secrets`; locations in
    `local` (the built-in store, when the caller shares its process) get its direct driver."""

    def __init__(
        self, secrets: Secrets, cache: DriverCache | None = None, local: LocalTarget | None = None
    ) -> None:
        self.secrets = secrets
        self.cache = cache
        self.local = local
        # Set by the caller that knows every location goes to `local` (or nowhere): no
        # transfer will wait on an HTTP server, so any thread may run it.
        self.direct_only = False

    def serves_all(self, arts: Iterable[Obj]) -> bool:
        """Whether every one of `arts` is moved without a network client: inline (raw), not
        resolvable (it fails before any transfer) or in the `local` store."""
        from argoapp.artifacts import resolve

        local = self.local
        return all(
            resolve.kind(a) in ("", "raw") or (local is not None and local.serves(a)) for a in arts
        )

    def driver(self, art: Obj) -> Driver:
        """The driver for `art` (a relocated artifact)."""
        from argoapp.artifacts import driver_for, resolve

        if self.local is not None and self.local.serves(art):
            from argoapp.artifacts.local import LocalDriver

            return LocalDriver(self.secrets, self.local)
        if self.cache is None or resolve.kind(art) != "s3":
            return driver_for(art, self.secrets)
        # An S3 client is bound to an endpoint and credentials, never to one key: reuse it.
        location = {k: v for k, v in art["s3"].items() if k != "key"}
        values = [self.secrets.get(n, k) for n, k in resolve.secret_refs(art)]
        key = json.dumps([location, values], sort_keys=True)
        return self.cache.get(key, lambda: driver_for(art, self.secrets))


def in_pod() -> ArtifactAccess:
    """Access for an `argoapp exec` process: Secrets read with the pod's ServiceAccount."""

    def connect() -> LiteKube:
        from argoapp.kube.lite import LiteKube

        return LiteKube.in_cluster()

    return ArtifactAccess(KubeSecrets(connect))


def secret_refs_for(template: Obj, role: str) -> list[SecretRef]:
    """The Secrets the `init` or `wait` role may read for `template`'s artifacts."""
    from argoapp.artifacts import resolve

    arts = locations_for(template, role)
    return _unique(ref for art in arts for ref in resolve.secret_refs(art))


def locations_for(template: Obj, role: str) -> list[Obj]:
    """Where the `init` or `wait` role may read or write `template`'s artifacts: each one
    relocated ({} for one that cannot be, which the role itself reports)."""
    location = template.get("archiveLocation") or None
    arts: list[Obj] = []
    if role == "init":
        arts = [
            _relocated(a, location) for a in (template.get("inputs") or {}).get("artifacts") or []
        ]
    elif role == "wait":
        for art in (template.get("outputs") or {}).get("artifacts") or []:
            arts.append(_relocated(_output(art, location), location))
        if location and location.get("archiveLogs"):
            arts.append(dict(location))
    return arts


def _output(art: Obj, location: Obj | None) -> Obj:
    from argoapp.artifacts import ArtifactError, resolve

    try:
        return resolve.output(art, location, "file")
    except ArtifactError:
        return {}


def _relocated(art: Obj, location: Obj | None) -> Obj:
    from argoapp.artifacts import ArtifactError, resolve

    try:
        return resolve.relocate(art, location) if resolve.kind(art) else {}
    except ArtifactError:
        return {}  # the role itself reports it, with the artifact's name


def _unique(refs: Iterable[SecretRef]) -> list[SecretRef]:
    seen: list[SecretRef] = []
    for ref in refs:
        if ref not in seen:
            seen.append(ref)
    return seen


def cause(name: str, error: Exception) -> str:
    """`error`'s message without the library's leading `artifact "<name>"`: the executor's own
    wording ("artifact x failed to load: ", "failed to save artifact x: ") names it already."""
    text = str(error)
    named = f'artifact "{name}"'
    if text.startswith(named + ": "):
        return text[len(named) + 2 :]
    if text.startswith(named + " "):
        return "it" + text[len(named) :]
    return text
