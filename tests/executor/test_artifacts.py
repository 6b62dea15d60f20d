"""Artifacts through the real `argoapp exec` processes, a real S3 server and a real API.

Each pod is played by processes over a temporary stand-in for /var/run/argo: `exec init` places
inputs, `exec emissary` runs main (unsandboxed, so an output path is a host path under the
test's directory, which the emissary copies out), `exec wait` uploads and reports through
localkube's API with a pod's service-account files. The S3 store is moto's server with auth on;
its credentials live in a Secret in localkube, read by the executor as a pod reads it.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from argoapp.artifacts import driver_for
from argoapp.localkube import resources as r
from tests.artifacts.s3server import MotoS3
from tests.executor.conftest import PodApi
from tests.executor.helpers import argoapp, exec_env

Obj = dict[str, Any]


class Pod:
    """One pod's executor processes over `root` (a temporary stand-in for its volumes)."""

    def __init__(self, root: Path, api: PodApi, template: Obj, node: str) -> None:
        self.root = root
        self.api = api
        self.env = exec_env(root, template, ARGO_NODE_ID=node, **api.env)

    async def run(self, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        env = {**self.env, **extra}
        return await asyncio.to_thread(argoapp, "exec", *args, env=env)

    async def init(self) -> subprocess.CompletedProcess[str]:
        return await self.run("init")

    async def main(self, script: str) -> None:
        done = await self.run("emissary", "--", "sh", "-c", script, ARGO_CONTAINER_NAME="main")
        assert done.returncode == 0, done.stderr

    async def wait(self) -> tuple[int, Obj]:
        done = await self.run("wait")
        node = self.env["ARGO_NODE_ID"]
        result = await self.api.kube.service.get(r.WORKFLOWTASKRESULTS, "default", node)
        return done.returncode, result

    def message(self) -> str:
        return (self.root / "termination-log").read_text()


def repository(s3: MotoS3, key: str, **extra: Any) -> Obj:
    """An archiveLocation in the moto bucket under `key`."""
    return {**s3.location(key), **extra}


def read_object(s3: MotoS3, key: str) -> bytes:
    """An object's bytes, read back through the library's driver."""
    art = {"name": "check", **s3.location(key)}
    with driver_for(art, s3.secrets()).open(art) as f:
        return f.read()


async def produce(tmp: Path, api: PodApi, s3: MotoS3, output: Obj, script: str, node: str) -> Obj:
    """A producing pod that writes `output`; its task result."""
    template = {
        "name": "produce",
        "container": {"image": "x"},
        "outputs": {"artifacts": [output]},
        "archiveLocation": repository(s3, f"wf/{node}"),
    }
    pod = Pod(tmp / node, api, template, node)
    assert (await pod.init()).returncode == 0
    await pod.main(script)
    code, result = await pod.wait()
    assert code == 0, pod.message()
    return result


@pytest.mark.parametrize(
    ("archive", "suffix"),
    [
        (None, ".tgz"),
        ({"none": {}}, ""),
        ({"zip": {}}, ".zip"),
        ({"tar": {"compressionLevel": 1}}, ".tgz"),
    ],
)
async def test_a_file_goes_up_in_wait_and_comes_back_in_init(
    tmp_path: Path, pod_api: PodApi, moto_s3: MotoS3, archive: Obj | None, suffix: str
) -> None:
    path = tmp_path / "main-fs" / "out.txt"
    output: Obj = {"name": "result", "path": str(path)}
    if archive is not None:
        output["archive"] = archive
    node = f"p-{suffix.strip('.') or 'none'}-{len(json.dumps(archive))}"
    result = await produce(
        tmp_path, pod_api, moto_s3, output, f"mkdir -p {path.parent}; echo hello > {path}", node
    )
    [reported] = result["outputs"]["artifacts"]
    name = "out.txt" if suffix == "" else f"result{suffix}"
    assert reported == {**output, "s3": {"key": f"wf/{node}/{name}"}}
    if suffix == "":
        assert read_object(moto_s3, f"wf/{node}/out.txt") == b"hello\n"

    consumer = {
        "name": "consume",
        "container": {"image": "x"},
        "inputs": {
            "artifacts": [{"name": "in", "path": "/in", "s3": reported["s3"], "mode": 0o600}]
        },
        "archiveLocation": repository(moto_s3, "wf/consumer"),
    }
    pod = Pod(tmp_path / f"c-{node}", pod_api, consumer, f"c-{node}")
    done = await pod.init()
    assert done.returncode == 0, done.stderr
    placed = pod.root / "inputs" / "in"
    assert placed.read_text() == "hello\n"
    assert placed.stat().st_mode & 0o777 == 0o600


async def test_a_directory_round_trips_and_key_only_outputs_keep_their_key(
    tmp_path: Path, pod_api: PodApi, moto_s3: MotoS3
) -> None:
    out = tmp_path / "main-fs" / "dir"
    output = {"name": "tree", "path": str(out), "s3": {"key": "custom/tree.tgz"}}
    script = f"mkdir -p {out}/sub; echo a > {out}/a.txt; echo b > {out}/sub/b.txt"
    result = await produce(tmp_path, pod_api, moto_s3, output, script, "dir-1")
    assert result["outputs"]["artifacts"] == [output]  # reported key-only, as Argo does
    consumer = {
        "name": "consume",
        "container": {"image": "x"},
        "inputs": {"artifacts": [{"name": "tree", "path": "/t", "s3": {"key": "custom/tree.tgz"}}]},
        "archiveLocation": repository(moto_s3, "wf/other"),
    }
    pod = Pod(tmp_path / "dir-c", pod_api, consumer, "dir-c")
    assert (await pod.init()).returncode == 0
    placed = pod.root / "inputs" / "tree"
    assert (placed / "a.txt").read_text() == "a\n"
    assert (placed / "sub" / "b.txt").read_text() == "b\n"


async def test_missing_outputs_optional_left_out_required_fail(
    tmp_path: Path, pod_api: PodApi, moto_s3: MotoS3
) -> None:
    fs = tmp_path / "main-fs"
    optional = {"name": "maybe", "path": str(fs / "maybe.txt"), "optional": True}
    here = {"name": "here", "path": str(fs / "here.txt")}
    template = {
        "name": "produce",
        "container": {"image": "x"},
        "outputs": {"artifacts": [optional, here]},
        "archiveLocation": repository(moto_s3, "wf/opt"),
    }
    pod = Pod(tmp_path / "opt", pod_api, template, "opt")
    assert (await pod.init()).returncode == 0
    await pod.main(f"mkdir -p {fs}; echo x > {fs}/here.txt")
    code, result = await pod.wait()
    assert code == 0, pod.message()
    assert [a["name"] for a in result["outputs"]["artifacts"]] == ["here"]

    # One required output missing: the node fails naming it, yet what was saved (the good
    # output, the logs) is still uploaded and reported, as Argo's wait does.
    required = {"name": "needed", "path": str(fs / "never.txt")}
    template["outputs"] = {"artifacts": [required, here]}
    template["archiveLocation"] = {**repository(moto_s3, "wf/req"), "archiveLogs": True}
    pod = Pod(tmp_path / "req", pod_api, template, "req")
    assert (await pod.init()).returncode == 0
    await pod.main(f"mkdir -p {fs}; echo x > {fs}/here.txt; echo said-so")
    code, result = await pod.wait()
    assert code == 1
    assert result["phase"] == "Error"
    assert (
        result["message"]
        == f"failed to save artifact needed: {fs}/never.txt: no such file or directory"
    )
    assert result["outputs"]["artifacts"] == [
        {**here, "s3": {"key": "wf/req/here.tgz"}},
        {"name": "main-logs", "s3": {"key": "wf/req/main.log"}},
    ]
    assert read_object(moto_s3, "wf/req/main.log") == b"said-so\n"
    assert pod.message() == result["message"]


async def test_main_logs_are_archived(tmp_path: Path, pod_api: PodApi, moto_s3: MotoS3) -> None:
    template = {
        "name": "talk",
        "container": {"image": "x"},
        "archiveLocation": {**repository(moto_s3, "wf/logs-1"), "archiveLogs": True},
    }
    pod = Pod(tmp_path / "logs", pod_api, template, "logs-1")
    assert (await pod.init()).returncode == 0
    await pod.main("echo to-stdout; echo to-stderr >&2")
    code, result = await pod.wait()
    assert code == 0, pod.message()
    assert result["outputs"]["artifacts"] == [
        {"name": "main-logs", "s3": {"key": "wf/logs-1/main.log"}}
    ]
    assert sorted(read_object(moto_s3, "wf/logs-1/main.log").decode().split()) == [
        "to-stderr",
        "to-stdout",
    ]


async def test_inputs_optional_missing_skipped_required_missing_fails(
    tmp_path: Path, pod_api: PodApi, moto_s3: MotoS3
) -> None:
    location = repository(moto_s3, "wf/in")
    gone = {"name": "gone", "path": "/g", "optional": True, "s3": {"key": "no/such/object"}}
    template = {
        "name": "c",
        "container": {"image": "x"},
        "inputs": {"artifacts": [gone]},
        "archiveLocation": location,
    }
    pod = Pod(tmp_path / "in-opt", pod_api, template, "in-opt")
    done = await pod.init()
    assert done.returncode == 0, done.stderr
    assert not (pod.root / "inputs" / "gone").exists()

    template["inputs"] = {"artifacts": [{**gone, "name": "needed", "optional": False}]}
    pod = Pod(tmp_path / "in-req", pod_api, template, "in-req")
    done = await pod.init()
    assert done.returncode == 1
    assert pod.message().startswith("artifact needed failed to load: cannot download s3://")
    assert "no/such/object" in pod.message() and "no such key" in pod.message()
    assert 'artifact "needed"' not in pod.message()  # named once, in Argo's leading words
    assert "Traceback" not in done.stderr


async def test_wrong_credentials_fail_the_node_naming_the_artifact(
    tmp_path: Path, pod_api: PodApi, moto_s3: MotoS3
) -> None:
    location = repository(moto_s3, "wf/cred")
    location["s3"]["accessKeySecret"] = {"name": "no-such-secret", "key": "k"}
    art = {"name": "locked", "path": "/l", "s3": {"key": "x"}}
    template = {
        "name": "c",
        "container": {"image": "x"},
        "inputs": {"artifacts": [art]},
        "archiveLocation": location,
    }
    pod = Pod(tmp_path / "cred", pod_api, template, "cred")
    assert (await pod.init()).returncode == 1
    assert pod.message() == 'artifact locked failed to load: secrets "no-such-secret" not found'


async def test_data_template_lists_artifact_paths(
    tmp_path: Path, pod_api: PodApi, moto_s3: MotoS3
) -> None:
    for key in ("listing/a.txt", "listing/b.pdf", "listing/sub/c.txt"):
        src = tmp_path / "obj"
        src.write_text(key)
        art = {"name": "up", **moto_s3.location(key)}
        driver_for(art, moto_s3.secrets()).upload(src, art)
    data = {
        "source": {"artifactPaths": {"name": "files", "s3": {"key": "listing"}}},
        "transformation": [{"expression": 'filter(data, {# endsWith ".txt"})'}],
    }
    template = {"name": "d", "data": data, "archiveLocation": repository(moto_s3, "wf/d")}
    pod = Pod(tmp_path / "data", pod_api, template, "data-1")
    assert (await pod.init()).returncode == 0
    done = await pod.run("data", json.dumps(data))
    assert done.returncode == 0, pod.message()
    result = await pod_api.kube.service.get(r.WORKFLOWTASKRESULTS, "default", "data-1")
    # whole keys, as Argo's S3 listing hands them to the expressions
    assert json.loads(result["outputs"]["result"]) == ["listing/a.txt", "listing/sub/c.txt"]


async def test_resource_manifest_from_an_input_artifact(
    tmp_path: Path, pod_api: PodApi, moto_s3: MotoS3
) -> None:
    manifest = tmp_path / "manifest.yaml"
    manifest.write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: from-artifact}\ndata: {a: b}\n"
    )
    art = {"name": "manifest", **moto_s3.location("manifests/cm.yaml")}
    driver_for(art, moto_s3.secrets()).upload(manifest, art)
    template = {
        "name": "make",
        "resource": {"action": "create", "manifestFrom": {"artifact": {"name": "manifest"}}},
        "inputs": {
            "artifacts": [
                {
                    "name": "manifest",
                    "path": "/tmp/manifest.yaml",
                    "s3": {"key": "manifests/cm.yaml"},
                }
            ]
        },
        "archiveLocation": repository(moto_s3, "wf/res"),
    }
    pod = Pod(tmp_path / "res", pod_api, template, "res-1")
    assert (await pod.init()).returncode == 0
    done = await pod.run("resource", "create")
    assert done.returncode == 0, done.stderr
    made = await pod_api.kube.service.get(r.CONFIGMAPS, "default", "from-artifact")
    assert made["data"] == {"a": "b"}


