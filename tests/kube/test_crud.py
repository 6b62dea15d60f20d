"""Kube's verbs against a real localkube over HTTPS: objects in and out as plain dicts."""

from __future__ import annotations

import pytest

from argoapp.kube.client import Kube
from argoapp.kube.errors import AlreadyExists, Conflict, Invalid, KubeError, NotFound

from .conftest import configmap, workflow


async def test_create_get_list_replace_patch_delete(kube: Kube) -> None:
    made = await kube.create("ConfigMap", configmap("cm1", a="1"))
    assert made["metadata"]["uid"]
    got = await kube.get("ConfigMap", "cm1", "default")
    assert got["data"] == {"a": "1"}
    listed = await kube.list("ConfigMap", "default")
    assert [i["metadata"]["name"] for i in listed["items"]] == ["cm1"]
    assert listed["metadata"]["resourceVersion"]
    got["data"] = {"b": "2"}
    replaced = await kube.replace("ConfigMap", got)
    assert replaced["data"] == {"b": "2"}
    merged = await kube.patch("ConfigMap", "cm1", {"data": {"c": "3"}}, "default")
    assert merged["data"] == {"b": "2", "c": "3"}
    jsoned = await kube.patch(
        "ConfigMap", "cm1", [{"op": "remove", "path": "/data/b"}], "default", patch_type="json"
    )
    assert jsoned["data"] == {"c": "3"}
    strategic = await kube.patch(
        "ConfigMap", "cm1", {"data": {"d": "4"}}, "default", patch_type="strategic"
    )
    assert strategic["data"] == {"c": "3", "d": "4"}
    await kube.delete("ConfigMap", "cm1", "default")
    with pytest.raises(NotFound):
        await kube.get("ConfigMap", "cm1", "default")
    with pytest.raises(NotFound):
        await kube.delete("ConfigMap", "cm1", "default")


async def test_already_exists_is_not_conflict(kube: Kube) -> None:
    await kube.create("Workflow", workflow("wf1"))
    with pytest.raises(AlreadyExists) as exists:
        await kube.create("Workflow", workflow("wf1"))
    assert exists.value.status == 409
    assert exists.value.reason == "AlreadyExists"
    stale = await kube.get("Workflow", "wf1", "default")
    await kube.patch("Workflow", "wf1", {"metadata": {"labels": {"x": "y"}}}, "default")
    with pytest.raises(Conflict) as conflict:
        await kube.replace("Workflow", stale)
    assert conflict.value.status == 409
    assert conflict.value.reason == "Conflict"
    assert not isinstance(conflict.value, AlreadyExists)


async def test_invalid_and_unknown_kind(kube: Kube) -> None:
    with pytest.raises(Invalid) as invalid:
        await kube.create("ConfigMap", configmap("Not_A_Valid_Name"))
    assert invalid.value.status == 422
    assert invalid.value.message
    with pytest.raises(KubeError, match="Frobnicator"):
        await kube.get("Frobnicator", "x")
