"""build_pod: the pod Argo's controller would create for container, script and containerSet."""

from __future__ import annotations

import json
from typing import Any

import pytest

from argoapp.engine.api import Settings
from argoapp.engine.podparts import PodBuildError
from argoapp.engine.pods import PodRequest, build_pod

WF = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "Workflow",
    "metadata": {"name": "hello", "namespace": "argo", "uid": "wf-uid-1"},
}
SETTINGS = Settings(executor_image="quay.io/argoproj/argoexec:v4.1.2")


def request(template: dict[str, Any], **kw: Any) -> PodRequest:
    args: dict[str, Any] = {
        "workflow": WF,
        "spec": {},
        "node_id": "hello-123",
        "node_name": "hello[0].step",
        "pod_name": "hello-step-123",
        "template": template,
    }
    args.update(kw)
    return PodRequest(**args)


def ctr(pod: dict[str, Any], name: str) -> dict[str, Any]:
    every = pod["spec"]["initContainers"] + pod["spec"]["containers"]
    return next(c for c in every if c["name"] == name)


def env(container: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container["env"]}


def mounts(container: dict[str, Any]) -> dict[str, str]:
    return {m["mountPath"]: m["name"] for m in container.get("volumeMounts") or []}


CONTAINER = {
    "name": "step",
    "container": {"image": "alpine:3", "command": ["echo"], "args": ["hi"]},
}


def test_metadata_labels_and_owner() -> None:
    pod = build_pod(request(CONTAINER, on_exit=True), Settings(instance_id="i1"))
    meta = pod["metadata"]
    assert meta["name"] == "hello-step-123" and meta["namespace"] == "argo"
    assert meta["labels"] == {
        "workflows.argoproj.io/workflow": "hello",
        "workflows.argoproj.io/completed": "false",
        "workflows.argoproj.io/on-exit": "true",
        "workflows.argoproj.io/controller-instanceid": "i1",
    }
    assert meta["annotations"]["workflows.argoproj.io/node-name"] == "hello[0].step"
    assert meta["annotations"]["workflows.argoproj.io/node-id"] == "hello-123"
    assert meta["annotations"]["kubectl.kubernetes.io/default-container"] == "main"
    (owner,) = meta["ownerReferences"]
    assert owner["kind"] == "Workflow" and owner["uid"] == "wf-uid-1" and owner["controller"]


def test_container_layout() -> None:
    pod = build_pod(request(CONTAINER, deadline="2030-01-01T00:00:00Z"), SETTINGS)
    spec = pod["spec"]
    assert spec["restartPolicy"] == "Never"
    assert [c["name"] for c in spec["initContainers"]] == ["init"]
    assert [c["name"] for c in spec["containers"]] == ["wait", "main"]
    init, wait, main = ctr(pod, "init"), ctr(pod, "wait"), ctr(pod, "main")
    assert init["command"][:2] == ["argoexec", "init"]
    assert wait["command"][:2] == ["argoexec", "wait"]
    assert init["image"] == wait["image"] == "quay.io/argoproj/argoexec:v4.1.2"
    assert main["command"] == [
        "/var/run/argo/argoexec", "emissary", "--loglevel", "info", "--log-format", "text",
        "--", "echo",
    ]  # fmt: skip
    assert main["args"] == ["hi"]
    for c in (init, wait, main):
        assert mounts(c)["/var/run/argo"] == "var-run-argo"
        assert env(c)["ARGO_CONTAINER_NAME"] == c["name"]
        assert env(c)["ARGO_NODE_ID"] == "hello-123"
        assert env(c)["ARGO_DEADLINE"] == "2030-01-01T00:00:00Z"
    assert mounts(wait)["/tmp"] == "tmp-dir-argo"
    assert env(wait)["ARGO_WORKFLOW_UID"] == "wf-uid-1"
    assert env(wait)["ARGO_POD_NAME"] == {
        "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}
    }
    assert "ARGO_TEMPLATE" in env(init) and "ARGO_TEMPLATE" not in env(main)
    names = [v["name"] for v in spec["volumes"]]
    assert names[:2] == ["var-run-argo", "tmp-dir-argo"]


def test_argo_template_round_trip() -> None:
    template = {
        **CONTAINER,
        "outputs": {"parameters": [{"name": "p", "valueFrom": {"path": "/x"}}]},
    }
    pod = build_pod(request(template), SETTINGS)
    assert json.loads(env(ctr(pod, "init"))["ARGO_TEMPLATE"]) == template


def test_no_deadline_is_go_zero_time() -> None:
    pod = build_pod(request(CONTAINER), SETTINGS)
    assert env(ctr(pod, "main"))["ARGO_DEADLINE"] == "0001-01-01T00:00:00Z"


