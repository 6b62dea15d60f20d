"""Cron workflows in the browser: js/cron.js against the controller's own schedule code, the
list's schedule and next run, suspend and resume from the detail page, and Submit now.

cron.js runs inside the page (`import('/static/js/cron.js')`); its answers are compared with
argoapp.controller.cron_schedule, which is what actually fires the runs.
"""

from __future__ import annotations

import random
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, Route, expect

from argoapp.controller.cron_schedule import parse
from tests.ui.harness import Live
from tests.ui.test_templates import allow_console_errors

IMPORT = "async ([s, tz, start, n]) => (await import('/static/js/cron.js'))"
NEXT_RUNS = IMPORT + ".nextRuns(s, tz, new Date(start), n).map((d) => d.toISOString())"
CHECK = IMPORT + ".check(s, tz)"
DESCRIBE = "async (s) => (await import('/static/js/cron.js')).describe(s)"


def js_next(page: Page, schedule: str, tz: str, start: str, count: int) -> list[str]:
    runs: list[str] = page.evaluate(NEXT_RUNS, [schedule, tz, start, count])
    return runs


def server_next(schedule: str, tz: str, start: str, count: int) -> list[str]:
    """The same runs from the controller's scheduler, as JavaScript's ISO strings."""
    spec = parse(schedule, ZoneInfo(tz))
    at: datetime | None = datetime.fromisoformat(start.replace("Z", "+00:00"))
    runs = []
    for _ in range(count):
        assert at is not None
        at = spec.next(at)
        if at is None:
            break
        runs.append(at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"))
    return runs


CASES = [
    # ranges, steps and day-of-week names; Friday evening rolls to Monday
    ("*/15 9-17 * * mon-FRI", "UTC", "2026-02-06T17:50:00Z", 3),
    ("10/20 * * * *", "UTC", "2026-02-06T17:50:00Z", 4),  # N/step runs to the field's end
    ("0 12 * JAN,jul SUN", "UTC", "2026-01-01T00:00:00Z", 3),  # month names, lists
    ("0 0 13 * FRI", "UTC", "2026-02-01T00:00:00Z", 4),  # day-of-month OR day-of-week
    ("0 0 ? * 1", "UTC", "2026-02-01T00:00:00Z", 2),  # `?` is `*`
    ("0 9 * * *", "America/New_York", "2026-03-06T00:00:00Z", 4),  # DST begins on the 8th
    ("30 2 * * *", "America/New_York", "2026-03-07T00:00:00Z", 3),  # 02:30 is skipped
    ("30 1 * * *", "America/New_York", "2026-10-31T12:00:00Z", 3),  # 01:30 happens twice
    ("*/20 1 * * *", "Europe/London", "2026-10-24T12:00:00Z", 6),  # the fold, interleaved
    ("@daily", "Europe/Berlin", "2026-01-01T00:00:00Z", 2),
    ("@weekly", "Australia/Sydney", "2026-04-01T00:00:00Z", 2),
    ("CRON_TZ=Asia/Tokyo 0 9 * * *", "UTC", "2026-02-01T00:00:00Z", 2),
    ("0 0 29 2 *", "UTC", "2026-01-01T00:00:00Z", 2),  # leap days only
    ("0 0 30 2 *", "UTC", "2026-01-01T00:00:00Z", 2),  # never
]


def test_cron_js_next_runs_match_the_controller(page: Page) -> None:
    page.goto("/cron-workflows")
    for schedule, tz, start, count in CASES:
        assert js_next(page, schedule, tz, start, count) == server_next(
            schedule, tz, start, count
        ), schedule
    # Spot checks that do not lean on the server's code.
    assert js_next(page, "30 2 * * *", "America/New_York", "2026-03-07T00:00:00Z", 2) == [
        "2026-03-07T07:30:00.000Z",
        "2026-03-09T06:30:00.000Z",
    ]
    assert js_next(page, "@every 1h30m", "", "2026-01-01T00:00:00Z", 2) == [
        "2026-01-01T01:30:00.000Z",
        "2026-01-01T03:00:00.000Z",
    ]
    assert js_next(page, "@every 90s", "UTC", "2026-01-01T00:00:00.500Z", 1) == [
        "2026-01-01T00:01:30.000Z"
    ]


ZONES = ["UTC", "America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kolkata",
         "America/Sao_Paulo", "Pacific/Chatham"]  # fmt: skip
BOUNDS = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 6)]


def random_field(rng: random.Random, low: int, high: int) -> str:
    """One cron field: `*`, a value, a range, a list or a step, as people write them."""
    a, b = sorted(rng.sample(range(low, high + 1), 2))
    steps = (rng.randint(2, 9), rng.randint(2, 4), rng.randint(2, 20))
    forms = ["*", str(a), f"{a}-{b}", f"{a},{b}", f"*/{steps[0]}", f"{a}-{b}/{steps[1]}"]
    return rng.choice([*forms, f"{a}/{steps[2]}"])


