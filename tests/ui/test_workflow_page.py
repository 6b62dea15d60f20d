"""The workflow page in a real browser against a live `argoapp up`: the header follows a running
workflow to Succeeded, a node's logs (also after its pods are deleted) and the workflow's logs,
retry of a failed workflow, suspend and resume, an output artifact's download link, the YAML
tab, and the page for a workflow that does not exist.

Workflows are made through the API (`live.submit`) with unique names and really run in
localkube's kubelet; the page is driven only as a user would (links, buttons, deep links).
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, Route, expect

from argoapp.model.ids import node_id, pod_name
from tests.ui.harness import Live, LiveError

NS = "argo"
FINISH = 60_000  # ms: a short workflow really runs its pods before the page shows it done


def allow_console_errors(page: Page, *patterns: str) -> None:
    """Console lines this test causes on purpose (error answers the page shows), for a harness
    that checks console errors per test."""
    allow = getattr(page, "expect_console_errors", None)
    if allow:
        allow(*patterns)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def steps_workflow(name: str) -> str:
    return f"""
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: {name}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: first
        template: say
        arguments: {{parameters: [{{name: word, value: alpha}}]}}
    - - name: second
        template: say
        arguments: {{parameters: [{{name: word, value: omega}}]}}
  - name: say
    inputs: {{parameters: [{{name: word}}]}}
    container:
      image: busybox
      command: [sh, -c, "echo said {{{{inputs.parameters.word}}}}"]
"""


def one_step(name: str, script: str, extra: str = "") -> str:
    return f"""
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: {name}
spec:
  entrypoint: main
  templates:
  - name: main
    container:
      image: busybox
      command: [sh, -c, {script!r}]
{extra}"""


def pod_node(wf: dict[str, Any], display_name: str | None = None) -> str:
    """The id of the (first) Pod node, or the one with that display name."""
    for node in wf["status"]["nodes"].values():
        if node["type"] == "Pod" and display_name in (None, node.get("displayName")):
            return str(node["id"])
    raise AssertionError(f"no pod node {display_name or ''} in {wf['metadata']['name']}")


def phase_badge(page: Page) -> Any:
    return page.locator(".wf-head .wf-phase")


def test_running_workflow_reaches_succeeded_live(page: Page, live: Live) -> None:
    name = unique("ui-steps")
    live.submit(steps_workflow(name))
    page.goto(f"/workflows/{NS}/{name}")
    expect(page.locator("h1")).to_have_text(name)
    expect(page.locator(".wf-view canvas")).to_be_visible()
    expect(phase_badge(page)).to_contain_text("Succeeded", timeout=FINISH)
    assert page.title().startswith(name)
    # the workflow's logs: every pod together
    page.get_by_role("button", name="Logs of every pod of the workflow").click()
    expect(page.locator(".wf-log")).to_contain_text("said alpha")
    expect(page.locator(".wf-log")).to_contain_text("said omega")
    page.keyboard.press("Escape")
    expect(page.locator(".wf-panel")).to_have_count(0)


def test_node_logs(page: Page, live: Live) -> None:
    name = unique("ui-logs")
    live.submit(steps_workflow(name))
    wf = live.wait(NS, name)
    node = pod_node(wf, "second")
    page.goto(f"/workflows/{NS}/{name}?tab=graph&node={node}")
    panel = page.locator(".wf-panel")
    expect(panel).to_be_visible()
    expect(panel.locator(".wf-panel-title")).to_have_text("second")
    expect(panel).to_contain_text("Succeeded")
    panel.get_by_role("tab", name="Logs").click()
    expect(panel.locator(".wf-log")).to_contain_text("said omega")
    expect(panel.locator(".wf-log")).not_to_contain_text("said alpha")
    assert "panel=logs" in page.url
    # the filter keeps matching lines only
    panel.get_by_label("Filter log lines").fill("nothing like this")
    expect(panel.locator(".wf-log-line")).to_have_count(0)
    # the node's events: the controller's, about this node
    panel.get_by_role("tab", name="Events").click()
    expect(panel.locator(".wf-events")).to_contain_text("WorkflowNodeSucceeded")


def test_logs_after_pods_are_deleted(page: Page, live: Live) -> None:
    name = unique("ui-gone")
    live.submit(one_step(name, "echo still readable"))
    live.wait(NS, name, phases=("Succeeded",))
    live.kubectl("delete", "pods", "-n", NS, "-l", f"workflows.argoproj.io/workflow={name}")
    assert name not in live.kubectl("get", "pods", "-n", NS, "-o", "name")
    page.goto(f"/workflows/{NS}/{name}?node={name}&panel=logs")
    expect(phase_badge(page)).to_contain_text("Succeeded")
    expect(page.locator(".wf-view canvas")).to_be_visible()
    expect(page.locator(".wf-panel .wf-log")).to_contain_text("still readable")
    expect(page.locator(".wf-panel .wf-log-status")).to_have_text("1 line")


def test_retry_failed_workflow(page: Page, live: Live) -> None:
    name = unique("ui-retry")
    live.submit(one_step(name, "echo failing; sleep 2; exit 3"))
    assert live.wait(NS, name)["status"]["phase"] == "Failed"
    first_pod = pod_uid(live, name)
    page.goto(f"/workflows/{NS}/{name}")
    expect(phase_badge(page)).to_contain_text("Failed")
    page.locator("[data-action=retry]").click()
    dialog = page.locator("dialog[open]")
    expect(dialog).to_contain_text("Retry")
    dialog.get_by_role("button", name="Retry").click()
    # it runs again (a new pod, followed live by the page), then fails again
    expect(phase_badge(page)).to_contain_text("Running", timeout=FINISH)
    expect(phase_badge(page)).to_contain_text("Failed", timeout=FINISH)
    assert live.wait(NS, name)["status"]["phase"] == "Failed"
    assert pod_uid(live, name) != first_pod
    expect(page.locator(".wf-action-errors")).to_be_empty()


def pod_uid(live: Live, pod: str) -> str:
    return live.kubectl("get", "pod", pod, "-n", NS, "-o", "jsonpath={.metadata.uid}")


SUSPENDING = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: {name}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: wait-here
        template: pause
    - - name: after
        template: done
  - name: pause
    suspend: {{}}
  - name: done
    container: {{image: busybox, command: [sh, -c, "echo resumed"]}}
"""


