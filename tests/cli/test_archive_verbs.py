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


SLEEPY = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: sleepy-, labels: {bulk: "yes", pick: me}}
spec:
  entrypoint: main
  templates:
    - name: main
      container: {image: busybox, command: [sleep, "60"]}
"""


def test_bulk_verbs_act_on_live_workflows_and_pass_over_archived_only_ones(argo: Cli) -> None:
    """Finding 3: the list merges archived workflows in; a bulk pick reports the archived-only
    one as not found and still acts on every live one (it used to stop at that 404)."""
    hello = str(EXAMPLES / "hello-world.yaml")
    live = [
        argo.ok("submit", hello, "-l", "bulk=yes", "--wait", "-o", "name").strip() for _ in range(2)
    ]
    # Finished last, so first among the finished ones in the list: old code stopped here.
    gone = argo.ok("submit", hello, "-l", "bulk=yes,pick=me", "--wait", "-o", "name").strip()
    for name in (*live, gone):
        archived(argo, name)
    assert argo.ok("delete", gone).strip() == f"Workflow '{gone}' deleted"
    assert gone in argo.ok("list", "-l", "bulk=yes", "-o", "name").split()  # archived only
    sleepy = argo.ok("submit", "-", "-o", "name", input=SLEEPY).strip()

    suspended = argo.run("suspend", "-l", "pick=me")
    assert suspended.exit_code == 0, suspended.output
    assert f"workflow {sleepy} suspended" in suspended.stdout
    assert f"workflow {gone} not found" in suspended.stderr
    argo.ok("terminate", sleepy)
    assert argo.run("wait", sleepy).exit_code == 1

    out = argo.ok("delete", "-l", "bulk=yes", "--completed", "--query-chunk-size", "1")
    assert sorted(out.splitlines()) == sorted(
        [f"Workflow '{gone}' not found", *(f"Workflow '{n}' deleted" for n in (*live, sleepy))]
    )
    assert gone in {wf["metadata"]["name"] for wf in archive_list(argo)}
    again = argo.ok("delete", *live, sleepy).splitlines()
    assert again == [f"Workflow '{n}' not found" for n in (*live, sleepy)]  # none live now


def archive_list(argo: Cli) -> list[dict[str, dict[str, str]]]:
    return list(json.loads(argo.ok("archive", "list", "-o", "json")))
