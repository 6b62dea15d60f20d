"""The Workflows page in a real browser against a live `argoapp up`: rows for submitted
workflows with their phase, live rows (a new workflow appears and changes phase without a
reload), phase and label filters kept in the URL (a deep link restores them), live and archived
workflows in one list, bulk delete behind a confirmation, keyboard selection, and a virtualised
grid (hundreds of workflows, few row elements, the last reachable by scrolling).

Each test labels its workflows with its own `run` value and opens the list filtered on it, so
tests sharing the live server never see each other's workflows. Workflows either finish at once
(`true`/`false` containers), wait on a suspend step (no pod), or carry another controller's
instance id so this controller leaves them alone (they stay Pending, at no cost).
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from playwright.sync_api import Browser, Page, Route, expect

from tests.ui.conftest import eventually, open_page
from tests.ui.harness import Live

INSTANCE_LABEL = "workflows.argoproj.io/controller-instanceid"


def run_id() -> str:
    return uuid.uuid4().hex[:8]


def workflow(run: str, name: str, template: dict[str, Any], **labels: str) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": f"{name}-{run}", "labels": {"run": run, **labels}},
        "spec": {"entrypoint": "main", "templates": [{"name": "main", **template}]},
    }


def exits(code: int) -> dict[str, Any]:
    """A container that ends at once with `code`."""
    command = "true" if code == 0 else "false"
    return {"container": {"image": "busybox", "command": [command]}}


SUSPEND: dict[str, Any] = {"suspend": {}}


def create(live: Live, wf: dict[str, Any], namespace: str = "argo") -> dict[str, Any]:
    created: dict[str, Any] = live.api("POST", f"/api/v1/workflows/{namespace}", {"workflow": wf})
    return created


def rows(page: Page) -> Any:
    return page.locator(".wl-row")


def row(page: Page, name: str) -> Any:
    return page.locator(".wl-row", has=page.locator(f"a.wl-link:text-is('{name}')"))


def open_list(page: Page, run: str, extra: str = "") -> None:
    page.goto(f"/workflows/argo?label=run%3D{run}{extra}")
    expect(page.locator("h1")).to_have_text("Workflows")


def test_rows_show_submitted_workflows_with_their_phase(page: Page, live: Live) -> None:
    run = run_id()
    ok = create(live, workflow(run, "ok", exits(0)))["metadata"]["name"]
    bad = create(live, workflow(run, "bad", exits(1)))["metadata"]["name"]
    live.wait("argo", ok)
    live.wait("argo", bad)
    open_list(page, run)
    expect(rows(page)).to_have_count(2)
    expect(row(page, ok).locator(".phase")).to_have_text("✔ Succeeded")
    expect(row(page, bad).locator(".phase")).to_have_text("✖ Failed")
    expect(row(page, ok).locator("a.wl-link")).to_have_attribute("href", f"/workflows/argo/{ok}")
    expect(row(page, ok).locator("time")).to_have_attribute("title", re.compile(r".+"))
    expect(page.locator(".wl-count")).to_have_text("2 workflows")
    # A page is a list response drawn: the benchmark's mark is there.
    marks = page.evaluate("performance.getEntriesByName('argoapp:workflows-rendered').length")
    assert marks == 1


def test_a_new_workflow_appears_and_changes_phase_live(page: Page, live: Live) -> None:
    run = run_id()
    open_list(page, run)
    expect(page.locator(".wl-empty")).to_contain_text("No workflows match these filters")
    name = create(live, workflow(run, "waits", SUSPEND))["metadata"]["name"]
    expect(row(page, name).locator(".phase")).to_have_text("▶ Running")
    live.api("PUT", f"/api/v1/workflows/argo/{name}/resume", {"namespace": "argo", "name": name})
    expect(row(page, name).locator(".phase")).to_have_text("✔ Succeeded")
    # Deleted elsewhere: the row goes, still without a reload.
    live.api("DELETE", f"/api/v1/workflows/argo/{name}")
    expect(rows(page)).to_have_count(0)


def test_phase_and_label_filters_live_in_the_url(page: Page, live: Live) -> None:
    run = run_id()
    ok = create(live, workflow(run, "ok", exits(0), team="blue"))["metadata"]["name"]
    bad = create(live, workflow(run, "bad", exits(1), team="red"))["metadata"]["name"]
    live.wait("argo", ok)
    live.wait("argo", bad)
    open_list(page, run, "&phase=Failed")
    expect(rows(page)).to_have_count(1)
    expect(row(page, bad)).to_be_visible()
    failed_chip = page.locator(".wl-chip[data-phase=Failed]")
    expect(failed_chip).to_have_attribute("aria-pressed", "true")

    page.locator(".wl-chip[data-phase=Succeeded]").click()
    expect(rows(page)).to_have_count(2)
    assert "phase=Failed" in page.url and "phase=Succeeded" in page.url

    labels = page.get_by_label("Label selector")
    labels.fill(f"run={run},team=blue")
    labels.press("Enter")
    expect(rows(page)).to_have_count(1)
    expect(row(page, ok)).to_be_visible()
    assert "team%3Dblue" in page.url

    # The deep link brings the same view back.
    deep = page.url
    other = open_page(page.context.browser, live)  # type: ignore[arg-type]
    try:
        other.goto(deep)
        expect(other.locator(".wl-row")).to_have_count(1)
        expect(other.locator(".wl-chip[data-phase=Succeeded]")).to_have_attribute(
            "aria-pressed", "true"
        )
        expect(other.get_by_label("Label selector")).to_have_value(f"run={run},team=blue")
        assert not other.console_errors  # type: ignore[attr-defined]
    finally:
        other.context.close()

    page.get_by_role("button", name="Clear filters").click()
    assert "phase=" not in page.url and "label=" not in page.url


def test_bulk_delete_asks_first_and_deletes_only_the_selected(page: Page, live: Live) -> None:
    run = run_id()
    names = [create(live, workflow(run, f"w{i}", exits(0)))["metadata"]["name"] for i in range(3)]
    for name in names:
        live.wait("argo", name)
    open_list(page, run)
    expect(rows(page)).to_have_count(3)
    row(page, names[0]).locator(".wl-check").check()
    row(page, names[1]).locator(".wl-check").check()
    expect(page.locator(".wl-selected")).to_have_text("2 selected")

    delete = page.locator(".wl-actions button[data-action=delete]")
    delete.click()
    dialog = page.locator("dialog[open]")
    expect(dialog).to_contain_text("these 2 workflows")
    dialog.get_by_role("button", name="Cancel").click()
    expect(rows(page)).to_have_count(3)

    delete.click()
    page.locator("dialog[open]").get_by_role("button", name="Delete").click()
    expect(rows(page)).to_have_count(1)
    expect(row(page, names[2])).to_be_visible()
    for gone in names[:2]:
        # Really gone on the server, not only from the page's rows.
        eventually(lambda gone=gone: status_of(live, f"/api/v1/workflows/argo/{gone}") == 404)
    assert status_of(live, f"/api/v1/workflows/argo/{names[2]}") == 200


def status_of(live: Live, path: str) -> int:
    try:
        live.api("GET", path)
    except AssertionError as e:
        return int(getattr(e, "status", 0))
    return 200


def test_keyboard_moves_selects_and_opens_rows(page: Page, live: Live) -> None:
    run = run_id()
    first = create(live, workflow(run, "a", SUSPEND))["metadata"]["name"]
    second = create(live, workflow(run, "b", SUSPEND))["metadata"]["name"]
    open_list(page, run)
    expect(rows(page)).to_have_count(2)
    grid = page.get_by_role("grid", name="Workflows")
    grid.focus()
    grid.press("Space")
    expect(page.locator(".wl-selected")).to_have_text("1 selected")
    grid.press("ArrowDown")
    grid.press("Space")
    expect(page.locator(".wl-selected")).to_have_text("2 selected")
    grid.press("Control+a")  # everything selected already: select none
    expect(page.locator(".wl-selected")).to_have_text("")
    page.get_by_label("Select all workflows").check()
    expect(page.locator(".wl-selected")).to_have_text("2 selected")
    # The second row is active: Enter opens its page (same-second workflows: order by uid).
    second_row = page.locator('.wl-row[aria-rowindex="3"] a.wl-link')
    opened = second_row.inner_text()
    assert opened in (first, second)
    grid.focus()
    grid.press("Enter")
    expect(page).to_have_url(re.compile(f"/workflows/argo/{opened}$"))
    for name in (first, second):
        live.api("DELETE", f"/api/v1/workflows/argo/{name}")


def test_hundreds_of_workflows_draw_few_rows_and_scroll_to_the_last(page: Page, live: Live) -> None:
    run = run_id()
    count = 520  # more than one page of 500: the rest comes with `continue` on scrolling
    # Another controller's instance id: this one never runs them, they stay Pending.
    names = [
        create(live, workflow(run, f"many{i:03d}", SUSPEND, **{INSTANCE_LABEL: "elsewhere"}))[
            "metadata"
        ]["name"]
        for i in range(count)
    ]
    open_list(page, run)
    expect(page.locator(".wl-count")).to_have_text("500+ workflows")
    drawn = rows(page).count()
    assert 0 < drawn < 100
    grid = page.get_by_role("grid", name="Workflows")
    grid.evaluate("g => { g.scrollTop = g.scrollHeight; }")
    expect(page.locator(".wl-count")).to_have_text(f"{count} workflows")
    grid.evaluate("g => { g.scrollTop = g.scrollHeight; }")
    # The last row of the list is drawn once scrolled to: the same as the API's last.
    listed = live.api(
        "GET",
        f"/api/v1/workflows/argo?listOptions.labelSelector=run%3D{run}&fields=items.metadata.name",
    )
    last = listed["items"][-1]["metadata"]["name"]
    expect(page.locator(f'.wl-row[aria-rowindex="{count + 1}"] a.wl-link')).to_have_text(last)
    expect(row(page, last)).to_be_in_viewport()
    assert rows(page).count() < 100
    for name in names:
        live.api("DELETE", f"/api/v1/workflows/argo/{name}")


def live_names(live: Live, run: str) -> str:
    """The live workflows of a run, as kubectl names them (the archive is not asked)."""
    return live.kubectl("get", "workflows", "-n", "argo", "-l", f"run={run}", "-o", "name")


def archived_uids(live: Live, run: str) -> set[str]:
    body = live.api(
        "GET", f"/api/v1/archived-workflows?namespace=argo&listOptions.labelSelector=run%3D{run}"
    )
    return {i["metadata"]["uid"] for i in body.get("items") or []}


def test_archived_and_live_workflows_list_together(browser: Browser, archiving: Live) -> None:
    run = run_id()
    kept = create(archiving, workflow(run, "kept", exits(0), team="blue"))
    gone = create(archiving, workflow(run, "gone", exits(0)))
    waits = create(archiving, workflow(run, "waits", SUSPEND))["metadata"]["name"]
    for wf in (kept, gone):
        archiving.wait("argo", wf["metadata"]["name"])
    uids = {kept["metadata"]["uid"], gone["metadata"]["uid"]}
    eventually(lambda: archived_uids(archiving, run) == uids)
    gone_name = gone["metadata"]["name"]
    archiving.api("DELETE", f"/api/v1/workflows/argo/{gone_name}")  # now only in the archive

    page = open_page(browser, archiving)
    # Resubmitting or deleting an archive-only workflow tries its live object first (gone).
    page.expect_console_errors(rf"status of 404 .*/api/v1/workflows/argo/{gone_name}(/resubmit)?\]")  # type: ignore[attr-defined]
    try:
        open_list(page, run)
        expect(rows(page)).to_have_count(3)
        expect(row(page, gone_name).locator(".wl-tag-archived")).to_be_visible()
        expect(row(page, gone_name).locator("a.wl-link")).to_have_attribute(
            "href", f"/workflows/argo/{gone_name}"
        )
        expect(row(page, waits).locator(".wl-tag-archived")).to_have_count(0)
        # /archived-workflows: the same list, of archived workflows only.
        page.goto(f"/archived-workflows/argo?label=run%3D{run}")
        expect(page.locator("h1")).to_have_text("Archived workflows")
        expect(rows(page)).to_have_count(2)
        expect(row(page, waits)).to_have_count(0)
        open_list(page, run)
        # The config's label column.
        expect(page.get_by_role("columnheader", name="Team")).to_be_visible()
        expect(row(page, kept["metadata"]["name"]).locator(".wl-col-info-0")).to_have_text("blue")
        # Resubmit an archive-only workflow: through the archive's route, a new live one.
        row(page, gone_name).locator(".wl-check").check()
        page.locator(".wl-actions button[data-action=resubmit]").click()
        page.locator("dialog[open]").get_by_role("button", name="Resubmit").click()
        expect(rows(page)).to_have_count(4)
        expect(page.locator(".wl-failures")).to_have_count(0)
        # Its live copy deleted (as a ttlStrategy would), an archived workflow stays listed.
        # A workflow created once the live copy is gone marks the point: the stream sends
        # events in order, so when its row is drawn the deletion has been handled too.
        kept_name = kept["metadata"]["name"]
        archiving.api("DELETE", f"/api/v1/workflows/argo/{kept_name}")
        eventually(lambda: kept_name not in live_names(archiving, run))
        idle = {INSTANCE_LABEL: "elsewhere"}
        marker = create(archiving, workflow(run, "marker", SUSPEND, **idle))["metadata"]["name"]
        expect(row(page, marker)).to_be_visible()
        expect(rows(page)).to_have_count(5)
        expect(row(page, kept_name).locator(".wl-tag-archived")).to_be_visible()
        # Bulk delete of an archive-only workflow goes to the archive.
        row(page, gone_name).locator(".wl-check").check()
        page.locator(".wl-actions button[data-action=delete]").click()
        page.locator("dialog[open]").get_by_role("button", name="Delete").click()
        expect(rows(page)).to_have_count(4)
        assert kept["metadata"]["uid"] in archived_uids(archiving, run)
        assert gone["metadata"]["uid"] not in archived_uids(archiving, run)
        expected = page.expected_console_errors  # type: ignore[attr-defined]
        errors = page.console_errors  # type: ignore[attr-defined]
        assert not [e for e in errors if not any(p.search(e) for p in expected)], errors
    finally:
        page.context.close()


def test_an_empty_namespace_offers_to_submit(page: Page, live: Live) -> None:
    namespace = f"empty-{run_id()}"
    page.goto(f"/workflows/{namespace}")
    empty = page.locator(".wl-empty")
    expect(empty).to_contain_text(f"No workflows in {namespace} yet")
    expect(empty.get_by_role("link", name="Submit one")).to_have_attribute(
        "href", f"/submit?namespace={namespace}"
    )


def test_a_failed_list_shows_the_error_with_retry(page: Page, live: Live) -> None:
    run = run_id()
    name = create(live, workflow(run, "waits", SUSPEND))["metadata"]["name"]
    # The browser's network is cut for the list call only (the server cannot be made to fail
    # on cue): the page must show the error where the list goes, and Retry must recover.
    page.route("**/api/v1/workflows/argo?*", lambda route: route.abort())
    open_list(page, run)
    box = page.locator(".wl-empty .error-box")
    expect(box).to_contain_text("Cannot reach the server")
    page.unroute("**/api/v1/workflows/argo?*")
    box.get_by_role("button", name="Retry").click()
    expect(row(page, name)).to_be_visible()
    page.console_errors.clear()  # type: ignore[attr-defined]  # the cut request's own line
    live.api("DELETE", f"/api/v1/workflows/argo/{name}")


def test_a_dropped_stream_pauses_live_updates_until_retry(page: Page, live: Live) -> None:
    run = run_id()
    # Cutting the watch stream in the browser stands for a dropped connection.
    page.route("**/api/v1/workflow-events/**", lambda route: route.abort())
    open_list(page, run)
    notice = page.locator(".wl-notice")
    expect(notice).to_contain_text("Live updates paused")
    page.unroute("**/api/v1/workflow-events/**")
    name = create(live, workflow(run, "later", SUSPEND))["metadata"]["name"]
    notice.get_by_role("button", name="Retry").click()
    expect(row(page, name)).to_be_visible()
    expect(notice).to_be_hidden()
    page.console_errors.clear()  # type: ignore[attr-defined]
    live.api("DELETE", f"/api/v1/workflows/argo/{name}")


def test_an_expired_watch_reads_the_list_again(page: Page, live: Live) -> None:
    run = run_id()
    expired = {"http_code": 410, "grpc_code": 9, "message": "too old resource version"}
    answered: list[str] = []

    def once_expired(route: Route) -> None:
        # The server's answer for a resourceVersion it no longer keeps, sent once.
        answered.append(route.request.url)
        route.fulfill(status=200, body=json.dumps({"error": expired}) + "\n")

    lists: list[str] = []
    page.on(
        "request",
        lambda r: lists.append(r.url) if "/api/v1/workflows/argo?" in r.url else None,
    )
    page.route("**/api/v1/workflow-events/**", once_expired, times=1)
    open_list(page, run)
    # The list is read again (not the expired version retried) and its new watch follows.
    for _ in range(200):
        if len(lists) >= 2:
            break
        page.wait_for_timeout(100)
    name = create(live, workflow(run, "after", SUSPEND))["metadata"]["name"]
    expect(row(page, name)).to_be_visible()
    expect(page.locator(".wl-notice")).to_be_hidden()
    assert len(answered) == 1 and len(lists) == 2
    live.api("DELETE", f"/api/v1/workflows/argo/{name}")


def test_a_bulk_action_lists_what_failed_and_does_the_rest(page: Page, live: Live) -> None:
    run = run_id()
    waits = create(live, workflow(run, "waits", SUSPEND))["metadata"]["name"]
    done = create(live, workflow(run, "done", exits(0)))["metadata"]["name"]
    live.wait("argo", done)
    live.wait("argo", waits, phases=("Running",))
    page.expect_console_errors(rf"status of 400 .*/api/v1/workflows/argo/{done}/stop\]")  # type: ignore[attr-defined]
    open_list(page, run)
    expect(rows(page)).to_have_count(2)
    page.get_by_label("Select all workflows").check()
    page.locator(".wl-actions button[data-action=stop]").click()
    page.locator("dialog[open]").get_by_role("button", name="Stop").click()
    failures = page.locator(".wl-failures")
    expect(failures).to_contain_text("Stop failed for:")
    expect(failures.locator("li")).to_have_count(1)
    expect(failures).to_contain_text(done)
    expect(row(page, waits).locator(".phase")).to_have_text(re.compile("Failed|Succeeded"))
    expect(page.locator(".wl-selected")).to_have_text("1 selected")  # the failed one stays


def test_name_and_time_filters(page: Page, live: Live) -> None:
    run = run_id()
    alpha = create(live, workflow(run, "alpha", SUSPEND, **{INSTANCE_LABEL: "elsewhere"}))
    beta = create(live, workflow(run, "beta", SUSPEND, **{INSTANCE_LABEL: "elsewhere"}))
    open_list(page, run, "&name=alp&nameFilter=Prefix")
    expect(rows(page)).to_have_count(1)
    expect(row(page, alpha["metadata"]["name"])).to_be_visible()
    name = page.get_by_label("Workflow name")
    expect(name).to_have_value("alp")
    name.fill("beta")
    expect(row(page, beta["metadata"]["name"])).to_be_visible()
    expect(rows(page)).to_have_count(1)
    assert "name=beta" in page.url
    # Created after a time still to come: nothing yet.
    open_list(page, run, "&createdAfter=2999-01-01T00:00:00.000Z")
    expect(page.locator(".wl-empty")).to_contain_text("No workflows match these filters")
    page.get_by_role("button", name="Clear filters").first.click()
    # Clear drops every filter (the run label too): the namespace's workflows, ours among them.
    expect(row(page, alpha["metadata"]["name"])).to_be_visible()
    assert "createdAfter" not in page.url and "label=" not in page.url
    for wf in (alpha, beta):
        live.api("DELETE", f"/api/v1/workflows/argo/{wf['metadata']['name']}")


UNITS = """async () => {
  const q = await import('/static/js/list/query.js');
  const { RowStore } = await import('/static/js/list/model.js');
  const wf = (uid, created, finished) => ({
    metadata: { uid, name: uid, namespace: 'argo', creationTimestamp: created },
    status: finished ? { finishedAt: finished } : {},
  });
  const store = new RowStore();
  store.reset([wf('r1', '2026-01-01T00:00:05Z'), wf('f1', '2026-01-01T00:00:00Z',
    '2026-01-01T00:01:00Z')], 'more');
  const inserted = store.upsert(wf('r2', '2026-01-01T00:00:09Z'));
  const beyond = store.upsert(wf('f0', '2025-01-01T00:00:00Z', '2025-01-01T00:01:00Z'));
  store.upsert(wf('r1', '2026-01-01T00:00:05Z', '2026-01-01T00:02:00Z'));  // r1 finished
  store.remove('f1');
  const filters = q.readFilters(new URLSearchParams(
    'phase=Failed&phase=Bogus&label=a=b,c in (x,y)&name=ab&nameFilter=Prefix'), 'argo');
  return {
    order: store.rows.map((w) => w.metadata.uid),
    inserted, beyond,
    selector: q.labelSelector(filters),
    list: q.listQuery(filters, 'tok'),
    watch: q.watchQuery(filters, '42').fields.split(',').slice(0, 3),
    url: q.writeFilters(filters),
    matches: [q.matches(wf('abc'), filters), q.matches(wf('xab'), filters)],
  };
}"""


def test_list_units_order_and_requests(page: Page, live: Live) -> None:
    page.goto("/workflows/argo")
    got = page.evaluate(UNITS)
    # Running first (newest created first), then finished (latest finished first); a watch
    # event past the last loaded row waits for its page.
    assert got["order"] == ["r2", "r1"]
    assert got["inserted"] is True and got["beyond"] is False
    assert got["selector"] == "a=b,c in (x,y),workflows.argoproj.io/phase in (Failed)"
    assert got["list"]["listOptions.fieldSelector"] == "metadata.name=ab"
    assert got["list"]["nameFilter"] == "Prefix"
    assert got["list"]["listOptions.continue"] == "tok"
    assert got["list"]["listOptions.limit"] == 500
    assert "items.status.nodes" not in got["list"]["fields"]
    assert "items.spec.suspend" in got["list"]["fields"].split(",")
    assert got["watch"] == [
        "result.type",
        "result.object.metadata.name",
        "result.object.metadata.namespace",
    ]
    assert got["url"] == {
        "phase": ["Failed"],
        "label": ["a=b", "c in (x,y)"],
        "name": "ab",
        "nameFilter": "Prefix",
    }
    assert got["matches"] == [True, False]


def test_every_namespace_at_once_shows_a_namespace_column(page: Page, live: Live) -> None:
    run = run_id()
    idle = {INSTANCE_LABEL: "elsewhere"}
    here = create(live, workflow(run, "here", SUSPEND, **idle))["metadata"]["name"]
    there = create(live, workflow(run, "there", SUSPEND, **idle), "default")["metadata"]["name"]
    open_list(page, run)
    expect(rows(page)).to_have_count(1)
    expect(page.get_by_role("columnheader", name="Namespace")).to_have_count(0)
    namespace = page.get_by_label("Namespace", exact=True)
    namespace.fill("")
    namespace.press("Enter")
    expect(rows(page)).to_have_count(2)
    expect(row(page, there).locator(".wl-col-namespace")).to_have_text("default")
    assert "/workflows?namespace=&label=" in page.url
    page.reload()  # the deep link to every namespace
    expect(rows(page)).to_have_count(2)
    live.api("DELETE", f"/api/v1/workflows/argo/{here}")
    live.api("DELETE", f"/api/v1/workflows/default/{there}")
    expect(rows(page)).to_have_count(0)  # deletions arrive on the all-namespaces stream too


def test_the_progress_column_shows_its_text_whole(page: Page, live: Live) -> None:
    run = run_id()
    names = [create(live, workflow(run, n, SUSPEND))["metadata"]["name"] for n in ("p1", "p2")]
    big = {names[0]: "1000/1000", names[1]: "572/1000"}

    def with_progress(route: Any) -> None:
        # The real list, with the large counts a 1,000-item fan-out reports.
        answer = route.fetch()
        body = answer.json()
        for wf in body.get("items") or []:
            wf.setdefault("status", {})["progress"] = big.get(wf["metadata"]["name"], "0/1")
        route.fulfill(response=answer, json=body)

    page.route(re.compile(r".*/api/v1/workflows/argo\?.*"), with_progress)
    for width, height in ((1280, 800), (900, 700)):
        page.set_viewport_size({"width": width, "height": height})
        open_list(page, run)
        for name, text in big.items():
            cell = row(page, name).locator(".wl-col-progress")
            expect(cell).to_have_text(text)
            cut = cell.evaluate("(el) => el.scrollWidth > el.clientWidth")
            assert not cut, f"{text} is cut at {width}px"