async def test_an_unreachable_store_fails_the_node_and_reports_nothing(
    tmp_path: Path, pod_api: PodApi, moto_s3: MotoS3
) -> None:
    from tests.artifacts.s3server import free_port

    location = repository(moto_s3, "wf/down")
    location["s3"]["endpoint"] = f"127.0.0.1:{free_port()}"
    fs = tmp_path / "main-fs"
    template = {
        "name": "produce",
        "container": {"image": "x"},
        "outputs": {"artifacts": [{"name": "lost", "path": str(fs / "f.txt")}]},
        "archiveLocation": location,
    }
    pod = Pod(tmp_path / "down", pod_api, template, "down")
    assert (await pod.init()).returncode == 0
    await pod.main(f"mkdir -p {fs}; echo x > {fs}/f.txt")
    code, result = await pod.wait()
    assert code == 1
    assert result["phase"] == "Error"
    assert result["message"].startswith("failed to save artifact lost: cannot upload s3://")
    assert "cannot reach S3 endpoint" in result["message"]
    assert "artifacts" not in (result.get("outputs") or {})


async def test_http_inputs_load_and_an_optional_404_is_skipped(
    tmp_path: Path, pod_api: PodApi
) -> None:
    import functools
    import http.server
    import threading

    served = tmp_path / "served"
    served.mkdir()
    (served / "page.txt").write_text("over http\n")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        arts = [
            {"name": "page", "path": "/p", "http": {"url": f"{base}/page.txt"}},
            {"name": "gone", "path": "/g", "optional": True, "http": {"url": f"{base}/no.txt"}},
        ]
        template = {"name": "c", "container": {"image": "x"}, "inputs": {"artifacts": arts}}
        pod = Pod(tmp_path / "http", pod_api, template, "http-1")
        done = await pod.init()
        assert done.returncode == 0, done.stderr
        assert (pod.root / "inputs" / "page").read_text() == "over http\n"
        assert not (pod.root / "inputs" / "gone").exists()

        template["inputs"] = {"artifacts": [{**arts[1], "optional": False}]}
        pod = Pod(tmp_path / "http-req", pod_api, template, "http-2")
        assert (await pod.init()).returncode == 1
        assert pod.message().startswith("artifact gone failed to load: ")
        assert "HTTP 404" in pod.message()
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


async def test_a_directory_path_with_a_slash_and_no_archive_serves_a_sub_path(
    tmp_path: Path, pod_api: PodApi, moto_s3: MotoS3
) -> None:
    out = tmp_path / "main-fs" / "outdir"
    output = {"name": "dir", "path": f"{out}/", "archive": {"none": {}}}
    script = f"mkdir -p {out}; echo hello world > {out}/hello.txt"
    result = await produce(tmp_path, pod_api, moto_s3, output, script, "slash-1")
    [reported] = result["outputs"]["artifacts"]
    assert reported["s3"] == {"key": "wf/slash-1/outdir"}
    consumer = {
        "name": "consume",
        "container": {"image": "x"},
        "inputs": {
            "artifacts": [{"name": "m", "path": "/m", "s3": reported["s3"], "subPath": "hello.txt"}]
        },
        "archiveLocation": repository(moto_s3, "wf/slash-c"),
    }
    pod = Pod(tmp_path / "slash-c", pod_api, consumer, "slash-c")
    done = await pod.init()
    assert done.returncode == 0, done.stderr
    assert (pod.root / "inputs" / "m").read_text() == "hello world\n"
