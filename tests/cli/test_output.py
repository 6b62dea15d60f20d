"""What the CLI prints, without a server: ages and durations, the node tree of Argo's node
graphs (steps, DAG, retries, exit handlers), tables, and where documents start in a file."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from argoapp.cli.argo import tree
from argoapp.cli.argo.manifests import SubmitOptions, apply_submit_options, parse_documents
from argoapp.cli.argo.render import long_duration, short_duration, table, timestamp

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def at(seconds: int) -> str:
    return (T0 + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def node(nid: str, kind: str, phase: str = "Succeeded", **extra: Any) -> dict[str, Any]:
    return {"id": nid, "name": nid, "displayName": nid, "type": kind, "phase": phase, **extra}


def test_durations_as_argo_prints_them() -> None:
    assert [short_duration(s) for s in (0, 5, 59, 60, 3 * 60 + 59, 7200, 4 * 86400)] == [
        "0s", "5s", "59s", "1m", "3m", "2h", "4d"
    ]  # fmt: skip
    assert long_duration(8) == "8 seconds"
    assert long_duration(65) == "1 minute 5 seconds"
    assert long_duration(2 * 3600 + 180 + 4) == "2 hours 3 minutes"
    assert timestamp(at(0), T0 + timedelta(seconds=90)).endswith("(1 minute ago)")
    assert timestamp(at(30), T0).endswith("(30 seconds from now)")


def test_table_pads_columns_but_not_the_last() -> None:
    assert table(["NAME", "STATUS"], [["a-long-name", "Running"], ["b", ""]]).splitlines() == [
        "NAME          STATUS",
        "a-long-name   Running",
        "b",
    ]


def test_steps_retry_and_exit_handler_tree() -> None:
    wf = "wf"
    nodes = {
        "wf": node("wf", "Steps", templateName="main", children=["g0"]),
        "g0": node("g0", "StepGroup", boundaryID="wf", children=["r"], startedAt=at(0)),
        "r": node("r", "Retry", "Failed", boundaryID="wf", children=["a0", "a1"],
                  templateName="flaky", startedAt=at(0)),
        "a0": node("a0", "Pod", "Failed", boundaryID="wf", templateName="flaky",
                   startedAt=at(0), finishedAt=at(3), message="Error (exit code 1)"),
        "a1": node("a1", "Pod", "Running", boundaryID="wf", templateName="flaky",
                   startedAt=at(4)),
        "wf.onExit": node("wf.onExit", "Pod", "Pending", templateName="bye", startedAt=at(9)),
    }  # fmt: skip
    text = tree.render({"metadata": {"name": wf}, "status": {"nodes": nodes}}, T0.replace(minute=1))
    lines = [re.match(r"\s*\S+( \S+)?", line).group(0) for line in text.splitlines()]  # type: ignore[union-attr]
    assert lines == [
        "STEP",
        " ✔ wf",
        " └───✖ r",
        "     ├─✖ a0",
        "     └─● a1",
        " ◷ wf.onExit",
    ]
    assert "Error (exit code 1)" in text.splitlines()[3]
    assert " 3s " in text.splitlines()[3]


def test_dag_shows_every_task_of_its_boundary_once() -> None:
    nodes = {
        "d": node("d", "DAG", children=["A"]),
        "A": node("A", "Pod", boundaryID="d", children=["B", "C"], startedAt=at(0)),
        "B": node("B", "Pod", boundaryID="d", children=["D"], startedAt=at(1)),
        "C": node("C", "Pod", boundaryID="d", children=["D"], startedAt=at(2)),
        "D": node("D", "Pod", "Skipped", boundaryID="d", startedAt=at(3)),
    }
    text = tree.render({"metadata": {"name": "d"}, "status": {"nodes": nodes}}, T0)
    rows = [line.split()[:2] for line in text.splitlines()[1:]]
    assert rows == [["✔", "d"], ["├─✔", "A"], ["├─✔", "B"], ["├─✔", "C"], ["└─○", "D"]]


def test_documents_start_lines_and_yaml_errors() -> None:
    text = "kind: Workflow\n---\n# note\nkind: CronWorkflow\n---\nkind: [\n"
    docs = list(parse_documents("f.yaml", text))
    assert [(d.line, (d.body or {}).get("kind"), bool(d.error)) for d in docs] == [
        (1, "Workflow", False),
        (4, "CronWorkflow", False),
        (7, None, True),
    ]


def test_submit_options_override_and_add_parameters() -> None:
    wf: dict[str, Any] = {
        "kind": "Workflow",
        "metadata": {"name": "x"},
        "spec": {"arguments": {"parameters": [{"name": "a", "value": "1"}]}},
    }
    opts = SubmitOptions(["a=2", "b=3"], entrypoint="other", generate_name="g-", labels={"k": "v"})
    apply_submit_options(wf, opts)
    assert wf["metadata"] == {"generateName": "g-", "labels": {"k": "v"}}
    assert wf["spec"]["entrypoint"] == "other"
    assert wf["spec"]["arguments"]["parameters"] == [
        {"name": "a", "value": "2"},
        {"name": "b", "value": "3"},
    ]
