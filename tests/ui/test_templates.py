"""Workflow templates and cluster workflow templates in the browser: create through the page's
YAML editor (linted first), the list, edit and save a parameter default, a stale save shown as
a conflict, submit through the link to the submit page, delete; the cluster kind's list and
detail.
"""

from __future__ import annotations

import re
import uuid
from typing import Any
from urllib.parse import quote

from playwright.sync_api import Page, expect

from tests.ui.harness import Live, LiveError

TEMPLATE_YAML = """\
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata:
  name: {name}
  namespace: argo
spec:
  entrypoint: main
  arguments:
    parameters:
      - name: greeting
        value: hello
      - name: colour
        value: red
        enum: [red, green]
  templates:
    - name: main
      container:
        image: busybox
        command: [echo, "{{{{workflow.parameters.greeting}}}}"]
"""


def allow_console_errors(page: Page, *patterns: str) -> None:
    """Console lines this test causes on purpose (error answers the page shows), for a harness
    that checks console errors per test."""
    allow = getattr(page, "expect_console_errors", None)
    if allow:
        allow(*patterns)


def editor(page: Page) -> Any:
    return page.locator(".tm-yaml textarea").first


def test_create_edit_submit_delete_a_workflow_template(page: Page, live: Live) -> None:
    name = f"ui-tmpl-{uuid.uuid4().hex[:6]}"
    page.goto("/workflow-templates/argo/new")
    editor(page).fill(TEMPLATE_YAML.format(name=name))
    expect(page.locator(".tm-lint-status")).to_have_text("✔ Valid")
    page.get_by_role("button", name="Create workflow template").click()
    expect(page).to_have_url(f"{live.url}/workflow-templates/argo/{name}")
    summary = page.locator(".tm-summary")
    expect(summary.locator("tr[data-param='greeting']")).to_contain_text("hello")
    expect(summary.locator("tr[data-param='colour']")).to_contain_text("green")
    expect(summary.locator("li[data-template='main']")).to_contain_text("container")

    page.goto("/workflow-templates/argo")
    row = page.locator(f"tr[data-name='{name}']")
    expect(row).to_contain_text("main")
    row.get_by_role("link", name=name).click()

    page.get_by_role("button", name="Edit YAML").click()
    text = editor(page).input_value()
    editor(page).fill(text.replace("value: hello", "value: bonjour"))
    page.get_by_role("button", name="Save YAML").click()
    expect(page.get_by_role("button", name="Edit YAML")).to_be_visible()
    expect(summary.locator("tr[data-param='greeting']")).to_contain_text("bonjour")
    stored = live.api("GET", f"/api/v1/workflow-templates/argo/{name}")
    assert stored["spec"]["arguments"]["parameters"][0]["value"] == "bonjour"

    page.get_by_role("link", name=f"Submit {name}").click()
    expect(page).to_have_url(f"{live.url}/submit?kind=WorkflowTemplate&namespace=argo&name={name}")
    page.get_by_role("main").get_by_role("button", name="Submit", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/workflows/argo/{name}-[a-z0-9]+$"))
    selector = quote(f"workflows.argoproj.io/workflow-template={name}")
    wf_path = f"/api/v1/workflows/argo?listOptions.labelSelector={selector}"
    items = live.api("GET", wf_path).get("items") or []
    assert len(items) == 1
    assert items[0]["spec"]["arguments"]["parameters"][0]["value"] == "bonjour"

    page.goto(f"/workflow-templates/argo/{name}")
    started = page.locator(".tm-started tbody tr")
    expect(started).to_contain_text(items[0]["metadata"]["name"])

    page.get_by_role("button", name=f"Delete {name}").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    expect(page).to_have_url(f"{live.url}/workflow-templates/argo")
    expect(page.locator(f"tr[data-name='{name}']")).to_have_count(0)
    try:
        live.api("GET", f"/api/v1/workflow-templates/argo/{name}")
        raise AssertionError("the template is still there")
    except LiveError as e:
        assert e.status == 404


def test_lint_errors_show_inline_and_nothing_is_created(page: Page, live: Live) -> None:
    name = f"ui-bad-{uuid.uuid4().hex[:6]}"
    allow_console_errors(page, r"status of 400 .*/lint")  # the lint answers it shows inline
    page.goto("/workflow-templates/argo/new")
    bad = TEMPLATE_YAML.format(name=name).replace("entrypoint: main", "entrypoint: nowhere")
    editor(page).fill(bad)
    expect(page.locator(".tm-lint-status")).to_have_text("✖ Invalid")
    # The server's message, placed on the line it is about (the entrypoint is line 7).
    errors = page.locator(".tm-yaml .ed-errors")
    expect(errors).to_contain_text("Line 7: ")
    expect(errors).to_contain_text("nowhere")
    page.get_by_role("button", name="Create workflow template").click()
    expect(errors).to_contain_text("nowhere")
    expect(page).to_have_url(f"{live.url}/workflow-templates/argo/new")
    editor(page).fill("metadata: [unclosed")
    expect(errors).to_contain_text("YAML:")
    expect(page.locator(".tm-lint-status")).to_have_text("")
    listed = live.api("GET", "/api/v1/workflow-templates/argo").get("items") or []
    assert name not in [t["metadata"]["name"] for t in listed]


def test_a_stale_save_is_a_conflict_saved_over_or_reloaded(page: Page, live: Live) -> None:
    name = f"ui-stale-{uuid.uuid4().hex[:6]}"
    path = f"/api/v1/workflow-templates/argo/{name}"
    live.create("workflow-templates", "template", _template(name))
    allow_console_errors(page, r"status of 409 ")  # the conflict it offers to resolve
    page.goto(f"/workflow-templates/argo/{name}")

    def edit_while_someone_else_saves(label: str, value: str) -> None:
        page.get_by_role("button", name="Edit YAML").click()
        stored = live.api("GET", path)
        stored["metadata"]["labels"] = {"by": label}
        live.api("PUT", path, {"template": stored})
        editor(page).fill(re.sub(r"value: \w+", f"value: {value}", editor(page).input_value()))
        page.get_by_role("button", name="Save YAML").click()
        expect(page.locator(".tm-conflict")).to_contain_text("Conflict")

    edit_while_someone_else_saves("first-person", "mine")
    page.get_by_role("button", name="Save my edits over the latest version").click()
    expect(page.get_by_role("button", name="Edit YAML")).to_be_visible()
    stored = live.api("GET", path)
    assert stored["spec"]["arguments"]["parameters"][0]["value"] == "mine"
    assert "labels" not in stored["metadata"]

    edit_while_someone_else_saves("second-person", "again")
    page.get_by_role("button", name="Reload the latest version").click()
    expect(editor(page)).to_have_value(re.compile("second-person"))
    expect(editor(page)).to_have_value(re.compile("value: mine"))
    live.api("DELETE", path)


def _template(name: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name},
        "spec": {
            "entrypoint": "main",
            "arguments": {"parameters": [{"name": "greeting", "value": "hello"}]},
            "templates": [
                {"name": "main", "container": {"image": "busybox", "command": ["true"]}},
                {"name": "both", "steps": [[{"name": "a", "template": "main"}]]},
            ],
        },
    }


