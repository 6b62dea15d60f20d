"""`argoapp cp WORKFLOW OUTPUT_DIR` against a live API server: the CLI (in a thread, over real
HTTP) reads the workflow and downloads its output artifacts through `/artifacts/…` from a real
S3 server (moto), filtered and placed as the argo CLI does.

The server, localkube, store and S3 fixtures are tests/server/test_artifacts'; the workflow's
status is written straight to Kubernetes (the executor is not the point here).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from argoapp.cli.main import cli
from argoapp.kube.client import Kube
from tests.artifacts.s3server import MotoS3
from tests.server.test_artifacts import (
    LOG,
    NODE,
    NS,
    PREFIX,
    TEXT,
    Client,
    api,
    live_workflow,
    moto,
    objects,
    repository,
    seeded,
)

__all__ = ["api", "moto", "seeded"]  # fixtures

WF = "cpwf"
OTHER = "cpwf-5678"  # a second node, of another template
SAVED = ("plain", "packed", "main-logs", "full")


async def workflow(kube: Kube, s3: MotoS3, name: str = WF, **kw: Any) -> None:
    """A finished workflow with file artifacts on two nodes of two templates."""
    wf = await live_workflow(kube, s3, name=name, **kw)
    nodes = wf["status"]["nodes"]
    arts = nodes[NODE]["outputs"]["artifacts"]
    nodes[NODE]["outputs"]["artifacts"] = [a for a in arts if a["name"] in SAVED]
    nodes[OTHER] = {
        "id": OTHER,
        "name": f"{name}.other",
        "type": "Pod",
        "templateName": "other",
        "phase": "Succeeded",
        "outputs": {"artifacts": [{"name": "result", "s3": {"key": f"{PREFIX}/hello.txt"}}]},
    }
    await kube.replace("Workflow", wf, NS)


async def argo_cp(api: Client, *args: str) -> Result:
    """`argoapp cp ARGS…` as a user runs it against the server, in a thread (the server
    shares this test's event loop)."""
    env = {
        "ARGO_SERVER": f"127.0.0.1:{api.server.port}",
        "ARGO_SECURE": "false",
        "ARGO_NAMESPACE": NS,
        "ARGO_TOKEN": None,
        "ARGO_BASE_HREF": None,
    }
    return await asyncio.to_thread(CliRunner().invoke, cli, ["cp", *args], env=env)


def files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


async def test_cp_saves_every_output_artifact_under_the_default_path(
    api: Client, kube: Kube, moto: MotoS3, tmp_path: Path
) -> None:
    await workflow(kube, moto)
    result = await argo_cp(api, WF, str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    base = f"{NS}/{WF}/{NODE}/outputs"
    assert files(tmp_path / "out") == {
        f"{base}/full/full.txt": b"full location",
        f"{base}/main-logs/main.log": LOG,
        f"{base}/packed/hello.tgz": objects()[f"{PREFIX}/hello.tgz"],  # stored packed
        f"{base}/plain/hello.txt": TEXT,
        f"{NS}/{WF}/{OTHER}/outputs/result/hello.txt": TEXT,
    }
    assert 'Created "hello.tgz"' in result.stderr


async def test_cp_filters_and_custom_path(
    api: Client, kube: Kube, moto: MotoS3, tmp_path: Path
) -> None:
    await workflow(kube, moto)
    result = await argo_cp(
        api,
        WF,
        str(tmp_path / "logs"),
        "--artifact-name",
        "main-logs",
        "--path",
        "{workflowName}/{templateName}/{artifactName}",
    )
    assert result.exit_code == 0, result.output
    assert files(tmp_path / "logs") == {f"{WF}/main/main-logs/main.log": LOG}
    result = await argo_cp(api, WF, str(tmp_path / "other"), "--template-name", "other")
    assert result.exit_code == 0, result.output
    assert list(files(tmp_path / "other")) == [f"{NS}/{WF}/{OTHER}/outputs/result/hello.txt"]
    result = await argo_cp(api, WF, str(tmp_path / "node"), "--node-id", NODE, "--path", ".")
    assert result.exit_code == 0, result.output
    assert sorted(files(tmp_path / "node")) == ["full.txt", "hello.tgz", "hello.txt", "main.log"]


async def test_cp_failures_say_why_and_leave_no_file(
    api: Client, kube: Kube, moto: MotoS3, tmp_path: Path
) -> None:
    down = repository(moto)
    down["s3"]["endpoint"] = "127.0.0.1:9"  # nothing listens
    await workflow(kube, moto, name="cpdown", repo=down)
    result = await argo_cp(api, "cpdown", str(tmp_path / "down"), "--artifact-name", "plain")
    assert result.exit_code != 0
    assert "plain" in result.stderr and "127.0.0.1:9" in result.stderr
    assert "Traceback" not in result.output
    assert files(tmp_path / "down") == {}  # not even a partial file
    result = await argo_cp(api, "no-such-wf", str(tmp_path / "none"))
    assert result.exit_code != 0 and "no-such-wf" in result.stderr


async def test_cp_of_an_archived_workflow(api: Client, tmp_path: Path) -> None:
    """`gone` is only in the archive: the workflow and its artifacts come from there."""
    result = await argo_cp(api, "gone", str(tmp_path / "gone"), "--artifact-name", "plain")
    assert result.exit_code == 0, result.output
    assert files(tmp_path / "gone") == {f"{NS}/gone/{NODE}/outputs/plain/hello.txt": TEXT}
