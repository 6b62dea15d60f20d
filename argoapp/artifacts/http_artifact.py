"""The HTTP driver: `http` artifacts (and `artifactory`, which is HTTP with basic auth).

Download is a streamed GET into a temp sibling renamed into place; upload is a streamed PUT of one
file. A body that ends short of its Content-Length (or breaks off) is an ArtifactError for
`download` and `open` readers alike, never a clean end. Requests carry the artifact's `headers`
({name, value}) and its `auth`: `basicAuth` (usernameSecret/passwordSecret), `oauth2` (client
credentials: a token fetched from the token URL and sent as a bearer token) or `clientCert` (TLS
client certificate and key). Built on the stdlib (urllib) so the executor needs nothing more.
Non-2xx answers become ArtifactError with the status (404: ArtifactNotFound).
"""

from __future__ import annotations

import base64
import http.client
import io
import json
import os
import ssl
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import IO, Any, BinaryIO, cast

from argoapp.artifacts.driver import Driver, staged_file
from argoapp.artifacts.errors import ArtifactError, ArtifactNotFound, Secrets, secret_value
from argoapp.model.types import Obj

CHUNK = 1024 * 1024
TIMEOUT = 60.0


class HTTPDriver(Driver):
    """Artifacts at an HTTP(S) URL."""

    kind = "http"

    def download(self, art: Obj, dest: Path) -> None:
        """GET the URL into `dest`."""
        with self._reader(art) as body, staged_file(dest) as tmp, tmp.open("wb") as out:
            while chunk := body.read(CHUNK):
                out.write(chunk)

    def upload(self, src: Path, art: Obj) -> None:
        """PUT one file to the URL."""
        if src.is_dir():
            raise ArtifactError(f'artifact "{art.get("name", "")}": HTTP cannot upload a directory')
        call = _Call(self.secrets, art, "upload")
        with src.open("rb") as body:
            headers = {"Content-Length": str(src.stat().st_size)}
            with call.request("PUT", body, headers):
                pass

    def open(self, art: Obj) -> AbstractContextManager[BinaryIO]:
        """A streaming reader of the response body."""
        return self._reader(art)

    @contextmanager
    def _reader(self, art: Obj) -> Iterator[BinaryIO]:
        call = _Call(self.secrets, art, "download")
        with call.request("GET") as response:
            yield cast(BinaryIO, _Body(response, call))

    def is_directory(self, art: Obj) -> bool:
        """A URL is one file."""
        return False


class _Body(io.RawIOBase):
    """A response body that ends only when it is whole: http.client ends a body cut short of its
    Content-Length as if it were complete, and a reader must never take that for the artifact."""

    def __init__(self, response: BinaryIO, call: _Call) -> None:
        super().__init__()
        self._response = response
        self._call = call
        self._expected = _content_length(response)
        self._received = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            data = self._response.read(len(buffer))
        except (OSError, http.client.HTTPException) as err:
            cause = f"transfer broke off ({err!r})"
            raise ArtifactError(self._call.describe(cause)) from None
        self._received += len(data)
        short = self._expected is not None and self._received < self._expected
        if not data and len(buffer) and short:
            cause = f"transfer broke off after {self._received} of {self._expected} bytes"
            raise ArtifactError(self._call.describe(cause))
        buffer[: len(data)] = data
        return len(data)


def _content_length(response: BinaryIO) -> int | None:
    """The length the server announced, when it announced one (not for chunked answers)."""
    headers = getattr(response, "headers", None)
    value = headers.get("Content-Length") if headers is not None else None
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


