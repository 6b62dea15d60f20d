"""The page of an archived workflow (`/archived-workflows/:namespace/:uid`) in a real browser,
against an `argoapp up` that archives (the module's own `archiving` server; the shared `live`
keeps no archive): once the live workflow and its pods are gone, the page still draws the graph,
a step's logs come from its kept `main-logs` artifact, an output artifact downloads, and Retry
and Resubmit make live workflows and go to them. The archived list's link opens it too.

Each test runs its own small workflow (a step that prints a line and writes a report, then a
step that fails, so that Retry applies), waits for it to be archived, then deletes the live
workflow and its pods, so what the page shows can only come from the archive.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, expect

from tests.ui.conftest import eventually, open_page
from tests.ui.harness import Live, LiveError

NS = "argo"
WORKFLOW = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: {name}
  labels: {{run: "{run}"}}  # quoted: a hex id may read as a number
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {{name: report, template: report}}
    - - {{name: stop, template: stop}}
  - name: report
    container:
      image: busybox
      command: [sh, -c, "echo said from the archive; echo the report body > /tmp/report.txt"]
    outputs:
      artifacts:
      - {{name: report, path: /tmp/report.txt}}
  - name: stop
    container: {{image: busybox, command: [sh, -c, "exit 1"]}}
"""


def is_archived(live: Live, uid: str) -> bool:
    try:
        live.api("GET", f"/api/v1/archived-workflows/{uid}?namespace={NS}")
    except LiveError as e:
        if e.status == 404:
            return False
        raise
    return True


def archived_only(live: Live) -> dict[str, Any]:
    """Run the workflow to its end, wait for the archive to hold it, then delete the live
    workflow and its pods; the workflow as it finished."""
    run = uuid.uuid4().hex[:8]
    name = f"ui-archived-{run}"
    live.submit(WORKFLOW.format(name=name, run=run), namespace=NS)
    wf = live.wait(NS, name)
    assert wf["status"]["phase"] == "Failed"
    uid = wf["metadata"]["uid"]
    eventually(lambda: is_archived(live, uid))
    live.api("DELETE", f"/api/v1/workflows/{NS}/{name}")
    live.kubectl("delete", "pods", "-n", NS, "-l", f"workflows.argoproj.io/workflow={name}")
    eventually(lambda: name not in live.kubectl("get", "workflows,pods", "-n", NS, "-o", "name"))
    return wf


def pod_node(wf: dict[str, Any], display_name: str) -> str:
    for node in wf["status"]["nodes"].values():
        if node["type"] == "Pod" and node.get("displayName") == display_name:
            return str(node["id"])
    raise AssertionError(f"no pod node {display_name} in {wf['metadata']['name']}")


@contextmanager
def archive_page(browser: Browser, server: Live) -> Iterator[Page]:
    """A logged-in page on `server`, checked for console errors as the `page` fixture is."""
    page = open_page(browser, server)
    try:
        yield page
        expected = page.expected_console_errors  # type: ignore[attr-defined]
        errors = page.console_errors  # type: ignore[attr-defined]
        assert not [e for e in errors if not any(p.search(e) for p in expected)], errors
        assert not page.foreign_requests  # type: ignore[attr-defined]
    finally:
        page.context.close()


def test_an_archived_workflow_shows_its_graph_logs_and_artifacts(
    browser: Browser, archiving: Live
) -> None:
    wf = archived_only(archiving)
    name, uid = wf["metadata"]["name"], wf["metadata"]["uid"]
    run = wf["metadata"]["labels"]["run"]
    node_count = str(len(wf["status"]["nodes"]))
    with archive_page(browser, archiving) as page:
        # The archived list's link: the workflow's page, which the server answers from the archive.
        page.goto(f"/archived-workflows/{NS}?label=run%3D{run}")
        expect(page.locator(".wl-row")).to_have_count(1)
        page.locator("a.wl-link", has_text=name).click()
        expect(page.locator("h1")).to_have_text(name)
        expect(page.locator(".wf-head .wf-phase")).to_contain_text("Failed")
        expect(page.locator(".wf-view canvas")).to_have_attribute("data-nodes", node_count)

        page.goto(f"/archived-workflows/{NS}/{uid}")
        expect(page.locator("h1")).to_have_text(name)
        expect(page.locator(".wf-head")).to_contain_text("Archived")
        expect(page.locator(".wf-head .wf-phase")).to_contain_text("Failed")
        canvas = page.locator(".wf-view canvas.g-canvas")
        expect(canvas).to_have_attribute("data-nodes", node_count)
        # A node found from the graph: its panel, its logs from the kept main-logs artifact.
        canvas.press("/")
        page.get_by_label("Find node by name").fill("report")
        page.get_by_label("Find node by name").press("Enter")
        panel = page.locator(".wf-panel")
        expect(panel.locator(".wf-panel-title")).to_have_text("report")
        panel.get_by_role("tab", name="Logs").click()
        expect(panel.locator(".wf-log")).to_contain_text("said from the archive")
        expect(panel.locator(".wf-log-status")).to_have_text("1 line (from the archived log)")
        # Its output artifact, by the archived workflow's uid.
        panel.get_by_role("tab", name="Inputs/Outputs").click()
        link = panel.get_by_role("link", name="Download report")
        node = pod_node(wf, "report")
        href = f"/artifact-files/{NS}/archived-workflows/{uid}/{node}/outputs/report"
        expect(link).to_have_attribute("href", href)
        with page.expect_download() as saving:
            link.click()
        assert Path(saving.value.path()).read_text() == "the report body\n"


def test_retry_and_resubmit_of_an_archived_workflow_go_to_live_ones(
    browser: Browser, archiving: Live
) -> None:
    wf = archived_only(archiving)
    name, uid = wf["metadata"]["name"], wf["metadata"]["uid"]
    with archive_page(browser, archiving) as page:
        page.goto(f"/archived-workflows/{NS}/{uid}")
        expect(page.locator(".wf-head .wf-phase")).to_contain_text("Failed")
        # Retry: the workflow, live again under its own name (a new object), runs its failed
        # step again.
        page.locator("[data-action=retry]").click()
        page.locator("dialog[open]").get_by_role("button", name="Retry").click()
        expect(page).to_have_url(f"{archiving.url}/workflows/{NS}/{name}")
        expect(page.locator("h1")).to_have_text(name)
        retried = archiving.api("GET", f"/api/v1/workflows/{NS}/{name}")
        assert retried["metadata"]["uid"] != uid
        expect(page.locator(".wf-head .wf-phase")).to_be_visible()
        # Resubmit: a new workflow from the archived one's spec.
        page.goto(f"/archived-workflows/{NS}/{uid}")
        expect(page.locator(".wf-head .wf-phase")).to_contain_text("Failed")
        page.locator("[data-action=resubmit]").click()
        page.locator("dialog[open]").get_by_role("button", name="Resubmit").click()
        expect(page.locator("h1")).not_to_have_text(name)
        new_name = page.locator("h1").inner_text()
        assert new_name.startswith(name)
        expect(page).to_have_url(f"{archiving.url}/workflows/{NS}/{new_name}")
        resubmitted = archiving.api("GET", f"/api/v1/workflows/{NS}/{new_name}")
        assert resubmitted["metadata"]["uid"] not in (uid, retried["metadata"]["uid"])
        expect(page.locator(".wf-head .wf-phase")).to_be_visible()
