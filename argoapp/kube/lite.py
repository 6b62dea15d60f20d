"""`LiteKube`: a small synchronous Kubernetes client on the standard library alone.

The executor (`argoapp exec init|wait|emissary`) runs in every workflow pod and must start in
milliseconds, so it talks to the API through this instead of `client.Kube`: urllib, ssl and json
only (never kubernetes_asyncio or aiohttp), with the same `resources.Kind` table and the same
`errors` classes. Connection errors, 429 and 5xx answers are retried a few times with a short
backoff; a retried create may therefore answer `AlreadyExists` for an object it made itself.

Credentials:
- `LiteKube.in_cluster()`: `KUBERNETES_SERVICE_HOST`/`_PORT` and the service account directory
  (`token`, `ca.crt`, `namespace`), `/var/run/secrets/kubernetes.io/serviceaccount` unless the
  environment variable `ARGOAPP_SERVICEACCOUNT_DIR` names another one, or (in a pod localkube
  runs unsandboxed, which cannot mount) `LOCALKUBE_MOUNTS` maps that path to a host directory.
  The token file is re-read on every request so a rotated token is picked up.
- `LiteKube.from_kubeconfig(path)`: a bearer token and the CA (data or file) of the current
  context; client certificates and exec plugins are not supported. A JSON kubeconfig needs
  nothing more; a YAML one imports PyYAML on that path only (never in a pod).

Resources are named by a `Kind`, a kind name from `resources.KINDS`, or an
`(api_version, plural)` pair (taken as namespaced). An empty namespace means the client's own
(the pod's namespace in a cluster) for namespaced resources.
"""

from __future__ import annotations

import base64
import json
import os
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from argoapp.errors import ConfigError
from argoapp.kube.errors import KubeError, Unavailable, from_status
from argoapp.kube.resources import Kind, kind_of

SERVICEACCOUNT_DIR_ENV = "ARGOAPP_SERVICEACCOUNT_DIR"
DEFAULT_SERVICEACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
RETRY_DELAYS = (0.2, 0.5, 1.0)
Obj = dict[str, Any]
Resource = Kind | str | tuple[str, str]
# An alias because the `list` method shadows the builtin inside the class.
Patch = Obj | list[Any]
_PATCH_TYPES = {"merge": "application/merge-patch+json", "json": "application/json-patch+json"}


