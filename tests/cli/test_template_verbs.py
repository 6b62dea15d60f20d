"""Template, cluster-template, cron and lint verbs against a live `argoapp up`, plus version,
auth token and what the CLI says when no server answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from argoapp.cli.main import cli
from tests.cli.conftest import ARGO_VARS, Cli

pytestmark = pytest.mark.timeout(180)

TEMPLATE = """\
apiVersion: argoproj.io/v1alpha1
kind: {kind}
metadata:
  name: {name}
spec:
  entrypoint: main
  arguments:
    parameters: [{{name: who, value: world}}]
  templates:
    - name: main
      container: {{image: busybox, command: [echo, "hello {{{{workflow.parameters.who}}}}"]}}
"""

CRON = """\
apiVersion: argoproj.io/v1alpha1
kind: CronWorkflow
metadata:
  name: nightly
spec:
  schedules: ["0 3 * * *"]
  timezone: UTC
  workflowSpec:
    entrypoint: main
    templates:
      - name: main
        container: {image: busybox, command: [echo, tick]}
"""

BAD = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: fine-
spec:
  entrypoint: main
  templates:
    - name: main
      container: {image: busybox, command: [echo]}
---
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: broken
spec:
  entrypoint: missing
  templates:
    - name: main
      container: {image: busybox, command: [echo]}
"""


def test_lint_names_file_and_line_and_exits_1(argo: Cli, manifests: Path) -> None:
    (manifests / "bad.yaml").write_text(BAD)
    (manifests / "sub").mkdir()
    (manifests / "sub" / "torn.yml").write_text("kind: Workflow\nmetadata: {name: x\n  spec: [\n")
    (manifests / "notes.txt").write_text("not a manifest")
    result = argo.run("lint", str(manifests))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f'{manifests / "bad.yaml"}:11: in "broken" (Workflow): ')
    assert "missing" in lines[0]
    assert lines[1].startswith(f"{manifests / 'sub' / 'torn.yml'}:3: invalid YAML")
    assert lines[-1] == "✖ 2 linting errors found!"

    examples = Path(__file__).resolve().parents[2] / "examples"
    assert argo.ok("lint", str(examples)).strip() == "✔ no linting errors found!"


MISSPELT = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: misspelt-}
spec:
  entrypoint: main
  templates:
    - name: main
      steps:
        - - name: one
            template: leaf
            argumnets: {parameters: [{name: x, value: "1"}]}
    - name: leaf
      container: {image: busybox, command: [echo]}
"""

USES_TEMPLATE = """\
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata: {name: offline-lib}
spec:
  templates:
    - name: say
      container: {image: busybox, command: [echo]}
---
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: offline-}
spec:
  entrypoint: main
  templates:
    - name: main
      steps:
        - - name: call
            templateRef: {name: offline-lib, template: %s}
