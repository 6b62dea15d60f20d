"""Hera 7's async service (httpx) and the calls test_hera.py leaves out (template lint, cron
workflows), against a real `argoapp up`; and a workflow's logs read over HTTP after its pods
were garbage-collected (kept by localkube).

The async client sends an empty `Authorization:` header when it has no token and booleans as
`true`/`false`; the sync one sends no header and `True`/`False`: both must work.
"""

# No `from __future__ import annotations`: Hera reads the script function's real annotations.
import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml
from hera.exceptions import BadRequest, NotFound
from hera.workflows import (
    AsyncWorkflowsService,
    CronWorkflow,
    Steps,
    Workflow,
    WorkflowsService,
    WorkflowTemplate,
    script,
)
from hera.workflows.models import PodGC

from tests.e2e.upproc import UpProcess

pytestmark = [
    pytest.mark.timeout(180),
    pytest.mark.filterwarnings("ignore::pydantic.warnings.PydanticDeprecatedSince20"),
    # Hera's async service hands httpx its body as `data=`; that is Hera's, not ours.
    pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning"),
]
NS = "default"


@pytest.fixture
async def up(tmp_path: Path) -> AsyncIterator[UpProcess]:
    proc = UpProcess(tmp_path / "data")
    await proc.start()
    try:
        yield proc
    finally:
        await proc.terminate()


@pytest.fixture
async def aservice(up: UpProcess) -> AsyncIterator[AsyncWorkflowsService]:
    """Hera's async service; its httpx client is closed after the test."""
    service = AsyncWorkflowsService(host=host(up), namespace=NS)
    try:
        yield service
    finally:
        await service.session.aclose()


def host(up: UpProcess) -> str:
    return f"http://127.0.0.1:{up.port}"


@script(image="python:3.12", command=["python3"])
def say(message: str) -> None:
    print(f"said: {message}")


def steps_workflow(service: Any, **extra: Any) -> Workflow:
    with (
        Workflow(
            generate_name="hera-async-", entrypoint="steps", namespace=NS,
            workflows_service=service, **extra,
        ) as w,
        Steps(name="steps"),
    ):  # fmt: skip
        say(arguments={"message": "hello from hera"})
    return w


async def test_async_service_creates_waits_gets_and_lists(
    aservice: AsyncWorkflowsService,
) -> None:
    service = aservice
    w = steps_workflow(service)
    done = await w.async_create(wait=True, poll_interval=1)
    assert done.status is not None and done.status.phase == "Succeeded"
    name = done.metadata.name
    got = await service.get_workflow(name, namespace=NS)
    assert got.metadata.uid == done.metadata.uid
    listed = await service.list_workflows(namespace=NS)
    assert [i.metadata.name for i in listed.items or []] == [name]
    with pytest.raises(NotFound):
        await service.get_workflow("missing", namespace=NS)
    await w.async_lint()


async def test_async_workflow_template_create_update_lint(
    aservice: AsyncWorkflowsService,
) -> None:
    service = aservice
    with (
        WorkflowTemplate(
            name="async-template", entrypoint="steps", namespace=NS, workflows_service=service
        ) as wt,
        Steps(name="steps"),
    ):
        say(arguments={"message": "template"})
    linted = await wt.async_lint()
    assert linted.metadata.name == "async-template"
    created = await wt.async_create()
    assert created.metadata.resource_version
    wt.labels = {"team": "edge"}
    updated = await wt.async_update()
    assert (updated.metadata.labels or {})["team"] == "edge"
    wt.entrypoint = "nowhere"
    with pytest.raises(BadRequest, match="nowhere"):
        await wt.async_lint()


async def test_sync_template_lint_and_cron_workflow_create(
    up: UpProcess, aservice: AsyncWorkflowsService
) -> None:
    service = WorkflowsService(host=host(up), namespace=NS)
    with (
        WorkflowTemplate(
            name="sync-template", entrypoint="steps", namespace=NS, workflows_service=service
        ) as wt,
        Steps(name="steps"),
    ):
        say(arguments={"message": "linted"})
    linted = await asyncio.to_thread(wt.lint)
    assert linted.metadata.name == "sync-template"
    with (
        CronWorkflow(
            name="nightly", schedules=["0 3 * * *"], entrypoint="steps", namespace=NS,
            workflows_service=service,
        ) as cw,
        Steps(name="steps"),
    ):  # fmt: skip
        say(arguments={"message": "cron"})
    created = await asyncio.to_thread(cw.create)
    assert created.metadata.name == "nightly"
    got = await asyncio.to_thread(cw.get)
    assert got.spec.schedules == ["0 3 * * *"]
    cw.name, cw.workflows_service = "nightly-async", aservice
    created = await cw.async_create()
    assert created.metadata.name == "nightly-async"


async def test_logs_outlive_pods_collected_by_pod_gc(up: UpProcess) -> None:
    service = WorkflowsService(host=host(up), namespace=NS)
    w = steps_workflow(service, pod_gc=PodGC(strategy="OnWorkflowSuccess"))
    done = await asyncio.to_thread(w.create, wait=True, poll_interval=1)
    assert done.status is not None and done.status.phase == "Succeeded"
    name = done.metadata.name
    async with aiohttp.ClientSession() as http:
        url = f"{host(up)}/api/v1/workflows/{NS}/{name}/log"
        while True:  # pod GC deletes the pods after the workflow ends
            async with http.get(f"{host(up)}/api/v1/workflows/{NS}/{name}") as resp:
                assert resp.status == 200
            pods = await _pods(http, up, name)
            if not pods:
                break
            await asyncio.sleep(0.2)
        async with http.get(url, params={"logOptions.container": "main"}) as resp:
            assert resp.status == 200
            lines = [json.loads(x)["result"] for x in (await resp.text()).splitlines() if x]
    assert [e["content"] for e in lines] == ["said: hello from hera"]
    assert lines[0]["podName"].startswith(name)


async def _pods(http: aiohttp.ClientSession, up: UpProcess, workflow: str) -> list[str]:
    """The names of the workflow's pods still in localkube, through its kubeconfig's token."""
    config = yaml.safe_load(up.kubeconfig.read_text())
    token = config["users"][0]["user"]["token"]
    url = f"{up.kube_url}/api/v1/namespaces/{NS}/pods"
    params = {"labelSelector": f"workflows.argoproj.io/workflow={workflow}"}
    headers = {"Authorization": f"Bearer {token}"}
    async with http.get(url, params=params, headers=headers, ssl=False) as resp:
        body = await resp.json()
    return [p["metadata"]["name"] for p in body.get("items") or []]