def test_cron_js_agrees_with_the_controller_on_random_schedules(page: Page) -> None:
    rng = random.Random(6)
    cases = []
    for _ in range(120):
        fields = [random_field(rng, low, high) for low, high in BOUNDS]
        fields[rng.choice([0, 1])] = str(rng.randint(0, 23))  # keep most schedules sparse
        start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randint(0, 2 * 365 * 1440))
        cases.append((" ".join(fields), rng.choice(ZONES), start.isoformat(), 4))
    page.goto("/cron-workflows")
    got = page.evaluate(
        "async (cases) => { const c = await import('/static/js/cron.js');"
        " return cases.map(([s, tz, at, n]) => c.nextRuns(s, tz, new Date(at), n)"
        ".map((d) => d.toISOString())); }",
        cases,
    )
    for (schedule, tz, start, count), runs in zip(cases, got, strict=True):
        assert runs == server_next(schedule, tz, start, count), (schedule, tz, start)


def test_cron_js_bad_expressions_and_words(page: Page) -> None:
    page.goto("/cron-workflows")
    bad = {
        ("61 * * * *", "UTC"): "end of range (61) above maximum (59): 61",
        ("* * * * * *", "UTC"): "expected exactly 5 fields, found 6",
        ("5-1 * * * *", "UTC"): "beginning of range (5) beyond end of range (1): 5-1",
        ("*/0 * * * *", "UTC"): "step of range should be a positive number: */0",
        ("0 0 * FOO *", "UTC"): "failed to parse int from FOO",
        ("@fortnightly", "UTC"): "unrecognized descriptor: @fortnightly",
        ("@every banana", "UTC"): "failed to parse duration @every banana",
        ("0 9 * * *", "Mars/Olympus"): "unknown time zone Mars/Olympus",
        ("", "UTC"): "empty spec string",
    }
    for (schedule, tz), message in bad.items():
        got = page.evaluate(CHECK, [schedule, tz, "", 0])
        assert got is not None and message in got, (schedule, got)
    assert page.evaluate(CHECK, ["0 9 * * MON-FRI", "Europe/Paris", "", 0]) is None
    words = {
        "*/5 * * * *": "every 5 minutes",
        "* * * * *": "every minute",
        "0 9 * * MON-FRI": "at 09:00 on Monday through Friday",
        "0 * * * *": "every hour",
        "@daily": "every day at 00:00",
        "@every 90s": "every 1 minute 30 seconds",
        "0 0 1 1 *": "at 00:00 on day 1 of the month in January",
    }
    for schedule, text in words.items():
        assert page.evaluate(DESCRIBE, schedule) == text


def cron_object(name: str, schedule: str = "0 0 1 1 *") -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": "argo"},
        "spec": {
            "schedules": [schedule],
            "timezone": "UTC",
            "concurrencyPolicy": "Forbid",
            "workflowSpec": {
                "entrypoint": "main",
                "templates": [
                    {"name": "main", "container": {"image": "busybox", "command": ["true"]}}
                ],
            },
        },
    }


def test_cron_list_shows_schedule_and_next_run(page: Page, live: Live) -> None:
    name = f"ui-cron-{uuid.uuid4().hex[:6]}"
    live.create("cron-workflows", "cronWorkflow", cron_object(name))
    page.goto("/cron-workflows/argo")
    row = page.locator(f"tr[data-name='{name}']")
    expect(row).to_contain_text("0 0 1 1 *")
    expect(row).to_contain_text("at 00:00 on day 1 of the month in January")
    expect(row).to_contain_text("Forbid")
    expect(row).to_contain_text("Active")
    year = datetime.now(UTC).year + 1
    expect(row.locator(f"time[datetime='{year}-01-01T00:00:00.000Z']")).to_be_visible()
    live.api("DELETE", f"/api/v1/cron-workflows/argo/{name}")


def test_cron_suspend_resume_and_submit_now(page: Page, live: Live) -> None:
    name = f"ui-cron-{uuid.uuid4().hex[:6]}"
    live.create("cron-workflows", "cronWorkflow", cron_object(name))
    path = f"/api/v1/cron-workflows/argo/{name}"
    page.goto("/cron-workflows/argo")
    page.locator(f"tr[data-name='{name}'] a").first.click()
    expect(page).to_have_url(f"{live.url}/cron-workflows/argo/{name}")
    expect(page.locator("h1")).to_have_text(name)

    # By keyboard: the focus stays where Suspend was, now on Resume.
    page.get_by_role("button", name=f"Suspend {name}").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name=f"Resume {name}")).to_be_focused()
    expect(page.locator(".tm-summary")).to_contain_text("Suspended")
    assert live.api("GET", path)["spec"]["suspend"] is True
    page.get_by_role("button", name=f"Resume {name}").click()
    expect(page.get_by_role("button", name=f"Suspend {name}")).to_be_visible()
    assert not live.api("GET", path)["spec"].get("suspend")

    page.get_by_role("button", name=f"Submit {name} now").click()
    started = page.locator(".tm-started tbody tr")
    expect(started).to_have_count(1)
    selector = quote(f"workflows.argoproj.io/cron-workflow={name}")
    listed = live.api("GET", f"/api/v1/workflows/argo?listOptions.labelSelector={selector}").get(
        "items"
    )
    assert listed and len(listed) == 1
    expect(started).to_contain_text(listed[0]["metadata"]["name"])
    # The phase follows the workflow live (the list is not reloaded).
    expect(started.locator(".phase")).to_contain_text("Succeeded", timeout=60_000)

    page.get_by_role("button", name=f"Delete {name}").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    expect(page).to_have_url(f"{live.url}/cron-workflows/argo")
    expect(page.locator(f"tr[data-name='{name}']")).to_have_count(0)


