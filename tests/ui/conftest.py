"""Browser tests: one live `argoapp up`, one headless Chromium, a fresh logged-in page per test.

Package-scoped and synchronous (Playwright's sync API must not run inside an asyncio loop), so
the server and the browser start once for all of tests/ui and stop when the package ends. Tests
here are plain `def` tests: no async tests or async fixtures in this package.

`page` is a new browser context per test with `base_url` = the live server and the
`authorization` cookie already set (`"Bearer <token>"`, quoted as the login link sets it: a
cookie value may not hold a bare space). The test fails if the page raised an uncaught error or
logged a console error, and if the page asked for anything not on 127.0.0.1. That includes the
browser's own "Failed to load resource: … status of 4xx/5xx" lines (recorded with the URL), so a
request nobody meant to fail (a probe, a wrong path) is caught. A test that provokes errors on
purpose says which it expects: `page.expect_console_errors(r"status of 404 .*/api/v1/…")`
(regular expressions searched in each line; the matching lines are not counted), or empties
`page.console_errors` after the fact.

`archiving` is a second `argoapp up` with the workflow archive on, one per module that asks for
it (the shared `live` keeps no archive); `eventually(check)` polls until the archive caught up.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, sync_playwright

from tests.conftest import require_tool
from tests.ui.harness import CHROMIUM_ARGS, Live

LOCAL_HOSTS = ("127.0.0.1",)
RESOURCE_STATUS = "Failed to load resource: the server responded with a status of"


@pytest.fixture(autouse=True)
def no_leftover_tasks() -> None:
    """Replaces the suite's async check: while Playwright's sync API is started, its own loop
    counts as running in this thread, so pytest-asyncio could not run an async fixture here.
    Tests in tests/ui are therefore synchronous and have no asyncio tasks to leave behind."""


@pytest.fixture(scope="package")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """One `argoapp up` (token auth) for every UI test."""
    require_tool("bwrap")
    server = Live(tmp_path_factory.mktemp("ui-live") / "data").start()
    yield server
    server.stop()


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Debian's Chromium, headless, for every UI test."""
    exe = require_tool("chromium")
    exe = "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else exe
    chromium = playwright.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


def open_page(browser: Browser, live: Live, *, logged_in: bool = True, **options: object) -> Page:
    """A page in a new context on `live`, watched for console errors and foreign requests.

    `page.console_errors` lists what went wrong; `page.foreign_requests` the URLs not on
    127.0.0.1. Tests needing a second page (or a logged-out one) call this directly."""
    context = browser.new_context(base_url=live.url, **options)  # type: ignore[arg-type]
    if logged_in and live.token:
        context.add_cookies(
            [{"name": "authorization", "value": f'"Bearer {live.token}"', "url": live.url}]
        )
    page = context.new_page()
    errors: list[str] = []
    foreign: list[str] = []
    expected: list[re.Pattern[str]] = []

    def on_console(msg: ConsoleMessage) -> None:
        if msg.type != "error":
            return
        line = f"console.error: {msg.text}"
        if msg.text.startswith(RESOURCE_STATUS):
            line += f" [{msg.location.get('url', '')}]"  # the browser's text names no URL
        errors.append(line)

    def expect_console_errors(*patterns: str) -> None:
        expected.extend(re.compile(p) for p in patterns)

    def on_request(request: object) -> None:
        url = getattr(request, "url", "")
        host = urlsplit(url).hostname
        if url.startswith(("http:", "https:", "ws:", "wss:")) and host not in LOCAL_HOSTS:
            foreign.append(url)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    page.on("request", on_request)
    page.console_errors = errors  # type: ignore[attr-defined]
    page.expected_console_errors = expected  # type: ignore[attr-defined]
    page.expect_console_errors = expect_console_errors  # type: ignore[attr-defined]
    page.foreign_requests = foreign  # type: ignore[attr-defined]
    return page


def _checked(p: Page) -> Iterator[Page]:
    yield p
    expected = p.expected_console_errors  # type: ignore[attr-defined]
    errors = [
        e
        for e in p.console_errors  # type: ignore[attr-defined]
        if not any(pattern.search(e) for pattern in expected)
    ]
    foreign = list(p.foreign_requests)  # type: ignore[attr-defined]
    p.context.close()
    assert not errors, "the page logged errors:\n" + "\n".join(errors)
    assert not foreign, "the page asked for hosts off 127.0.0.1:\n" + "\n".join(foreign)


@pytest.fixture
def page(browser: Browser, live: Live) -> Iterator[Page]:
    """A fresh logged-in page; fails the test on page errors or requests off 127.0.0.1."""
    yield from _checked(open_page(browser, live))


@pytest.fixture
def anon_page(browser: Browser, live: Live) -> Iterator[Page]:
    """As `page`, but not logged in (no cookie)."""
    yield from _checked(open_page(browser, live, logged_in=False))


# The archiving server: module-scoped so a module's tests share one and it stops with them,
# never slowing the shared `live` (which keeps no archive).
@pytest.fixture(scope="module")
def archiving(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """A second `argoapp up`, with the workflow archive on (the shared one keeps none) and a
    label column in its config (info.columns)."""
    base: Path = tmp_path_factory.mktemp("ui-archive")
    config = base / "controller.yaml"
    config.write_text(
        "persistence:\n  archive: true\ncolumns:\n  - {name: Team, type: label, key: team}\n"
    )
    server = Live(base / "data", "--controller-config", str(config)).start()
    yield server
    server.stop()


def eventually(check: Callable[[], bool], timeout: float = 60) -> None:
    """Poll `check` until it holds (the archive is written a moment after a workflow ends)."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.1)
