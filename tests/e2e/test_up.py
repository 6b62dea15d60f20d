"""`argoapp up` as a user runs it: URLs, the version endpoint, kill -9, SIGTERM."""

from __future__ import annotations

import asyncio
import json
import os
import stat
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import require_tool
from tests.e2e.upproc import UpProcess, kubectl, kubectl_json, up_refused

pytestmark = pytest.mark.timeout(180)


def http_get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return resp.status, resp.read()


async def test_up_prints_urls_and_serves_argo_version(up: UpProcess, tmp_path: Path) -> None:
    text = "".join(up.output)
    assert f"http://127.0.0.1:{up.port}" in text
    status, body = await asyncio.to_thread(http_get, f"http://127.0.0.1:{up.port}/api/v1/version")
    assert status == 200
    version = json.loads(body)
    for field in (
        "version",
        "buildDate",
        "gitCommit",
        "gitTag",
        "gitTreeState",
        "goVersion",
        "compiler",
        "platform",
    ):
        assert field in version
    assert stat.S_IMODE(up.kubeconfig.stat().st_mode) == 0o600
    namespaces = await kubectl_json(up, tmp_path, "get", "namespaces")
    names = {item["metadata"]["name"] for item in namespaces["items"]}
    assert {"default", "argo"} <= names


async def test_kill_9_loses_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = UpProcess(data)
    await first.start()
    manifest = "\n---\n".join(
        f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm{i}\ndata:\n  i: '{i}'"
        for i in range(20)
    )
    code, _, err = await kubectl(first, tmp_path, "apply", "-f", "-", stdin=manifest)
    assert code == 0, err
    before = await kubectl_json(first, tmp_path, "get", "configmaps")
    await first.kill()

    second = UpProcess(data)
    await second.start()
    try:
        after = await kubectl_json(second, tmp_path, "get", "configmaps")
        by_name = {o["metadata"]["name"]: o for o in after["items"]}
        for obj in before["items"]:
            kept = by_name[obj["metadata"]["name"]]
            assert kept["data"] == obj["data"]
            assert kept["metadata"]["uid"] == obj["metadata"]["uid"]
        code, _, err = await kubectl(second, tmp_path, "create", "configmap", "later")
        assert code == 0, err
        later = await kubectl_json(second, tmp_path, "get", "configmap", "later")
        newest_before = max(int(o["metadata"]["resourceVersion"]) for o in before["items"])
        assert int(later["metadata"]["resourceVersion"]) > newest_before
    finally:
        await second.terminate()


async def test_sigterm_stops_promptly_with_open_watches(up: UpProcess, tmp_path: Path) -> None:
    code, _, err = await kubectl(up, tmp_path, "create", "configmap", "seen")
    assert code == 0, err
    watcher = await asyncio.create_subprocess_exec(
        require_tool("kubectl"),
        "--kubeconfig",
        str(up.kubeconfig),
        "get",
        "configmaps",
        "-w",
        env=dict(os.environ, HOME=str(tmp_path)),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert watcher.stdout is not None
        async with asyncio.timeout(30):
            await watcher.stdout.readline()  # the watch is open once the list has printed
        code = await up.terminate()  # bounded by UpProcess._stop's timeout
        assert code == 0
        assert "argoapp is stopping" in "".join(up.output)
    finally:
        if watcher.returncode is None:
            watcher.kill()
        await watcher.wait()


async def test_without_bubblewrap_up_refuses_and_names_the_way_out(tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    code, said = await up_refused(tmp_path / "data", env=dict(os.environ, PATH=str(empty)))
    assert code == 2
    assert "bubblewrap" in said and "--unsandboxed" in said
    assert "Traceback" not in said


async def test_one_argoapp_per_data_dir(up: UpProcess, tmp_path: Path) -> None:
    code, said = await up_refused(up.data_dir)
    assert code == 2
    assert "already running with data dir" in said
    # the first one still owns the kubeconfig and answers through it
    code, _, stderr = await kubectl(up, tmp_path, "get", "namespaces")
    assert code == 0, stderr


async def test_state_is_private_to_its_owner(up: UpProcess) -> None:
    assert stat.S_IMODE(up.data_dir.stat().st_mode) == 0o700
    for name in ("localkube.db", "kube-token", "kubeconfig"):
        assert stat.S_IMODE((up.data_dir / name).stat().st_mode) == 0o600, name


async def test_unusable_data_dir_is_a_clear_error(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("")
    code, said = await up_refused(not_a_dir)
    assert code == 2
    assert f"cannot use data dir {not_a_dir}" in said
    assert "Traceback" not in said
