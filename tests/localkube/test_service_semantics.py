"""ObjectService write semantics: metadata the server owns, generation, status, pods."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from argoapp.localkube import resources as r
from argoapp.localkube.errors import ApiError, Conflict, Gone
from argoapp.localkube.objects import ObjectService

MERGE = "application/merge-patch+json"
POD = {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "main", "image": "busybox"}]}}


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[ObjectService]:
    svc = ObjectService(tmp_path / "kube.db", history=5)
    await svc.start()
    yield svc
    await svc.close()


async def test_server_owned_metadata_cannot_be_forged(service: ObjectService) -> None:
    made = await service.create(
        r.CONFIGMAPS,
        "default",
        {"metadata": {"name": "c", "uid": "forged", "creationTimestamp": "2000-01-01T00:00:00Z"}},
    )
    assert made["metadata"]["uid"] != "forged"
    assert made["metadata"]["creationTimestamp"] != "2000-01-01T00:00:00Z"
    changed = await service.patch(
        r.CONFIGMAPS, "default", "c", MERGE, {"metadata": {"uid": "again"}, "data": {"k": "v"}}
    )
    assert changed["metadata"]["uid"] == made["metadata"]["uid"]


async def test_generation_moves_with_spec_only(service: ObjectService) -> None:
    await service.create(r.WORKFLOWS, "argo", {"metadata": {"name": "w"}, "spec": {"a": 1}})
    w = await service.patch(r.WORKFLOWS, "argo", "w", MERGE, {"metadata": {"labels": {"x": "y"}}})
    assert w["metadata"]["generation"] == 1
    w = await service.patch(r.WORKFLOWS, "argo", "w", MERGE, {"status": {"phase": "Running"}})
    assert w["metadata"]["generation"] == 1
    assert w["status"]["phase"] == "Running"  # Argo's CRD has no status subresource
    w = await service.patch(r.WORKFLOWS, "argo", "w", MERGE, {"spec": {"a": 2}})
    assert w["metadata"]["generation"] == 2


async def test_pod_status_only_through_its_subresource(service: ObjectService) -> None:
    made = await service.create(r.PODS, "default", POD)
    assert made["status"]["phase"] == "Pending"
    same = await service.patch(r.PODS, "default", "p", MERGE, {"status": {"phase": "Running"}})
    assert same["status"]["phase"] == "Pending"
    moved = await service.patch(
        r.PODS, "default", "p", MERGE, {"status": {"phase": "Running"}}, subresource="status"
    )
    assert moved["status"]["phase"] == "Running"


async def test_pod_spec_is_immutable_but_binds_once(service: ObjectService) -> None:
    await service.create(r.PODS, "default", POD)
    bound = await service.patch(r.PODS, "default", "p", MERGE, {"spec": {"nodeName": "n1"}})
    assert bound["spec"]["nodeName"] == "n1"
    with pytest.raises(ApiError) as caught:
        await service.patch(r.PODS, "default", "p", MERGE, {"spec": {"nodeName": "n2"}})
    assert caught.value.code == 422
    with pytest.raises(ApiError):
        await service.patch(r.PODS, "default", "p", MERGE, {"spec": {"hostname": "x"}})


async def test_unchanged_update_keeps_resource_version(service: ObjectService) -> None:
    made = await service.create(r.CONFIGMAPS, "default", {"metadata": {"name": "c"}})
    again = await service.replace(r.CONFIGMAPS, "default", "c", made)
    assert again["metadata"]["resourceVersion"] == made["metadata"]["resourceVersion"]


async def test_stale_update_conflicts(service: ObjectService) -> None:
    made = await service.create(r.CONFIGMAPS, "default", {"metadata": {"name": "c"}})
    await service.patch(r.CONFIGMAPS, "default", "c", MERGE, {"data": {"a": "1"}})
    with pytest.raises(Conflict):
        await service.replace(r.CONFIGMAPS, "default", "c", made | {"data": {"b": "2"}})


async def test_secret_string_data_lands_in_data(service: ObjectService) -> None:
    made = await service.create(
        r.SECRETS, "default", {"metadata": {"name": "s"}, "stringData": {"k": "hi"}}
    )
    assert made["data"] == {"k": "aGk="}
    assert "stringData" not in made
    assert made["type"] == "Opaque"


async def test_list_pages_and_selectors(service: ObjectService) -> None:
    for i in range(5):
        labels = {"team": "a" if i % 2 else "b", "n": str(i)}
        await service.create(
            r.CONFIGMAPS, "default", {"metadata": {"name": f"c{i}", "labels": labels}}
        )
    page = await service.list(r.CONFIGMAPS, "default", limit=2)
    names = [o["metadata"]["name"] for o in page["items"]]
    while page["metadata"].get("continue"):
        page = await service.list(
            r.CONFIGMAPS, "default", limit=2, continue_token=page["metadata"]["continue"]
        )
        names += [o["metadata"]["name"] for o in page["items"]]
    assert names == [f"c{i}" for i in range(5)]
    picked = await service.list(r.CONFIGMAPS, "default", label_selector="team in (a),n notin (3)")
    assert [o["metadata"]["name"] for o in picked["items"]] == ["c1"]
    named = await service.list(r.CONFIGMAPS, None, field_selector="metadata.name=c2")
    assert [o["metadata"]["name"] for o in named["items"]] == ["c2"]


async def test_resource_version_never_goes_back_across_restarts(tmp_path: Path) -> None:
    svc = ObjectService(tmp_path / "kube.db")
    await svc.start()
    first = await svc.create(r.CONFIGMAPS, "default", {"metadata": {"name": "c"}})
    await svc.delete(r.CONFIGMAPS, "default", "c")
    await svc.close()
    svc = ObjectService(tmp_path / "kube.db")
    await svc.start()
    try:
        second = await svc.create(r.CONFIGMAPS, "default", {"metadata": {"name": "c"}})
        assert (
            int(second["metadata"]["resourceVersion"])
            > int(first["metadata"]["resourceVersion"]) + 1
        )
    finally:
        await svc.close()


async def test_watch_from_compacted_version_is_gone(service: ObjectService) -> None:
    first = await service.create(r.CONFIGMAPS, "default", {"metadata": {"name": "c"}})
    for i in range(1100):  # compaction runs every 1000 resourceVersions
        await service.patch(r.CONFIGMAPS, "default", "c", MERGE, {"data": {"i": str(i)}})
    watch = service.watch(
        r.CONFIGMAPS, "default", resource_version=first["metadata"]["resourceVersion"]
    )
    events = [event async for event in watch]
    assert [e["type"] for e in events] == ["ERROR"]
    assert events[0]["object"]["code"] == 410
    with pytest.raises(Gone):
        await service.list(
            r.CONFIGMAPS,
            "default",
            limit=1,
            continue_token=(
                (await service.list(r.CONFIGMAPS, "default", limit=1))["metadata"].get("continue")
                or "eyJydiI6IDEsICJucyI6ICIiLCAibmFtZSI6ICIifQ=="
            ),
        )


@pytest.mark.parametrize(
    ("resources", "qos"),
    [
        ({}, "BestEffort"),
        ({"requests": {"cpu": "1"}}, "Burstable"),
        ({"limits": {"cpu": "1", "memory": "1Gi"}}, "Guaranteed"),
        ({"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "500m"}}, "Burstable"),
    ],
)
async def test_pod_qos_class_from_resources(
    service: ObjectService, resources: dict, qos: str
) -> None:
    container = {"name": "main", "image": "busybox", "resources": resources}
    made = await service.create(
        r.PODS, "default", {"metadata": {"name": "p"}, "spec": {"containers": [container]}}
    )
    assert made["status"]["qosClass"] == qos


async def test_resumed_watch_sends_deleted_when_an_object_leaves_its_selector(
    service: ObjectService,
) -> None:
    made = await service.create(
        r.CONFIGMAPS, "default", {"metadata": {"name": "sel", "labels": {"a": "1"}}}
    )
    await service.patch(r.CONFIGMAPS, "default", "sel", MERGE, {"metadata": {"labels": {"a": "2"}}})
    watch = service.watch(
        r.CONFIGMAPS,
        "default",
        label_selector="a=1",
        resource_version=made["metadata"]["resourceVersion"],
    )
    events = []
    async for event in watch:
        events.append(event)
        break
    watch.close()
    assert events[0]["type"] == "DELETED"
    assert events[0]["object"]["metadata"]["labels"] == {"a": "2"}


async def test_expired_watch_ends_after_its_error(service: ObjectService) -> None:
    first = await service.create(r.CONFIGMAPS, "default", {"metadata": {"name": "c"}})
    for i in range(1100):
        await service.patch(r.CONFIGMAPS, "default", "c", MERGE, {"data": {"i": str(i)}})
    watch = service.watch(
        r.CONFIGMAPS, "default", resource_version=first["metadata"]["resourceVersion"]
    )
    seen = []
    async for event in watch:
        seen.append(event["type"])
        await service.patch(r.CONFIGMAPS, "default", "c", MERGE, {"data": {"after": "1"}})
    assert seen == ["ERROR"]


async def test_a_watcher_too_far_behind_is_ended_and_can_resume(service: ObjectService) -> None:
    service.bus.max_backlog = 5
    start = await service.create(r.CONFIGMAPS, "default", {"metadata": {"name": "c"}})
    rv = start["metadata"]["resourceVersion"]
    watch = service.watch(r.CONFIGMAPS, "default", resource_version=rv)
    stream = aiter(watch)
    await service.patch(r.CONFIGMAPS, "default", "c", MERGE, {"data": {"n": "0"}})
    first = await anext(stream)
    for i in range(1, 10):  # nobody reads: the backlog passes its bound
        await service.patch(r.CONFIGMAPS, "default", "c", MERGE, {"data": {"n": str(i)}})
    rest = [event async for event in stream]
    assert len(rest) < 9  # cut off, not buffered without end
    last = (rest[-1] if rest else first)["object"]["metadata"]["resourceVersion"]
    resumed = service.watch(r.CONFIGMAPS, "default", resource_version=last)
    tail = aiter(resumed)
    got = [await anext(tail) for _ in range(9 - len(rest))]
    resumed.close()
    assert got[-1]["object"]["data"] == {"n": "9"}


async def test_history_is_bounded_by_size(tmp_path: Path) -> None:
    svc = ObjectService(tmp_path / "kube.db")
    svc.storage.history_bytes = 64 * 1024
    await svc.start()
    try:
        first = await svc.create(r.CONFIGMAPS, "default", {"metadata": {"name": "big"}})
        i = 0
        while True:  # write ~1 KB events until a compaction point after the budget is passed
            i += 1
            made = await svc.patch(
                r.CONFIGMAPS, "default", "big", MERGE, {"data": {"x": f"{i:01000d}"}}
            )
            if i > 200 and int(made["metadata"]["resourceVersion"]) % 500 == 0:
                break
        kept = await svc.storage.run(
            lambda tx: tx.conn.execute("SELECT SUM(size) FROM events").fetchone()[0]
        )
        assert kept <= 64 * 1024 + 2048
        events = [
            e
            async for e in svc.watch(
                r.CONFIGMAPS, "default", resource_version=first["metadata"]["resourceVersion"]
            )
        ]
        assert [e["type"] for e in events] == ["ERROR"]
    finally:
        await svc.close()


@pytest.mark.parametrize(
    ("labels", "annotations"),
    [
        ({"ok.example/key": "Bad Value"}, {}),
        ({"ok.example/key": "v" * 64}, {}),
        ({"Bad_Prefix/key": "v"}, {}),
        ({}, {"ok.example/-bad": "anything"}),
    ],
)
async def test_invalid_labels_and_annotations_are_refused_after_valid_ones(
    service: ObjectService, labels: dict[str, str], annotations: dict[str, str]
) -> None:
    good = {"ok.example/key": "good-value"}
    meta = {"name": "fine", "labels": good, "annotations": good}
    await service.create(r.CONFIGMAPS, "default", {"metadata": meta})  # valid ones remembered
    bad = {"name": "bad", "labels": {**good, **labels}, "annotations": {**good, **annotations}}
    with pytest.raises(ApiError) as e:
        await service.create(r.CONFIGMAPS, "default", {"metadata": bad})
    assert e.value.code == 422
