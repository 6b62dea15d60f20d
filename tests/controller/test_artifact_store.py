"""The built-in artifact store from the controller's side, over a real localkube: it is the
default repository while the config names none (from the ConfigMap too, as it changes), and its
Secret is in a workflow's namespace, created or brought up to date, before the first pod.

The engine is scripted (see conftest): what it is given and asked to do is what is checked.
"""

from __future__ import annotations

import base64
from datetime import datetime

import pytest
import yaml

from argoapp import config
from argoapp.artifacts.builtin import SECRET_NAME, BuiltinStore
from argoapp.controller import artifact_secrets
from argoapp.engine.api import CreatePod, Observed, Result, Settings
from argoapp.kube.client import Kube
from argoapp.kube.errors import NotFound
from argoapp.model.types import Obj

from .conftest import RunController, eventually, pod, with_status, workflow

STORE = BuiltinStore("127.0.0.1:2746", "AKIDLOCAL", "s3cr3t-local")
CONFIGMAP = ("default", "workflow-controller-configmap")
SECRET = "Secret"
OWN_REPO = {"s3": {"endpoint": "s3.example.com", "bucket": "mine"}}


def settings_from(cm: Obj) -> Settings:
    return config.engine_settings(config.controller_config_from_configmap(cm))


def configmap(data: Obj) -> Obj:
    return {
        "metadata": {"name": CONFIGMAP[1], "namespace": CONFIGMAP[0]},
        "data": {"config": yaml.safe_dump(data)},
    }


async def test_the_builtin_store_is_the_repository_while_the_config_names_none(
    kube: Kube, run_controller: RunController
) -> None:
    seen: list[Obj] = []

    def engine(wf: Obj, observed: Observed, now: datetime, settings: Settings) -> Result:
        seen.append(dict(settings.artifact_repository))
        return Result(with_status(wf, phase="Running"))

    controller = await run_controller(
        engine, artifact_store=STORE, configmap=CONFIGMAP, settings_from=settings_from
    )
    await kube.create("Workflow", workflow("first"))
    await eventually(lambda: _true(bool(seen)))
    assert seen[0] == STORE.repository()

    await kube.create("ConfigMap", configmap({"artifactRepository": OWN_REPO}))
    await eventually(lambda: _true(controller.settings.artifact_repository == OWN_REPO))
    await kube.replace(
        "ConfigMap",
        {**await kube.get("ConfigMap", CONFIGMAP[1], "default"), "data": {"config": "{}"}},
        "default",
    )
    await eventually(lambda: _true(controller.settings.artifact_repository == STORE.repository()))


async def test_a_configured_repository_wins_and_no_secret_is_made(
    kube: Kube, run_controller: RunController
) -> None:
    def engine(wf: Obj, observed: Observed, now: datetime, settings: Settings) -> Result:
        if "own-1" in observed.pods:
            return Result(wf)
        return Result(with_status(wf, phase="Running"), [CreatePod(pod("own-1", "own"))])

    controller = await run_controller(
        engine, artifact_store=STORE, settings=Settings(artifact_repository=OWN_REPO)
    )
    assert controller.settings.artifact_repository == OWN_REPO
    await kube.create("Workflow", workflow("own"))
    await eventually(lambda: _exists(kube, "Pod", "own-1", "default"))
    assert not await _exists(kube, SECRET, SECRET_NAME, "default")


async def test_the_secret_is_made_in_a_new_namespace_before_the_first_pod(
    kube: Kube, run_controller: RunController
) -> None:
    def engine(wf: Obj, observed: Observed, now: datetime, settings: Settings) -> Result:
        if "first-1" in observed.pods:
            return Result(wf)
        worker = {**pod("first-1", "wf"), "metadata": {**pod("first-1", "wf")["metadata"]}}
        worker["metadata"]["namespace"] = "team-new"
        return Result(with_status(wf, phase="Running"), [CreatePod(worker)])

    await kube.create("Namespace", {"metadata": {"name": "team-new"}})
    await run_controller(engine, artifact_store=STORE)
    await kube.create("Workflow", {**workflow("wf"), "metadata": _meta("wf", "team-new")})
    made = await eventually(lambda: _get(kube, "Pod", "first-1", "team-new"))
    secret = await kube.get(SECRET, SECRET_NAME, "team-new")
    assert secret["data"] == STORE.secret("team-new")["data"]
    assert _decoded(secret, "accesskey") == "AKIDLOCAL"
    # Created before the pod: the Secret's resourceVersion is the older one.
    assert int(secret["metadata"]["resourceVersion"]) < int(made["metadata"]["resourceVersion"])


async def test_a_stale_secret_is_brought_up_to_date(
    kube: Kube, run_controller: RunController
) -> None:
    def engine(wf: Obj, observed: Observed, now: datetime, settings: Settings) -> Result:
        if "stale-1" in observed.pods:
            return Result(wf)
        return Result(with_status(wf, phase="Running"), [CreatePod(pod("stale-1", "stale"))])

    old = STORE.secret("default")
    old["data"] = {"accesskey": base64.b64encode(b"old").decode()}
    old["metadata"]["labels"] = {"team": "kept"}
    await kube.create(SECRET, old, "default")
    await run_controller(engine, artifact_store=STORE)
    await kube.create("Workflow", workflow("stale"))
    await eventually(lambda: _exists(kube, "Pod", "stale-1", "default"))
    secret = await kube.get(SECRET, SECRET_NAME, "default")
    assert secret["data"] == STORE.secret("default")["data"]
    assert secret["metadata"]["labels"]["team"] == "kept"