def test_suspend_and_resume(page: Page, live: Live) -> None:
    name = unique("ui-suspend")
    live.submit(one_step(name, "sleep 3; echo done"))
    page.goto(f"/workflows/{NS}/{name}")
    page.locator("[data-action=suspend]").click()
    expect(page.locator("[data-action=suspend]")).to_have_count(0)
    assert live.api("GET", f"/api/v1/workflows/{NS}/{name}")["spec"].get("suspend") is True
    page.locator("[data-action=resume]").click()
    expect(phase_badge(page)).to_contain_text("Succeeded", timeout=FINISH)
    expect(page.locator("[data-action=resume]")).to_have_count(0)


def test_paused_on_a_suspend_node_offers_resume_only(page: Page, live: Live) -> None:
    """A workflow waiting on its Suspend node is suspended already: no Suspend button."""
    name = unique("ui-paused")
    live.submit(SUSPENDING.format(name=name))
    page.goto(f"/workflows/{NS}/{name}")
    expect(phase_badge(page)).to_contain_text("Suspended", timeout=FINISH)
    expect(page.locator("[data-action=resume]")).to_be_visible()
    expect(page.locator("[data-action=suspend]")).to_have_count(0)
    page.locator("[data-action=resume]").click()
    expect(phase_badge(page)).to_contain_text("Succeeded", timeout=FINISH)


def test_output_artifact_download(page: Page, live: Live) -> None:
    name = unique("ui-art")
    outputs = """    outputs:
      artifacts:
      - {name: report, path: /tmp/report.txt}
"""
    live.submit(one_step(name, "echo the report body > /tmp/report.txt", outputs))
    live.wait(NS, name, phases=("Succeeded",))
    page.goto(f"/workflows/{NS}/{name}?node={name}&panel=io")
    link = page.get_by_role("link", name="Download report")
    expect(link).to_be_visible()
    href = link.get_attribute("href")
    assert href == f"/artifact-files/{NS}/workflows/{name}/{name}/outputs/report"
    answer = page.request.get(href)
    assert answer.ok
    assert "the report body" in answer.text()
    # Download saves the file (no new tab); Open is the link that shows it in a tab
    with page.expect_download() as saving:
        link.click()
    assert saving.value.suggested_filename == "report.txt"  # the server names it
    assert Path(saving.value.path()).read_text() == "the report body\n"
    expect(page.get_by_role("link", name="Open report")).to_have_attribute("target", "_blank")