class LiteKube:
    """One API server and one identity, spoken to synchronously."""

    def __init__(
        self,
        server: str,
        *,
        token: str = "",
        token_file: Path | None = None,
        ca_file: Path | None = None,
        ca_data: str | None = None,
        namespace: str = "default",
        timeout: float = 30.0,
    ) -> None:
        self.server = server.rstrip("/")
        self.namespace = namespace
        self.timeout = timeout
        self._token = token
        self._token_file = token_file
        handlers: list[urllib.request.BaseHandler] = [urllib.request.ProxyHandler({})]
        if self.server.startswith("https:"):
            context = ssl.create_default_context(
                cafile=str(ca_file) if ca_file else None, cadata=ca_data
            )
            handlers.append(urllib.request.HTTPSHandler(context=context))
        # No proxies: the API server is reached directly, as from inside its own cluster.
        self._opener = urllib.request.build_opener(*handlers)

    @classmethod
    def in_cluster(cls) -> LiteKube:
        """The pod's own service account and API server."""
        host = os.environ.get("KUBERNETES_SERVICE_HOST", "")
        port = os.environ.get("KUBERNETES_SERVICE_PORT", "443")
        if not host:
            raise ConfigError("KUBERNETES_SERVICE_HOST is not set: not running in a pod")
        sa_dir = service_account_dir()
        token_file, ca_file = sa_dir / "token", sa_dir / "ca.crt"
        for needed in (token_file, ca_file):
            if not needed.is_file():
                raise ConfigError(f"the service account file {needed} does not exist")
        try:
            namespace = (sa_dir / "namespace").read_text().strip() or "default"
        except OSError:
            namespace = "default"
        if ":" in host:
            host = f"[{host}]"  # an IPv6 address
        return cls(
            f"https://{host}:{port}", token_file=token_file, ca_file=ca_file, namespace=namespace
        )

    @classmethod
    def from_kubeconfig(cls, path: Path, *, context: str | None = None) -> LiteKube:
        """The current (or named) context of a kubeconfig: bearer token and CA only."""
        try:
            config = _read_kubeconfig(path)
            ctx_name = context or config.get("current-context")
            ctx = _named(config, "contexts", ctx_name)["context"]
            cluster = _named(config, "clusters", ctx["cluster"])["cluster"]
            user = _named(config, "users", ctx["user"])["user"] if ctx.get("user") else {}
            ca_data = cluster.get("certificate-authority-data")
            ca_file = cluster.get("certificate-authority")
            token_file = user.get("tokenFile")
            return cls(
                cluster["server"],
                token=user.get("token", ""),
                token_file=Path(token_file) if token_file else None,
                ca_data=base64.b64decode(ca_data).decode() if ca_data else None,
                ca_file=(path.parent / ca_file) if ca_file else None,
                namespace=ctx.get("namespace") or "default",
            )
        except (OSError, ValueError, KeyError, TypeError, ssl.SSLError) as e:
            raise ConfigError(f"cannot use kubeconfig {path}: {e}") from None

    # --- the verbs ---

    def get(self, resource: Resource, name: str, namespace: str = "") -> Obj:
        """One object; `NotFound` when it does not exist."""
        return self._call("GET", self._path(resource, namespace, name))

    def list(
        self,
        resource: Resource,
        namespace: str = "",
        *,
        label_selector: str = "",
        field_selector: str = "",
    ) -> Obj:
        """The List object of `resource` in `namespace` (the client's own when empty)."""
        query = {"labelSelector": label_selector, "fieldSelector": field_selector}
        query = {k: v for k, v in query.items() if v}
        return self._call("GET", self._path(resource, namespace), query=query)

    def create(self, resource: Resource, body: Obj, namespace: str = "") -> Obj:
        """Create `body` (namespace: the argument, its metadata's, or the client's own)."""
        namespace = namespace or (body.get("metadata") or {}).get("namespace", "")
        return self._call("POST", self._path(resource, namespace), body=body)

    def patch(
        self,
        resource: Resource,
        name: str,
        patch: Patch,
        namespace: str = "",
        *,
        patch_type: str = "merge",
        subresource: str = "",
    ) -> Obj:
        """A merge patch (dict) or JSON patch (list of operations, `patch_type="json"`)."""
        if patch_type not in _PATCH_TYPES:
            raise KubeError(f"unknown patch type {patch_type!r}", status=0, reason="BadRequest")
        path = self._path(resource, namespace, name, subresource)
        return self._call("PATCH", path, body=patch, content_type=_PATCH_TYPES[patch_type])

    def delete(
        self, resource: Resource, name: str, namespace: str = "", *, propagation: str = ""
    ) -> None:
        """Delete one object; `NotFound` when it is already gone."""
        options: Obj = {"kind": "DeleteOptions", "apiVersion": "v1"}
        if propagation:
            options["propagationPolicy"] = propagation
        self._call("DELETE", self._path(resource, namespace, name), body=options)

    def request(
        self, method: str, path: str, *, body: Any = None, content_type: str = "application/json"
    ) -> Obj:
        """Any request by absolute path (discovery, PUT, strategic merge patch), same retries."""
        return self._call(method, path, body=body, content_type=content_type)

    # --- plumbing ---

    def _path(self, resource: Resource, namespace: str, name: str = "", sub: str = "") -> str:
        if isinstance(resource, tuple):
            api_version, plural = resource
            group, _, version = api_version.rpartition("/")
            kind = Kind("", group, version, plural, True)
        else:
            kind = resource if isinstance(resource, Kind) else kind_of(resource)
        return kind.path(namespace or self.namespace, name, sub)

    def _call(
        self,
        method: str,
        path: str,
        *,
        query: dict[str, str] | None = None,
        body: Any = None,
        content_type: str = "application/json",
    ) -> Obj:
        url = self.server + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = None if body is None else json.dumps(body).encode()
        for attempt, delay in enumerate((*RETRY_DELAYS, None)):
            try:
                return self._once(method, url, data, content_type)
            except Unavailable as e:
                if delay is None:
                    raise Unavailable(f"{method} {path}: {e} (after {attempt + 1} tries)") from None
                time.sleep(delay)
        raise AssertionError("unreachable")

    def _once(self, method: str, url: str, data: bytes | None, content_type: str) -> Obj:
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Accept", "application/json")
        request.add_header("User-Agent", "argoapp-lite")
        if data is not None:
            request.add_header("Content-Type", content_type)
        token = self._current_token()
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as e:
            try:
                body = e.read()
            except OSError:
                body = b""
            raise from_status(e.code, body) from None
        except (urllib.error.URLError, OSError, TimeoutError) as e:
            reason = getattr(e, "reason", None) or e
            raise Unavailable(f"cannot reach the Kubernetes API: {reason}") from None
        try:
            parsed = json.loads(raw) if raw else {}
        except ValueError:
            raise Unavailable("the Kubernetes API answered with a body that is not JSON") from None
        return parsed if isinstance(parsed, dict) else {}

    def _current_token(self) -> str:
        if self._token_file is not None:
            try:
                return self._token_file.read_text().strip()
            except OSError as e:
                raise ConfigError(f"cannot read the token file {self._token_file}: {e}") from None
        return self._token


def service_account_dir() -> Path:
    """Where the pod's service account files are.

    `ARGOAPP_SERVICEACCOUNT_DIR` if set; else, in a pod localkube runs unsandboxed (which cannot
    mount), the host directory `LOCALKUBE_MOUNTS` maps the standard path to; else that path.
    """
    explicit = os.environ.get(SERVICEACCOUNT_DIR_ENV)
    if explicit:
        return Path(explicit)
    try:
        mounts = json.loads(os.environ.get("LOCALKUBE_MOUNTS") or "{}")
    except ValueError:
        mounts = {}
    source = mounts.get(DEFAULT_SERVICEACCOUNT_DIR) if isinstance(mounts, dict) else None
    return Path(source) if isinstance(source, str) and source else Path(DEFAULT_SERVICEACCOUNT_DIR)


def _read_kubeconfig(path: Path) -> Obj:
    text = path.read_text()
    if text.lstrip().startswith("{"):
        parsed: Any = json.loads(text)
    else:
        import yaml  # only outside pods: in-cluster credentials need no YAML

        parsed = yaml.safe_load(text)
    if not isinstance(parsed, dict):
        raise ValueError("not a kubeconfig")
    return parsed


def _named(config: Obj, section: str, name: Any) -> Obj:
    for entry in config.get(section) or []:
        if entry.get("name") == name:
            return dict(entry)
    raise KeyError(f"no {section[:-1]} named {name!r}")
