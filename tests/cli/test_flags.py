"""The argo CLI's flags against a live `argoapp up` (no archive, no auth): global flags before
or after the verb, --data-dir, list and delete filters, get's node filters, submit's
--entrypoint/--generate-name/--log and logs -f/--since (audit findings 8 and 22, and the CLI
gaps). Each assertion is on what the CLI prints and its exit code.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from argoapp.cli.main import cli
from tests.cli.conftest import Cli

pytestmark = pytest.mark.timeout(180)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
HELLO = str(EXAMPLES / "hello-world.yaml")

TWO_WAYS = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: two-ways-}
spec:
  entrypoint: first
  templates:
    - name: first
      container: {image: busybox, command: [echo, "from first"]}
    - name: second
      container: {image: busybox, command: [sh, -c, "echo one; sleep 1; echo two"]}
"""


FAILING = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: failing-}
spec:
  entrypoint: main
  templates:
    - name: main
      container: {image: busybox, command: [sh, -c, "exit 3"]}
"""


def names(text: str) -> list[str]:
    return text.split()


def test_global_flags_before_or_after_the_verb(argo: Cli, tmp_path: Path) -> None:
    name = argo.ok("submit", HELLO, "--wait", "-o", "name").strip()
    for args in (("-n", "nowhere", "list"), ("list", "-n", "nowhere")):
        assert argo.ok(*args).strip() == "No workflows found", args
    assert name in names(argo.ok("-n", "default", "list", "-o", "name"))
    assert name in names(argo.ok("-n", "nowhere", "list", "-n", "default", "-o", "name"))
    server = ("-s", f"127.0.0.1:{argo.port}", "--no-secure")
    assert name in names(argo.ok(*server, "-H", "X-Trace: a,X-Other=b", "list", "-o", "name"))
    assert name in names(argo.ok("get", name, *server, "-o", "name"))

    # --data-dir finds the appliance whatever ARGOAPP_DATA_DIR says, before or after the verb.
    env = argo.env() | {"ARGOAPP_DATA_DIR": str(tmp_path)}
    lost = CliRunner().invoke(cli, ["list"], env=env)
    assert lost.exit_code == 1 and "argoapp up" in lost.stderr
    for args in (
        ["--data-dir", str(argo.data_dir), "list", "-o", "name"],
        ["list", "-o", "name", "--data-dir", str(argo.data_dir)],
    ):
        found = CliRunner().invoke(cli, args, env=env)
        assert found.exit_code == 0 and name in names(found.stdout), found.output
    bad = argo.run("-H", "no-separator", "list")
    assert bad.exit_code == 1 and bad.stderr.startswith("argoapp: header ")


def test_list_filters_pages_and_resubmitted(argo: Cli) -> None:
    ok = argo.ok("submit", HELLO, "--wait", "-o", "name").strip()
    failed = argo.ok("submit", "-", "-o", "name", input=FAILING).strip()
    assert argo.run("wait", failed).exit_code == 1
    assert names(argo.ok("list", "--field-selector", f"metadata.name={ok}", "-o", "name")) == [ok]
    succeeded = names(argo.ok("list", "--status", "Succeeded", "-o", "name"))
    assert ok in succeeded and failed not in succeeded
    assert failed in names(argo.ok("list", "--status", "Failed,Error", "-o", "name"))
    assert ok in names(argo.ok("list", "--since", "1h", "-o", "name"))

    # Finding 8: pages of --chunk-size (500 unless told) add up to the one-request list.
    assert "[default: 500;" in argo.ok("list", "--help")
    whole = names(argo.ok("list", "--chunk-size", "0", "-o", "name"))
    assert len(whole) >= 2 and names(argo.ok("list", "--chunk-size", "1", "-o", "name")) == whole
    assert names(argo.ok("list", "-o", "name")) == whole

    again = argo.ok("resubmit", ok, "-o", "name").strip()
    assert names(argo.ok("list", "--resubmitted", "-o", "name")) == [again]
    assert argo.run("wait", again).exit_code == 0

    time.sleep(1.1)  # everything so far was created over a second ago
    assert argo.ok("list", "--since", "1s").strip() == "No workflows found"


def test_get_and_watch_filter_nodes_and_draw_plain(argo: Cli) -> None:
    name = argo.ok("submit", str(EXAMPLES / "steps.yaml"), "--wait", "-o", "name").strip()
    rows = argo.ok("get", name, "--node-field-selector", "displayName=hello1").splitlines()
    assert rows[-1].split()[:2] == ["├───✔", "hello1"] and rows[-2].split()[0] == "STEP"
    rows = argo.ok("get", name, "--node-field-selector", "templateName!=print-message")
    assert rows.splitlines()[-1].split()[:2] == ["✔", name]
    assert argo.ok("get", name, "--status", "Failed").splitlines()[-1].split()[0] == "STEP"
    tree = argo.ok("get", name, "--status", "Succeeded,Running").splitlines()
    assert len([row for row in tree if "print-message" in row]) == 3
    bad = argo.run("get", name, "--node-field-selector", "phase")
    assert bad.exit_code == 1 and "KEY=VALUE" in bad.stderr

    plain = argo.ok("get", name, "--no-utf8")
    assert plain.isascii() and "|---+ hello1" in plain
    watched = argo.process("watch", name, "--no-utf8", "--status", "Succeeded")
    assert watched.returncode == 0 and watched.stdout.isascii()
    assert "+ hello2b" in watched.stdout


def test_submit_entrypoint_generate_name_and_log(argo: Cli) -> None:
    name = argo.ok(
        "submit", "-", "--entrypoint", "second", "--generate-name", "picked-", "-o", "name",
        input=TWO_WAYS,
    ).strip()  # fmt: skip
    assert name.startswith("picked-") and name != "picked-"
    followed = argo.ok("logs", name, "-f").splitlines()  # waits for the pod to end
    assert [line.split(": ", 1)[1] for line in followed] == ["one", "two"]
    assert argo.ok("get", name, "-o", "short").count("Succeeded") == 1
    assert names(argo.ok("logs", name, "--since", "1h"))[-1] == "two"
    time.sleep(1.2)  # the lines are now more than 1 s old
    assert argo.ok("logs", name, "--since", "1s").strip() == ""

    logged = argo.run("submit", HELLO, "--log")
    assert logged.exit_code == 0, logged.output
    assert logged.stdout.splitlines()[0].startswith("Name:")
    assert logged.stdout.rstrip().endswith(": hello world")


def test_delete_picks_prefix_field_selector_older_and_all(argo: Cli) -> None:
    made = [argo.ok("submit", HELLO, "--generate-name", "doomed-", "--wait", "-o", "name").strip()
            for _ in range(3)]  # fmt: skip
    dry = argo.ok("delete", "--prefix", "doomed-", "--dry-run").splitlines()
    assert sorted(dry) == sorted(f"Workflow '{n}' deleted (dry-run)" for n in made)
    one = argo.ok("delete", "--field-selector", f"metadata.name={made[0]}")
    assert one.strip() == f"Workflow '{made[0]}' deleted"
    young = argo.ok("delete", "--prefix", "doomed-", "--older", "1h")
    assert young.strip() == "No resources found"
    time.sleep(1.1)  # both finished over a second ago
    old = argo.ok("delete", "--prefix", "doomed-", "--older", "1s").splitlines()
    assert sorted(old) == sorted(f"Workflow '{n}' deleted" for n in made[1:])

    everything = names(argo.ok("list", "-o", "name"))
    assert everything
    gone = argo.ok("delete", "--all").splitlines()
    assert sorted(gone) == sorted(f"Workflow '{n}' deleted" for n in everything)
    assert argo.ok("list").strip() == "No workflows found"


def test_sync_limits_create_get_update_delete(argo: Cli) -> None:
    cm = ("--type", "configmap", "--cm-name", "my-limits")
    created = argo.ok("sync", "create", "workers", *cm, "--limit", "3").splitlines()
    assert created == [
        "Sync limit created",
        "Key: workers",
        "Type: configmap",
        "ConfigMap Name: my-limits",
        "Namespace: default",
        "Limit: 3",
    ]
    assert argo.ok("sync", "get", "workers", *cm).splitlines() == created[1:]
    updated = argo.ok("sync", "update", "workers", *cm, "--limit", "5").splitlines()
    assert updated[0] == "Sync limit updated" and updated[-1] == "Limit: 5"
    again = argo.run("sync", "create", "workers", *cm, "--limit", "1")
    assert again.exit_code == 1 and again.stderr.startswith("argoapp: failed to create sync ")
    assert argo.ok("sync", "delete", "workers", *cm).strip() == "Sync limit deleted"
    missing = argo.run("sync", "get", "workers", *cm)
    assert missing.exit_code == 1 and "not found" in missing.stderr

    no_cm = argo.run("sync", "get", "workers", "--type", "configmap")
    assert no_cm.exit_code == 2 and "--cm-name is required" in no_cm.stderr
    db = argo.run("sync", "create", "workers", "--type", "database", "--limit", "1")
    assert db.exit_code == 1 and "unsupported sync config type" in db.stderr