def test_yaml_tab_shows_the_spec(page: Page, live: Live) -> None:
    name = unique("ui-yaml")
    live.submit(one_step(name, "echo yaml"))
    page.goto(f"/workflows/{NS}/{name}?tab=yaml")
    yaml_text = page.locator(".wf-yaml")
    expect(yaml_text).to_be_visible()
    page.wait_for_function(
        """name => {
            const box = document.querySelector('.wf-yaml');
            const area = box && box.querySelector('textarea');
            const text = area ? area.value : (box ? box.textContent : '');
            return text.includes('entrypoint: main') && text.includes('name: ' + name);
        }""",
        arg=name,
    )
    expect(page.get_by_role("tab", name="YAML")).to_have_attribute("aria-selected", "true")


def test_missing_workflow_is_not_found(page: Page, live: Live) -> None:
    name = unique("ui-missing")
    allow_console_errors(page, r"status of 404 .*/api/v1/workflows/")
    page.goto(f"/workflows/{NS}/{name}")
    expect(page.locator("h1")).to_have_text("Workflow not found")
    back = page.get_by_role("link", name=f"← Back to the workflows of {NS}")
    expect(back).to_have_attribute("href", f"/workflows/{NS}")
    expect(page.locator(".wf-notfound")).to_contain_text("deleted or archived")


def test_missing_archived_workflow_is_not_found(page: Page) -> None:
    uid = str(uuid.uuid4())
    allow_console_errors(page, r"status of 404 .*/api/v1/archived-workflows/")
    page.goto(f"/archived-workflows/{NS}/{uid}")
    expect(page.locator("h1")).to_have_text("Workflow not found")
    text = page.locator(".wf-notfound p").first
    said = f"There is no archived workflow with uid {uid}: it may have been deleted."
    expect(text).to_have_text(said)


def test_pod_names_match_the_controller(page: Page, live: Live) -> None:
    """The page names pods as the engine does (for nodes whose status has no podName)."""
    cases = [
        ("wf", "wf[0].step", "say"),
        ("wf", "wf", "main"),
        ("ünï", "ünï[0].é(0:a)", "t"),
        ("w" * 60, "w" * 60 + ".x", "t" * 200),
    ]
    page.goto("/workflows")
    got = page.evaluate(
        """async (cases) => {
            const m = await import('/static/js/workflow/model.js');
            return cases.map(([wf, node, tmpl]) => m.podName(
                {metadata: {name: wf}, status: {nodes: {}}},
                {id: 'x', type: 'Pod', name: node, templateName: tmpl}));
        }""",
        cases,
    )
    assert got == [pod_name(*case) for case in cases]


def test_logs_follow_a_running_step(page: Page, live: Live) -> None:
    """The panel is deep-linked to a step before the controller has made its node: it opens
    once the node appears, then follows the step's log while it runs."""
    name = unique("ui-follow")
    live.submit(f"""
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: {name}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: before
        template: nap
    - - name: talk
        template: talk
  - name: nap
    container: {{image: busybox, command: [sh, -c, "sleep 2"]}}
  - name: talk
    container: {{image: busybox, command: [sh, -c, "echo first-line; sleep 3; echo second-line"]}}
""")
    talk = node_id(name, f"{name}[1].talk")
    page.goto(f"/workflows/{NS}/{name}?node={talk}&panel=logs")
    log = page.locator(".wf-panel .wf-log")
    expect(log).to_contain_text("first-line", timeout=FINISH)
    expect(page.locator(".wf-panel .wf-panel-title")).to_have_text("talk")
    expect(phase_badge(page)).to_contain_text("Succeeded", timeout=FINISH)
    expect(log).to_contain_text("second-line")
    expect(log.locator(".wf-log-line")).to_have_count(2)


def test_terminate_then_delete(page: Page, live: Live) -> None:
    name = unique("ui-term")
    live.submit(one_step(name, "sleep 300"))
    page.goto(f"/workflows/{NS}/{name}")
    expect(phase_badge(page)).to_contain_text("Running", timeout=FINISH)
    page.locator("[data-action=terminate]").click()
    dialog = page.locator("dialog[open]")
    expect(dialog).to_contain_text(f"Terminate {name}?")
    dialog.get_by_role("button", name="Terminate").click()
    expect(phase_badge(page)).to_contain_text("Failed", timeout=FINISH)
    expect(page.locator("[data-action=terminate]")).to_have_count(0)
    # delete asks too, then goes back to the list
    page.locator("[data-action=delete]").click()
    page.locator("dialog[open]").get_by_role("button", name="Delete").click()
    expect(page).to_have_url(f"{live.url}/workflows/{NS}")
    try:
        live.api("GET", f"/api/v1/workflows/{NS}/{name}")
    except LiveError as e:
        assert e.status == 404
    else:
        raise AssertionError(f"{name} is still there")


