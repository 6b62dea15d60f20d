"""A pod that loads an input artifact and saves an output, through localkube's kubelet and a real
S3 server, with the executor's roles in the kubelet and as `argoapp exec` processes.

The store is moto's S3 server on loopback (auth on); its credentials are in a Secret of the
pod's namespace, read by the kubelet (in-process) or by the sandboxed init and wait with the
pod's ServiceAccount token (processes). Main runs sandboxed by bubblewrap, sees the input at
its path, and writes the output in its private /tmp.
"""

from __future__ import annotations

import base64
import os
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from argoapp.artifacts import driver_for
from argoapp.localkube import resources as r
from argoapp.localkube.cluster import LocalKube, LocalKubeSettings
from tests.artifacts.s3server import SECRET, MotoS3, start_moto
from tests.conftest import require_tool
from tests.kubelet.conftest import kill_leftovers
from tests.kubelet.test_executor_roles import MODES, Obj, codes, run_pod

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def moto_s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoS3]:
    with start_moto(tmp_path_factory.mktemp("moto")) as store:
        yield store


@pytest.fixture(params=MODES)
async def kube(
    request: pytest.FixtureRequest, tmp_path: Path, moto_s3: MotoS3
) -> AsyncIterator[LocalKube]:
    require_tool("bwrap")
    settings = LocalKubeSettings(
        data_dir=tmp_path / "data",
        port=0,
        extra_path=(os.path.dirname(sys.executable),),
        executor_in_process=request.param,
    )
    k = LocalKube(settings)
    await k.start()
    data = {"accesskey": moto_s3.access_key, "secretkey": moto_s3.secret_key}
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": SECRET},
        "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()},
    }
    await k.service.create(r.SECRETS, "default", secret)
    yield k
    await k.stop()
    kill_leftovers(tmp_path / "data")


def read_object(s3: MotoS3, key: str) -> bytes:
    art = {"name": "check", **s3.location(key)}
    with driver_for(art, s3.secrets()).open(art) as f:
        return f.read()


async def test_pod_loads_an_input_and_saves_an_output(
    kube: LocalKube, moto_s3: MotoS3, tmp_path: Path
) -> None:
    mode = "inproc" if kube.settings.executor_in_process else "procs"
    source = tmp_path / "greeting.txt"
    source.write_text("hello from s3\n")
    art = {"name": "seed", **moto_s3.location(f"{mode}/seed.txt")}
    driver_for(art, moto_s3.secrets()).upload(source, art)
    location = {**moto_s3.location(f"wf-{mode}/pod"), "archiveLogs": True}
    template: Obj = {
        "name": "shout",
        "container": {
            "image": "busybox",
            "command": ["sh", "-c", "tr a-z A-Z < /in/greeting.txt > /tmp/out.txt; echo done"],
        },
        "inputs": {
            "artifacts": [
                {"name": "greeting", "path": "/in/greeting.txt", "s3": {"key": f"{mode}/seed.txt"}}
            ]
        },
        "outputs": {
            "artifacts": [{"name": "loud", "path": "/tmp/out.txt", "archive": {"none": {}}}]
        },
        "archiveLocation": location,
    }
    pod, result = await run_pod(kube, template, f"wf-{mode}")
    assert pod["status"]["phase"] == "Succeeded", pod["status"]
    assert codes(pod) == {"init": 0, "wait": 0, "main": 0}
    assert result is not None and "phase" not in result, result
    assert result["outputs"]["artifacts"] == [
        {**template["outputs"]["artifacts"][0], "s3": {"key": f"wf-{mode}/pod/out.txt"}},
        {"name": "main-logs", "s3": {"key": f"wf-{mode}/pod/main.log"}},
    ]
    assert read_object(moto_s3, f"wf-{mode}/pod/out.txt") == b"HELLO FROM S3\n"
    assert read_object(moto_s3, f"wf-{mode}/pod/main.log") == b"done\n"


async def test_a_missing_input_fails_init_naming_it(kube: LocalKube, moto_s3: MotoS3) -> None:
    template: Obj = {
        "name": "needs",
        "container": {"image": "busybox", "command": ["true"]},
        "inputs": {
            "artifacts": [{"name": "absent", "path": "/in/x", "s3": {"key": "nothing/here"}}]
        },
        "archiveLocation": moto_s3.location("wf/none"),
    }
    pod, _result = await run_pod(kube, template, "wf-missing")
    assert pod["status"]["phase"] == "Failed"
    init = pod["status"]["initContainerStatuses"][0]["state"]["terminated"]
    assert init["exitCode"] == 1
    assert init["message"].startswith("artifact absent failed to load: ")
    assert "no such key" in init["message"]