def test_script_source_is_staged_and_appended() -> None:
    script = {
        "name": "s",
        "script": {"image": "python:3", "command": ["python"], "source": "print(1)"},
    }
    pod = build_pod(request(script, include_script_output=True), SETTINGS)
    main = ctr(pod, "main")
    assert main["command"][-2:] == ["--", "python"]
    assert main["args"] == ["/argo/staging/script"]
    assert "source" not in main
    assert mounts(main)["/argo/staging"] == "argo-staging"
    assert mounts(ctr(pod, "init"))["/argo/staging"] == "argo-staging"
    assert env(main)["ARGO_INCLUDE_SCRIPT_OUTPUT"] == "true"


def test_image_without_command_uses_images_map() -> None:
    settings = Settings(images={"docker/whalesay": {"entrypoint": ["/entry"], "cmd": ["cowsay"]}})
    t = {"name": "w", "container": {"image": "docker/whalesay:latest"}}
    main = ctr(build_pod(request(t), settings), "main")
    assert main["command"][-2:] == ["--", "/entry"] and main["args"] == ["cowsay"]
    t = {"name": "w", "container": {"image": "docker/whalesay:latest", "args": ["moo"]}}
    main = ctr(build_pod(request(t), settings), "main")
    assert main["args"] == ["moo"]
    t = {"name": "u", "container": {"image": "unknown:1", "args": ["sh", "-c", "true"]}}
    main = ctr(build_pod(request(t), settings), "main")
    assert main["command"][-1] == "--" and main["args"] == ["sh", "-c", "true"]


def test_container_set() -> None:
    t = {
        "name": "cs",
        "containerSet": {
            "volumeMounts": [{"name": "work", "mountPath": "/work"}],
            "containers": [
                {"name": "a", "image": "alpine", "command": ["true"]},
                {"name": "main", "image": "alpine", "command": ["true"], "dependencies": ["a"]},
            ],
        },
        "volumes": [{"name": "work", "emptyDir": {}}],
    }
    pod = build_pod(request(t), SETTINGS)
    assert [c["name"] for c in pod["spec"]["containers"]] == ["wait", "a", "main"]
    a = ctr(pod, "a")
    assert env(a)["ARGO_CONTAINER_NAME"] == "a" and "dependencies" not in ctr(pod, "main")
    assert mounts(a)["/work"] == "work"
    assert mounts(ctr(pod, "wait"))["/mainctrfs/work"] == "work"


def test_sidecars_and_user_init_containers() -> None:
    t = {
        **CONTAINER,
        "container": {**CONTAINER["container"], "volumeMounts": [{"name": "v", "mountPath": "/v"}]},
        "sidecars": [
            {"name": "db", "image": "redis", "command": ["redis"], "mirrorVolumeMounts": True}
        ],
        "initContainers": [{"name": "prep", "image": "alpine", "command": ["true"]}],
    }
    pod = build_pod(request(t, spec={"volumes": [{"name": "v", "emptyDir": {}}]}), SETTINGS)
    assert [c["name"] for c in pod["spec"]["containers"]] == ["wait", "main", "db"]
    assert [c["name"] for c in pod["spec"]["initContainers"]] == ["init", "prep"]
    db = ctr(pod, "db")
    assert db["command"][:2] == ["/var/run/argo/argoexec", "emissary"]
    assert mounts(db)["/v"] == "v" and "mirrorVolumeMounts" not in db
    assert ctr(pod, "prep")["command"] == ["true"]
    assert {"name": "v", "emptyDir": {}} in pod["spec"]["volumes"]
    assert mounts(ctr(pod, "wait"))["/mainctrfs/v"] == "v"
    assert "/mainctrfs/var/run/argo" not in mounts(ctr(pod, "wait"))


def test_unknown_volume_is_an_error() -> None:
    t = {
        "name": "x",
        "container": {"image": "a", "volumeMounts": [{"name": "nope", "mountPath": "/n"}]},
    }
    with pytest.raises(PodBuildError, match="volume 'nope' not found"):
        build_pod(request(t), SETTINGS)


def test_volume_claims_are_referenced() -> None:
    t = {
        "name": "x",
        "container": {"image": "a", "volumeMounts": [{"name": "w", "mountPath": "/w"}]},
    }
    claim = {"name": "w", "persistentVolumeClaim": {"claimName": "hello-w"}}
    pod = build_pod(request(t, volume_claims=[claim]), SETTINGS)
    assert claim in pod["spec"]["volumes"]


def test_input_artifacts_volume() -> None:
    t = {
        **CONTAINER,
        "inputs": {"artifacts": [{"name": "data", "path": "/in/data", "s3": {"key": "k"}}]},
    }
    pod = build_pod(request(t), SETTINGS)
    assert {"name": "input-artifacts", "emptyDir": {}} in pod["spec"]["volumes"]
    assert mounts(ctr(pod, "init"))["/argo/inputs/artifacts"] == "input-artifacts"
    m = next(m for m in ctr(pod, "main")["volumeMounts"] if m["mountPath"] == "/in/data")
    assert m["subPath"] == "data"


