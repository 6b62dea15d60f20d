"""The Argo REST API from the command line: where the server is, and calls to it over HTTP/1.

`discover` finds the server as the `argo` CLI does: `ARGO_SERVER` (host:port, no scheme),
`ARGO_TOKEN` (with or without "Bearer "), `ARGO_SECURE` (on by default when `ARGO_SERVER` is set),
`ARGO_INSECURE_SKIP_VERIFY`, `ARGO_BASE_HREF` and `ARGO_NAMESPACE`; flags given on the command line
win. With no `ARGO_SERVER` it reads the local appliance that `argoapp up` records in its data dir
(`--data-dir`, else `ARGOAPP_DATA_DIR`, else ~/.argoapp: `server.json` and `token`).
`ArgoClient` then makes plain JSON calls (with any `-H` headers) and reads streams (server-sent
events or newline-delimited `{"result": …}` lines).

The standard library only (`http.client`, `ssl`): the CLI starts in milliseconds and must not
pull aiohttp in. Errors are `ArgoappError`s with a one-line message:

    ArgoappError
     ├── NoServer      nothing answers at the address, or no address is known
     └── ApiError      the server answered with an error body ({"code", "message"})
          ├── NotFound HTTP 404 about an object
          └── NoRoute  HTTP 404 about the path: the server lacks the call
"""

from __future__ import annotations

import http.client
import json
import os
import ssl
import urllib.parse
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from argoapp.errors import ArgoappError

SERVER_FILE = "server.json"
TOKEN_FILE = "token"
DEFAULT_NAMESPACE = "default"
Query = Sequence[tuple[str, str]] | Mapping[str, str]


class NoServer(ArgoappError):
    """No Argo server answers where the CLI looked."""


