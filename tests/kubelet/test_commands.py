"""What a container runs: Docker's entrypoint/cmd rules, the executor image, and no command."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import argoapp
from argoapp.localkube import resources as r
from argoapp.localkube.kubelet import Kubelet
from argoapp.localkube.kubelet.commands import (
    CommandError,
    argoapp_argv,
    expand,
    host_program,
    is_executor_image,
    repository,
    resolve,
)
from argoapp.localkube.objects import ObjectService
from argoapp.localkube.podlogs import LogOptions

from .harness import finished, logs, pod, status_of

IMAGES = {
    "python:3.11": {"entrypoint": ["python3"], "cmd": ["-c", "print('image cmd')"]},
    "alpine": {"cmd": ["/bin/sh"]},
}
EXECUTOR = "quay.io/argoproj/argoexec"


def run(container: dict, env: dict[str, str] | None = None) -> list[str]:
    return resolve(container, IMAGES, EXECUTOR, env or {})


def test_docker_rules() -> None:
    assert run({"image": "python:3.11"}) == ["python3", "-c", "print('image cmd')"]
    assert run({"image": "python:3.11", "args": ["x.py"]}) == ["python3", "x.py"]
    assert run({"image": "python:3.11", "args": []}) == ["python3"]
    assert run({"image": "python:3.11", "command": ["sh"]}) == ["sh"]  # image cmd dropped
    assert run({"image": "python:3.11", "command": ["sh"], "args": ["-c", "x"]}) == [
        "sh", "-c", "x",
    ]  # fmt: skip
    assert run({"image": "alpine:3.19"}) == ["/bin/sh"]  # found without its tag
    assert run({"image": "unknown", "command": ["echo"], "args": ["hi"]}) == ["echo", "hi"]
    # `kubectl run --image=busybox -- sh -c x`: an image not in the map has no entrypoint
    assert run({"image": "busybox", "args": ["sh", "-c", "x"]}) == ["sh", "-c", "x"]


def test_no_command_is_a_clear_error() -> None:
    with pytest.raises(CommandError) as e:
        run({"image": "unknown:1"})
    assert e.value.reason == "RunContainerError"
    assert "image 'unknown:1' has no command" in e.value.message


def test_expansion_in_command_and_args() -> None:
    argv = run({"image": "x", "command": ["echo", "$(A)", "$$(A)", "$(B)"]}, {"A": "1"})
    assert argv == ["echo", "1", "$(A)", "$(B)"]
    assert expand("$(A", lambda n: "x") == "$(A"
    assert expand("a$", lambda n: "x") == "a$"
    assert expand("$x$(A)", lambda n: "y") == "$xy"


def test_executor_image_runs_this_program() -> None:
    assert repository("quay.io/argoproj/argoexec:v3.5.0") == EXECUTOR
    assert repository("localhost:5000/argoexec@sha256:abc") == "localhost:5000/argoexec"
    assert is_executor_image("quay.io/argoproj/argoexec:latest", EXECUTOR + ":v3")
    prefix = argoapp_argv()
    assert prefix == [sys.executable, "-m", "argoapp"]
    assert run({"image": f"{EXECUTOR}:v3.5", "args": ["init"]}) == [*prefix, "exec", "init"]
    assert run({"image": f"{EXECUTOR}:v3.5", "command": ["argoexec", "wait"]}) == [
        *prefix, "exec", "wait",
    ]  # fmt: skip
    emissary = {
        "image": "python:3.11",
        "command": ["/var/run/argo/argoexec", "emissary", "--", "python3", "x.py"],
    }
    assert run(emissary) == [*prefix, "exec", "emissary", "--", "python3", "x.py"]


async def test_executor_image_runs_inside_the_sandbox(
    service: ObjectService, kubelet: Kubelet
) -> None:
    container = {"name": "main", "image": f"{EXECUTOR}:v3.5.0", "command": ["argoapp"],
                 "args": ["--version"]}  # fmt: skip
    await service.create(r.PODS, "default", pod("self", container))
    done = await finished(service, "self")
    assert done["status"]["phase"] == "Succeeded", done["status"]
    assert argoapp.__version__ in await logs(kubelet, done)


async def test_image_without_command_fails_the_pod(
    service: ObjectService, kubelet: Kubelet
) -> None:
    await service.create(
        r.PODS, "default",
        pod("nocmd", {"name": "main", "image": "nothing:1"}, restartPolicy="OnFailure"),
    )  # fmt: skip
    done = await finished(service, "nocmd")
    assert done["status"]["phase"] == "Failed"
    terminated = status_of(done, "main")["state"]["terminated"]
    assert terminated["reason"] == "RunContainerError"
    assert "has no command" in terminated["message"]
    log = [chunk async for chunk in kubelet.stream(done, LogOptions())]
    assert b"".join(log) == b""  # it never ran: an empty log, not "waiting to start"


async def test_missing_program_is_a_start_error(service: ObjectService, kubelet: Kubelet) -> None:
    container = {"name": "main", "image": "busybox", "command": ["no-such-program"]}
    await service.create(r.PODS, "default", pod("noprog", container))
    done = await finished(service, "noprog")
    terminated = status_of(done, "main")["state"]["terminated"]
    assert terminated["exitCode"] == 128
    assert terminated["reason"] == "StartError"
    assert '"no-such-program": executable file not found in $PATH' in terminated["message"]


def test_an_absolute_program_the_host_lacks_is_found_by_name(tmp_path: Path) -> None:
    """Argo's images run `/argosay`; the host has an `argosay` on PATH (the shims)."""
    tool = tmp_path / "argosay"
    tool.write_text("#!/bin/sh\n")
    tool.chmod(0o755)
    path = f"/usr/bin:{tmp_path}"
    assert host_program(["/argosay", "echo", "hi"], path) == [str(tool), "echo", "hi"]
    # a path the host has, or a name nothing on PATH matches, stays as written
    assert host_program(["/bin/sh", "-c", "x"], path) == ["/bin/sh", "-c", "x"]
    assert host_program(["/nowhere/tool"], path) == ["/nowhere/tool"]
    assert host_program(["relative"], path) == ["relative"]