async def test_a_missing_secret_reads_the_same_in_both_modes(
    kube: LocalKube, moto_s3: MotoS3
) -> None:
    location = moto_s3.location("wf/locked")
    location["s3"]["accessKeySecret"] = {"name": "no-such-secret", "key": "k"}
    template: Obj = {
        "name": "locked",
        "container": {"image": "busybox", "command": ["true"]},
        "inputs": {"artifacts": [{"name": "in", "path": "/in/x", "s3": {"key": "any"}}]},
        "archiveLocation": location,
    }
    pod, _result = await run_pod(kube, template, "wf-locked")
    init = pod["status"]["initContainerStatuses"][0]["state"]["terminated"]
    assert init["message"] == 'artifact in failed to load: secrets "no-such-secret" not found'


async def test_artifacts_on_a_volume_go_through_mainctrfs(
    kube: LocalKube, moto_s3: MotoS3, tmp_path: Path
) -> None:
    mode = "inproc" if kube.settings.executor_in_process else "procs"
    source = tmp_path / "seed.txt"
    source.write_text("on a volume\n")
    art = {"name": "seed", **moto_s3.location(f"vol-{mode}/seed.txt")}
    driver_for(art, moto_s3.secrets()).upload(source, art)
    template: Obj = {
        "name": "vol",
        "container": {
            "image": "busybox",
            "command": ["sh", "-c", "mkdir -p /data/out; cp /data/in.txt /data/out/copy.txt"],
            "volumeMounts": [{"name": "workdir", "mountPath": "/data"}],
        },
        "volumes": [{"name": "workdir", "emptyDir": {}}],
        "inputs": {
            "artifacts": [
                {"name": "in", "path": "/data/in.txt", "s3": {"key": f"vol-{mode}/seed.txt"}}
            ]
        },
        "outputs": {"artifacts": [{"name": "out", "path": "/data/out"}]},
        "archiveLocation": moto_s3.location(f"wf-vol-{mode}/pod"),
    }
    pod, result = await run_pod(kube, template, f"wf-vol-{mode}")
    assert pod["status"]["phase"] == "Succeeded", pod["status"]
    assert result is not None and "phase" not in result, result
    [out] = result["outputs"]["artifacts"]
    assert out["s3"] == {"key": f"wf-vol-{mode}/pod/out.tgz"}
    got = tmp_path / "got"
    target = {"name": "out", **moto_s3.location(f"wf-vol-{mode}/pod/out.tgz")}
    driver_for(target, moto_s3.secrets()).download(target, got / "out.tgz")
    from argoapp.artifacts import archive

    archive.unpack(got / "out.tgz", got / "out", target)
    assert (got / "out" / "copy.txt").read_text() == "on a volume\n"


async def test_an_output_path_that_is_a_link_saves_what_it_points_to(
    kube: LocalKube, moto_s3: MotoS3
) -> None:
    mode = "inproc" if kube.settings.executor_in_process else "procs"
    script = (
        "mkdir -p /tmp/d && echo linked > /tmp/d/t && "
        "ln -s /tmp/d/t /tmp/link && ln -s /tmp/d /tmp/dirlink"
    )
    producer: Obj = {
        "name": "link",
        "container": {"image": "busybox", "command": ["sh", "-c", script]},
        "outputs": {
            "artifacts": [
                {"name": "file", "path": "/tmp/link"},
                {"name": "dir", "path": "/tmp/dirlink"},
            ]
        },
        "archiveLocation": moto_s3.location(f"wf-link-{mode}/pod"),
    }
    pod, result = await run_pod(kube, producer, f"wf-link-{mode}")
    assert pod["status"]["phase"] == "Succeeded", pod["status"]
    assert result is not None and "phase" not in result, result
    keys = [a["s3"]["key"] for a in result["outputs"]["artifacts"]]
    assert keys == [f"wf-link-{mode}/pod/file.tgz", f"wf-link-{mode}/pod/dir.tgz"]

    inputs = [
        {"name": "file", "path": "/in/file", "s3": {"key": keys[0]}},
        {"name": "dir", "path": "/in/dir", "s3": {"key": keys[1]}},
    ]
    consumer: Obj = {
        "name": "cat",
        "container": {
            "image": "busybox",
            "command": ["sh", "-c", "cat /in/file /in/dir/t > /tmp/got"],
        },
        "inputs": {"artifacts": inputs},
        "outputs": {"parameters": [{"name": "got", "valueFrom": {"path": "/tmp/got"}}]},
        "archiveLocation": moto_s3.location(f"wf-cat-{mode}/pod"),
    }
    pod, result = await run_pod(kube, consumer, f"wf-cat-{mode}")
    assert pod["status"]["phase"] == "Succeeded", pod["status"]
    assert result is not None
    assert result["outputs"]["parameters"][0]["value"] == "linked\nlinked"
