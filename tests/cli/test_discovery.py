"""Where the CLI looks for the Argo server: the argo CLI's environment, else the data dir."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from argoapp.cli.argo.client import NoServer, discover
from argoapp.errors import ArgoappError


def test_argo_server_is_secure_unless_told_otherwise() -> None:
    conn = discover(env={"ARGO_SERVER": "argo.example:2746", "ARGO_TOKEN": "abc"})
    assert (conn.url, conn.token, conn.namespace) == (
        "https://argo.example:2746",
        "Bearer abc",
        "default",
    )
    env = {
        "ARGO_SERVER": "localhost:2746",
        "ARGO_SECURE": "false",
        "ARGO_TOKEN": "Bearer xyz",
        "ARGO_NAMESPACE": "argo",
        "ARGO_BASE_HREF": "/argo/",
        "ARGO_INSECURE_SKIP_VERIFY": "true",
    }
    conn = discover(env=env)
    assert conn.url == "http://localhost:2746/argo"
    assert conn.token == "Bearer xyz" and conn.namespace == "argo"
    assert conn.insecure_skip_verify
    flags = discover(server="other:1", namespace="ns", token="t", secure=True, env=env)
    assert (flags.url, flags.namespace, flags.token) == ("https://other:1/argo", "ns", "Bearer t")


def test_local_appliance_from_the_data_dir(tmp_path: Path) -> None:
    env = {"ARGOAPP_DATA_DIR": str(tmp_path)}
    with pytest.raises(NoServer, match="argoapp up"):
        discover(env=env)
    info = {"url": "http://127.0.0.1:2746", "pid": 1, "authMode": "client"}
    (tmp_path / "server.json").write_text(json.dumps(info))
    (tmp_path / "token").write_text("secret\n")
    conn = discover(env=env)
    assert (conn.url, conn.token) == ("http://127.0.0.1:2746", "Bearer secret")
    assert conn.source == str(tmp_path / "server.json")

    (tmp_path / "server.json").write_text(json.dumps(info | {"authMode": "server"}))
    assert discover(env=env).token == ""
    assert discover(env=env | {"ARGO_TOKEN": "mine"}).token == "Bearer mine"


def test_headers_and_data_dir_flags(tmp_path: Path) -> None:
    conn = discover(server="h:1", headers=["X-A: 1, X-B=two", "X-C:3"], base_href="/base/", env={})
    assert conn.headers == (("X-A", "1"), ("X-B", "two"), ("X-C", "3"))
    assert conn.url == "https://h:1/base"
    with pytest.raises(ArgoappError, match="not NAME: VALUE"):
        discover(server="h:1", headers=["nothing"], env={})
    (tmp_path / "server.json").write_text(json.dumps({"url": "http://127.0.0.1:9"}))
    elsewhere = {"ARGOAPP_DATA_DIR": str(tmp_path / "missing")}
    assert discover(home=tmp_path, env=elsewhere).url == "http://127.0.0.1:9"


def test_the_executor_path_does_not_load_the_clis_verbs() -> None:
    # `argoapp exec` starts in every pod: the verbs, their HTTP client and the server command
    # load only when a command of theirs is asked for.
    code = (
        "import sys, argoapp.cli.main as m;"
        "print(sorted(n for n in ('http.client', 'ssl', 'argoapp.cli.argo.client',"
        " 'argoapp.cli.argo.workflows', 'aiohttp') if n in sys.modules));"
        "m.cli.get_command(None, 'list');"
        "print('argoapp.cli.argo.client' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split("\n")[:2] == ["[]", "True"]
