"""ObjectService deletion semantics: finalizers, graceful pods, owners, namespaces."""

from __future__ import annotations

from pathlib import Path

import pytest

from argoapp.localkube import resources as r
from argoapp.localkube.errors import ApiError, NotFound
from argoapp.localkube.objects import ObjectService

MERGE = "application/merge-patch+json"


def owned_by(owner: dict, name: str) -> dict:
    meta = owner["metadata"]
    ref = {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": meta["name"],
        "uid": meta["uid"],
    }
    return {"metadata": {"name": name, "ownerReferences": [ref]}, "data": {}}


async def gone(svc: ObjectService, res: r.Resource, ns: str | None, name: str) -> bool:
    try:
        await svc.get(res, ns, name)
    except NotFound:
        return True
    return False


async def test_finalizer_holds_object_until_removed(service: ObjectService) -> None:
    await service.create(
        r.CONFIGMAPS, "default", {"metadata": {"name": "held", "finalizers": ["example.com/hold"]}}
    )
    marked = await service.delete(r.CONFIGMAPS, "default", "held")
    assert marked["metadata"]["deletionTimestamp"]
    assert not await gone(service, r.CONFIGMAPS, "default", "held")
    await service.patch(r.CONFIGMAPS, "default", "held", MERGE, {"metadata": {"finalizers": None}})
    assert await gone(service, r.CONFIGMAPS, "default", "held")


async def test_background_deletion_collects_dependents(service: ObjectService) -> None:
    wf = await service.create(r.WORKFLOWS, "argo", {"metadata": {"name": "wf"}, "spec": {}})
    await service.create(r.CONFIGMAPS, "argo", owned_by(wf, "child"))
    await service.delete(r.WORKFLOWS, "argo", "wf", propagation_policy="Background")
    assert await gone(service, r.CONFIGMAPS, "argo", "child")


async def test_orphan_deletion_keeps_dependents_without_the_reference(
    service: ObjectService,
) -> None:
    wf = await service.create(r.WORKFLOWS, "argo", {"metadata": {"name": "wf"}, "spec": {}})
    await service.create(r.CONFIGMAPS, "argo", owned_by(wf, "child"))
    await service.delete(r.WORKFLOWS, "argo", "wf", propagation_policy="Orphan")
    child = await service.get(r.CONFIGMAPS, "argo", "child")
    assert "ownerReferences" not in child["metadata"]


async def test_foreground_deletion_waits_for_dependents(service: ObjectService) -> None:
    wf = await service.create(r.WORKFLOWS, "argo", {"metadata": {"name": "wf"}, "spec": {}})
    await service.create(r.CONFIGMAPS, "argo", owned_by(wf, "child"))
    await service.delete(r.WORKFLOWS, "argo", "wf", propagation_policy="Foreground")
    assert await gone(service, r.CONFIGMAPS, "argo", "child")
    assert await gone(service, r.WORKFLOWS, "argo", "wf")


async def test_bound_pod_waits_for_the_kubelet(service: ObjectService) -> None:
    spec = {"nodeName": "localkube", "containers": [{"name": "main", "image": "busybox"}]}
    await service.create(r.PODS, "default", {"metadata": {"name": "p"}, "spec": spec})
    marked = await service.delete(r.PODS, "default", "p", grace_period_seconds=7)
    assert marked["metadata"]["deletionGracePeriodSeconds"] == 7
    assert not await gone(service, r.PODS, "default", "p")
    await service.delete(r.PODS, "default", "p", grace_period_seconds=0)
    assert await gone(service, r.PODS, "default", "p")


async def test_unbound_pod_goes_at_once(service: ObjectService) -> None:
    spec = {"containers": [{"name": "main", "image": "busybox"}]}
    await service.create(r.PODS, "default", {"metadata": {"name": "p"}, "spec": spec})
    await service.delete(r.PODS, "default", "p")
    assert await gone(service, r.PODS, "default", "p")


async def test_namespace_deletion_empties_it_first(service: ObjectService) -> None:
    await service.create(r.NAMESPACES, None, {"metadata": {"name": "scratch"}})
    assert await service.get(r.SERVICEACCOUNTS, "scratch", "default")
    await service.create(r.CONFIGMAPS, "scratch", {"metadata": {"name": "a"}})
    await service.delete(r.NAMESPACES, None, "scratch")
    assert await gone(service, r.CONFIGMAPS, "scratch", "a")
    assert await gone(service, r.NAMESPACES, None, "scratch")
    with pytest.raises(NotFound):
        await service.create(r.CONFIGMAPS, "scratch", {"metadata": {"name": "b"}})


async def test_default_namespace_cannot_be_deleted(service: ObjectService) -> None:
    with pytest.raises(ApiError) as caught:
        await service.delete(r.NAMESPACES, None, "default")
    assert caught.value.code == 403


async def test_orphans_of_a_vanished_owner_are_collected_at_start(tmp_path: Path) -> None:
    svc = ObjectService(tmp_path / "kube.db")
    await svc.start()
    ghost = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": "ghost", "uid": "0000-gone"},
    }
    await svc.create(r.CONFIGMAPS, "argo", owned_by(ghost, "left-behind"))
    await svc.close()
    svc = ObjectService(tmp_path / "kube.db")
    await svc.start()
    try:
        assert await gone(svc, r.CONFIGMAPS, "argo", "left-behind")
    finally:
        await svc.close()


async def test_bound_pod_with_finalizers_goes_when_kubelet_and_finalizers_are_done(
    service: ObjectService,
) -> None:
    spec = {"nodeName": "localkube", "containers": [{"name": "main", "image": "busybox"}]}
    meta = {"name": "p", "finalizers": ["workflows.argoproj.io/status"]}
    await service.create(r.PODS, "default", {"metadata": meta, "spec": spec})
    await service.delete(r.PODS, "default", "p")
    done = await service.delete(r.PODS, "default", "p", grace_period_seconds=0)
    assert done["metadata"]["deletionGracePeriodSeconds"] == 0
    assert not await gone(service, r.PODS, "default", "p")
    await service.patch(r.PODS, "default", "p", MERGE, {"metadata": {"finalizers": None}})
    assert await gone(service, r.PODS, "default", "p")


async def test_bound_pod_keeps_running_until_the_kubelet_is_done_despite_finalizer_removal(
    service: ObjectService,
) -> None:
    spec = {"nodeName": "localkube", "containers": [{"name": "main", "image": "busybox"}]}
    meta = {"name": "p", "finalizers": ["example.com/x"]}
    await service.create(r.PODS, "default", {"metadata": meta, "spec": spec})
    await service.delete(r.PODS, "default", "p")
    await service.patch(r.PODS, "default", "p", MERGE, {"metadata": {"finalizers": None}})
    assert not await gone(service, r.PODS, "default", "p")
    await service.delete(r.PODS, "default", "p", grace_period_seconds=0)
    assert await gone(service, r.PODS, "default", "p")
