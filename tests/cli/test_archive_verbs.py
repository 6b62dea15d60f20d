"""The archive verbs, against an `argoapp up` that archives finished workflows, serves TLS with
a self-signed certificate and wants a token (its default `client` auth mode): the CLI finds the
address, that it may skip verifying, and the token in the data dir by itself."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.conftest import Cli, start_up, stop_up

pytestmark = pytest.mark.timeout(180)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def argo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cli]:
    home = tmp_path_factory.mktemp("cli-archive")
    config = home / "controller.yaml"
    config.write_text("persistence:\n  archive: true\n")
    proc, port = start_up(
        home / "data",
        home / "up.log",
        "--controller-config",
        str(config),
        "--secure",
        "true",
        auth_mode="client",
    )
    yield Cli(home / "data", port)
    stop_up(proc)


def archived(argo: Cli, name: str) -> dict[str, object]:
    """The archive's entry for `name`, once the controller has put it there."""
    for _ in range(200):
        for wf in json.loads(argo.ok("archive", "list", "-o", "json")):
            if wf["metadata"]["name"] == name:
                return dict(wf)
        time.sleep(0.05)
    raise AssertionError(f"{name} was never archived")


def test_token_and_tls_from_the_data_dir(argo: Cli) -> None:
    server = json.loads((argo.data_dir / "server.json").read_text())
    assert server["url"] == f"https://127.0.0.1:{argo.port}"
    assert server["insecureSkipVerify"] is True
    token = (argo.data_dir / "token").read_text().strip()
    assert argo.ok("auth", "token").strip() == f"Bearer {token}"
    refused = argo.run("list", "--token", "wrong")
    assert refused.exit_code == 1
    assert "wants a valid token" in refused.stderr


def test_archive_list_get_labels_resubmit_delete(argo: Cli) -> None:
    hello = str(EXAMPLES / "hello-world.yaml")
    name = argo.ok("submit", hello, "-l", "team=archive", "--wait", "-o", "name").strip()
    uid = str(archived(argo, name)["metadata"]["uid"])  # type: ignore[index]

    table = argo.ok("archive", "list").splitlines()
    assert table[0].split()[:3] == ["NAMESPACE", "NAME", "STATUS"]
    assert any(line.split()[:3] == ["default", name, "Succeeded"] for line in table)
    assert "team" in argo.ok("archive", "list-label-keys").split()
    assert argo.ok("archive", "list-label-values", "-l", "team").split() == ["archive"]

    assert argo.ok("archive", "get", uid, "-o", "name").strip() == name
    by_name = argo.ok("archive", "get", name)
    assert "Status:              Succeeded" in by_name and f"✔ {name}" in by_name

    again = argo.ok("archive", "resubmit", uid, "-o", "name", "--wait").strip()
    assert again != name and again.startswith("hello-world-")

    assert argo.ok("archive", "delete", uid).strip() == f"Archived workflow '{uid}' deleted"
    gone = argo.run("archive", "get", uid)
    assert (
        gone.exit_code == 1 and gone.stderr.strip() == f"argoapp: archived workflow {uid} not found"
    )