def test_create_from_the_starter_with_a_schedule_error_first(page: Page, live: Live) -> None:
    allow_console_errors(page, r"status of 400 .*/lint")  # the lint answer it shows inline
    page.goto("/cron-workflows/argo/new")
    textarea = page.locator(".tm-yaml textarea").first
    starter = textarea.input_value()
    assert "generateName: my-cron-" in starter
    textarea.fill(starter.replace('"*/5 * * * *"', '"61 * * * *"'))
    expect(page.locator(".tm-lint-status")).to_have_text("✖ Invalid")
    expect(page.locator(".tm-yaml .ed-errors")).to_contain_text(
        "end of range (61) above maximum (59)"
    )
    textarea.fill(starter.replace('"*/5 * * * *"', '"0 0 1 1 *"'))
    expect(page.locator(".tm-lint-status")).to_have_text("✔ Valid")
    page.get_by_role("button", name="Create cron workflow").click()
    expect(page).to_have_url(re.compile(r"/cron-workflows/argo/my-cron-[a-z0-9]+$"))
    name = page.url.rsplit("/", 1)[1]
    expect(page.locator(".tm-summary")).to_contain_text("at 00:00 on day 1 of the month in January")
    assert live.api("GET", f"/api/v1/cron-workflows/argo/{name}")["spec"]["schedules"] == [
        "0 0 1 1 *"
    ]
    live.api("DELETE", f"/api/v1/cron-workflows/argo/{name}")


def test_started_list_recovers_from_a_cleanly_ended_stream(page: Page, live: Live) -> None:
    """The "Workflows it started" stream ends with an empty 200 twice (a server restarting):
    the card says its live updates are interrupted, then reopens and lists what it missed."""
    name = f"ui-cron-{uuid.uuid4().hex[:6]}"
    live.create("cron-workflows", "cronWorkflow", cron_object(name))
    ended = {"left": 2}

    def events(route: Route) -> None:
        if ended["left"] > 0:
            ended["left"] -= 1
            route.fulfill(status=200, body="", content_type="application/json")
        else:
            route.continue_()

    page.route("**/api/v1/workflow-events/**", events)
    page.goto(f"/cron-workflows/argo/{name}")
    card = page.locator(".tm-started")
    expect(card.locator(".wf-live")).to_contain_text("Live updates interrupted")
    expect(card.get_by_role("button", name="Retry")).to_be_visible()
    made = live.api(
        "POST",
        "/api/v1/workflows/argo/submit",
        {"resourceKind": "cronwf", "resourceName": name, "submitOptions": {}},
    )
    row = card.locator(f"tr[data-name='{made['metadata']['name']}']")
    expect(row.locator(".phase")).to_contain_text("Succeeded", timeout=60_000)
    expect(card.locator(".wf-live")).to_be_hidden()
    assert ended["left"] == 0
    live.api("DELETE", f"/api/v1/cron-workflows/argo/{name}")


def test_cron_page_says_when_its_refreshes_fail(page: Page, live: Live) -> None:
    """Two failed refreshes in a row show "Live updates paused"; the next good one hides it."""
    name = f"ui-cron-{uuid.uuid4().hex[:6]}"
    live.create("cron-workflows", "cronWorkflow", cron_object(name))
    failing = {"on": False}

    def cron(route: Route) -> None:
        if failing["on"]:
            route.fulfill(status=503, json={"code": 14, "message": "server restarting"})
        else:
            route.continue_()

    allow_console_errors(page, r"status of 503 .*/api/v1/cron-workflows/")
    page.clock.install()  # the page re-reads the cron every 10 s: run its timer on demand
    page.route(f"**/api/v1/cron-workflows/argo/{name}", cron)
    page.goto(f"/cron-workflows/argo/{name}")
    expect(page.locator(".tm-summary")).to_contain_text("0 0 1 1 *")  # loaded: refreshes next
    notice = page.locator(".wf-live").filter(has_text="Live updates paused")
    failing["on"] = True

    def refresh() -> None:
        """Run the page's clock on to its next refresh and wait for that answer."""
        with page.expect_response(lambda r: r.url.endswith(f"/cron-workflows/argo/{name}")):
            page.clock.run_for(10_000)

    refresh()
    expect(page.locator(".tm-summary")).to_be_visible()
    expect(notice).to_be_hidden()  # one failure may be a blip
    refresh()
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("server restarting")
    failing["on"] = False
    notice.get_by_role("button", name="Retry").click()
    expect(notice).to_be_hidden()
    live.api("DELETE", f"/api/v1/cron-workflows/argo/{name}")
