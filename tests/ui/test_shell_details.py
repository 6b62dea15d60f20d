"""Details of the UI's shell the audit found in a real browser, each checked here the way a user
meets it: every glyph the UI draws has a font on this machine (no empty boxes), a page that fails
to load says the server did not answer, relative times under a minute, the login page after a
401, the user page's quiet auth mode, and the index answer's CSP."""

from __future__ import annotations

import re
import urllib.error
import urllib.request

from playwright.sync_api import Browser, Page, expect

from tests.ui.conftest import open_page
from tests.ui.harness import Live

# Every symbol the UI's text, buttons, nav, graph and timeline use (beyond plain punctuation).
GLYPHS = "◌▶✔✖⚠↷∅‖☰▤▥◷☺⇔+⤓✕■←→↓\u2212\u00d7·…—\u2013µ“”"

# Draws `text` on a canvas in `font` and returns its pixels; U+10FFFF has a glyph in no font, so
# what it draws is the missing-glyph box any other missing glyph would show as.
GLYPH_JS = """async ([glyphs, fonts]) => {
  await document.fonts.ready;
  const f = await import('/static/js/format.js');
  const phases = Object.keys(f.PHASES).map(f.phaseIcon).join('');
  const draw = (text, font) => {
    const canvas = document.createElement('canvas');
    canvas.width = 48;
    canvas.height = 48;
    const ctx = canvas.getContext('2d');
    ctx.font = font;
    ctx.textBaseline = 'middle';
    ctx.fillText(text, 8, 24);
    return Array.from(ctx.getImageData(0, 0, 48, 48).data).join(',');
  };
  const missing = [];
  let blankBox = false;
  for (const font of fonts) {
    const box = draw('\\u{10FFFF}', font);
    blankBox = blankBox || box === draw(' ', font);
    for (const glyph of [...new Set([...glyphs, ...phases])]) {
      if (draw(glyph, font) === box) missing.push(`${glyph} in ${font}`);
    }
  }
  return {missing, blankBox, phases};
}"""


def test_every_glyph_the_ui_uses_has_a_font(page: Page) -> None:
    page.goto("/userinfo")
    expect(page.locator("h1")).to_have_text("User")
    page_font = page.evaluate("getComputedStyle(document.body).fontFamily")
    icon_font = page.evaluate("getComputedStyle(document.querySelector('.nav-icon')).fontFamily")
    fonts = [
        f"24px {page_font}",
        f"24px {icon_font}",
        "24px system-ui, 'Segoe UI Symbol', 'Noto Sans Symbols 2', sans-serif",  # graph icons
    ]
    got = page.evaluate(GLYPH_JS, [GLYPHS, fonts])
    assert not got["blankBox"], "a missing glyph draws nothing here: the check would prove nothing"
    assert not got["missing"], got["missing"]
    assert "⏸" not in got["phases"]


def test_a_page_that_cannot_load_says_the_server_did_not_answer(page: Page) -> None:
    page.goto("/userinfo")
    expect(page.locator("h1")).to_have_text("User")
    page.route("**/static/js/pages/cron.js", lambda route: route.abort())
    page.locator('.nav-link[data-nav="cron"]').click()
    box = page.locator("main .error-box")
    expect(box).to_contain_text("Cannot reach the server")
    expect(box).to_contain_text("The server did not answer")
    expect(box).not_to_contain_text("dynamically imported")
    page.console_errors.clear()  # type: ignore[attr-defined]  # the failed import, on purpose
    page.unroute("**/static/js/pages/cron.js")
    box.get_by_role("button", name="Retry").click()
    expect(page.locator("h1")).to_have_text("Cron workflows")


TIMES_JS = """async () => {
  const f = await import('/static/js/format.js');
  const ago = (s) => f.since(new Date(Date.now() - s * 1000).toISOString());
  return [ago(0), ago(5), ago(46), ago(59), ago(61), ago(190)];
}"""


def test_times_under_a_minute_do_not_claim_a_second_count(page: Page) -> None:
    page.goto("/userinfo")
    expect(page.locator("h1")).to_have_text("User")
    assert page.evaluate(TIMES_JS) == [
        "just now",
        "just now",
        "<1m ago",
        "<1m ago",
        "1m ago",
        "3m ago",
    ]


def test_the_index_answer_limits_base_and_form_targets(page: Page) -> None:
    csp = page.request.get("/workflows").headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "base-uri 'self'" in csp and "form-action 'self'" in csp
    page.goto("/login")
    expect(page.locator("h1")).to_have_text("Log in")  # the login form still works under it


def test_the_user_page_knows_the_auth_mode_without_a_probing_401(page: Page) -> None:
    refused: list[str] = []
    page.on("response", lambda r: refused.append(r.url) if r.status == 401 else None)
    page.goto("/userinfo")
    expect(page.locator(".auth-mode")).to_contain_text("client: every call carries your token")
    page.goto("/login")
    expect(page.locator("h1")).to_have_text("Log in")
    expect(page.locator("main")).not_to_contain_text("answers without a token")
    assert not refused, refused


def test_the_login_page_says_why_it_was_shown_and_marks_no_nav_item(anon_page: Page) -> None:
    anon_page.expect_console_errors(r"status of 401 .*/api/v1/info\]")  # type: ignore[attr-defined]
    anon_page.goto("/workflows/argo?phase=Failed")
    expect(anon_page).to_have_url(re.compile(r"/login\?redirect="))
    why = anon_page.locator(".login-why")
    expect(why).to_contain_text("rejected or has expired")
    expect(why).to_contain_text("/workflows/argo?phase=Failed")
    expect(anon_page.locator('.nav-link[aria-current="page"]')).to_have_count(0)
    anon_page.goto("/login")
    expect(anon_page.locator("h1")).to_have_text("Log in")
    expect(anon_page.locator(".login-why")).to_have_count(0)


def _status_with_cookie(live: Live, cookie: str) -> int:
    request = urllib.request.Request(live.url + "/api/v1/workflows/argo?listOptions.limit=1")
    request.add_header("Cookie", cookie)
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as e:
        e.close()
        return int(e.code)


def test_an_unquoted_bearer_cookie_is_read_as_argos_ui_writes_it(
    browser: Browser, live: Live
) -> None:
    for cookie in (
        f"authorization=Bearer {live.token}",
        f"theme=dark; authorization=Bearer {live.token}; other=1",
        f'authorization="Bearer {live.token}"',
    ):
        assert _status_with_cookie(live, cookie) == 200, cookie
    assert _status_with_cookie(live, "authorization=Bearer nonsense") == 401
    assert _status_with_cookie(live, "authorization=Bearer") == 401
    # The same in the browser: the cookie as Argo's UI sets it from JS, space and all.
    page = open_page(browser, live, logged_in=False)
    try:
        page.context.add_cookies(
            [{"name": "authorization", "value": f"Bearer {live.token}", "url": live.url}]
        )
        page.goto("/userinfo")
        expect(page.locator(".auth-mode")).to_contain_text("client")
        assert not page.console_errors  # type: ignore[attr-defined]
    finally:
        page.context.close()
