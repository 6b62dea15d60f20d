"""Hera, Argo's Python SDK, unchanged against `argoapp up`: it creates and follows workflows.

Hera is the real client (its generated pydantic models parse every response, so a field of the
wrong type or a missing required one fails here). Its sync service is blocking, so it runs in a
thread. Steps run `python3` on the host, as `argoapp up` runs images' commands.
"""

# No `from __future__ import annotations`: Hera reads the script function's real annotations.
import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from hera.exceptions import BadRequest, NotFound
from hera.workflows import (
    Parameter,
    Steps,
    Workflow,
    WorkflowsService,
    WorkflowTemplate,
    script,
)
from hera.workflows.models import Workflow as WorkflowModel

from tests.e2e.upproc import UpProcess

pytestmark = [
    pytest.mark.timeout(180),
    # Hera 7 itself still calls pydantic's deprecated `.json()`; that is Hera's, not ours.
    pytest.mark.filterwarnings("ignore::pydantic.warnings.PydanticDeprecatedSince20"),
]


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[WorkflowsService]:
    up = UpProcess(tmp_path / "data")
    await up.start()
    try:
        yield WorkflowsService(host=f"http://127.0.0.1:{up.port}", namespace="default")
    finally:
        await up.terminate()


@script(
    image="python:3.12",
    command=["python3"],
    outputs=[Parameter(name="message-out", value_from={"path": "/tmp/message-out"})],
)
def echo_to_param(message: str) -> None:
    with open("/tmp/message-out", "w") as f:
        f.write(message)


def hello(service: WorkflowsService) -> Workflow:
    with (
        Workflow(
            generate_name="hera-hello-",
            entrypoint="steps",
            namespace="default",
            workflows_service=service,
        ) as w,
        Steps(name="steps"),
    ):
        echo_to_param(arguments={"message": "Hello world!"})
    return w


async def test_hera_creates_a_workflow_and_waits_for_its_outputs(
    service: WorkflowsService,
) -> None:
    w = hello(service)
    done: WorkflowModel = await asyncio.to_thread(w.create, wait=True, poll_interval=1)
    assert done.status is not None
    assert done.status.phase == "Succeeded"
    nodes: dict[str, Any] = done.status.nodes or {}
    echo = next(n for n in nodes.values() if n.display_name == "echo-to-param")
    assert echo.outputs is not None and echo.outputs.parameters is not None
    out = {p.name: p.value for p in echo.outputs.parameters}
    assert out["message-out"] == "Hello world!"
    listed = await asyncio.to_thread(service.list_workflows, namespace="default")
    assert [i.metadata.name for i in listed.items or []] == [done.metadata.name]


async def test_hera_lint_and_errors_come_back_as_hera_exceptions(
    service: WorkflowsService,
) -> None:
    w = hello(service)
    await asyncio.to_thread(w.lint)
    w.entrypoint = "nowhere"
    with pytest.raises(BadRequest, match="nowhere"):
        await asyncio.to_thread(w.lint)
    with pytest.raises(NotFound):
        await asyncio.to_thread(service.get_workflow, "missing", namespace="default")


async def test_hera_workflow_templates_create_update_and_run(service: WorkflowsService) -> None:
    with (
        WorkflowTemplate(
            name="hera-template", entrypoint="steps", namespace="default", workflows_service=service
        ) as wt,
        Steps(name="steps"),
    ):
        echo_to_param(arguments={"message": "from a template"})
    await asyncio.to_thread(wt.create)
    got = await asyncio.to_thread(wt.get)
    assert got.metadata.name == "hera-template"
    wt.labels = {"team": "edge"}
    updated = await asyncio.to_thread(wt.update)
    assert (updated.metadata.labels or {})["team"] == "edge"
    submitted = await asyncio.to_thread(wt.create_as_workflow, wait=True, poll_interval=1)
    assert submitted.status is not None and submitted.status.phase == "Succeeded"
