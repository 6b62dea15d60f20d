"""`GET /` answers a small HTML page (audit finding 21), so the login link lands somewhere."""

from __future__ import annotations

from aiohttp import CookieJar
from aiohttp.test_utils import TestClient, TestServer

from argoapp.kube.client import Kube
from argoapp.server.app import build_app, version_body


async def test_the_login_link_lands_on_the_home_page(kube: Kube) -> None:
    app = build_app(kube=kube, auth_mode="client")
    async with TestClient(TestServer(app), cookie_jar=CookieJar(unsafe=True)) as client:
        resp = await client.get("/?token=some-token")  # follows the redirect to /
        assert resp.status == 200 and str(resp.url.path) == "/"
        assert resp.headers["Content-Type"].startswith("text/html")
        page = await resp.text()
        assert "argoapp" in page and version_body()["version"] in page
        assert 'href="/api/v1/version"' in page
        assert client.session.cookie_jar.filter_cookies(resp.url)["authorization"]


async def test_the_home_page_is_there_without_kubernetes() -> None:
    async with TestClient(TestServer(build_app())) as client:
        resp = await client.get("/")
        assert resp.status == 200 and "argoapp" in await resp.text()
