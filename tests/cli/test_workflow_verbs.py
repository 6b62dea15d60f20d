"""The workflow verbs against a live `argoapp up`: submit, list, get, logs, delete, and the
verbs that change a workflow (suspend, resume, stop, terminate, retry, resubmit).

Workflows come from the project's examples/ and from small manifests written here; every
assertion is on what the CLI prints and its exit code.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.cli.conftest import Cli

pytestmark = pytest.mark.timeout(180)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

SLEEPY = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: sleepy-
spec:
  entrypoint: main
  templates:
    - name: main
      container: {image: busybox, command: [sleep, "60"]}
"""

FAILING = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: failing-
spec:
  entrypoint: main
  templates:
    - name: main
      container: {image: busybox, command: [sh, -c, "echo about to fail; exit 3"]}
"""


def submit_name(argo: Cli, *args: str, input: str | None = None) -> str:
    return argo.ok("submit", *args, "-o", "name", input=input).strip()


def test_submit_wait_then_list_and_get(argo: Cli) -> None:
    result = argo.run("submit", str(EXAMPLES / "hello-world.yaml"), "--wait")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    name = lines[0].split()[-1]
    assert lines[0].startswith("Name:") and name.startswith("hello-world-")
    assert f"{name} Succeeded at " in result.stdout

    table = argo.ok("list").splitlines()
    assert table[0].split() == ["NAME", "STATUS", "AGE", "DURATION", "PRIORITY", "MESSAGE"]
    row = next(line for line in table if line.startswith(name))
    assert row.split()[1] == "Succeeded"
    assert name in argo.ok("list", "--completed", "-o", "name").split()
    assert name not in argo.ok("list", "--running", "-o", "name").split()
    assert name in argo.ok("list", "-A").split()

    wf = json.loads(argo.ok("get", name, "-o", "json"))
    assert wf["metadata"]["name"] == name
    assert wf["status"]["phase"] == "Succeeded"
    assert wf["status"]["nodes"][name]["type"] == "Pod"

    text = argo.ok("get", name)
    assert "Status:              Succeeded" in text
    assert "Progress:            1/1" in text
    assert text.splitlines()[-2].split() == ["STEP", "TEMPLATE", "PODNAME", "DURATION", "MESSAGE"]
    assert text.splitlines()[-1].split()[:4] == ["✔", name, "main", name]


def test_get_draws_the_steps_tree_and_logs_name_each_pod(argo: Cli) -> None:
    name = submit_name(argo, str(EXAMPLES / "steps.yaml"), "--wait")
    tree = argo.ok("get", name).split("STEP ")[1].splitlines()[1:]
    assert tree[0].split()[:3] == ["✔", name, "hello-hello-hello"]
    assert tree[1].split()[:3] == ["├───✔", "hello1", "print-message"]
    assert tree[2].split()[:2] == ["└─┬─✔", "hello2a"]
    assert tree[3].split()[:2] == ["└─✔", "hello2b"]
    assert tree[3].startswith("   └─✔")

    logs = argo.ok("logs", name).splitlines()
    by_pod = dict(line.split(": ", 1) for line in logs)
    assert sorted(by_pod.values()) == ["hello1", "hello2a", "hello2b"]
    assert all(pod.startswith(f"{name}-print-message-") for pod in by_pod)
    assert argo.ok("logs", name, "--grep", "2b").splitlines() == [
        line for line in logs if line.endswith("hello2b")
    ]


def test_dag_tree_and_parameters(argo: Cli) -> None:
    name = submit_name(argo, str(EXAMPLES / "dag.yaml"), "--wait")
    rows = [line.split()[:2] for line in argo.ok("get", name).splitlines()[-4:]]
    assert rows == [["├─✔", "A"], ["├─✔", "B"], ["├─✔", "C"], ["└─✔", "D"]]

    params = str(EXAMPLES / "parameters.yaml")
    name = submit_name(argo, params, "-p", "message=good morning", "--wait")
    assert "  message:           good morning" in argo.ok("get", name)
    assert argo.ok("logs", name).strip().endswith(": good morning")


def test_submit_from_stdin_dry_run_and_labels(argo: Cli, manifests: Path) -> None:
    hello = (EXAMPLES / "hello-world.yaml").read_text()
    dry = argo.ok("submit", "-", "--dry-run", "-o", "json", "--name", "dry-one", input=hello)
    assert json.loads(dry)["metadata"]["name"] == "dry-one"
    assert "dry-one" not in argo.ok("list", "-o", "name").split()
    # The server's dry run names the workflow from its generateName, as Kubernetes would.
    named = argo.ok("submit", "-", "--server-dry-run", "-o", "name", input=hello).strip()
    assert named.startswith("hello-world-") and len(named) > len("hello-world-")
    assert named not in argo.ok("list", "-o", "name").split()

    name = submit_name(argo, "-", "-l", "team=cli,tier=test", "--wait", input=hello)
    assert argo.ok("list", "-l", "team=cli", "-o", "name").split() == [name]
    params = manifests / "params.yaml"
    params.write_text("message: from a file\n")
    wf = json.loads(
        argo.ok("submit", str(EXAMPLES / "parameters.yaml"), "--parameter-file", str(params),
                "--dry-run", "-o", "json")
    )  # fmt: skip
    assert wf["spec"]["arguments"]["parameters"] == [{"name": "message", "value": "from a file"}]


def test_failed_workflow_exits_1_then_retry_and_resubmit(argo: Cli) -> None:
    result = argo.run("submit", "-", "--wait", "-o", "name", input=FAILING)
    assert result.exit_code == 1
    name = result.stdout.strip()
    row = next(line for line in argo.ok("list").splitlines() if line.startswith(name))
    assert "Failed" in row and "Error (exit code 3)" in row
    assert argo.run("wait", name).exit_code == 1

    retried = argo.run("retry", name, "-o", "name", "--wait")
    assert retried.exit_code == 1 and retried.stdout.strip() == name
    wf = json.loads(argo.ok("get", name, "-o", "json"))
    assert len([n for n in wf["status"]["nodes"].values() if n["type"] == "Pod"]) == 1

    again = argo.ok("resubmit", name, "-o", "name").strip()
    assert again != name and again.startswith("failing-")


def test_suspend_resume_stop_terminate(argo: Cli) -> None:
    name = submit_name(argo, "-", input=SLEEPY)
    assert argo.ok("suspend", name).strip() == f"workflow {name} suspended"
    assert "Running (Suspended)" in argo.ok("get", name, "-o", "short")
    assert argo.ok("resume", name).strip() == f"workflow {name} resumed"
    assert argo.ok("stop", name, "--message", "enough").strip() == f"workflow {name} stopped"
    assert argo.run("wait", name).exit_code == 1
    assert "Stopped with strategy 'Stop'" in argo.ok("get", name)

    other = submit_name(argo, "-", input=SLEEPY)
    assert argo.ok("terminate", other).strip() == f"workflow {other} terminated"
    assert argo.run("wait", other).exit_code == 1
    assert "Stopped with strategy 'Terminate'" in argo.ok("get", other)


def test_delete_and_errors_in_one_line(argo: Cli) -> None:
    name = submit_name(argo, str(EXAMPLES / "hello-world.yaml"), "--wait")
    assert argo.ok("delete", name, "--dry-run").strip() == f"Workflow '{name}' deleted (dry-run)"
    assert argo.ok("delete", name).strip() == f"Workflow '{name}' deleted"
    assert name not in argo.ok("list", "-o", "name").split()
    # As Argo's CLI: a workflow that is not there is said so, and the others are still deleted.
    assert argo.ok("delete", "nope").strip() == "Workflow 'nope' not found"

    for args in (("get", "nope"), ("retry", "nope"), ("logs", "nope")):
        result = argo.run(*args)
        assert result.exit_code != 0
        assert result.stderr.strip().splitlines() == [
            result.stderr.strip()
        ] and result.stderr.startswith("argoapp: ")
        assert "nope" in result.stderr and "not found" in result.stderr


def test_watch_piped_prints_plain_states_ending_in_succeeded(argo: Cli) -> None:
    done = argo.process("submit", str(EXAMPLES / "steps.yaml"), "--watch")
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout
    last = done.stdout.split("Name:")[-1]
    assert "Status:              Succeeded" in last
    assert "└─✔ hello2b" in last

    name = last.split()[0]
    again = argo.process("watch", name)
    assert again.returncode == 0 and "Status:              Succeeded" in again.stdout


def test_every_example_succeeds(argo: Cli) -> None:
    files = sorted(str(p) for p in EXAMPLES.glob("*.yaml"))
    result = argo.run("submit", *files, "--wait", "-o", "name")
    assert result.exit_code == 0, result.output
    names = result.stdout.split()
    assert len(names) == len(files) >= 6

    retried = next(n for n in names if n.startswith("retry-"))
    rows = [line.split()[:2] for line in argo.ok("get", retried).splitlines()[-3:]]
    assert rows == [["├─✖", f"{retried}(0)"], ["├─✖", f"{retried}(1)"], ["└─✔", f"{retried}(2)"]]


APPROVAL = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: approval-
spec:
  entrypoint: main
  templates:
    - name: main
      steps:
        - - name: approve
            template: approve
        - - name: after
            template: say
            arguments:
              parameters: [{name: msg, value: "{{steps.approve.outputs.parameters.ok}}"}]
    - name: approve
      suspend: {}
      outputs:
        parameters:
          - name: ok
            valueFrom: {supplied: {}}
    - name: say
      inputs: {parameters: [{name: msg}]}
      container: {image: busybox, command: [echo, "{{inputs.parameters.msg}}"]}
"""


def test_node_set_supplies_a_suspended_nodes_output(argo: Cli) -> None:
    name = submit_name(argo, "-", input=APPROVAL)
    for _ in range(300):
        if "ǁ approve" in argo.ok("get", name):
            break
        time.sleep(0.1)
    else:
        raise AssertionError("the approve node never waited")
    out = argo.ok(
        "node", "set", name, "--node-field-selector", "displayName=approve",
        "--phase", "Succeeded", "-p", 'ok="yes"', "-m", "approved",
    )  # fmt: skip
    assert out.strip() == "workflow values set"
    assert argo.run("wait", name).exit_code == 0
    assert argo.ok("logs", name).strip().endswith(": yes")
    assert "approved" in argo.ok("get", name)
    stamped = argo.ok("logs", name, "--timestamps", "--tail", "1").strip()
    assert stamped.split(": ", 1)[1].split()[0].startswith("20")