def test_long_log_keeps_the_dom_small_and_downloads_whole(page: Page, live: Live) -> None:
    name = unique("ui-long")
    live.submit(one_step(name, "seq 1 25000"))
    live.wait(NS, name, phases=("Succeeded",))
    page.goto(f"/workflows/{NS}/{name}?node={name}&panel=logs")
    panel = page.locator(".wf-panel")
    expect(panel.locator(".wf-log-status")).to_have_text("25000 lines")
    expect(panel.locator(".wf-log-line").last).to_have_text("25000")
    assert panel.locator(".wf-log-line").count() == 10_000
    with page.expect_download() as info:
        panel.get_by_role("button", name="Download").click()
    text = Path(info.value.path()).read_text()
    assert text.splitlines() == [str(i) for i in range(1, 25001)]


def test_tabs_by_keyboard_and_summary(page: Page, live: Live) -> None:
    name = unique("ui-tabs")
    extra = """  arguments:
    parameters:
    - {name: colour, value: teal}
"""
    text = one_step(name, "echo tabs").replace("spec:\n", "spec:\n" + extra, 1)
    text = text.replace(
        "  name: " + name,
        "  name: " + name + "\n  annotations: {workflows.argoproj.io/title: Tab tour}",
        1,
    )
    live.submit(text)
    live.wait(NS, name)
    page.goto(f"/workflows/{NS}/{name}")
    graph_tab = page.get_by_role("tab", name="Graph")
    expect(graph_tab).to_have_attribute("aria-selected", "true")
    graph_tab.focus()
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("tab", name="Timeline")).to_have_attribute("aria-selected", "true")
    expect(page.locator(".wf-view canvas")).to_be_visible()
    assert "tab=timeline" in page.url
    page.keyboard.press("ArrowRight")
    summary = page.locator(".wf-summary")
    expect(summary).to_contain_text("Tab tour")
    expect(summary).to_contain_text("colour")
    expect(summary).to_contain_text("teal")
    expect(summary).to_contain_text("main-logs")


def test_load_error_shows_retry(page: Page, live: Live) -> None:
    name = unique("ui-err")
    live.submit(one_step(name, "echo ok"))
    live.wait(NS, name)
    path = f"/api/v1/workflows/{NS}/{name}"
    allow_console_errors(page, rf"status of 500 .*{path}\]")
    # A failing server cannot be provoked for real here: the browser answers one request itself.
    page.route(
        f"**{path}",
        lambda route: route.fulfill(
            status=500, content_type="application/json", body='{"code": 13, "message": "boom"}'
        ),
    )
    page.goto(f"/workflows/{NS}/{name}")
    box = page.locator(".error-box")
    expect(box).to_contain_text("boom")
    page.unroute(f"**{path}")
    box.get_by_role("button", name="Retry").click()
    expect(page.locator("h1")).to_have_text(name)
    expect(phase_badge(page)).to_contain_text("Succeeded")


def test_resubmit_goes_to_the_new_workflow(page: Page, live: Live) -> None:
    name = unique("ui-resub")
    live.submit(one_step(name, "echo again"))
    live.wait(NS, name)
    page.goto(f"/workflows/{NS}/{name}")
    expect(phase_badge(page)).to_contain_text("Succeeded")
    page.locator("[data-action=resubmit]").click()
    page.locator("dialog[open]").get_by_role("button", name="Resubmit").click()
    expect(page.locator("h1")).not_to_have_text(name)
    new_name = page.locator("h1").inner_text()
    assert new_name.startswith(name)
    expect(page).to_have_url(f"{live.url}/workflows/{NS}/{new_name}")
    expect(phase_badge(page)).to_contain_text("Succeeded", timeout=FINISH)
    page.get_by_role("tab", name="Summary").click()
    expect(page.locator(".wf-summary")).to_contain_text("Resubmitted from")


def test_retry_node_lists_its_attempts(page: Page, live: Live) -> None:
    name = unique("ui-attempts")
    strategy = "    retryStrategy: {limit: 1}\n"
    live.submit(one_step(name, "echo try; exit 1", strategy))
    wf = live.wait(NS, name)
    assert wf["status"]["nodes"][name]["type"] == "Retry"
    page.goto(f"/workflows/{NS}/{name}?node={name}")
    panel = page.locator(".wf-panel")
    expect(panel).to_contain_text("Retries (2 attempts)")
    panel.get_by_role("button", name="Attempt 2").click()
    expect(panel.locator(".wf-panel-title")).to_have_text(f"{name}(1)")
    assert f"node={pod_node(wf, f'{name}(1)')}" in page.url


