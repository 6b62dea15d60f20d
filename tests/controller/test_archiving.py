"""Archiving over a real localkube and store: a finished workflow is archived once with its
nodes (offloaded ones too) and labelled Archived; the opt-out label, the label selector and
archiving off leave it out; a restarted controller neither loses nor repeats an entry;
archiveTTL expires old rows."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from argoapp.controller.archiving import Archiver, parse_ttl
from argoapp.engine.api import Observed, Result, Settings
from argoapp.kube.client import Kube
from argoapp.model.types import Obj
from argoapp.store import ArchiveQuery, Store

from .conftest import RunController, eventually, with_status, workflow

ARCHIVING = "workflows.argoproj.io/workflow-archiving-status"
ON = Settings(persistence={"archive": True})


def finishing(wf: Obj, observed: Observed, now: datetime, settings: Settings) -> Result:
    """A scripted engine: a new workflow runs one node and succeeds in one pass."""
    if (wf.get("status") or {}).get("phase"):
        return Result(wf)
    nodes = {"n": {"id": "n", "name": wf["metadata"]["name"], "phase": "Succeeded"}}
    return Result(
        with_status(
            wf,
            phase="Succeeded",
            startedAt="2026-01-01T00:00:00Z",
            finishedAt="2026-01-01T00:01:00Z",
            nodes=nodes,
        )
    )


def labelled(name: str, **labels: str) -> Obj:
    wf = workflow(name)
    wf["metadata"]["labels"] = labels
    return wf


async def is_archived(kube: Kube, name: str) -> bool:
    """Whether the live workflow is labelled Archived (it is labelled Pending before)."""
    return await archived_label(kube, name) == "Archived"


async def archived_label(kube: Kube, name: str) -> str | None:
    wf = await kube.get("Workflow", name, "default")
    return (wf["metadata"].get("labels") or {}).get(ARCHIVING)


async def test_a_finished_workflow_is_archived_once_and_labelled(
    kube: Kube, store: Store, run_controller: RunController
) -> None:
    controller = await run_controller(finishing, settings=ON)
    created = await kube.create("Workflow", labelled("done", app="web"))
    uid = created["metadata"]["uid"]
    await eventually(lambda: is_archived(kube, "done"))
    got = await store.archive_get(uid)
    assert got is not None
    assert got["metadata"]["name"] == "done"
    assert got["metadata"]["labels"] == {"app": "web", ARCHIVING: "Archived"}
    assert got["status"]["phase"] == "Succeeded"
    assert got["status"]["nodes"]["n"]["phase"] == "Succeeded"
    # More passes of the finished workflow (an edit brings one) archive nothing again.
    await kube.patch("Workflow", "done", {"metadata": {"annotations": {"x": "1"}}}, "default")
    await asyncio.sleep(0.3)
    assert controller.archiver.archived == 1
    assert await store.archive_count(ArchiveQuery()) == 1


async def test_offloaded_nodes_are_archived_whole(
    kube: Kube, store: Store, run_controller: RunController
) -> None:
    def big(wf: Obj, observed: Observed, now: datetime, settings: Settings) -> Result:
        if (wf.get("status") or {}).get("phase"):
            return Result(wf)
        nodes = {
            f"n{i}": {"id": f"n{i}", "phase": "Succeeded", "pad": "x" * 100} for i in range(30)
        }
        return Result(
            with_status(wf, phase="Failed", finishedAt="2026-01-01T00:00:00Z", nodes=nodes)
        )

    await run_controller(big, settings=ON, offload_threshold=1000)
    created = await kube.create("Workflow", workflow("large"))
    await eventually(lambda: is_archived(kube, "large"))
    live = await kube.get("Workflow", "large", "default")
    assert "offloadNodeStatusVersion" in live["status"]
    got = await store.archive_get(created["metadata"]["uid"])
    assert got is not None
    assert len(got["status"]["nodes"]) == 30
    assert "offloadNodeStatusVersion" not in got["status"]


async def test_opt_out_selector_and_archiving_off(
    kube: Kube, store: Store, run_controller: RunController
) -> None:
    selector = {"matchExpressions": [{"key": "keep", "operator": "Exists"}]}
    settings = Settings(persistence={"archive": True, "archiveLabelSelector": selector})
    controller = await run_controller(finishing, settings=settings)
    await kube.create(
        "Workflow",
        labelled("opted-out", keep="1", **{"workflows.argoproj.io/archive-strategy": "false"}),
    )
    await kube.create("Workflow", labelled("unselected"))
    await kube.create("Workflow", labelled("selected", keep="1"))
    await eventually(lambda: is_archived(kube, "selected"))

    async def phase(name: str) -> str | None:
        return (await kube.get("Workflow", name, "default")).get("status", {}).get("phase")

    assert await eventually(lambda: phase("opted-out")) == "Succeeded"
    assert await eventually(lambda: phase("unselected")) == "Succeeded"
    await asyncio.sleep(0.3)
    assert await archived_label(kube, "opted-out") is None
    assert await archived_label(kube, "unselected") is None
    assert await store.archive_count(ArchiveQuery()) == 1

    controller.settings = Settings()  # archiving off (as a reloaded ConfigMap would say)
    await kube.create("Workflow", labelled("later", keep="1"))
    assert await eventually(lambda: phase("later")) == "Succeeded"
    await asyncio.sleep(0.3)
    assert await archived_label(kube, "later") is None


async def test_restart_archives_what_was_missed_and_nothing_twice(
    kube: Kube, store: Store, run_controller: RunController
) -> None:
    # Finished while archiving was off (as if argoapp stopped before archiving it).
    first = await run_controller(finishing)
    await kube.create("Workflow", workflow("missed"))

    async def phase() -> str | None:
        return (await kube.get("Workflow", "missed", "default")).get("status", {}).get("phase")

    assert await eventually(phase) == "Succeeded"
    first.stop()
    await first.wait_stopped()
    await run_controller(finishing, settings=ON)
    await eventually(lambda: is_archived(kube, "missed"))
    second_start = await run_controller(finishing, settings=ON)
    await second_start.wait_ready()
    await asyncio.sleep(0.3)
    assert second_start.archiver.archived == 0  # labelled Archived: left alone
    assert await store.archive_count(ArchiveQuery()) == 1


async def test_pending_marks_due_workflows_only(kube: Kube, store: Store) -> None:
    settings = Settings(persistence={"archive": True})

    async def no_hydrate(wf: Obj) -> Obj:
        return wf

    archiver = Archiver(kube, store, lambda: settings, no_hydrate, lambda work, name: work.close())
    done = with_status(labelled("a", app="x"), phase="Failed")
    done["metadata"]["uid"] = "u1"
    marked = archiver.pending(done)
    assert marked["metadata"]["labels"] == {"app": "x", ARCHIVING: "Pending"}
    assert done["metadata"]["labels"] == {"app": "x"}  # a copy: the input is not changed
    assert archiver.pending(marked) is marked
    running = with_status(labelled("b"), phase="Running")
    running["metadata"]["uid"] = "u2"
    assert archiver.pending(running) is running
    opted = with_status(
        labelled("c", **{"workflows.argoproj.io/archive-strategy": "false"}), phase="Succeeded"
    )
    opted["metadata"]["uid"] = "u3"
    assert archiver.pending(opted) is opted


async def test_a_workflow_left_pending_is_archived_at_start(
    kube: Kube, store: Store, run_controller: RunController
) -> None:
    # As argoapp leaves it when it stops after the finishing write, before archiving.
    created = await kube.create("Workflow", labelled("left", **{ARCHIVING: "Pending"}))
    created["status"] = {"phase": "Succeeded", "finishedAt": "2026-01-01T00:00:00Z"}
    await kube.replace("Workflow", created)
    await run_controller(finishing, settings=ON)
    await eventually(lambda: is_archived(kube, "left"))
    assert await store.archive_get(created["metadata"]["uid"]) is not None


async def test_archive_ttl_expires_old_rows(kube: Kube, store: Store) -> None:
    assert parse_ttl("7d") == 7 * 86400
    assert parse_ttl("12h") == 43200
    now = datetime(2026, 3, 1, tzinfo=UTC)
    for days in (1, 5, 10):
        finished = (now - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")
        wf = with_status(workflow(f"old-{days}"), phase="Succeeded", finishedAt=finished)
        wf["metadata"]["uid"] = f"uid-{days}"
        await store.archive_put(wf)
    settings = Settings(persistence={"archive": True, "archiveTTL": "7d"})

    async def no_hydrate(wf: Obj) -> Obj:
        return wf

    archiver = Archiver(kube, store, lambda: settings, no_hydrate, lambda work, name: work.close())
    assert await archiver.expire(now) == 1
    items, _ = await store.archive_list(ArchiveQuery())
    assert [i["metadata"]["name"] for i in items] == ["old-1", "old-5"]
