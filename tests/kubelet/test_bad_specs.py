"""A malformed pod spec, or a bug in the kubelet, ends the pod Failed with a reason, once."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from argoapp.localkube import resources as r
from argoapp.localkube.kubelet import Kubelet, sources, specs, transitions
from argoapp.localkube.kubelet.commands import CommandError
from argoapp.localkube.objects import ObjectService

from .harness import Obj, finished, gone, pod, sh, status_of

WORKER_LOG = "argoapp.localkube.kubelet.worker"


@pytest.mark.parametrize(
    ("spec", "container", "field"),
    [
        ({}, {"env": [{"name": "X", "valueFrom": {"fieldRef": "oops"}}]},
         "spec.containers[0].env[0].valueFrom.fieldRef: must be an object, not a string"),
        ({}, {"envFrom": [{"configMapRef": ["a"]}]},
         "spec.containers[0].envFrom[0].configMapRef: must be an object, not a list"),
        ({}, {"env": {"X": "1"}}, "spec.containers[0].env: must be a list, not an object"),
        ({}, {"volumeMounts": [{"name": "v", "readOnly": "yes"}]},
         "spec.containers[0].volumeMounts[0].readOnly: must be a boolean, not a string"),
        ({}, {"args": ["a", 1]}, "spec.containers[0].args[1]: must be a string, not a number"),
        ({}, {"workingDir": ["/"]}, "spec.containers[0].workingDir: must be a string, not a list"),
        ({"volumes": [{"name": "v", "configMap": {"name": "c", "defaultMode": "0644"}}]}, {},
         "spec.volumes[0].configMap.defaultMode: must be an integer, not a string"),
        ({"volumes": "v"}, {}, "spec.volumes: must be a list, not a string"),
        ({"activeDeadlineSeconds": "soon"}, {},
         "spec.activeDeadlineSeconds: must be a number, not a string"),
        ({"activeDeadlineSeconds": 0}, {}, "spec.activeDeadlineSeconds: must be greater than 0"),
        ({"restartPolicy": "Sometimes"}, {}, "spec.restartPolicy: unsupported value 'Sometimes'"),
    ],
)  # fmt: skip
def test_malformed_fields_are_named(spec: Obj, container: Obj, field: str) -> None:
    c = {"name": "main", "image": "busybox", **container}
    with pytest.raises(CommandError) as e:
        specs.check({"spec": {"containers": [c], **spec}}, c)
    assert e.value.reason == "RunContainerError"
    assert e.value.message.startswith(f"invalid pod spec: {field}")


def test_a_well_formed_spec_passes() -> None:
    c = sh("main", "true", env=[{"name": "A", "value": "a"},
                                {"name": "B", "valueFrom": {"fieldRef": {"fieldPath": "x"}}}],
           volumeMounts=[{"name": "v", "mountPath": "/v"}], workingDir="/w")  # fmt: skip
    spec = {
        "containers": [c],
        "restartPolicy": "OnFailure",
        "activeDeadlineSeconds": 60,
        "volumes": [
            {"name": "v", "emptyDir": {}},
            {
                "name": "p",
                "projected": {
                    "sources": [{"serviceAccountToken": {"path": "t", "expirationSeconds": 600}}]
                },
            },
        ],
    }
    specs.check({"spec": spec}, c)  # fmt: skip


def errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [rec for rec in caplog.records if rec.levelno >= logging.ERROR]


async def failed_with(service: ObjectService, manifest: Obj) -> Obj:
    await service.create(r.PODS, "default", manifest)
    done = await finished(service, manifest["metadata"]["name"])
    assert done["status"]["phase"] == "Failed"
    return done


async def test_malformed_env_fails_the_pod_once(
    service: ObjectService, kubelet: Kubelet, caplog: pytest.LogCaptureFixture
) -> None:
    container = sh("main", "true", env=[{"name": "X", "valueFrom": {"fieldRef": "oops"}}])
    done = await failed_with(service, pod("bad-env", container))
    terminated = status_of(done, "main")["state"]["terminated"]
    assert terminated["reason"] == "RunContainerError"
    assert "spec.containers[0].env[0].valueFrom.fieldRef" in terminated["message"]
    await kubelet.resync()
    assert errors(caplog) == []  # the spec's fault, not the kubelet's: nothing to log


async def test_non_numeric_deadline_fails_the_pod(
    service: ObjectService, kubelet: Kubelet, caplog: pytest.LogCaptureFixture
) -> None:
    done = await failed_with(service, pod("bad-deadline", sh("main", "true"),
                                          activeDeadlineSeconds="soon"))  # fmt: skip
    message = status_of(done, "main")["state"]["terminated"]["message"]
    assert "spec.activeDeadlineSeconds: must be a number" in message
    assert errors(caplog) == []


async def test_unexpected_error_preparing_a_container_fails_it(
    service: ObjectService, kubelet: Kubelet, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    async def broken(*_: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(sources, "fetch", broken)
    done = await failed_with(service, pod("unprepared", sh("main", "true")))
    terminated = status_of(done, "main")["state"]["terminated"]
    assert terminated["reason"] == "RunContainerError"
    assert terminated["message"] == "cannot prepare the container: RuntimeError: boom"
    await kubelet.resync()
    [logged] = errors(caplog)
    assert logged.name == WORKER_LOG and logged.exc_info is not None


async def test_internal_error_ends_the_pod_failed_and_the_worker_lives_on(
    service: ObjectService, kubelet: Kubelet, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    def broken(*_: Any) -> None:
        raise RuntimeError("a kubelet bug")

    monkeypatch.setattr(transitions, "record_exit", broken)
    done = await failed_with(service, pod("buggy", sh("main", "true")))
    assert done["status"]["reason"] == "InternalError"
    assert "Traceback" not in done["status"]["message"]
    assert "a kubelet bug" not in done["status"]["message"]
    await kubelet.resync()
    await kubelet.resync()
    [logged] = errors(caplog)  # logged once, with its traceback, and no new worker since
    assert logged.name == WORKER_LOG and logged.exc_info is not None
    await service.delete(r.PODS, "default", "buggy")
    await gone(service, "buggy")