def test_panel_by_keyboard(page: Page, live: Live) -> None:
    """A node opened from the graph with the keyboard takes focus into the panel; Esc closes
    it and gives focus back to the graph."""
    name = unique("ui-keys")
    live.submit(one_step(name, "echo keys"))
    live.wait(NS, name)
    page.goto(f"/workflows/{NS}/{name}")
    canvas = page.locator(".wf-view canvas")
    canvas.focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    panel = page.locator(".wf-panel")
    expect(panel).to_be_visible()
    expect(panel.locator(".wf-panel-title")).to_be_focused()
    page.keyboard.press("Escape")
    expect(panel).to_have_count(0)
    expect(canvas).to_be_focused()
    assert "node=" not in page.url


def test_resume_one_suspend_node_from_its_panel(page: Page, live: Live) -> None:
    name = unique("ui-node-resume")
    live.submit(SUSPENDING.format(name=name))
    pause = node_id(name, f"{name}[0].wait-here")
    page.goto(f"/workflows/{NS}/{name}?node={pause}")
    panel = page.locator(".wf-panel")
    expect(panel.locator(".wf-panel-title")).to_have_text("wait-here", timeout=FINISH)
    panel.get_by_role("button", name="Resume this node").click()
    expect(phase_badge(page)).to_contain_text("Succeeded", timeout=FINISH)
    expect(panel.get_by_role("button", name="Resume this node")).to_have_count(0)


def chain_workflow(name: str, steps: int) -> str:
    groups = "".join(f"    - - {{name: s{i}, template: quick}}\n" for i in range(steps))
    return f"""
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: {name}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
{groups}  - name: quick
    container: {{image: busybox, command: [sh, -c, "echo ok"]}}
"""


# In the page: the selected node's box (the canvas's data-selected-box, CSS pixels) is inside the
# canvas, inside the window and clear of the node panel; so is the graph's Fit button.
SELECTED_IN_VIEW = """() => {
    const canvas = document.querySelector('.wf-view canvas');
    const panel = document.querySelector('.wf-panel');
    const fit = [...document.querySelectorAll('.wf-view button')]
        .find((b) => b.textContent === 'Fit');
    if (!canvas || !panel || !fit || !canvas.dataset.selectedBox) return false;
    const [x, y, w, h] = canvas.dataset.selectedBox.split(',').map(Number);
    const c = canvas.getBoundingClientRect();
    const p = panel.getBoundingClientRect();
    const clear = (r) => r.right <= p.left || r.left >= p.right
        || r.bottom <= p.top || r.top >= p.bottom;
    const node = {left: c.left + x, top: c.top + y, right: c.left + x + w, bottom: c.top + y + h};
    return x >= 0 && y >= 0 && x + w <= c.width && y + h <= c.height && node.top >= 0
        && node.bottom <= innerHeight && node.right <= innerWidth && clear(node)
        && clear(fit.getBoundingClientRect());
}"""


def test_node_panel_leaves_the_selected_node_in_view(page: Page, live: Live) -> None:
    """Beside the graph from 1100 px (with a splitter remembered across loads), under it below
    that: either way the selected node and the graph's tools stay visible."""
    name = unique("ui-chain")
    live.submit(chain_workflow(name, 7))
    wf = live.wait(NS, name, phases=("Succeeded",))
    last = pod_node(wf, "s6")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"/workflows/{NS}/{name}?node={last}&panel=logs")
    expect(page.locator(".wf-panel-title")).to_have_text("s6")
    page.wait_for_function(SELECTED_IN_VIEW)
    splitter = page.get_by_role("separator", name="Resize the node panel (arrow keys)")
    expect(splitter).to_have_attribute("aria-valuenow", "40")
    width = page.locator(".wf-panel").bounding_box()["width"]  # type: ignore[index]
    splitter.focus()
    for _ in range(5):
        page.keyboard.press("ArrowLeft")
    expect(splitter).to_have_attribute("aria-valuenow", "50")
    assert page.locator(".wf-panel").bounding_box()["width"] > width  # type: ignore[index]
    page.wait_for_function(SELECTED_IN_VIEW)
    page.reload()
    expect(page.get_by_role("separator")).to_have_attribute("aria-valuenow", "50")
    page.wait_for_function(SELECTED_IN_VIEW)
    # narrow: the panel is a sheet under the graph, the splitter is gone
    page.set_viewport_size({"width": 900, "height": 700})
    page.goto(f"/workflows/{NS}/{name}?node={last}")
    expect(page.locator(".wf-panel-title")).to_have_text("s6")
    expect(page.get_by_role("separator")).to_be_hidden()
    page.wait_for_function(SELECTED_IN_VIEW)
    # a node chosen in the graph is brought into the part the panel leaves free
    page.locator(".wf-view .g-find").fill("s0")
    page.keyboard.press("Enter")
    expect(page.locator(".wf-panel-title")).to_have_text("s0")
    page.wait_for_function(SELECTED_IN_VIEW)


