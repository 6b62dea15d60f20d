"""Artifact GC by the controller, over a real localkube and a real S3 server (moto on loopback).

The engine is scripted (see conftest): it ends each workflow at once with one pod node whose
outputs name artifacts in the S3 server, as the real engine copies them from a pod's task
result; running a real executor is not the point here. The deletes, the Secrets they read,
the finalizer and what the workflow says afterwards are the controller's, and are real.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from argoapp.artifacts import driver_for
from argoapp.controller.controller import Reconcile
from argoapp.engine.api import Observed, Result, Settings
from argoapp.kube.client import Kube
from argoapp.kube.errors import NotFound
from argoapp.model.types import Obj
from tests.artifacts.s3server import SECRET, MotoS3, free_port, start_moto

from .conftest import RunController, eventually, with_status, workflow

FINALIZER = "workflows.argoproj.io/artifact-gc"


@pytest.fixture(scope="module")
def moto_s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoS3]:
    with start_moto(tmp_path_factory.mktemp("moto-gc")) as store:
        yield store


def repository(store: MotoS3, endpoint: str | None = None) -> Obj:
    s3 = {k: v for k, v in store.location("")["s3"].items() if k != "key"}
    if endpoint is not None:
        s3["endpoint"] = endpoint
    return {"archiveLogs": True, "s3": s3}


def one_pod_engine(repo: Obj, artifacts: list[Obj], **others: tuple[Obj, list[Obj]]) -> Reconcile:
    """Ends a new workflow Succeeded with one pod node holding `artifacts` (or, for a workflow
    named in `others`, its own repository and artifacts); then leaves it be."""

    def engine(wf: Obj, observed: Observed, now: datetime, settings: Settings) -> Result:
        if (wf.get("status") or {}).get("phase"):
            return Result(wf)
        repo_, artifacts_ = others.get(wf["metadata"]["name"].replace("-", "_"), (repo, artifacts))
        node = {
            "id": "n1",
            "name": wf["metadata"]["name"],
            "type": "Pod",
            "templateName": "main",
            "phase": "Succeeded",
            "outputs": {"artifacts": artifacts_},
        }
        ref = {"default": True, "artifactRepository": repo_}
        return Result(
            with_status(wf, phase="Succeeded", artifactRepositoryRef=ref, nodes={"n1": node})
        )

    return engine


async def put_credentials(kube: Kube, store: MotoS3) -> None:
    data = {"accesskey": store.access_key, "secretkey": store.secret_key}
    secret = {
        "metadata": {"name": SECRET, "namespace": "default"},
        "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()},
    }
    await kube.create("Secret", secret, "default")


async def upload(store: MotoS3, tmp: Path, keys: list[str]) -> None:
    src = tmp / "payload"
    src.write_text("artifact bytes")

    def put() -> None:
        driver = driver_for(store.location("x"), store.secrets())
        for key in keys:
            driver.upload(src, store.location(key))

    await asyncio.to_thread(put)


async def listed(store: MotoS3, prefix: str) -> list[str]:
    def keys() -> list[str]:
        return sorted(
            driver_for(store.location(prefix), store.secrets()).list(store.location(prefix))
        )

    return await asyncio.to_thread(keys)


def artifact(name: str, key: str, strategy: str | None = None) -> Obj:
    art: Obj = {"name": name, "path": f"/tmp/{name}", "s3": {"key": key}}
    if strategy:
        art["artifactGC"] = {"strategy": strategy}
    return art


def gc_workflow(name: str, **artifact_gc: Any) -> Obj:
    wf = workflow(name, artifactGC=artifact_gc)
    wf["spec"]["templates"] = [
        {
            "name": "main",
            # Declared here only: the node's copy of `d` carries no strategy of its own.
            "outputs": {
                "artifacts": [
                    {
                        "name": "d",
                        "path": "/tmp/d",
                        "artifactGC": {"strategy": "OnWorkflowCompletion"},
                    }
                ]
            },
        }
    ]
    return wf


async def get(kube: Kube, name: str) -> Obj | None:
    try:
        return await kube.get("Workflow", name, "default")
    except NotFound:
        return None


def outputs(wf: Obj) -> dict[str, Obj]:
    node = wf["status"]["nodes"]["n1"]
    return {a["name"]: a for a in node["outputs"]["artifacts"]}


async def test_completion_gc_deletes_its_artifacts_and_deletion_gc_holds_the_workflow(
    kube: Kube, run_controller: RunController, moto_s3: MotoS3, tmp_path: Path
) -> None:
    keys = {n: f"gc-ok/{n}.tgz" for n in "abcd"}
    await upload(moto_s3, tmp_path, list(keys.values()))
    await put_credentials(kube, moto_s3)
    artifacts = [
        artifact("a", keys["a"], "OnWorkflowCompletion"),
        artifact("b", keys["b"]),  # the workflow's strategy: OnWorkflowDeletion
        artifact("c", keys["c"], "Never"),
        artifact("d", keys["d"]),  # its template's declaration: OnWorkflowCompletion
    ]
    await run_controller(one_pod_engine(repository(moto_s3), artifacts))
    await kube.create("Workflow", gc_workflow("gc-ok", strategy="OnWorkflowDeletion"))

    async def completion_processed() -> Obj | None:
        wf = await get(kube, "gc-ok")
        gc = ((wf or {}).get("status") or {}).get("artifactGCStatus") or {}
        return wf if (gc.get("strategiesProcessed") or {}).get("OnWorkflowCompletion") else None

    wf = await eventually(completion_processed)
    assert await listed(moto_s3, "gc-ok") == ["b.tgz", "c.tgz"]
    marks = {name: bool(art.get("deleted")) for name, art in outputs(wf).items()}
    assert marks == {"a": True, "b": False, "c": False, "d": True}
    assert FINALIZER in wf["metadata"]["finalizers"]  # b waits for the workflow's deletion
    assert not [c for c in wf["status"].get("conditions") or [] if c["type"] == "ArtifactGCError"]

    await kube.delete("Workflow", "gc-ok", "default")
    await eventually(lambda: _gone(kube, "gc-ok"))
    assert await listed(moto_s3, "gc-ok") == ["c.tgz"]  # gone before the workflow let go


async def test_a_workflow_with_only_completion_artifacts_lets_go_after_completion(
    kube: Kube, run_controller: RunController, moto_s3: MotoS3, tmp_path: Path
) -> None:
    await upload(moto_s3, tmp_path, ["gc-done/a.tgz"])
    await put_credentials(kube, moto_s3)
    engine = one_pod_engine(repository(moto_s3), [artifact("a", "gc-done/a.tgz")])
    await run_controller(engine)
    await kube.create(
        "Workflow", workflow("gc-done", artifactGC={"strategy": "OnWorkflowCompletion"})
    )

    wf = await eventually(lambda: _released(kube, "gc-done"))
    assert outputs(wf)["a"]["deleted"] is True
    assert await listed(moto_s3, "gc-done") == []
    await kube.delete("Workflow", "gc-done", "default")
    assert await eventually(lambda: _gone(kube, "gc-done"))


async def test_an_unreachable_store_is_reported_and_force_removal_lets_the_workflow_go(
    kube: Kube, run_controller: RunController, moto_s3: MotoS3
) -> None:
    await put_credentials(kube, moto_s3)
    repo = repository(moto_s3, endpoint=f"127.0.0.1:{free_port()}")
    engine = one_pod_engine(repo, [artifact("a", "gc-down/a.tgz")])
    await run_controller(engine)
    await kube.create(
        "Workflow", workflow("gc-down", artifactGC={"strategy": "OnWorkflowCompletion"})
    )

    async def reported() -> Obj | None:
        wf = await get(kube, "gc-down")
        conditions = ((wf or {}).get("status") or {}).get("conditions") or []
        found = [c for c in conditions if c["type"] == "ArtifactGCError"]
        return found[0] if found else None

    condition = await eventually(reported)
    assert condition["status"] == "True"
    assert "a (node n1)" in condition["message"]
    events = await eventually(lambda: _events(kube, "ArtifactGCFailed"))
    assert events[0]["involvedObject"]["name"] == "gc-down"

    await kube.delete("Workflow", "gc-down", "default")
    held = await get(kube, "gc-down")
    assert held is not None and held["metadata"].get("deletionTimestamp")
    assert FINALIZER in held["metadata"]["finalizers"]
    # The store stays down: only forceFinalizerRemoval lets the workflow go.
    patch = {"spec": {"artifactGC": {"forceFinalizerRemoval": True}}}
    await kube.patch("Workflow", "gc-down", patch, "default")
    assert await eventually(lambda: _gone(kube, "gc-down"), timeout=60)


async def test_an_unreachable_store_does_not_hold_up_other_workflows(
    kube: Kube, run_controller: RunController, moto_s3: MotoS3, tmp_path: Path
) -> None:
    await upload(moto_s3, tmp_path, ["gc-fine/a.tgz"])
    await put_credentials(kube, moto_s3)
    down = repository(moto_s3, endpoint=f"127.0.0.1:{free_port()}")
    many = [artifact(f"s{i}", f"gc-stuck/s{i}.tgz") for i in range(20)]
    engine = one_pod_engine(
        repository(moto_s3), [artifact("a", "gc-fine/a.tgz")], gc_stuck=(down, many)
    )
    controller = await run_controller(engine)
    gc = {"strategy": "OnWorkflowCompletion"}
    await kube.create("Workflow", workflow("gc-stuck", artifactGC=gc))
    await kube.create("Workflow", workflow("gc-fine", artifactGC=gc))
    await eventually(lambda: _released(kube, "gc-fine"))
    assert await listed(moto_s3, "gc-fine") == []
    stuck = await get(kube, "gc-stuck")
    assert stuck is not None and FINALIZER in stuck["metadata"]["finalizers"]
    assert controller.health() is None


async def test_a_workflow_without_gc_gets_no_finalizer(
    kube: Kube, run_controller: RunController, moto_s3: MotoS3
) -> None:
    engine = one_pod_engine(repository(moto_s3), [artifact("a", "gc-none/a.tgz", "Never")])
    await run_controller(engine)
    await kube.create("Workflow", workflow("gc-none"))
    wf = await eventually(lambda: _phase_set(kube, "gc-none"))
    assert FINALIZER not in (wf["metadata"].get("finalizers") or [])
    assert "artifactGCStatus" not in wf["status"]


async def _released(kube: Kube, name: str) -> Obj | None:
    """The workflow once GC has run and its finalizer is gone."""
    wf = await get(kube, name)
    processed = ((wf or {}).get("status") or {}).get("artifactGCStatus")
    if wf and processed and FINALIZER not in (wf["metadata"].get("finalizers") or []):
        return wf
    return None


async def _gone(kube: Kube, name: str) -> bool:
    return await get(kube, name) is None


async def _phase_set(kube: Kube, name: str) -> Obj | None:
    wf = await get(kube, name)
    return wf if wf and (wf.get("status") or {}).get("phase") else None


async def _events(kube: Kube, reason: str) -> list[Obj]:
    found = await kube.list("Event", "default")
    return [e for e in found["items"] if e.get("reason") == reason]