"""


def test_lint_strict_and_offline(argo: Cli, manifests: Path) -> None:
    path = manifests / "misspelt.yaml"
    path.write_text(MISSPELT)
    strict = argo.run("lint", str(path))
    assert strict.exit_code == 1
    assert strict.stdout.splitlines()[0].endswith(
        'strict decoding error: unknown field "spec.templates[0].steps[0][0].argumnets"'
    )
    assert argo.ok("lint", str(path), "--no-strict").strip() == "✔ no linting errors found!"

    # --offline needs no server: none is reachable here, and the templateRef is found in the
    # files given.
    refs = manifests / "refs.yaml"
    refs.write_text(USES_TEMPLATE % "say")
    nowhere = ["-s", "127.0.0.1:1", "--no-secure"]
    assert argo.run("lint", str(refs), *nowhere).exit_code == 1
    assert argo.ok("lint", str(refs), "--offline", *nowhere).strip() == (
        "✔ no linting errors found!"
    )
    refs.write_text(USES_TEMPLATE % "shout")
    broken = argo.run("lint", str(refs), "--offline", *nowhere)
    assert broken.exit_code == 1 and "shout" in broken.stdout
    assert argo.run("lint", str(path), "--offline").exit_code == 1  # strict applies offline too


def test_template_verbs_and_submit_from(argo: Cli, manifests: Path) -> None:
    path = manifests / "wft.yaml"
    path.write_text(TEMPLATE.format(kind="WorkflowTemplate", name="greeter"))
    made = argo.ok("template", "create", str(path)).splitlines()
    assert made[0].split() == ["Name:", "greeter"]
    assert made[1].split() == ["Namespace:", "default"]
    assert argo.ok("template", "list").splitlines() == ["NAME", "greeter"]
    every = [line.split() for line in argo.ok("template", "list", "-A").splitlines()]
    assert every == [["NAMESPACE", "NAME"], ["default", "greeter"]]
    assert argo.ok("template", "get", "greeter", "-o", "name").strip() == "greeter"
    assert argo.ok("template", "lint", str(path)).strip() == "✔ no linting errors found!"

    path.write_text(path.read_text().replace("value: world", "value: everyone"))
    updated = json.loads(argo.ok("template", "update", str(path), "-o", "json"))
    assert updated["spec"]["arguments"]["parameters"][0]["value"] == "everyone"

    name = argo.ok(
        "submit", "--from", "workflowtemplate/greeter", "-p", "who=cli", "-o", "name", "--wait"
    ).strip()
    assert argo.ok("logs", name).strip() == f"{name}: hello cli"

    assert argo.ok("template", "delete", "greeter").strip() == "WorkflowTemplate 'greeter' deleted"
    gone = argo.run("template", "get", "greeter")
    assert gone.exit_code == 1 and "WorkflowTemplate greeter not found" in gone.stderr
    missing = argo.run("submit", "--from", "workflowtemplate/greeter")
    assert missing.exit_code == 1 and "greeter" in missing.stderr


def test_cluster_template_verbs(argo: Cli, manifests: Path) -> None:
    path = manifests / "cwft.yaml"
    path.write_text(TEMPLATE.format(kind="ClusterWorkflowTemplate", name="shared"))
    assert argo.ok("cluster-template", "create", str(path), "-o", "name").strip() == "shared"
    assert "shared" in argo.ok("cluster-template", "list").split()
    name = argo.ok(
        "submit", "--from", "clusterworkflowtemplate/shared", "-o", "name", "--wait"
    ).strip()
    assert argo.ok("logs", name).strip() == f"{name}: hello world"
    deleted = argo.ok("cluster-template", "delete", "shared").strip()
    assert deleted == "ClusterWorkflowTemplate 'shared' deleted"


def test_cron_verbs(argo: Cli, manifests: Path) -> None:
    path = manifests / "cron.yaml"
    path.write_text(CRON)
    made = argo.ok("cron", "create", str(path), "-l", "team=cli").splitlines()
    assert made[0].split() == ["Name:", "nightly"]
    assert "Schedule:                      0 3 * * *" in made
    table = argo.ok("cron", "list").splitlines()
    assert table[0].split() == [
        "NAME", "AGE", "LAST", "RUN", "NEXT", "RUN", "SCHEDULE", "TIMEZONE", "SUSPENDED"
    ]  # fmt: skip
    assert table[1].split()[0] == "nightly" and table[1].split()[-1] == "false"
    every = argo.ok("cron", "list", "-A").splitlines()
    assert every[0].split()[:2] == ["NAMESPACE", "NAME"]
    assert [line.split()[:2] for line in every[1:]] == [["default", "nightly"]]
    cron = json.loads(argo.ok("cron", "get", "nightly", "-o", "json"))
    assert cron["spec"]["workflowMetadata"]["labels"] == {"team": "cli"}

    assert argo.ok("cron", "suspend", "nightly").strip() == "CronWorkflow 'nightly' suspended"
    assert argo.ok("cron", "list").splitlines()[1].split()[-1] == "true"
    assert argo.ok("cron", "resume", "nightly").strip() == "CronWorkflow 'nightly' resumed"
    assert "Suspended:                     false" in argo.ok("cron", "get", "nightly")
    assert argo.ok("cron", "lint", str(path)).strip() == "✔ no linting errors found!"
    name = argo.ok("submit", "--from", "cronwf/nightly", "-o", "name", "--wait").strip()
    assert name.startswith("nightly-")
    assert name in argo.ok("list", "-l", "team=cli", "-o", "name").split()
    assert argo.ok("cron", "delete", "nightly").strip() == "CronWorkflow 'nightly' deleted"
    assert argo.ok("cron", "list").strip() == "No objects found"


def test_version_reports_client_and_server(argo: Cli) -> None:
    text = argo.ok("version")
    assert text.startswith("argoapp: v")
    assert "argo-server: v3." in text
    assert len(argo.ok("version", "--short").splitlines()) == 2


def test_auth_token_and_no_server(argo: Cli, tmp_path: Path) -> None:
    # The appliance runs with --auth-mode server: no token is in use, and the CLI says so.
    result = argo.run("auth", "token")
    assert result.exit_code == 1 and "no token in use" in result.stderr

    env = dict.fromkeys(ARGO_VARS) | {"ARGO_TOKEN": "abc", "ARGO_SERVER": "127.0.0.1:1"}
    token = CliRunner().invoke(cli, ["auth", "token"], env=env)
    assert token.stdout.strip() == "Bearer abc"

    env = {**env, "ARGO_SECURE": "false", "ARGO_SERVER": f"127.0.0.1:{_closed_port()}"}
    refused = CliRunner().invoke(cli, ["list"], env=env)
    assert refused.exit_code == 1
    assert refused.stderr.startswith("argoapp: no Argo server at http://127.0.0.1:")
    assert len(refused.stderr.strip().splitlines()) == 1

    nowhere = dict.fromkeys(ARGO_VARS) | {"ARGOAPP_DATA_DIR": str(tmp_path)}
    missing = CliRunner().invoke(cli, ["list"], env=nowhere)
    assert missing.exit_code == 1 and "argoapp up" in missing.stderr
    assert CliRunner().invoke(cli, ["version"], env=nowhere).exit_code == 0


def _closed_port() -> int:
    from tests.e2e.upproc import free_port

    return free_port()  # bound then released: nothing listens there now


BACKFILLED = """\
apiVersion: argoproj.io/v1alpha1
kind: CronWorkflow
metadata:
  name: hourly
