"""The Submit page in a real browser against a live `argoapp up`: paste a workflow and submit it
(it runs to Succeeded), a YAML error at its line holding the button back, Argo's lint message
inline, upload and drop a file, create a WorkflowTemplate from YAML, submit from a
WorkflowTemplate with an enum parameter and an entrypoint choice, the draft kept over a reload,
and the editor's keyboard behaviour (indenting, Enter, Esc then Tab out, 5,000 lines).

Everything is driven as a user would (typing, clicking, choosing, files); objects the tests need
beforehand are made through the API with unique names.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from tests.ui.harness import Live

NS = "argo"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def workflow_yaml(name: str, entrypoint: str = "main") -> str:
    return f"""apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: {name}
spec:
  entrypoint: {entrypoint}
  templates:
    - name: main
      container:
        image: busybox
        command: [sh, -c, "echo submitted from the page"]
"""


def editor(page: Page) -> Any:
    return page.get_by_label("Workflow YAML editor")


def submit_button(page: Page) -> Any:
    return page.locator(".ed-panel:not([hidden]) .btn.primary")


def open_yaml_tab(page: Page) -> None:
    page.goto("/submit?tab=yaml")
    expect(editor(page)).to_be_visible()
    # The page starts with the example workflow, checked by the server.
    expect(editor(page)).to_have_value(contains("kind: Workflow"))


def contains(text: str) -> re.Pattern[str]:
    return re.compile(".*" + re.escape(text) + ".*", re.S)


def test_paste_a_workflow_submit_and_land_on_its_page(page: Page, live: Live) -> None:
    open_yaml_tab(page)
    expect(page.locator(".ed-status")).to_contain_text("Valid")
    name = unique("ui-submit")
    editor(page).fill(workflow_yaml(name))
    expect(page.locator(".ed-status")).to_contain_text("Valid Workflow")
    expect(submit_button(page)).to_have_text("Submit")
    submit_button(page).click()
    expect(page).to_have_url(f"{live.url}/workflows/{NS}/{name}")
    assert live.wait(NS, name)["status"]["phase"] == "Succeeded"


def test_a_yaml_error_shows_at_its_line_and_disables_submit(page: Page) -> None:
    open_yaml_tab(page)
    broken = workflow_yaml(unique("ui-broken")).replace(
        "  entrypoint: main", "  entrypoint: main: oops"
    )
    editor(page).fill(broken)
    status = page.locator(".ed-status")
    expect(status).to_contain_text("YAML error on line 6")
    expect(page.locator(".ed-error")).to_contain_text(
        ["Line 6:19: mapping values are not allowed here"]
    )
    expect(page.locator(".ed-num-error")).to_contain_text("6")
    expect(submit_button(page)).to_be_disabled()
    # The error list below moves the caret to the line.
    page.locator(".ed-error-link").first.click()
    caret_line = editor(page).evaluate(
        "(t) => t.value.slice(0, t.selectionStart).split('\\n').length"
    )
    assert caret_line == 6
    # Fixing it enables the button again.
    editor(page).fill(broken.replace("main: oops", "main"))
    expect(submit_button(page)).to_be_enabled()
    expect(page.locator(".ed-num-error")).to_have_count(0)


def test_a_lint_error_shows_argos_message_inline(page: Page, live: Live) -> None:
    page.expect_console_errors(r"status of 400 .*/api/v1/workflows/argo/lint\]")  # type: ignore[attr-defined]  # Argo's answer
    open_yaml_tab(page)
    name = unique("ui-lint")
    editor(page).fill(workflow_yaml(name, entrypoint="no-such-template"))
    expect(page.locator(".ed-status")).to_contain_text("Lint error on line 6")
    expect(submit_button(page)).to_be_disabled()
    message = page.locator(".ed-error").first
    expect(message).to_contain_text("no-such-template")
    # Placed on the line naming it: `entrypoint: no-such-template` is line 6.
    expect(message).to_contain_text("Line 6")
    with_name = live.api("GET", f"/api/v1/workflows/{NS}")
    assert name not in [w["metadata"]["name"] for w in with_name.get("items") or []]


def test_upload_and_drop_a_file(page: Page, live: Live, tmp_path: Path) -> None:
    open_yaml_tab(page)
    dropped = unique("ui-dropped")
    text = workflow_yaml(dropped)
    transfer = page.evaluate_handle(
        """(text) => { const dt = new DataTransfer();
          dt.items.add(new File([text], 'dropped.yaml', {type: 'text/yaml'})); return dt; }""",
        text,
    )
    page.dispatch_event(".ed-drop", "drop", {"dataTransfer": transfer})
    expect(editor(page)).to_have_value(text)
    expect(page.locator(".ed-status")).to_contain_text("Valid")

    uploaded = unique("ui-upload")
    path = tmp_path / "workflow.yaml"
    path.write_text(workflow_yaml(uploaded))
    page.locator("#ed-file").set_input_files(str(path))
    expect(editor(page)).to_have_value(path.read_text())
    expect(page.locator(".ed-status")).to_contain_text("Valid Workflow")
    expect(submit_button(page)).to_be_enabled()
    editor(page).press("Control+Enter")  # the keyboard way to submit
    expect(page).to_have_url(f"{live.url}/workflows/{NS}/{uploaded}")


def test_a_workflow_template_document_is_linted_and_created(page: Page, live: Live) -> None:
    open_yaml_tab(page)
    name = unique("ui-wft")
    text = workflow_yaml(name).replace("kind: Workflow", "kind: WorkflowTemplate")
    editor(page).fill(text)
    expect(page.locator(".ed-kind")).to_have_text("WorkflowTemplate")
    expect(page.locator(".ed-status")).to_contain_text("Valid WorkflowTemplate")
    expect(submit_button(page)).to_have_text("Create WorkflowTemplate")
    submit_button(page).click()
    expect(page).to_have_url(f"{live.url}/workflow-templates/{NS}/{name}")
    assert live.api("GET", f"/api/v1/workflow-templates/{NS}/{name}")["metadata"]["name"] == name


def template_with_choices(name: str) -> dict[str, Any]:
    say = {"image": "busybox", "command": ["sh", "-c", "echo {{workflow.parameters.colour}}"]}
    return {
        "metadata": {"name": name, "namespace": NS},
        "spec": {
            "entrypoint": "main",
            "arguments": {
                "parameters": [
                    {
                        "name": "colour",
                        "value": "red",
                        "enum": ["red", "green", "blue"],
                        "description": "the colour to say",
                    },
                    {"name": "size", "value": "3"},
                ]
            },
            "templates": [{"name": "main", "container": say}, {"name": "other", "container": say}],
        },
    }


def test_submit_from_a_workflow_template_with_a_parameter(page: Page, live: Live) -> None:
    name = unique("ui-tmpl")
    live.create("workflow-templates", "template", template_with_choices(name))
    page.goto("/submit?tab=template")
    page.get_by_label("Kind", exact=True).select_option("WorkflowTemplate")
    page.get_by_label("Name", exact=True).select_option(name)
    colour = page.get_by_label("colour", exact=True)
    expect(colour).to_have_value("red")
    expect(page.locator(".ed-help")).to_contain_text(["the colour to say"])
    colour.select_option("blue")
    page.get_by_label("Entrypoint", exact=True).select_option("other")
    page.get_by_label("Labels (optional)", exact=True).fill("team=ui")
    page.locator(".ed-panel:not([hidden]) .btn.primary").click()
    expect(page).to_have_url(contains(f"/workflows/{NS}/{name}"))
    wf_name = page.url.rsplit("/", 1)[1]
    wf = live.api("GET", f"/api/v1/workflows/{NS}/{wf_name}")
    params = {p["name"]: p.get("value") for p in wf["spec"]["arguments"]["parameters"]}
    assert params["colour"] == "blue" and params["size"] == "3"
    assert wf["spec"]["entrypoint"] == "other"
    assert wf["metadata"]["labels"]["team"] == "ui"
    assert live.wait(NS, wf_name)["status"]["phase"] == "Succeeded"


def test_a_template_link_preselects_it(page: Page, live: Live) -> None:
    name = unique("ui-link")
    live.create("workflow-templates", "template", template_with_choices(name))
    page.goto(f"/submit?namespace={NS}&kind=WorkflowTemplate&name={name}")
    expect(page.get_by_role("tab", name="From a template")).to_have_attribute(
        "aria-selected", "true"
    )
    expect(page.get_by_label("Name", exact=True)).to_have_value(name)
    expect(page.get_by_label("colour", exact=True)).to_have_value("red")
    expect(page.get_by_label("Entrypoint", exact=True)).to_have_value("main")


def test_the_draft_survives_a_reload(page: Page) -> None:
    open_yaml_tab(page)
    text = workflow_yaml(unique("ui-draft")) + "# my own words\n"
    editor(page).fill(text)
    expect(page.locator(".ed-status")).to_contain_text("Valid")
    page.reload()
    expect(editor(page)).to_have_value(text)


def test_editor_keyboard(page: Page) -> None:
    open_yaml_tab(page)
    box = editor(page)
    box.fill("")
    box.press_sequentially("spec:")
    box.press("Enter")
    box.press_sequentially("a: 1")
    box.press("Enter")
    box.press_sequentially("b: 2")
    assert box.input_value() == "spec:\n  a: 1\n  b: 2"  # Enter keeps (and after `:` adds) indent
    box.press("Enter")
    box.press_sequentially("- name: x")
    box.press("Enter")
    box.press_sequentially("c: 3")
    assert box.input_value().endswith("\n  - name: x\n    c: 3")  # lines up under the item
    for _ in range(20):  # the browser's undo still works through the editor's own inserts
        if box.input_value() == "spec:\n  a: 1\n  b: 2":
            break
        box.press("Control+z")
    assert box.input_value() == "spec:\n  a: 1\n  b: 2"
    box.press("Tab")
    assert box.input_value().endswith("b: 2  ")  # Tab inserts two spaces
    box.press("Control+a")
    box.press("Tab")
    assert box.input_value() == "  spec:\n    a: 1\n    b: 2  "  # indents every selected line
    box.press("Shift+Tab")
    box.press("Shift+Tab")
    assert box.input_value() == "spec:\na: 1\nb: 2  "  # outdents, two spaces at a time
    # Esc then Tab leaves the editor: keyboard users are not trapped.
    box.press("Escape")
    box.press("Tab")
    assert not box.evaluate("(t) => t === document.activeElement")
    assert box.input_value() == "spec:\na: 1\nb: 2  "


def test_a_5000_line_document_keeps_the_gutter_in_step(page: Page) -> None:
    open_yaml_tab(page)
    lines = ["items:"] + [f"  - item-{i}" for i in range(1, 5000)]
    text = "\n".join(lines) + "\n"
    editor(page).fill("")
    # Pasted (the editor inserts big pastes itself: Chromium's own insert is slow at this size).
    editor(page).evaluate(
        """(t, text) => { const data = new DataTransfer(); data.setData('text/plain', text);
          t.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true,
            cancelable: true})); }""",
        text,
    )
    expect(editor(page)).to_have_value(text)
    expect(page.locator(".ed-status")).not_to_have_text("Checking…")
    editor(page).evaluate(
        "(t) => { t.scrollTop = t.scrollHeight; t.dispatchEvent(new Event('scroll')); }"
    )
    expect(page.locator(".ed-num", has_text="5000")).to_be_visible()
    # Only the visible numbers are in the DOM.
    assert page.locator(".ed-num").count() < 200


LINT_DOC = """\
metadata: {generateName: a-}
spec:
  entrypoint: main
  onExit: gone
  templates:
    - name: main
      steps:
        - - name: one
            template: missing
    - name: other
      container: {image: x, command: ["{{inputs.parameters.nope}}"]}
