"""The UI's shell in a real browser against a live `argoapp up` (token auth): logging in through
the page and through the printed link, deep links to every route on a fresh load, the not-found
page, a 401 sending the page to /login and back, an API error's Retry, logout, static files'
types and ETags, nothing asked of any host but 127.0.0.1, and keyboard reach of the skip link
and the nav."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Page, Route, expect

from tests.ui.harness import Live

HELLO = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: shell-hello-}
spec:
  entrypoint: main
  templates:
  - name: main
    container: {image: python:3, command: [sh, -c, "echo hello"]}
"""


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _template(name: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name},
        "spec": {
            "entrypoint": "main",
            "templates": [{"name": "main", "container": {"image": "python:3", "args": ["true"]}}],
        },
    }


def _cron(name: str) -> dict[str, Any]:
    spec = _template(name)["spec"]
    return {
        "metadata": {"name": name},
        "spec": {"schedule": "0 0 1 1 *", "suspend": True, "workflowSpec": spec},
    }


def _login(page: Page, token: str) -> None:
    page.locator("#login-token").fill(token)
    page.get_by_role("button", name="Log in").click()


def test_login_through_the_page_refuses_a_wrong_token_then_lands_on_the_target(
    anon_page: Page, live: Live
) -> None:
    anon_page.expect_console_errors(r"status of 401 .*/api/v1/workflows/argo\?listOptions")  # type: ignore[attr-defined]
    anon_page.goto("/login?redirect=" + "/cron-workflows/argo")
    expect(anon_page.locator("h1")).to_have_text("Log in")
    expect(anon_page.locator("main")).to_contain_text("argoapp auth token")
    _login(anon_page, "not-the-token")
    expect(anon_page.locator(".error-box")).to_contain_text("Token refused")
    assert urlsplit(anon_page.url).path == "/login"
    _login(anon_page, f"Bearer {live.token}")
    expect(anon_page).to_have_url(f"{live.url}/cron-workflows/argo")
    expect(anon_page.locator("h1")).to_be_visible()
    cookies = {c["name"]: c for c in anon_page.context.cookies()}
    assert cookies["authorization"]["httpOnly"]


def test_the_printed_login_link_lands_logged_in(anon_page: Page, live: Live) -> None:
    anon_page.goto(f"/?token={live.token}")
    expect(anon_page).to_have_url(re.compile(r"/workflows$"))
    expect(anon_page.locator("h1")).to_have_text("Workflows")
    assert "token" not in anon_page.url


def test_every_route_renders_on_a_fresh_load(page: Page, live: Live) -> None:
    wf = live.submit(HELLO)["metadata"]["name"]
    template, cron, cluster = _unique("shell-t"), _unique("shell-c"), _unique("shell-ct")
    live.create("workflow-templates", "template", _template(template))
    live.create("cluster-workflow-templates", "template", _template(cluster), namespace="")
    live.create("cron-workflows", "cronWorkflow", _cron(cron))
    routes = {
        "/workflows": "workflows",
        "/workflows/argo": "workflows",
        f"/workflows/argo/{wf}": "workflows",
        "/workflow-templates": "templates",
        "/workflow-templates/argo": "templates",
        f"/workflow-templates/argo/{template}": "templates",
        "/workflow-templates/argo/new": "templates",
        "/cluster-workflow-templates": "cluster-templates",
        f"/cluster-workflow-templates/{cluster}": "cluster-templates",
        "/cron-workflows": "cron",
        "/cron-workflows/argo": "cron",
        f"/cron-workflows/argo/{cron}": "cron",
        "/submit": "submit",
        f"/submit?namespace=argo&kind=WorkflowTemplate&name={template}": "submit",
        "/userinfo": "user",
    }
    for path, nav in routes.items():
        page.goto(path)
        expect(page.locator("main h1").first).to_be_visible()
        expect(page.locator(f'.nav-link[data-nav="{nav}"]')).to_have_attribute(
            "aria-current", "page"
        )
        assert page.title().endswith("argoapp"), path
        assert not page.locator("main .error-box").count(), path
    assert page.locator('.nav-link[aria-current="page"]').count() == 1