class ApiError(ArgoappError):
    """An error answer from the Argo server."""

    def __init__(self, status: int, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class NotFound(ApiError):
    """HTTP 404: the object does not exist."""


class NoRoute(ApiError):
    """HTTP 404 naming no object: this server does not serve the call (an older server)."""


def _truthy(value: str | None) -> bool | None:
    if value is None or value.strip() == "":
        return None
    return value.strip().lower() in ("1", "t", "true", "yes", "on")


def data_dir(env: Mapping[str, str]) -> Path:
    """The data dir of the local appliance (`ARGOAPP_DATA_DIR`, default ~/.argoapp)."""
    # os.path leaves "~" as is where no home is known (a pod without /etc/passwd or $HOME)
    return Path(os.path.expanduser(env.get("ARGOAPP_DATA_DIR") or "~/.argoapp"))


@dataclass(frozen=True)
class Connection:
    """Where the Argo server is and how to talk to it."""

    url: str  # scheme://host:port[/base]
    token: str = ""  # the Authorization header's value ("Bearer …"), or ""
    insecure_skip_verify: bool = False
    namespace: str = DEFAULT_NAMESPACE
    source: str = "ARGO_SERVER"  # where the address came from, for messages
    headers: tuple[tuple[str, str], ...] = ()  # extra request headers (-H)


def bearer(token: str) -> str:
    """`token` as an Authorization value: "Bearer " is added when no scheme is given."""
    token = token.strip()
    if not token or token.startswith(("Bearer ", "Basic ")):
        return token
    return f"Bearer {token}"


def parse_headers(values: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """`-H` values ("Name: value", or comma-separated several) as (name, value) pairs."""
    pairs = []
    for value in values:
        for term in value.split(","):
            name, sep, text = term.partition(":")
            if not sep:
                name, sep, text = term.partition("=")
            if not sep or not name.strip():
                raise ArgoappError(f"header {term.strip()!r} is not NAME: VALUE")
            pairs.append((name.strip(), text.strip()))
    return tuple(pairs)


def discover(
    *,
    server: str | None = None,
    token: str | None = None,
    namespace: str | None = None,
    secure: bool | None = None,
    insecure_skip_verify: bool | None = None,
    base_href: str | None = None,
    headers: Sequence[str] = (),
    home: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Connection:
    """The connection the flags and environment ask for, else the local appliance's (in
    `home`, default the data dir of the environment)."""
    env = os.environ if env is None else env
    extra = parse_headers(headers)
    namespace = namespace or env.get("ARGO_NAMESPACE") or DEFAULT_NAMESPACE
    token = token if token is not None else env.get("ARGO_TOKEN")
    skip = insecure_skip_verify or _truthy(env.get("ARGO_INSECURE_SKIP_VERIFY")) or False
    server = server or env.get("ARGO_SERVER")
    if server:
        if secure is None:
            secure = _truthy(env.get("ARGO_SECURE"))
        scheme = "http" if secure is False else "https"
        if "://" in server:  # tolerated, though the argo CLI wants host:port
            scheme, server = server.split("://", 1)
        base = (base_href if base_href is not None else env.get("ARGO_BASE_HREF", "")).strip("/")
        url = f"{scheme}://{server.rstrip('/')}" + (f"/{base}" if base else "")
        return Connection(url, bearer(token or ""), skip, namespace, "ARGO_SERVER", extra)
    conn = _local(home.expanduser() if home else data_dir(env), token, namespace, skip)
    return replace(conn, headers=extra)


def _local(home: Path, token: str | None, namespace: str, skip: bool) -> Connection:
    """The appliance `argoapp up` recorded in `home`."""
    path = home / SERVER_FILE
    try:
        info = json.loads(path.read_text())
    except FileNotFoundError:
        raise NoServer(
            f"no Argo server: set ARGO_SERVER, or start one with `argoapp up` (no {path})"
        ) from None
    except (OSError, ValueError) as e:
        raise NoServer(f"cannot read {path}: {e}") from None
    if not isinstance(info, dict) or not isinstance(info.get("url"), str):
        raise NoServer(f"{path} does not say where the server is")
    if token is None and info.get("authMode", "server") != "server":
        try:
            token = (home / TOKEN_FILE).read_text().strip()
        except OSError:
            token = ""
    skip = skip or bool(info.get("insecureSkipVerify"))
    return Connection(info["url"].rstrip("/"), bearer(token or ""), skip, namespace, str(path))


def query_string(query: Query | None) -> str:
    if not query:
        return ""
    pairs = list(query.items()) if isinstance(query, Mapping) else list(query)
    pairs = [(k, v) for k, v in pairs if v != ""]
    return "?" + urllib.parse.urlencode(pairs) if pairs else ""


class ArgoClient:
    """Calls to one Argo server; each call opens its own HTTP/1.1 connection."""

    def __init__(self, conn: Connection, *, timeout: float = 30.0) -> None:
        self.conn = conn
        self.timeout = timeout
        parts = urllib.parse.urlsplit(conn.url)
        self._https = parts.scheme == "https"
        self._netloc = parts.netloc
        self._base = parts.path.rstrip("/")

    def _connect(self, timeout: float | None) -> http.client.HTTPConnection:
        if not self._https:
            return http.client.HTTPConnection(self._netloc, timeout=timeout)
        context = ssl.create_default_context()
        if self.conn.insecure_skip_verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return http.client.HTTPSConnection(self._netloc, timeout=timeout, context=context)

    def _send(
        self,
        method: str,
        path: str,
        query: Query | None,
        body: Any,
        *,
        accept: str = "application/json",
        timeout: float | None,
    ) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
        headers = {"Accept": accept, **dict(self.conn.headers)}
        if self.conn.token:
            headers["Authorization"] = self.conn.token
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        target = self._base + path + query_string(query)
        connection = self._connect(timeout)
        try:
            connection.request(method, target, body=data, headers=headers)
            response = connection.getresponse()
        except ssl.SSLError as e:
            connection.close()
            hint = ""
            if isinstance(e, ssl.SSLCertVerificationError):
                hint = " (to trust it anyway: -k or ARGO_INSECURE_SKIP_VERIFY=true)"
            reason = getattr(e, "verify_message", None) or e.reason or str(e)
            raise NoServer(
                f"TLS with the Argo server at {self.conn.url} failed: {reason}{hint}"
            ) from None
        except (OSError, http.client.HTTPException) as e:
            connection.close()
            reason = getattr(e, "strerror", None) or str(e) or type(e).__name__
            raise NoServer(f"no Argo server at {self.conn.url} ({reason})") from None
        if response.status >= 400:
            raw = response.read()
            connection.close()
            raise _error(response.status, raw, self.conn, f"{method} {path}")
        return connection, response

    def request(
        self, method: str, path: str, *, query: Query | None = None, body: Any = None
    ) -> Any:
        """One call; the decoded JSON answer."""
        connection, response = self._send(method, path, query, body, timeout=self.timeout)
        try:
            raw = response.read()
        except (OSError, http.client.HTTPException) as e:
            raise NoServer(f"the Argo server at {self.conn.url} broke off: {e}") from None
        finally:
            connection.close()
        if not raw.strip():
            return {}
        try:
            return json.loads(raw)
        except ValueError:
            raise ApiError(response.status, "the server's answer is not JSON") from None

    def get(self, path: str, query: Query | None = None) -> Any:
        return self.request("GET", path, query=query)

    def stream(self, path: str, query: Query | None = None) -> Iterator[Any]:
        """The `result` of each message of a stream, until the server ends it."""
        connection, response = self._send(
            "GET", path, query, None, accept="text/event-stream", timeout=None
        )
        try:
            while True:
                try:
                    line = response.readline()
                except (OSError, http.client.HTTPException):
                    return
                if not line:
                    return
                message = _message(line)
                if message is not None:
                    yield message
        finally:
            connection.close()


def _message(line: bytes) -> Any | None:
    """The `result` of one stream line (SSE `data: …` or plain JSON); None for other lines."""
    text = line.decode(errors="replace").strip()
    if text.startswith("data:"):
        text = text[5:].strip()
    if not text.startswith("{"):
        return None  # keep-alives, comments, event names, blank separators
    try:
        doc = json.loads(text)
    except ValueError:
        return None
    if isinstance(doc, dict) and "error" in doc and "result" not in doc:
        error = doc["error"] if isinstance(doc["error"], dict) else {}
        raise ApiError(int(error.get("http_code") or 500), str(error.get("message") or doc))
    return doc.get("result") if isinstance(doc, dict) else None


def _error(status: int, raw: bytes, conn: Connection, call: str) -> ApiError:
    message, code = "", None
    try:
        doc = json.loads(raw)
        if isinstance(doc, dict):
            message, code = str(doc.get("message") or ""), doc.get("code")
    except ValueError:
        message = raw.decode(errors="replace").strip().splitlines()[0] if raw.strip() else ""
    if status == 401:
        hint = "set ARGO_TOKEN" if conn.source == "ARGO_SERVER" else f"see {conn.source}"
        message = f"the Argo server at {conn.url} wants a valid token ({hint})" + (
            f": {message}" if message else ""
        )
    if status == 404 and message in ("", "Not Found"):
        # A missing object is named in the message (Argo's own archive says "not found"); the
        # HTTP reason phrase alone, "Not Found", is a missing route.
        text = f"the Argo server at {conn.url} does not serve {call}"
        return NoRoute(status, text, code if isinstance(code, int) else None)
    message = message or f"HTTP {status}"
    cls = NotFound if status == 404 else ApiError
    return cls(status, message, code if isinstance(code, int) else None)
