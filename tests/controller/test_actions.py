"""The engine's other actions through the controller: http, locks, events, workflow deletion,
controller-wide parallelism."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from datetime import datetime

import pytest
from aiohttp import web

from argoapp.engine.api import (
    Acquire,
    DeleteWorkflow,
    Event,
    Observed,
    Release,
    Result,
    RunHttp,
    Settings,
)
from argoapp.kube.client import Kube
from argoapp.kube.errors import NotFound
from argoapp.model.types import Obj

from .conftest import RunController, eventually, with_status, workflow

Engine = Callable[[Obj, Observed, datetime, Settings], Result]


@pytest.fixture
async def echo_server() -> AsyncIterator[str]:
    """A local HTTP server: /echo answers with what it was sent, /teapot with 418."""

    async def echo(request: web.Request) -> web.Response:
        body = await request.text()
        return web.json_response(
            {"method": request.method, "auth": request.headers.get("Authorization"), "body": body}
        )

    async def teapot(request: web.Request) -> web.Response:
        return web.Response(status=418, text="short and stout")

    app = web.Application()
    app.router.add_route("*", "/echo", echo)
    app.router.add_get("/teapot", teapot)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()


def http_engine(templates: dict[str, Obj]) -> object:
    """Asks for each http node until its task result arrives, then records its outcome."""

    def engine(wf: Obj, observed: Observed, now: datetime, settings: Settings) -> Result:
        pending = [n for n in templates if n not in observed.task_results]
        if pending:
            return Result(wf, [RunHttp(n, templates[n]) for n in pending])
        outcomes = {
            n: {"phase": r.get("phase"), "message": r.get("message"), "outputs": r.get("outputs")}
            for n, r in observed.task_results.items()
        }
        return Result(with_status(wf, phase="Succeeded", nodes=outcomes))

    return engine


async def test_http_templates_run_in_the_controller_and_report_task_results(
    kube: Kube, run_controller: RunController, echo_server: str
) -> None:
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "token", "namespace": "default"},
        "data": {"value": base64.b64encode(b"Bearer s3cret").decode()},
    }
    await kube.create("Secret", secret)
    templates = {
        "call-ok": {
            "http": {
                "url": f"{echo_server}/echo",
                "method": "POST",
                "body": "hi",
                "headers": [
                    {
                        "name": "Authorization",
                        "valueFrom": {"secretKeyRef": {"name": "token", "key": "value"}},
                    }
                ],
            }
        },
        "call-418": {"http": {"url": f"{echo_server}/teapot"}},
        "call-cond": {
            "http": {
                "url": f"{echo_server}/teapot",
                "successCondition": "response.statusCode == 418",
            }
        },
    }
    await run_controller(http_engine(templates))
    since = (await kube.list("WorkflowTaskResult", "default"))["metadata"]["resourceVersion"]
    await kube.create("Workflow", workflow("web"))

    async def done() -> Obj | None:
        wf = await kube.get("Workflow", "web", "default")
        return wf if wf.get("status", {}).get("phase") == "Succeeded" else None

    nodes = (await eventually(done))["status"]["nodes"]
    ok = nodes["call-ok"]
    assert ok["phase"] == "Succeeded"
    assert json.loads(ok["outputs"]["result"]) == {
        "method": "POST",
        "auth": "Bearer s3cret",
        "body": "hi",
    }
    assert nodes["call-418"]["phase"] == "Failed"
    assert "418" in nodes["call-418"]["message"]
    assert nodes["call-418"]["outputs"]["result"] == "short and stout"
    assert nodes["call-cond"]["phase"] == "Succeeded"
    # The controller deletes a done workflow's task results, as Argo does: the one it wrote
    # is read back from the watch history.
    result = await written(kube, since, "call-ok")
    labels = result["metadata"]["labels"]
    assert labels["workflows.argoproj.io/workflow"] == "web"
    assert labels["workflows.argoproj.io/report-outputs-completed"] == "true"
    assert result["metadata"]["ownerReferences"][0]["name"] == "web"


async def written(kube: Kube, since: str, name: str) -> Obj:
    """The task result `name` as it was first written after resourceVersion `since`."""
    watch = kube.watch("WorkflowTaskResult", "default", resource_version=since, timeout_seconds=5)
    async with contextlib.aclosing(watch) as events:
        async for kind, obj in events:
            if kind in ("ADDED", "MODIFIED") and obj["metadata"]["name"] == name:
                return obj
    raise AssertionError(f"no task result {name} was written")


async def test_a_mutex_is_granted_in_turn_and_a_release_wakes_the_waiter(
    kube: Kube, run_controller: RunController
) -> None:
    key = "default/Mutex/one"

    def engine(wf: Obj, observed: Observed, now: datetime, settings: Settings) -> Result:
        me = f"default/{wf['metadata']['name']}"
        status = wf.get("status") or {}
        holding = me in observed.locks.get(key, ())
        if status.get("phase") == "Succeeded":
            return Result(wf)
        if not holding:
            return Result(with_status(wf, phase="Pending"), [Acquire(key, me, 1)])
        if "finish" in wf["metadata"].get("labels", {}):
            return Result(with_status(wf, phase="Succeeded"), [Release(key, me)])
        return Result(with_status(wf, phase="Running"))

    controller = await run_controller(engine)
    await kube.create("Workflow", workflow("first"))

    async def phase(name: str) -> str:
        wf = await kube.get("Workflow", name, "default")
        return str(wf.get("status", {}).get("phase", ""))

    await eventually(lambda: _eq(phase("first"), "Running"))
    await kube.create("Workflow", workflow("second"))
    await eventually(lambda: _eq(phase("second"), "Pending"))
    assert controller.locks.waiting(key) == ["default/second"]
    await kube.patch("Workflow", "first", {"metadata": {"labels": {"finish": "1"}}}, "default")
    # The release requeues the waiter: nothing else changes `second`.
    await eventually(lambda: _eq(phase("second"), "Running"))
    assert controller.locks.holders() == {key: ("default/second",)}


async def test_events_are_recorded_and_an_expired_workflow_is_deleted(
    kube: Kube, run_controller: RunController
) -> None:
    def engine(wf: Obj, observed: Observed, now: datetime, settings: Settings) -> Result:
        if (wf.get("status") or {}).get("phase") != "Succeeded":
            events = [
                Event("Normal", "WorkflowRunning", "Workflow Running"),
                Event("Normal", "WorkflowNodeSucceeded", "Succeeded node x", node_name="x"),
            ]
            # a TTL of (almost) nothing: the engine asks for the pass that deletes it
            return Result(with_status(wf, phase="Succeeded"), events, requeue_after=0.01)
        return Result(wf, [DeleteWorkflow()])

    await run_controller(engine)
    made = await kube.create("Workflow", workflow("brief"))

    async def gone() -> bool:
        try:
            await kube.get("Workflow", "brief", "default")
        except NotFound:
            return True
        return False

    await eventually(gone)
    events = (await kube.list("Event", "default"))["items"]
    reasons = {e["reason"]: e for e in events}
    assert {"WorkflowRunning", "WorkflowNodeSucceeded"} <= set(reasons)
    running = reasons["WorkflowRunning"]
    assert running["involvedObject"]["kind"] == "Workflow"
    assert running["involvedObject"]["uid"] == made["metadata"]["uid"]
    assert running["source"]["component"] == "workflow-controller"
    node = reasons["WorkflowNodeSucceeded"]
    assert node["metadata"]["annotations"]["workflows.argoproj.io/node-name"] == "x"


def _starting_engine(started: list[str]) -> Engine:
    """An engine that notes each workflow it starts (Running) and finishes one labelled
    `finish`: what a test of admission needs to see."""

    def engine(wf: Obj, observed: Observed, now: datetime, settings: Settings) -> Result:
        if (wf.get("status") or {}).get("phase") in (None, "", "Pending"):
            started.append(wf["metadata"]["name"])
            return Result(with_status(wf, phase="Running"))
        if "finish" in wf["metadata"].get("labels", {}):
            return Result(with_status(wf, phase="Succeeded"))
        return Result(wf)

    return engine


async def test_controller_parallelism_admits_in_priority_order(
    kube: Kube, run_controller: RunController
) -> None:
    started: list[str] = []
    engine = _starting_engine(started)

    await run_controller(engine, settings=Settings(parallelism=1))
    await kube.create("Workflow", workflow("p-first"))
    await eventually(lambda: _true("p-first" in started))
    await kube.create("Workflow", workflow("p-low"))
    await kube.create("Workflow", workflow("p-high", priority=10))

    async def message(name: str) -> str:
        wf = await kube.get("Workflow", name, "default")
        return str(wf.get("status", {}).get("message", ""))

    await eventually(lambda: _contains(message("p-low"), "postponed"))
    await eventually(lambda: _contains(message("p-high"), "postponed"))
    assert started == ["p-first"]
    await kube.patch("Workflow", "p-first", {"metadata": {"labels": {"finish": "1"}}}, "default")
    await eventually(lambda: _true(len(started) == 2))
    assert started == ["p-first", "p-high"]


async def test_namespace_parallelism_caps_each_namespace(
    kube: Kube, run_controller: RunController
) -> None:
    started: list[str] = []
    engine = _starting_engine(started)

    await kube.create("Namespace", {"metadata": {"name": "team"}})
    await run_controller(engine, settings=Settings(namespace_parallelism=1))
    await kube.create("Workflow", workflow("n-first"))
    await eventually(lambda: _true("n-first" in started))
    await kube.create("Workflow", workflow("n-second"))
    other = workflow("n-other")
    other["metadata"]["namespace"] = "team"
    await kube.create("Workflow", other)
    await eventually(lambda: _true("n-other" in started))  # another namespace: not held up

    async def message(name: str) -> str:
        wf = await kube.get("Workflow", name, "default")
        return str(wf.get("status", {}).get("message", ""))

    await eventually(lambda: _contains(message("n-second"), "postponed"))
    assert "n-second" not in started
    await kube.patch("Workflow", "n-first", {"metadata": {"labels": {"finish": "1"}}}, "default")
    await eventually(lambda: _true("n-second" in started))


async def test_a_namespace_parallelism_label_caps_that_namespace(
    kube: Kube, run_controller: RunController
) -> None:
    started: list[str] = []
    engine = _starting_engine(started)
    labels = {"workflows.argoproj.io/parallelism-limit": "1"}
    await kube.create("Namespace", {"metadata": {"name": "capped", "labels": labels}})
    await run_controller(engine)  # no namespaceParallelism: the label alone caps it
    for name in ("c-first", "c-second"):
        wf = workflow(name)
        wf["metadata"]["namespace"] = "capped"
        await kube.create("Workflow", wf)
    await eventually(lambda: _true(len(started) == 1))

    async def postponed(name: str = "") -> bool:
        items = (await kube.list("Workflow", "capped"))["items"]
        return any(
            "postponed" in (w.get("status") or {}).get("message", "")
            and w["metadata"]["name"].startswith(name)
            for w in items
        )

    await eventually(postponed)
    await kube.create("Workflow", workflow("c-free"))  # default has no label: not held
    await eventually(lambda: _true("c-free" in started))
    assert len([n for n in started if n.startswith("c-") and n != "c-free"]) == 1
    raised = {"metadata": {"labels": {"workflows.argoproj.io/parallelism-limit": "2"}}}
    await kube.patch("Namespace", "capped", raised)
    await eventually(lambda: _true({"c-first", "c-second"} <= set(started)))
    third = workflow("c-third")
    third["metadata"]["namespace"] = "capped"
    await kube.create("Workflow", third)
    await eventually(lambda: postponed("c-third"))
    assert "c-third" not in started
    unlabelled = {"metadata": {"labels": {"workflows.argoproj.io/parallelism-limit": None}}}
    await kube.patch("Namespace", "capped", unlabelled)  # no label, no cap
    await eventually(lambda: _true("c-third" in started))


async def _eq(value: object, expected: str) -> bool:
    return bool(await value == expected)  # type: ignore[misc]


async def _contains(value: object, part: str) -> bool:
    return part in await value  # type: ignore[misc]


async def _true(value: bool) -> bool:
    return value


async def test_stop_ends_a_hanging_http_request_and_leaves_nothing_running(
    kube: Kube, run_controller: RunController
) -> None:
    asked, release = asyncio.Event(), asyncio.Event()

    async def hang(request: web.Request) -> web.Response:
        asked.set()
        await release.wait()  # no answer while the controller stops
        return web.Response(text="too late")

    app = web.Application()
    app.router.add_get("/hang", hang)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/hang"
        engine = http_engine({"slow": {"http": {"url": url, "timeoutSeconds": 600}}})
        controller = await run_controller(engine)
        await kube.create("Workflow", workflow("slow"))
        async with asyncio.timeout(30):
            await asked.wait()
        controller.stop()
        async with asyncio.timeout(30):
            await controller.wait_stopped()  # the request was cancelled, the session closed
    finally:
        release.set()
        await runner.cleanup()