"""
LINT_LINES = [
    # Argo's lint messages (as the server words them) and the line each is about
    ("templates.main.steps[0].one template name 'missing' undefined", 9),
    ("templates.main sorting failed: invalid dependency zz", 6),
    ("templates.other: failed to resolve {{inputs.parameters.nope}}", 11),
    ("template name 'gone' undefined", 4),
    ("spec.entrypoint is required", 3),
    ("spec.arguments.parameters.x is missing", 2),
    ("something else entirely", None),
]


def test_lint_messages_are_placed_on_the_line_they_name(page: Page) -> None:
    page.expect_console_errors(r"status of 404 .*/submit-units-no-such-page\]")  # type: ignore[attr-defined]
    page.goto("/submit-units-no-such-page")
    got = page.evaluate(
        """async ([text, messages]) => {
          const k = await import('/static/js/submit/kinds.js');
          return messages.map((m) => k.lineForMessage(text, m)); }""",
        [LINT_DOC, [m for m, _ in LINT_LINES]],
    )
    assert got == [line for _, line in LINT_LINES]


def test_labels_are_key_value_pairs(page: Page) -> None:
    page.expect_console_errors(r"status of 404 .*/submit-units-no-such-page\]")  # type: ignore[attr-defined]
    page.goto("/submit-units-no-such-page")
    parse = "async (t) => (await import('/static/js/submit/templatepanel.js')).parseLabels(t)"
    assert page.evaluate(parse, "team=ui, env=dev") == {"labels": "team=ui,env=dev"}
    assert page.evaluate(parse, "") == {"labels": ""}
    assert "'oops'" in page.evaluate(parse, "team=ui, oops")["problem"]


def test_submit_from_a_cron_workflow_and_a_cluster_template(page: Page, live: Live) -> None:
    cron = unique("ui-cron")
    spec = template_with_choices(cron)["spec"]
    live.create(
        "cron-workflows",
        "cronWorkflow",
        {
            "metadata": {"name": cron, "namespace": NS},
            "spec": {"schedule": "0 0 1 1 *", "suspend": True, "workflowSpec": spec},
        },
    )
    cluster = unique("ui-cwft")
    live.create("cluster-workflow-templates", "template", template_with_choices(cluster), "")
    for kind, name, colour in (
        ("CronWorkflow", cron, "green"),
        ("ClusterWorkflowTemplate", cluster, "blue"),
    ):
        page.goto("/submit?tab=template")
        page.get_by_label("Kind", exact=True).select_option(kind)
        page.get_by_label("Name", exact=True).select_option(name)
        page.get_by_label("colour", exact=True).select_option(colour)
        page.locator(".ed-panel:not([hidden]) .btn.primary").click()
        expect(page).to_have_url(contains(f"/workflows/{NS}/{name}"))
        wf = live.api("GET", f"/api/v1/workflows/{NS}/{page.url.rsplit('/', 1)[1]}")
        params = {p["name"]: p.get("value") for p in wf["spec"]["arguments"]["parameters"]}
        assert params["colour"] == colour, kind


def test_the_example_workflow_runs(page: Page, live: Live) -> None:
    open_yaml_tab(page)
    expect(page.locator(".ed-status")).to_contain_text("Valid Workflow")
    submit_button(page).click()
    expect(page).to_have_url(contains(f"/workflows/{NS}/hello-world-"))
    assert live.wait(NS, page.url.rsplit("/", 1)[1])["status"]["phase"] == "Succeeded"


def test_a_required_parameter_must_be_given(page: Page, live: Live) -> None:
    name = unique("ui-req")
    tmpl = template_with_choices(name)
    tmpl["spec"]["arguments"]["parameters"].append({"name": "who"})  # no value: required
    live.create("workflow-templates", "template", tmpl)
    page.goto(f"/submit?namespace={NS}&kind=WorkflowTemplate&name={name}")
    who = page.get_by_label("who")
    expect(who).to_have_attribute("required", "")
    expect(page.locator(".ed-param", has=who).locator(".ed-required")).to_be_visible()
    page.locator(".ed-panel:not([hidden]) .btn.primary").click()
    expect(page.get_by_role("alert")).to_contain_text("Give a value for who")
    who.fill("world")
    page.locator(".ed-panel:not([hidden]) .btn.primary").click()
    expect(page).to_have_url(contains(f"/workflows/{NS}/{name}"))
    wf = live.api("GET", f"/api/v1/workflows/{NS}/{page.url.rsplit('/', 1)[1]}")
    params = {p["name"]: p.get("value") for p in wf["spec"]["arguments"]["parameters"]}
    assert params["who"] == "world"


LABEL_TOPS = """(panel) => [...document.querySelectorAll(`${panel} .ed-row .field > label:not(.btn),
  ${panel} .ed-row .field > .ed-field-label`)].map((l) => [l.textContent,
  Math.round(l.getBoundingClientRect().top)])"""


def test_the_top_row_lines_up_and_load_example_is_only_on_the_yaml_tab(page: Page) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    open_yaml_tab(page)
    example = page.get_by_role("button", name="Load the example workflow")
    expect(example).to_be_visible()
    tops = page.evaluate(LABEL_TOPS, "#ed-panel-yaml")
    assert [t for t, _ in tops] == ["Namespace", "Kind"]
    assert len({top for _, top in tops}) == 1, tops
    page.get_by_role("tab", name=re.compile("template", re.I)).click()
    expect(page.locator("#ed-panel-template")).to_be_visible()
    expect(example).to_be_hidden()
    tops = page.evaluate(LABEL_TOPS, "#ed-panel-template")
    assert [t for t, _ in tops] == ["Kind", "Namespace", "Name"]
    assert len({top for _, top in tops}) == 1, tops
    page.get_by_role("tab", name=re.compile("YAML", re.I)).click()
    expect(example).to_be_visible()