def test_a_cleanly_ended_stream_shows_the_notice_and_recovers(page: Page, live: Live) -> None:
    """The workflow-events stream ends with an empty 200 (a server restarting, a proxy's
    timeout): the page says its live updates are interrupted, reopens the stream, catches up
    and follows the workflow to its end."""
    name = unique("ui-ended")
    live.submit(one_step(name, "sleep 3; echo done"))
    ended = {"left": 2}  # two clean ends in a row keep the notice up for a while (1 s + 2 s)

    def events(route: Route) -> None:
        if ended["left"] > 0:
            ended["left"] -= 1
            route.fulfill(status=200, body="", content_type="application/json")
        else:
            route.continue_()

    page.route("**/api/v1/workflow-events/**", events)
    page.goto(f"/workflows/{NS}/{name}")
    notice = page.locator(".wf-live")
    expect(notice).to_contain_text("Live updates interrupted")
    expect(notice.get_by_role("button", name="Retry")).to_be_visible()
    expect(phase_badge(page)).to_contain_text("Succeeded", timeout=FINISH)
    expect(notice).to_be_hidden()
    assert ended["left"] == 0


def test_a_followed_log_that_ends_early_follows_on(page: Page, live: Live) -> None:
    """The first read of a running step's log ends cleanly after the lines so far (as when
    the server restarts): the viewer follows again from the last line's time, every line once."""
    name = unique("ui-log-resume")
    live.submit(one_step(name, "for i in $(seq 1 8); do echo tick $i; sleep 0.5; done"))
    log = f"/api/v1/workflows/{NS}/{name}/log"
    query = f"podName={name}&logOptions.container=main"
    page.goto("/workflows")
    for _ in range(300):  # until the step has printed a few lines
        answer = page.request.get(f"{log}?{query}")
        if answer.ok and "tick 2" in answer.text():
            break
        page.wait_for_timeout(100)
    cut = {"left": 1}

    def logs(route: Route) -> None:
        if cut["left"] and "sinceTime" not in route.request.url:
            cut["left"] -= 1
            # the lines so far, then a clean end, while the step still runs
            so_far = route.fetch(url=route.request.url.replace("follow=true", "follow=false"))
            route.fulfill(response=so_far)
        else:
            route.continue_()

    page.route(re.compile(r"/api/v1/workflows/[^/]+/[^/]+/log\?"), logs)
    page.goto(f"/workflows/{NS}/{name}?node={name}&panel=logs")
    body = page.locator(".wf-panel .wf-log")
    expect(body).to_contain_text("tick 8", timeout=FINISH)
    expect(phase_badge(page)).to_contain_text("Succeeded", timeout=FINISH)
    lines = body.locator(".wf-log-line").all_text_contents()
    assert lines == [f"tick {i}" for i in range(1, 9)]
    assert cut["left"] == 0


def test_node_events_recover_from_a_cleanly_ended_stream(page: Page, live: Live) -> None:
    name = unique("ui-ev-ended")
    live.submit(one_step(name, "echo events"))
    live.wait(NS, name, phases=("Succeeded",))
    ended = {"left": 4}  # both sources' streams (pod, workflow) end twice

    def events(route: Route) -> None:
        if ended["left"] > 0:
            ended["left"] -= 1
            route.fulfill(status=200, body="", content_type="application/json")
        else:
            route.continue_()

    page.route("**/api/v1/stream/events/**", events)
    page.goto(f"/workflows/{NS}/{name}?node={name}&panel=events")
    panel = page.locator(".wf-panel")
    expect(panel.locator(".wf-live")).to_contain_text("Live updates interrupted")
    expect(panel.locator(".wf-events")).to_contain_text("WorkflowNodeSucceeded", timeout=FINISH)
    expect(panel.locator(".wf-live")).to_be_hidden()