def test_an_unknown_path_shows_the_not_found_page(page: Page) -> None:
    page.expect_console_errors(r"status of 404 .*/no/such/page\]")  # type: ignore[attr-defined]
    response = page.goto("/no/such/page")
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text("Page not found")
    page.get_by_role("link", name="Go to workflows").click()
    expect(page.locator("h1")).to_have_text("Workflows")


def test_a_401_goes_to_login_and_back(page: Page, live: Live) -> None:
    page.goto("/userinfo")
    expect(page.locator("h1")).to_have_text("User")
    page.context.clear_cookies()
    page.expect_console_errors(r"status of 401 .*/api/v1/cron-workflows/argo\]")  # type: ignore[attr-defined]
    page.locator('.nav-link[data-nav="cron"]').click()
    expect(page).to_have_url(re.compile(r"/login\?redirect=%2Fcron-workflows$"))
    expect(page.locator("h1")).to_have_text("Log in")
    _login(page, live.token)
    expect(page).to_have_url(f"{live.url}/cron-workflows")
    expect(page.locator("h1")).to_be_visible()


def test_an_api_error_shows_an_error_box_whose_retry_works(page: Page) -> None:
    failing = True

    def userinfo(route: Route) -> None:
        if failing:
            body = json.dumps({"code": 14, "message": "the server is busy", "details": []})
            route.fulfill(status=503, content_type="application/json", body=body)
        else:
            route.continue_()

    page.route("**/api/v1/userinfo", userinfo)
    page.expect_console_errors(r"status of 503 .*/api/v1/userinfo\]")  # type: ignore[attr-defined]
    page.goto("/userinfo")
    box = page.locator("main .error-box")
    expect(box).to_contain_text("the server is busy")
    expect(box).to_contain_text("503")
    failing = False
    box.get_by_role("button", name="Retry").click()
    expect(box).to_have_count(0)
    expect(page.locator("main")).to_contain_text("Identity")


def test_a_page_that_fails_to_load_shows_an_error_box(page: Page) -> None:
    page.route("**/static/js/pages/submit.js", lambda route: route.abort())
    page.goto("/submit")
    expect(page.locator("main .error-box")).to_be_visible()
    page.console_errors.clear()  # type: ignore[attr-defined]  # the failed import, on purpose


