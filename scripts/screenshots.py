"""Screenshots of the web UI's main pages for the README: `make screenshots`.

Starts its own `argoapp up` on a temporary data dir (tests/ui/harness.py's `Live`), makes a few
small objects through the API (a DAG workflow that succeeds, one that fails, one still running,
a WorkflowTemplate with parameters, a CronWorkflow that was submitted once), then drives
Debian's headless Chromium over the pages and saves 1280x800 PNGs to docs/screenshots/: the
workflows list, a workflow's graph with the node panel open on a step's logs, its timeline, the
submit page, the templates list and the cron detail, in light mode, and the graph alone in dark
mode.

Run from the repository root: `.venv/bin/python -m scripts.screenshots [OUT_DIR]`. Not a test:
it waits with fixed pauses where a page animates, and prints what it saved.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, sync_playwright

from tests.ui.harness import CHROMIUM_ARGS, Live

VIEWPORT = {"width": 1280, "height": 800}
NS = "argo"

DAG = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: release-build
  labels: {team: platform, app: web}
spec:
  entrypoint: pipeline
  arguments:
    parameters: [{name: version, value: "1.4.2"}]
  templates:
  - name: pipeline
    dag:
      tasks:
      - {name: checkout, template: step, arguments: {parameters: [{name: what, value: checkout}]}}
      - name: unit-tests
        dependencies: [checkout]
        template: step
        arguments: {parameters: [{name: what, value: unit-tests}]}
      - name: lint
        dependencies: [checkout]
        template: step
        arguments: {parameters: [{name: what, value: lint}]}
      - name: build-image
        dependencies: [unit-tests, lint]
        template: step
        arguments: {parameters: [{name: what, value: build-image}]}
      - name: publish
        dependencies: [build-image]
        template: step
        arguments: {parameters: [{name: what, value: publish}]}
  - name: step
    inputs:
      parameters: [{name: what}]
    container:
      image: python:3
      command: [sh, -c]
      args:
      - |
        echo "== {{inputs.parameters.what}} for version {{workflow.parameters.version}}"
        what="{{inputs.parameters.what}}"
        for i in 1 2 3 4 5; do
          echo "$what: stage $i of 5 done"; sleep 0.$(( ${#what} % 5 + 3 ))
        done
        echo "{{inputs.parameters.what}} finished"
"""

FAILING = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: nightly-migrate, labels: {team: data}}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: prepare, template: ok}
    - - {name: migrate, template: boom}
  - name: ok
    container: {image: python:3, command: [sh, -c, "echo preparing; echo ready"]}
  - name: boom
    container:
      image: python:3
      command: [sh, -c, "echo 'applying 0042_add_index'; echo 'error: lock timeout' >&2; exit 3"]
"""

RUNNING = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: long-report, labels: {team: data}}
spec:
  entrypoint: main
  templates:
  - name: main
    container: {image: python:3, command: [sh, -c, "echo crunching; sleep 600"]}
"""

TEMPLATE: dict[str, Any] = {
    "metadata": {"name": "greeting", "labels": {"team": "platform"}},
    "spec": {
        "entrypoint": "hello",
        "arguments": {
            "parameters": [
                {"name": "who", "value": "world", "description": "Who to greet"},
                {"name": "tone", "value": "friendly", "enum": ["friendly", "formal", "loud"]},
            ]
        },
        "templates": [
            {
                "name": "hello",
                "container": {
                    "image": "python:3",
                    "command": ["sh", "-c"],
                    "args": ["echo hello {{workflow.parameters.who}}"],
                },
            }
        ],
    },
}

CRON: dict[str, Any] = {
    "metadata": {"name": "hourly-cleanup"},
    "spec": {
        "schedule": "0 * * * *",
        "timezone": "UTC",
        "concurrencyPolicy": "Forbid",
        "workflowSpec": {
            "entrypoint": "clean",
            "templates": [
                {
                    "name": "clean",
                    "container": {
                        "image": "python:3",
                        "command": ["sh", "-c", "echo removing old files; echo done"],
                    },
                }
            ],
        },
    },
}


def make_objects(live: Live) -> dict[str, str]:
    """The workflows, template and cron the pages show; the id of a step to open."""
    live.create("workflow-templates", "template", TEMPLATE)
    live.create("cron-workflows", "cronWorkflow", CRON)
    submit = {"resourceKind": "CronWorkflow", "resourceName": "hourly-cleanup"}
    live.api("POST", f"/api/v1/workflows/{NS}/submit", submit)
    for text in (FAILING, DAG):
        live.submit(text, NS)
    live.submit(RUNNING, NS)
    live.wait(NS, "nightly-migrate", timeout=120)
    wf = live.wait(NS, "release-build", timeout=120)
    nodes = wf.get("status", {}).get("nodes", {})
    step = next(
        (n["id"] for n in nodes.values() if n.get("displayName") == "build-image"),
        next(iter(nodes)),
    )
    return {"step": step}


def settle(page: Page, path: str, ready: str = "main h1", pause_ms: int = 700) -> None:
    """Open `path`, wait for `ready`, then let animations and canvases finish."""
    page.goto(path)
    page.locator(ready).first.wait_for(state="visible", timeout=30_000)
    page.wait_for_timeout(pause_ms)


def shoot(
    browser: Browser, live: Live, out: Path, scheme: str, shots: list[tuple[str, str, str]]
) -> None:
    context = browser.new_context(base_url=live.url, viewport=VIEWPORT, color_scheme=scheme)  # type: ignore[arg-type]
    context.add_cookies(
        [{"name": "authorization", "value": f'"Bearer {live.token}"', "url": live.url}]
    )
    page = context.new_page()
    for name, path, ready in shots:
        settle(page, path, ready)
        target = out / f"{name}.png"
        page.screenshot(path=str(target))
        print(f"saved {target}")
    context.close()


def main(argv: list[str]) -> int:
    out = Path(argv[1] if len(argv) > 1 else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="argoapp-shots-") as tmp:
        live = Live(Path(tmp) / "data").start()
        try:
            ids = make_objects(live)
            time.sleep(1)  # the running workflow's pod starts
            graph = f"/workflows/{NS}/release-build?tab=graph&node={ids['step']}&panel=logs"
            light = [
                ("workflows-list", f"/workflows/{NS}", "main h1"),
                ("workflow-graph", graph, "main canvas"),
                ("workflow-timeline", f"/workflows/{NS}/release-build?tab=timeline", "main canvas"),
                (
                    "submit",
                    f"/submit?namespace={NS}&kind=WorkflowTemplate&name=greeting",
                    "main h1",
                ),
                ("workflow-templates", f"/workflow-templates/{NS}", "main h1"),
                ("cron-workflow", f"/cron-workflows/{NS}/hourly-cleanup", "main h1"),
            ]
            dark = [("workflow-graph-dark", f"/workflows/{NS}/release-build", "main canvas")]
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
                )
                shoot(browser, live, out, "light", light)
                shoot(browser, live, out, "dark", dark)
                browser.close()
        finally:
            live.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
