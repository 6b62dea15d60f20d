"""api.stream in a real browser against the live server: a watch that the server (or a proxy)
ends cleanly is reopened with the usual backoff, with onError while it is down and onReopen once
it is back; a `final` stream ends for good with onEnd; an exception thrown by the caller's
onMessage is logged as a warning and is not taken for a network failure.

`page.route` stands in for the server ending a stream: the shared live server cannot be
restarted under the other tests, and a fulfilled empty 200 is exactly what a restart or a proxy's
read timeout looks like to the page."""

from __future__ import annotations

import json
import uuid

from playwright.sync_api import ConsoleMessage, Page, Route, expect

from tests.ui.harness import Live

HELLO = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: NAME}
spec:
  entrypoint: main
  templates:
  - name: main
    container: {image: python:3, command: [sh, -c, "echo hello"]}
"""

EVENTS = "**/api/v1/workflow-events/argo?*"

# Follows one workflow until it shows Succeeded, recording every callback in order.
FOLLOW_JS = """async ([name, final]) => {
  const api = await import('/static/js/api.js');
  const log = [];
  await new Promise((resolve) => {
    const close = api.stream('/api/v1/workflow-events/argo',
      {'listOptions.fieldSelector': `metadata.name=${name}`},
      (result) => {
        if (result.object.status && result.object.status.phase === 'Succeeded') {
          log.push('succeeded');
          close();
          resolve();
        }
      },
      {final, onOpen: () => log.push('open'), onReopen: () => log.push('reopen'),
       onError: (e) => log.push(`error ${e.status}`),
       onEnd: () => { log.push('end'); resolve(); }});
  });
  return log;
}"""


def _open(page: Page) -> None:
    page.goto("/userinfo")
    expect(page.locator("h1")).to_have_text("User")


def _finished_workflow(live: Live) -> str:
    name = f"stream-{uuid.uuid4().hex[:8]}"
    live.submit(HELLO.replace("NAME", name))
    live.wait("argo", name, phases=("Succeeded",))
    return name


def test_a_watch_the_server_ends_cleanly_is_reopened(page: Page, live: Live) -> None:
    name = _finished_workflow(live)
    answered: list[str] = []

    def end_first(route: Route) -> None:
        answered.append(route.request.url)
        if len(answered) == 1:
            route.fulfill(status=200, content_type="application/json", body="")
        else:
            route.continue_()

    _open(page)
    page.route(EVENTS, end_first)
    log = page.evaluate(FOLLOW_JS, [name, False])
    assert log == ["open", "error 0", "open", "reopen", "succeeded"]
    assert len(answered) == 2


def test_a_final_stream_ends_for_good(page: Page, live: Live) -> None:
    name = _finished_workflow(live)
    answered: list[str] = []

    def empty(route: Route) -> None:
        answered.append(route.request.url)
        route.fulfill(status=200, content_type="application/json", body="")

    _open(page)
    page.route(EVENTS, empty)
    log = page.evaluate(FOLLOW_JS, [name, True])
    assert log == ["open", "end"]
    assert len(answered) == 1


THROWING_JS = """async () => {
  const api = await import('/static/js/api.js');
  const seen = [];
  const errors = [];
  await new Promise((resolve) => {
    api.stream('/api/v1/workflow-events/argo', {},
      (result) => {
        seen.push(result.n);
        if (result.n === 1) throw new Error('a bug in the page');
      },
      {final: true, onError: (e) => errors.push(e.message), onEnd: resolve});
  });
  return {seen, errors};
}"""


def test_an_exception_in_on_message_is_a_warning_not_a_network_failure(page: Page) -> None:
    warnings: list[str] = []

    def on_console(msg: ConsoleMessage) -> None:
        if msg.type == "warning":
            warnings.append(msg.text)

    def two_messages(route: Route) -> None:
        body = "".join(json.dumps({"result": {"n": n}}) + "\n" for n in (1, 2))
        route.fulfill(status=200, content_type="application/json", body=body)

    _open(page)
    page.on("console", on_console)
    page.route("**/api/v1/workflow-events/argo*", two_messages)
    got = page.evaluate(THROWING_JS)
    assert got == {"seen": [1, 2], "errors": []}
    assert any("a message handler" in w for w in warnings), warnings