def test_pod_spec_patch_workflow_then_template() -> None:
    t = {
        **CONTAINER,
        "podSpecPatch": 'containers:\n- name: main\n  resources: {limits: {cpu: "2"}}\n',
    }
    spec = {
        "podSpecPatch": json.dumps(
            {
                "containers": [{"name": "main", "env": [{"name": "X", "value": "1"}]}],
                "terminationGracePeriodSeconds": 7,
            }
        )
    }
    pod = build_pod(request(t, spec=spec), SETTINGS)
    main = ctr(pod, "main")
    assert main["resources"] == {"limits": {"cpu": "2"}}
    assert env(main)["X"] == "1"
    assert env(main)["ARGO_TERMINATION_GRACE_PERIOD_SECONDS"] == "7"
    assert main["command"][0] == "/var/run/argo/argoexec"


def test_pod_metadata_and_scheduling() -> None:
    spec = {
        "podMetadata": {"labels": {"team": "a"}, "annotations": {"x": "wf"}},
        "serviceAccountName": "wf-sa",
        "nodeSelector": {"disk": "ssd"},
        "securityContext": {"runAsUser": 1000},
        "imagePullSecrets": [{"name": "reg"}],
        "hostAliases": [{"ip": "1.2.3.4", "hostnames": ["a"]}],
        "dnsPolicy": "None",
    }
    t = {
        **CONTAINER,
        "metadata": {"annotations": {"x": "tmpl"}},
        "serviceAccountName": "tmpl-sa",
        "tolerations": [{"key": "k", "operator": "Exists"}],
        "activeDeadlineSeconds": "30",
    }
    pod = build_pod(request(t, spec=spec), SETTINGS)
    assert pod["metadata"]["labels"]["team"] == "a"
    assert pod["metadata"]["annotations"]["x"] == "tmpl"
    s = pod["spec"]
    assert s["serviceAccountName"] == "tmpl-sa" and s["nodeSelector"] == {"disk": "ssd"}
    assert s["securityContext"] == {"runAsUser": 1000} and s["imagePullSecrets"] == [
        {"name": "reg"}
    ]
    assert s["tolerations"] == [{"key": "k", "operator": "Exists"}]
    assert s["activeDeadlineSeconds"] == 30 and s["dnsPolicy"] == "None"
    assert s["hostAliases"] == [{"ip": "1.2.3.4", "hostnames": ["a"]}]


def test_executor_and_main_container_defaults() -> None:
    settings = Settings(
        executor={"resources": {"limits": {"cpu": "100m"}}, "env": [{"name": "E", "value": "1"}]},
        main_container={"resources": {"limits": {"memory": "1Gi"}}, "imagePullPolicy": "Never"},
    )
    pod = build_pod(request(CONTAINER), settings)
    assert ctr(pod, "wait")["resources"] == {"limits": {"cpu": "100m"}}
    assert env(ctr(pod, "init"))["E"] == "1"
    main = ctr(pod, "main")
    assert main["resources"] == {"limits": {"memory": "1Gi"}} and main["imagePullPolicy"] == "Never"


def test_resource_template_has_no_wait() -> None:
    t = {"name": "r", "resource": {"action": "create", "manifest": "kind: ConfigMap"}}
    pod = build_pod(request(t), SETTINGS)
    assert [c["name"] for c in pod["spec"]["containers"]] == ["main"]
    main = ctr(pod, "main")
    assert main["command"][-4:] == ["--", "argoexec", "resource", "create"]
    assert main["image"] == SETTINGS.executor_image


def test_a_wrapped_container_of_another_image_unpacks_the_executor_in_var_run_argo() -> None:
    # The executor is one self-unpacking file, and a user's image (scratch, a read-only root)
    # may have no writable /tmp: its containers get TMPDIR in var-run-argo, the executor's own
    # containers their /tmp volume.
    pod = build_pod(request(CONTAINER), SETTINGS)
    main, init, wait = ctr(pod, "main"), ctr(pod, "init"), ctr(pod, "wait")
    assert env(main)["TMPDIR"] == "/var/run/argo"
    assert "/var/run/argo" in mounts(main)
    for own in (init, wait):
        assert "TMPDIR" not in env(own)
    assert mounts(wait)["/tmp"] == "tmp-dir-argo"
    own_tmp = [{"name": "TMPDIR", "value": "/scratch"}]
    mine = {"name": "step", "container": {"image": "alpine:3", "command": ["true"], "env": own_tmp}}
    main = ctr(build_pod(request(mine), SETTINGS), "main")
    assert [e for e in main["env"] if e["name"] == "TMPDIR"] == own_tmp
