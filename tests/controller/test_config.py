"""Controller settings from Argo's workflow-controller-configmap, and their reload."""

from __future__ import annotations

from datetime import datetime

import pytest

from argoapp import config
from argoapp.engine.api import Observed, Result, Settings
from argoapp.errors import ConfigError
from argoapp.kube.client import Kube
from argoapp.model.types import Obj

from .conftest import RunController, eventually

CONFIG = """
executor:
  image: example.com/argoexec:v9
  imagePullPolicy: IfNotPresent
parallelism: 3
instanceID: edge
podGCDeleteDelayDuration: 1m
images:
  python:3: {cmd: [python3]}
workflowDefaults:
  spec: {serviceAccountName: runner}
"""


def configmap(data: dict[str, str], name: str = "workflow-controller-configmap") -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "argo"},
        "data": data,
    }


def test_the_config_key_holds_yaml() -> None:
    settings = config.engine_settings(
        config.controller_config_from_configmap(configmap({"config": CONFIG}))
    )
    assert settings.executor_image == "example.com/argoexec:v9"
    assert settings.executor_pull_policy == "IfNotPresent"
    assert settings.parallelism == 3
    assert settings.instance_id == "edge"
    assert settings.pod_gc_delete_delay == 60.0
    assert settings.images == {"python:3": {"cmd": ["python3"]}}
    assert settings.workflow_defaults == {"spec": {"serviceAccountName": "runner"}}


def test_the_older_form_has_one_key_per_setting() -> None:
    cm = configmap({"parallelism": "2", "executor": "image: example.com/exec:v1\n"})
    settings = config.engine_settings(config.controller_config_from_configmap(cm))
    assert settings.parallelism == 2
    assert settings.executor_image == "example.com/exec:v1"


def test_the_executor_image_flag_wins() -> None:
    data = config.controller_config_from_configmap(configmap({"config": CONFIG}))
    assert config.engine_settings(data, executor_image="mine:1").executor_image == "mine:1"
    assert config.engine_settings({}).executor_image == config.DEFAULT_EXECUTOR_IMAGE


@pytest.mark.parametrize(
    ("data", "complaint"),
    [
        ({"config": "parallelism: [1"}, "not hold valid YAML"),
        ({"config": "- a\n- b"}, "must be a mapping"),
        ({"config": "parallelism: lots"}, "`parallelism` must be a whole number"),
        ({"config": "executor: image-only"}, "`executor` must be a mapping"),
    ],
)
def test_a_bad_configmap_says_what_is_wrong(data: dict[str, str], complaint: str) -> None:
    with pytest.raises(ConfigError, match=complaint):
        config.controller_config_from_configmap(configmap(data))


async def test_a_changed_configmap_reloads_the_settings(
    kube: Kube, run_controller: RunController
) -> None:
    def engine(wf: Obj, observed: Observed, now: datetime, settings: Settings) -> Result:
        return Result(wf)

    def settings_from(cm: Obj) -> Settings:
        return config.engine_settings(config.controller_config_from_configmap(cm))

    await kube.create("ConfigMap", configmap({"config": "parallelism: 1"}))
    controller = await run_controller(
        engine,
        settings=settings_from(
            await kube.get("ConfigMap", "workflow-controller-configmap", "argo")
        ),
        configmap=("argo", "workflow-controller-configmap"),
        settings_from=settings_from,
    )
    assert controller.settings.parallelism == 1
    await kube.patch(
        "ConfigMap", "workflow-controller-configmap", {"data": {"config": CONFIG}}, "argo"
    )

    async def reloaded() -> bool:
        return controller.settings.executor_image == "example.com/argoexec:v9"

    await eventually(reloaded)
    assert controller.settings.parallelism == 3
    # A broken edit is refused and the last good settings stay.
    await kube.patch(
        "ConfigMap", "workflow-controller-configmap", {"data": {"config": "parallelism: x"}}, "argo"
    )
    await kube.create("ConfigMap", configmap({"a": "b"}, name="unrelated"))

    async def seen_after_the_broken_edit() -> bool:
        # One watch, in order: once the later ConfigMap is cached, the broken edit was handled.
        return controller.informers["ConfigMap"].get("argo", "unrelated") is not None

    await eventually(seen_after_the_broken_edit)
    assert controller.settings.parallelism == 3