def test_logout(page: Page) -> None:
    page.goto("/userinfo")
    page.get_by_role("link", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    assert not [c for c in page.context.cookies() if c["name"] == "authorization"]
    page.expect_console_errors(r"status of 401 .*/api/v1/info\]")  # type: ignore[attr-defined]
    page.goto("/workflows")
    expect(page).to_have_url(re.compile(r"/login\?redirect=%2Fworkflows$"))


def test_static_files_have_types_and_etags(page: Page) -> None:
    for path, kind in [
        ("/static/js/main.js", "text/javascript"),
        ("/static/css/base.css", "text/css"),
        ("/static/favicon.svg", "image/svg+xml"),
    ]:
        first = page.request.get(path)
        assert first.status == 200 and first.headers["content-type"].startswith(kind)
        etag = first.headers["etag"]
        again = page.request.get(path, headers={"If-None-Match": etag})
        assert again.status == 304, path
    assert page.request.get("/static/js/nope.js").status == 404


def test_no_request_leaves_127_0_0_1(page: Page) -> None:
    elsewhere: list[str] = []

    def guard(route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    for path in ("/workflows", "/workflow-templates", "/cron-workflows", "/submit", "/userinfo"):
        page.goto(path)
        expect(page.locator("main h1").first).to_be_visible()
    assert not elsewhere


def test_keyboard_reaches_the_skip_link_and_the_nav(page: Page) -> None:
    page.goto("/workflows")
    expect(page.locator("h1")).to_have_text("Workflows")
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    for _ in range(4):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('nav-link')"):
            break
    expect(page.locator('.nav-link[data-nav="workflows"]')).to_be_focused()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()
    expect(page.locator("h1")).to_have_text("Workflows")
    page.locator('.nav-link[data-nav="user"]').focus()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("User")
    expect(page.locator("#main")).to_be_focused()  # the next Tab goes into the page
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Log out")).to_be_focused()


CORE_JS = """async () => {
  const f = await import('/static/js/format.js');
  const dom = await import('/static/js/dom.js');
  const api = await import('/static/js/api.js');
  const router = await import('/static/js/router.js');
  const login = await import('/static/js/pages/login.js');
  const ago = new Date(Date.now() - 190 * 1000).toISOString();
  const badge = f.phaseBadge('Failed');
  const el = dom.h('button', {class: ['btn', null, 'primary'], 'aria-label': 'Go', disabled: false,
                              dataset: {x: '1'}, onclick: () => {}}, 'a', [1, null, false], 'b');
  return {
    durations: [0, 5, 184, 3720, 90061].map(f.duration),
    durationOf: f.durationOf('2024-01-01T00:00:00Z', '2024-01-01T00:01:30Z'),
    since: f.since(ago),
    later: f.since(new Date(Date.now() + 600 * 1000).toISOString()),
    time: [f.timeAgo(ago).tagName, f.timeAgo(ago).getAttribute('datetime') === ago,
           !!f.timeAgo(ago).title],
    badge: [badge.className, badge.title, badge.textContent],
    icons: Object.keys(f.PHASES).map(f.phaseIcon).join(''),
    color: f.phaseColor('Succeeded').length > 0,
    progress: f.progress('3/4').textContent,
    el: [el.outerHTML,
         dom.h('select', {value: 'b'}, ['a', 'b'].map((v) => dom.h('option', {value: v}, v))).value,
         dom.h('input', {type: 'checkbox', checked: true}).checked],
    url: api.url('/api/v1/workflows/argo', {'listOptions.labelSelector': 'a=b', fields: ['x', 'y'],
                                           skip: null}),
    routes: ['/workflows', '/workflows/ns', '/workflows/ns/wf', '/archived-workflows/ns/u1',
             '/workflow-templates/ns/new', '/cluster-workflow-templates/c', '/cron-workflows/ns',
             '/submit', '/login', '/userinfo', '/nope'].map(router.match),
    tokens: ['Bearer abc', 'bearer  abc ', 'abc'].map(login.tokenOf),
    targets: ['/x?y=1', '//evil', 'http://evil', '/login?x', ''].map(
      (t) => login.redirectTarget(new URLSearchParams({redirect: t}))),
  };
}"""


def test_core_modules_in_the_page(page: Page) -> None:
    page.goto("/userinfo")
    got = page.evaluate(CORE_JS)
    assert got["durations"] == ["0s", "5s", "3m 4s", "1h 2m", "1d 1h"]
    assert got["durationOf"] == 90
    assert got["since"] == "3m ago" and got["later"] == "in 10m"
    assert got["time"] == ["TIME", True, True]
    assert got["badge"] == ["phase phase-failed", "Failed", "✖ Failed"]
    assert got["icons"] == "◌▶✔✖⚠↷∅‖"
    assert got["color"] and got["progress"] == "3/4"
    assert got["el"] == [
        '<button class="btn primary" aria-label="Go" data-x="1">a1b</button>',
        "b",
        True,
    ]
    assert got["url"].endswith(
        "/api/v1/workflows/argo?listOptions.labelSelector=a%3Db&fields=x&fields=y"
    )
    assert [(r["page"], r["params"]) for r in got["routes"]] == [
        ("workflows", {}),
        ("workflows", {"namespace": "ns"}),
        ("workflow", {"namespace": "ns", "name": "wf"}),
        ("workflow", {"namespace": "ns", "uid": "u1"}),
        ("templates", {"kind": "WorkflowTemplate", "namespace": "ns", "name": "new"}),
        ("templates", {"kind": "ClusterWorkflowTemplate", "name": "c"}),
        ("cron", {"namespace": "ns"}),
        ("submit", {}),
        ("login", {}),
        ("user", {}),
        ("notfound", {}),
    ]
    assert got["tokens"] == ["abc", "abc", "abc"]
    assert got["targets"] == ["/x?y=1", "/workflows", "/workflows", "/workflows", "/workflows"]


STREAM_JS = """(name) => {
  window.seen = [];
  let opened;
  window.opened = new Promise((resolve) => { opened = resolve; });
  window.streamed = import('/static/js/api.js').then((api) => new Promise((resolve, reject) => {
    const close = api.stream('/api/v1/workflow-events/argo',
      {'listOptions.fieldSelector': `metadata.name=${name}`},
      (result) => {
        window.seen.push([result.type, (result.object.status || {}).phase || '']);
        if (result.object.status && result.object.status.phase === 'Succeeded') {
          close();
          resolve(window.seen);
        }
      },
      {onOpen: opened, onError: (e) => reject(new Error(e.message))});
  }));
}"""

WAITING = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: NAME}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: hold, template: hold}
  - name: hold
    suspend: {}