class _Call:
    """One request for one artifact, with its headers, credentials and worded errors."""

    def __init__(self, secrets: Secrets, art: Obj, action: str) -> None:
        self.kind = "artifactory" if isinstance(art.get("artifactory"), dict) else "http"
        self.loc: Obj = art.get(self.kind) or {}
        self.url = str(self.loc.get("url") or "")
        self.name = str(art.get("name") or "")
        self.action = action
        self.secrets = secrets
        if urllib.parse.urlsplit(self.url).scheme not in ("http", "https"):
            raise ArtifactError(self.describe("the url must be http:// or https://"))

    def describe(self, cause: str) -> str:
        """An error message naming the artifact, the URL and the cause."""
        return f'artifact "{self.name}": cannot {self.action} {self.url}: {cause}'

    @contextmanager
    def request(
        self, method: str, body: IO[bytes] | None = None, extra: dict[str, str] | None = None
    ) -> Iterator[BinaryIO]:
        """Send the request; yield the response body when the answer is 2xx."""
        headers = {
            h["name"]: str(h.get("value", ""))
            for h in self.loc.get("headers") or []
            if h.get("name")
        }
        headers.update(extra or {})
        context = self._auth(headers)
        req = urllib.request.Request(self.url, data=body, headers=headers, method=method)
        try:
            response = urllib.request.urlopen(req, timeout=TIMEOUT, context=context)
        except urllib.error.HTTPError as err:
            err.close()
            found = ArtifactNotFound if err.code == 404 else ArtifactError
            raise found(self.describe(f"HTTP {err.code} {err.reason}")) from None
        except (urllib.error.URLError, OSError) as err:
            host = urllib.parse.urlsplit(self.url).netloc
            reason = getattr(err, "reason", err)
            raise ArtifactError(self.describe(f"cannot reach {host} ({reason})")) from None
        with response:
            yield cast(BinaryIO, response)

    def _auth(self, headers: dict[str, str]) -> ssl.SSLContext | None:
        auth: Obj = self.loc.get("auth") or {}
        basic = auth.get("basicAuth") or {}
        if self.kind == "artifactory":
            basic = self.loc
        if basic.get("usernameSecret") or basic.get("passwordSecret"):
            user = secret_value(self.secrets, basic.get("usernameSecret"), "usernameSecret")
            password = secret_value(self.secrets, basic.get("passwordSecret"), "passwordSecret")
            token = base64.b64encode(f"{user}:{password}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        if auth.get("oauth2"):
            headers["Authorization"] = f"Bearer {self._oauth2_token(auth['oauth2'])}"
        if auth.get("clientCert"):
            return self._client_cert(auth["clientCert"])
        return None

    def _oauth2_token(self, oauth: Obj) -> str:
        form: dict[str, str] = {
            "grant_type": "client_credentials",
            "client_id": secret_value(self.secrets, oauth.get("clientIDSecret"), "clientIDSecret"),
            "client_secret": secret_value(
                self.secrets, oauth.get("clientSecretSecret"), "clientSecretSecret"
            ),
        }
        if oauth.get("scopes"):
            form["scope"] = " ".join(str(s) for s in oauth["scopes"])
        for param in oauth.get("endpointParams") or []:
            form[str(param.get("key"))] = str(param.get("value", ""))
        token_url = secret_value(self.secrets, oauth.get("tokenURLSecret"), "tokenURLSecret")
        req = urllib.request.Request(
            token_url, data=urllib.parse.urlencode(form).encode(), method="POST"
        )
        req.add_header("Content-Type", "application/x-www-form-urlencoded")
        try:
            with urllib.request.urlopen(req, timeout=TIMEOUT) as response:
                answer: Any = json.loads(response.read(1 << 20))
        except urllib.error.HTTPError as err:
            err.close()
            raise ArtifactError(
                self.describe(f"oauth2 token request: HTTP {err.code} {err.reason}")
            ) from None
        except (OSError, ValueError) as err:
            raise ArtifactError(self.describe(f"oauth2 token request failed ({err})")) from None
        if not isinstance(answer, dict) or not answer.get("access_token"):
            raise ArtifactError(self.describe("oauth2 token response has no access_token"))
        return str(answer["access_token"])

    def _client_cert(self, cert: Obj) -> ssl.SSLContext:
        pem_cert = secret_value(self.secrets, cert.get("clientCertSecret"), "clientCertSecret")
        pem_key = secret_value(self.secrets, cert.get("clientKeySecret"), "clientKeySecret")
        context = ssl.create_default_context()
        # load_cert_chain reads files only: write them where only we can read, for a moment.
        with tempfile.TemporaryDirectory() as tmp:
            cert_file, key_file = os.path.join(tmp, "tls.crt"), os.path.join(tmp, "tls.key")
            for path, text in ((cert_file, pem_cert), (key_file, pem_key)):
                with open(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), "w") as out:
                    out.write(text)
            try:
                context.load_cert_chain(cert_file, key_file)
            except (ssl.SSLError, OSError) as err:
                raise ArtifactError(self.describe(f"clientCert is not usable ({err})")) from None
        return context