async def test_a_deleted_secret_is_put_back_before_a_new_workflow_s_first_pod(
    kube: Kube, run_controller: RunController, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first-pod check is normally 5 s fresh (a burst of new workflows costs one GET); at 0
    # every new workflow checks, which is what this test is about.
    monkeypatch.setattr(artifact_secrets, "FIRST_POD_SECONDS", 0.0)

    def engine(wf: Obj, observed: Observed, now: datetime, settings: Settings) -> Result:
        name = wf["metadata"]["name"]
        if f"{name}-1" in observed.pods:
            return Result(wf)
        return Result(with_status(wf, phase="Running"), [CreatePod(pod(f"{name}-1", name))])

    await run_controller(engine, artifact_store=STORE)
    await kube.create("Workflow", workflow("before"))
    await eventually(lambda: _exists(kube, "Pod", "before-1", "default"))
    await kube.delete(SECRET, SECRET_NAME, "default")
    await kube.create("Workflow", workflow("after"))
    made = await eventually(lambda: _get(kube, "Pod", "after-1", "default"))
    secret = await kube.get(SECRET, SECRET_NAME, "default")
    assert int(secret["metadata"]["resourceVersion"]) < int(made["metadata"]["resourceVersion"])


async def test_a_workflow_of_an_earlier_run_reaches_the_store_where_it_answers_now(
    kube: Kube, run_controller: RunController
) -> None:
    seen: list[Obj] = []

    def engine(wf: Obj, observed: Observed, now: datetime, settings: Settings) -> Result:
        seen.append(wf["status"]["artifactRepositoryRef"]["artifactRepository"])
        return Result(wf)

    before = BuiltinStore("127.0.0.1:9999", "AKIDLOCAL", "s3cr3t-local").repository()
    other = {"s3": {**OWN_REPO["s3"], "accessKeySecret": {"name": "mine", "key": "a"}}}
    await run_controller(engine, artifact_store=STORE)
    for name, repo in (("moved", before), ("elsewhere", other)):
        ref = {"default": True, "artifactRepository": repo}
        await kube.create("Workflow", with_status(workflow(name), artifactRepositoryRef=ref))
    await eventually(lambda: _true(len(seen) >= 2))
    assert STORE.repository() in seen  # the earlier run's store, at today's endpoint
    assert other in seen  # someone else's repository is left alone
    assert before not in seen


async def test_without_the_store_nothing_changes(kube: Kube, run_controller: RunController) -> None:
    def engine(wf: Obj, observed: Observed, now: datetime, settings: Settings) -> Result:
        if "plain-1" in observed.pods:
            return Result(wf)
        return Result(with_status(wf, phase="Running"), [CreatePod(pod("plain-1", "plain"))])

    controller = await run_controller(engine)
    assert not controller.settings.artifact_repository
    await kube.create("Workflow", workflow("plain"))
    await eventually(lambda: _exists(kube, "Pod", "plain-1", "default"))
    assert not await _exists(kube, SECRET, SECRET_NAME, "default")


def _meta(name: str, namespace: str) -> Obj:
    return {"name": name, "namespace": namespace}


def _decoded(secret: Obj, key: str) -> str:
    return base64.b64decode(secret["data"][key]).decode()


async def _true(value: bool) -> bool:
    return value


async def _get(kube: Kube, kind: str, name: str, namespace: str) -> Obj | None:
    try:
        return await kube.get(kind, name, namespace)
    except NotFound:
        return None


async def _exists(kube: Kube, kind: str, name: str, namespace: str) -> bool:
    return await _get(kube, kind, name, namespace) is not None


async def test_a_secret_that_cannot_be_made_holds_the_pod_and_is_retried(
    kube: Kube, run_controller: RunController
) -> None:
    # A namespace being terminated refuses new objects: a real refusal, not a scripted one. The
    # workflow outlives it for a while (a finalizer of the test's holds it), and only then does
    # the scripted engine ask for a pod.
    def engine(wf: Obj, observed: Observed, now: datetime, settings: Settings) -> Result:
        if not wf["metadata"].get("deletionTimestamp") or observed.pods:
            return Result(wf)
        worker = pod("late-1", "late")
        worker["metadata"]["namespace"] = "closing"
        return Result(with_status(wf, phase="Running"), [CreatePod(worker)])

    await kube.create("Namespace", {"metadata": {"name": "closing"}})
    controller = await run_controller(engine, artifact_store=STORE)
    held = {**workflow("late"), "metadata": {**_meta("late", "closing"), "finalizers": ["t/hold"]}}
    await kube.create("Workflow", held)
    await kube.delete("Namespace", "closing")
    await eventually(lambda: _true(controller.metrics.errors.get("artifact-secret", 0) >= 2))
    assert not await _exists(kube, "Pod", "late-1", "closing")
    assert controller.health() is None
    await kube.patch("Workflow", "late", {"metadata": {"finalizers": None}}, "closing")