"""


def test_a_stream_reads_workflow_events_until_closed(page: Page, live: Live) -> None:
    page.goto("/userinfo")
    expect(page.locator("h1")).to_have_text("User")
    name = _unique("shell-stream")
    page.evaluate(STREAM_JS, name)
    page.evaluate("() => window.opened")
    live.submit(WAITING.replace("NAME", name))
    # The workflow cannot finish before it is resumed, so whenever the server's watch began,
    # the stream's first event shows it unfinished; the resume then arrives as changes.
    page.wait_for_function("() => window.seen.length > 0")
    live.api("PUT", f"/api/v1/workflows/argo/{name}/resume", {"name": name, "namespace": "argo"})
    seen = page.evaluate("() => window.streamed")
    assert seen[0][0] == "ADDED" and seen[0][1] != "Succeeded"
    assert "MODIFIED" in [kind for kind, _ in seen[1:]]
    assert seen[-1][1] == "Succeeded"
    # closed: nothing more arrives after the close
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.seen.length") == len(seen)


def test_the_nav_takes_info_nav_color(page: Page) -> None:
    def info(route: Route) -> None:
        route.fulfill(content_type="application/json", body=json.dumps({"navColor": "#ffcc00"}))

    page.route("**/api/v1/info", info)
    page.goto("/userinfo")
    nav = page.locator("#nav")
    expect(nav).to_have_css("background-color", "rgb(255, 204, 0)")
    expect(nav).to_have_class(re.compile(r"\bnav-on-light\b"))  # dark text on a light colour


def test_dark_mode_follows_the_system(page: Page) -> None:
    page.emulate_media(color_scheme="light")
    page.goto("/userinfo")
    expect(page.locator("h1")).to_have_text("User")
    light = page.evaluate("getComputedStyle(document.body).backgroundColor")
    page.emulate_media(color_scheme="dark")
    expect(page.locator("body")).not_to_have_css("background-color", light)
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(15, 20, 25)"


def test_a_narrow_window_collapses_the_nav_to_icons(page: Page) -> None:
    page.set_viewport_size({"width": 800, "height": 700})
    page.goto("/userinfo")
    expect(page.locator("h1")).to_have_text("User")
    expect(page.locator(".nav-link .nav-label").first).to_be_hidden()
    link = page.get_by_role("link", name="Cron workflows")
    expect(link).to_be_visible()
    link.click()
    expect(page).to_have_url(re.compile(r"/cron-workflows$"))
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(page.locator(".nav-link .nav-label").first).to_be_visible()
    page.get_by_role("button", name="Collapse navigation").click()
    expect(page.locator(".nav-link .nav-label").first).to_be_hidden()
    page.get_by_role("button", name="Expand navigation").click()
    expect(page.locator(".nav-link .nav-label").first).to_be_visible()
