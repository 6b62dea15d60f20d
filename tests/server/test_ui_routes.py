"""The server's side of the web UI (`server/ui.py`, `auth.login`): static files from memory with
their content types and ETags, index.html on every UI route with its security headers, the
not-found page for browsers (JSON 404s for everyone else), /logout, and the login link's
`redirect`. Over real HTTP to the app; the browser side is tests/ui."""

from __future__ import annotations

from collections.abc import AsyncIterator
from importlib.resources import files

import pytest
from aiohttp import CookieJar
from aiohttp.test_utils import TestClient, TestServer

from argoapp.kube.client import Kube
from argoapp.server import ui
from argoapp.server.app import build_app

Client = TestClient[object, object]
HTML = {"Accept": "text/html,application/xhtml+xml"}


@pytest.fixture
async def client(kube: Kube) -> AsyncIterator[Client]:
    app = build_app(kube=kube, auth_mode="client")
    async with TestClient(TestServer(app), cookie_jar=CookieJar(unsafe=True)) as c:
        yield c


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("js/main.js", "text/javascript"),
        ("css/base.css", "text/css"),
        ("favicon.svg", "image/svg+xml"),
        ("index.html", "text/html"),
    ],
)
async def test_static_files_have_their_types_and_etags(
    client: Client, path: str, content_type: str
) -> None:
    resp = await client.get(f"/static/{path}")
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith(content_type)
    assert resp.headers["Cache-Control"] == "no-cache"
    etag = resp.headers["ETag"]
    assert (await resp.read()) == (files(ui.STATIC_PACKAGE) / path).read_bytes()
    again = await client.get(f"/static/{path}", headers={"If-None-Match": etag})
    assert again.status == 304 and not await again.read()
    changed = await client.get(f"/static/{path}", headers={"If-None-Match": '"other"'})
    assert changed.status == 200


@pytest.mark.parametrize(
    "path", ["js/nope.js", "../server/ui.py", "%2e%2e/server/ui.py", "js", "/etc/passwd"]
)
async def test_nothing_but_the_static_files_is_served(client: Client, path: str) -> None:
    resp = await client.get(f"/static/{path}")
    assert resp.status == 404


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/workflows",
        "/workflows/argo",
        "/workflows/argo/hello-x",
        "/archived-workflows/argo/0a1b",
        "/workflow-templates/argo/new",
        "/cluster-workflow-templates/t",
        "/cron-workflows/argo/c",
        "/submit",
        "/login",
        "/userinfo",
    ],
)
async def test_ui_routes_answer_the_page_without_a_token(client: Client, path: str) -> None:
    resp = await client.get(path)
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/html")
    assert "/static/js/main.js" in await resp.text()
    assert "default-src 'self'" in resp.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Cache-Control"] == "no-cache"


async def test_a_browser_gets_the_not_found_page_and_the_api_json(client: Client) -> None:
    page = await client.get("/no/such/page", headers=HTML)
    assert page.status == 404 and "/static/js/main.js" in await page.text()
    api = await client.get("/api/v1/no-such-call", headers=HTML)
    assert api.status == 404 and "main.js" not in await api.text()
    plain = await client.get("/no/such/page")
    assert plain.status == 404 and "main.js" not in await plain.text()


async def test_login_redirects_to_a_same_site_path_only(client: Client) -> None:
    for target, expected in [
        ("/workflows/argo?phase=Failed", "/workflows/argo?phase=Failed"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("", "/"),
    ]:
        resp = await client.get(
            "/login", params={"token": "t0k", "redirect": target}, allow_redirects=False
        )
        assert resp.status == 302, target
        assert resp.headers["Location"] == expected, target
        assert resp.cookies["authorization"].value == "Bearer t0k"


async def test_logout_clears_the_cookie(client: Client) -> None:
    await client.get("/login?token=t0k", allow_redirects=False)
    assert client.session.cookie_jar.filter_cookies(client.make_url("/"))["authorization"]
    resp = await client.get("/logout", allow_redirects=False)
    assert resp.status == 302 and resp.headers["Location"] == "/login"
    assert resp.cookies["authorization"].value == ""
    assert "authorization" not in client.session.cookie_jar.filter_cookies(client.make_url("/"))


async def test_the_ui_is_there_without_kubernetes() -> None:
    async with TestClient(TestServer(build_app())) as c:
        resp = await c.get("/workflows")
        assert resp.status == 200 and "main.js" in await resp.text()
