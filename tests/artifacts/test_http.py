"""The HTTP driver against a real http.server on loopback: headers, auth, PUT, faults."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from argoapp.artifacts import ArtifactError, ArtifactNotFound, MappingSecrets, driver_for

SECRETS = MappingSecrets(
    {
        ("web", "user"): "alice",
        ("web", "pass"): "s3cret",
        ("oauth", "id"): "client",
        ("oauth", "secret"): "shh",
    }
)


class Handler(BaseHTTPRequestHandler):
    """Serves /public, /private (basic), /bearer (oauth2), /token, /short; stores PUTs."""

    stored: dict[str, bytes] = {}  # the module's one server keeps PUT bodies here

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.path == "/public":
            if self.headers.get("X-Want") != "yes":
                return self._answer(400, b"missing header")
            return self._answer(200, b"public data")
        if self.path == "/private":
            good = "Basic " + base64.b64encode(b"alice:s3cret").decode()
            if self.headers.get("Authorization") != good:
                return self._answer(401, b"who are you")
            return self._answer(200, b"private data")
        if self.path == "/bearer":
            if self.headers.get("Authorization") != "Bearer tok-123":
                return self._answer(403, b"no token")
            return self._answer(200, b"bearer data")
        if self.path == "/short":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"only part")
            self.wfile.flush()
            self.close_connection = True
            return None
        if self.path in self.stored:
            return self._answer(200, self.stored[self.path])
        return self._answer(404, b"not found")

    def do_POST(self) -> None:
        form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        if (
            self.path == "/token"
            and form.get("client_secret") == ["shh"]
            and form.get("scope") == ["read"]
        ):
            return self._answer(200, b'{"access_token": "tok-123", "token_type": "bearer"}')
        return self._answer(401, b"{}")

    def do_PUT(self) -> None:
        self.stored[self.path] = self.rfile.read(int(self.headers["Content-Length"]))
        self._answer(201, b"")

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def http_art(url: str, **extra: object) -> dict[str, object]:
    return {"name": "web", "http": {"url": url, **extra}}


def test_get_with_headers(base_url: str, tmp_path: Path) -> None:
    art = http_art(f"{base_url}/public", headers=[{"name": "X-Want", "value": "yes"}])
    dest = tmp_path / "in" / "public"
    driver_for(art, SECRETS).download(art, dest)
    assert dest.read_bytes() == b"public data"
    with driver_for(art, SECRETS).open(art) as stream:
        assert stream.read() == b"public data"


def test_basic_auth(base_url: str, tmp_path: Path) -> None:
    auth = {
        "basicAuth": {
            "usernameSecret": {"name": "web", "key": "user"},
            "passwordSecret": {"name": "web", "key": "pass"},
        }
    }
    art = http_art(f"{base_url}/private", auth=auth)
    driver_for(art, SECRETS).download(art, tmp_path / "p")
    assert (tmp_path / "p").read_bytes() == b"private data"
    bare = http_art(f"{base_url}/private")
    with pytest.raises(
        ArtifactError, match=r'artifact "web": cannot download .*/private: HTTP 401'
    ):
        driver_for(bare, SECRETS).download(bare, tmp_path / "q")
    assert not (tmp_path / "q").exists()


def test_artifactory_uses_basic_auth(base_url: str, tmp_path: Path) -> None:
    art = {
        "name": "a",
        "artifactory": {
            "url": f"{base_url}/private",
            "usernameSecret": {"name": "web", "key": "user"},
            "passwordSecret": {"name": "web", "key": "pass"},
        },
    }
    driver_for(art, SECRETS).download(art, tmp_path / "a")
    assert (tmp_path / "a").read_bytes() == b"private data"


def test_oauth2_bearer(base_url: str, tmp_path: Path) -> None:
    secrets = MappingSecrets(
        {
            **{k: SECRETS.get(*k) for k in [("oauth", "id"), ("oauth", "secret")]},
            ("oauth", "url"): f"{base_url}/token",
        }
    )
    oauth = {
        "clientIDSecret": {"name": "oauth", "key": "id"},
        "clientSecretSecret": {"name": "oauth", "key": "secret"},
        "tokenURLSecret": {"name": "oauth", "key": "url"},
        "scopes": ["read"],
    }
    art = http_art(f"{base_url}/bearer", auth={"oauth2": oauth})
    driver_for(art, secrets).download(art, tmp_path / "b")
    assert (tmp_path / "b").read_bytes() == b"bearer data"


def test_put_upload(base_url: str, tmp_path: Path) -> None:
    src = tmp_path / "report.txt"
    src.write_text("uploaded")
    art = http_art(f"{base_url}/put/report.txt")
    driver_for(art, SECRETS).upload(src, art)
    driver_for(art, SECRETS).download(art, tmp_path / "back")
    assert (tmp_path / "back").read_text() == "uploaded"


def test_not_found_unreachable_and_truncated(base_url: str, tmp_path: Path) -> None:
    missing = http_art(f"{base_url}/missing")
    with pytest.raises(ArtifactNotFound, match="HTTP 404"):
        driver_for(missing, SECRETS).download(missing, tmp_path / "m")
    with (
        pytest.raises(ArtifactNotFound, match="HTTP 404"),
        driver_for(missing, SECRETS).open(missing),
    ):
        pass
    closed = http_art("http://127.0.0.1:1/x")
    with pytest.raises(ArtifactError, match=r"cannot reach 127\.0\.0\.1:1") as unreachable:
        driver_for(closed, SECRETS).download(closed, tmp_path / "c")
    assert not isinstance(unreachable.value, ArtifactNotFound)
    short = http_art(f"{base_url}/short")
    with pytest.raises(ArtifactError, match="transfer broke off"):
        driver_for(short, SECRETS).download(short, tmp_path / "s")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_open_reads_a_whole_body_and_refuses_a_short_one(base_url: str) -> None:
    public = http_art(f"{base_url}/public", headers=[{"name": "X-Want", "value": "yes"}])
    with driver_for(public, SECRETS).open(public) as stream:
        whole = b"".join(iter(lambda: stream.read(3), b""))
    assert whole == b"public data"
    short = http_art(f"{base_url}/short")
    with driver_for(short, SECRETS).open(short) as stream:
        assert stream.read(4) == b"only"
        with pytest.raises(ArtifactError, match="transfer broke off after 9 of 100 bytes"):
            while stream.read(1024):
                pass