spec:
  schedules: ["0 * * * *"]
  timezone: UTC
  suspend: true
  workflowSpec:
    entrypoint: main
    arguments: {parameters: [{name: cronScheduleTime, value: unset}]}
    templates:
      - name: main
        container:
          image: busybox
          command: [echo, "ran for {{workflow.parameters.cronScheduleTime}}"]
"""


def test_cron_backfill_runs_each_past_schedule_time_one_at_a_time(
    argo: Cli, manifests: Path
) -> None:
    path = manifests / "hourly.yaml"
    path.write_text(BACKFILLED)
    argo.ok("cron", "create", str(path))
    window = ("--start", "Mon, 01 Jan 2024 00:30:00 UTC", "--end", "Mon, 01 Jan 2024 03:00:00 UTC")
    out = argo.ok("cron", "backfill", "hourly", "--name", "jan", *window).splitlines()
    assert out[0] == "Created jan Backfill task for Cronworkflow hourly"
    assert "Total Backfill Schedule: 3" in out
    made = [line.split()[-1] for line in out if line[:2] in ("1.", "2.", "3.")]
    assert len(made) == 3 and all(n.startswith("hourly-backfill-jan-") for n in made)
    assert argo.run("wait", *made).exit_code == 0
    logs = sorted(argo.ok("logs", n).split(": ", 1)[1].strip() for n in made)
    assert logs == [f"ran for 2024-01-01 0{h}:00:00 +0000 UTC" for h in (1, 2, 3)]
    wf = json.loads(argo.ok("get", made[0], "-o", "json"))
    assert wf["metadata"]["labels"]["workflows.argoproj.io/cron-workflow-backfill"] == "hourly"
    assert wf["spec"]["synchronization"] == {"mutex": {"name": "hourly-backfill-jan"}}

    iso = ("--start", "2024-01-01T00:00:00Z", "--end", "2024-01-01T00:30:00Z")
    none = argo.ok("cron", "backfill", "hourly", *iso, "--parallel")
    assert none.strip() == "There is no suitable scheduling time."
    many = argo.run("cron", "backfill", "hourly", *window, "--maxworkflowcount", "2")
    assert many.exit_code == 2 and "more than --maxworkflowcount 2" in many.stderr
    bad = argo.run("cron", "backfill", "hourly", "--start", "yesterday")
    assert bad.exit_code == 2 and "does not match the format" in bad.stderr
    argo.ok("cron", "delete", "hourly")
