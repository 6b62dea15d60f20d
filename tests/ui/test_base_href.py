"""The UI served under a sub-path, as behind a reverse proxy at /argo/: a second `argoapp up`
with `--base-href /argo/`, reached through a small proxy that strips the prefix (as Argo's
ingress examples do). The login link, deep links, nav clicks, the API calls, a 401's trip to the
login page and back, and logout all keep the prefix.

The proxy is a thread in this process: plain HTTP/1.0 so it can pass streamed answers (the
watches) on as they come, ending each at the connection's close."""

from __future__ import annotations

import http.client
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, expect

from tests.ui.conftest import open_page
from tests.ui.harness import Live, free_port

PREFIX = "/argo"
HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-length"}


def stripping_proxy(target: Live) -> ThreadingHTTPServer:
    """A proxy on 127.0.0.1 that passes `/argo/…` to `target` as `/…` (404 for anything else)."""
    upstream = urlsplit(target.url)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            self.forward()

        def do_POST(self) -> None:
            self.forward()

        def do_PUT(self) -> None:
            self.forward()

        def do_DELETE(self) -> None:
            self.forward()

        def forward(self) -> None:
            if not (self.path == PREFIX or self.path.startswith(PREFIX + "/")):
                self.send_error(404)
                return
            path = self.path[len(PREFIX) :] or "/"
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            conn = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=60)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
            conn.request(self.command, path, body=body, headers=headers)
            resp = conn.getresponse()
            self.send_response(resp.status)
            for key, value in resp.getheaders():
                if key.lower() not in HOP_HEADERS:
                    self.send_header(key, value)
            self.end_headers()
            try:
                while chunk := resp.read1(65536):
                    self.wfile.write(chunk)
                    self.wfile.flush()
            except OSError:
                pass  # the browser went away (a closed stream)
            finally:
                conn.close()

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="argo-prefix-proxy", daemon=True).start()
    return server


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Live, str]]:
    """A live server with --base-href /argo/, and the proxy's URL in front of it."""
    base: Path = tmp_path_factory.mktemp("ui-base-href")
    server = Live(base / "data", "--base-href", "/argo/").start()
    proxy = stripping_proxy(server)
    try:
        yield server, f"http://127.0.0.1:{proxy.server_address[1]}{PREFIX}"
    finally:
        proxy.shutdown()
        proxy.server_close()
        server.stop()


def test_the_ui_works_under_a_sub_path(browser: Browser, proxied: tuple[Live, str]) -> None:
    live, url = proxied
    page = open_page(browser, live, logged_in=False)
    # The browser sees only the proxy: the 401 below is the point of the test.
    page.expect_console_errors(r"status of 401 .*/argo/api/v1/info\]")  # type: ignore[attr-defined]
    try:
        page.goto(f"{url}/?token={live.token}")
        expect(page).to_have_url(f"{url}/workflows")
        expect(page.locator("h1")).to_have_text("Workflows")
        css = page.evaluate("[...document.styleSheets].map((s) => s.href)")
        assert all(href.startswith(url + "/static/") for href in css), css
        page.locator('.nav-link[data-nav="cron"]').click()
        expect(page).to_have_url(f"{url}/cron-workflows")
        expect(page.locator("h1")).to_have_text("Cron workflows")
        page.goto(f"{url}/submit?tab=yaml")
        expect(page.get_by_label("Workflow YAML editor")).to_have_value(re.compile("Workflow"))
        page.goto(f"{url}/userinfo")
        expect(page.get_by_role("link", name="Log out")).to_have_attribute("href", "/argo/logout")
        page.get_by_role("link", name="Log out").click()
        expect(page).to_have_url(f"{url}/login")
        expect(page.locator("main")).to_contain_text(f"{url}/?token=")  # the login link's form
        page.goto(f"{url}/cron-workflows")
        expect(page).to_have_url(f"{url}/login?redirect=%2Fcron-workflows")
        page.locator("#login-token").fill(live.token)
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(f"{url}/cron-workflows")
        expect(page.locator("h1")).to_have_text("Cron workflows")
        errors = [
            e
            for e in page.console_errors  # type: ignore[attr-defined]
            if not any(p.search(e) for p in page.expected_console_errors)  # type: ignore[attr-defined]
        ]
        assert not errors, errors
        assert not page.foreign_requests  # type: ignore[attr-defined]
    finally:
        page.context.close()