def test_cluster_workflow_template_list_and_detail(page: Page, live: Live) -> None:
    name = f"ui-cwft-{uuid.uuid4().hex[:6]}"
    live.create("cluster-workflow-templates", "template", _template(name), namespace="")
    page.goto("/cluster-workflow-templates")
    row = page.locator(f"tr[data-name='{name}']")
    expect(row).to_contain_text("main")
    expect(row.locator("td.tm-num")).to_have_text("2")
    row.get_by_role("link", name=name).click()
    expect(page).to_have_url(f"{live.url}/cluster-workflow-templates/{name}")
    summary = page.locator(".tm-summary")
    expect(summary).to_contain_text("ClusterWorkflowTemplate")
    expect(summary.locator("li[data-template='both']")).to_contain_text("steps")
    submit = page.get_by_role("link", name=f"Submit {name}")
    expect(submit).to_have_attribute(
        "href", f"/submit?kind=ClusterWorkflowTemplate&namespace=argo&name={name}"
    )
    page.get_by_role("button", name=f"Delete {name}").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    expect(page).to_have_url(f"{live.url}/cluster-workflow-templates")
    expect(page.locator(f"tr[data-name='{name}']")).to_have_count(0)


def test_the_list_filters_by_name_and_shows_every_namespace(page: Page, live: Live) -> None:
    run = uuid.uuid4().hex[:6]
    live.create("workflow-templates", "template", _template(f"ui-all-{run}-a"))
    live.create("workflow-templates", "template", _template(f"ui-all-{run}-b"), namespace="default")
    page.goto("/workflow-templates/argo")
    expect(page.locator(f"tr[data-name='ui-all-{run}-a']")).to_be_visible()
    expect(page.locator(f"tr[data-name='ui-all-{run}-b']")).to_have_count(0)
    namespace = page.get_by_role("combobox", name="Namespace")
    namespace.fill("")
    namespace.press("Enter")
    expect(page).to_have_url(f"{live.url}/workflow-templates?namespace=")
    expect(page.locator(f"tr[data-name='ui-all-{run}-b']")).to_contain_text("default")
    page.get_by_role("searchbox", name="Filter by name").fill(f"{run}-b")
    expect(page.locator(f"tr[data-name='ui-all-{run}-a']")).to_have_count(0)
    expect(page.locator(f"tr[data-name='ui-all-{run}-b']")).to_be_visible()
    expect(page).to_have_url(f"{live.url}/workflow-templates?namespace=&name={run}-b")
    live.api("DELETE", f"/api/v1/workflow-templates/argo/ui-all-{run}-a")
    live.api("DELETE", f"/api/v1/workflow-templates/default/ui-all-{run}-b")


def test_a_missing_template_or_cron_is_an_error_with_retry(page: Page) -> None:
    allow_console_errors(page, r"status of 404 ")
    for path in (
        "/workflow-templates/argo/no-such-template",
        "/cluster-workflow-templates/no-such-template",
        "/cron-workflows/argo/no-such-cron",
    ):
        page.goto(path)
        box = page.locator(".error-box")
        expect(box).to_contain_text("Not found")
        expect(box.get_by_role("button", name="Retry")).to_be_visible()
