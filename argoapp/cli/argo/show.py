"""A workflow as `argo get` and `argo list` print it.

`workflow_text` is the `get` block (Name, Namespace, ServiceAccount, Status, Message, Created,
Started, Finished, Duration, Progress, Parameters, then the node tree); `list_text` the table of
`list` (NAME STATUS AGE DURATION PRIORITY MESSAGE, with NAMESPACE under -A and P/R/C and
PARAMETERS under `-o wide`). `print_workflow` and `print_workflows` apply `-o`. Called by the
workflow, submit, archive and watch verbs.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import click

from argoapp.cli.argo import tree
from argoapp.cli.argo.render import (
    age,
    emit,
    long_duration,
    name_of,
    now,
    short_duration,
    span,
    table,
    timestamp,
)

Workflow = dict[str, Any]
_LABEL = 20


def _line(label: str, value: str) -> str:
    return f"{label + ':':<{_LABEL}} {value}".rstrip()


def phase_of(wf: Workflow) -> str:
    """Argo's displayed status: the phase, `Running (Suspended)` when paused."""
    status = wf.get("status") or {}
    phase = str(status.get("phase") or "Pending")
    if phase == "Running" and (wf.get("spec") or {}).get("suspend"):
        return "Running (Suspended)"
    return phase


def parameters(wf: Workflow) -> list[tuple[str, str]]:
    params = ((wf.get("spec") or {}).get("arguments") or {}).get("parameters") or []
    return [(str(p.get("name")), str(p.get("value", p.get("default", "")))) for p in params]


def summary_text(wf: Workflow, at: datetime) -> str:
    """The labelled lines above the tree."""
    meta, spec = wf.get("metadata") or {}, wf.get("spec") or {}
    status = wf.get("status") or {}
    sa = spec.get("serviceAccountName") or "unset (will run with the default ServiceAccount)"
    lines = [
        _line("Name", str(meta.get("name", ""))),
        _line("Namespace", str(meta.get("namespace", ""))),
        _line("ServiceAccount", str(sa)),
        _line("Status", phase_of(wf)),
    ]
    if status.get("message"):
        lines.append(_line("Message", str(status["message"])))
    lines.append(_line("Created", timestamp(meta.get("creationTimestamp"), at)))
    if status.get("startedAt"):
        lines.append(_line("Started", timestamp(status["startedAt"], at)))
    if status.get("finishedAt"):
        lines.append(_line("Finished", timestamp(status["finishedAt"], at)))
    seconds = span(status.get("startedAt"), status.get("finishedAt"), at)
    if seconds is not None:
        lines.append(_line("Duration", long_duration(seconds)))
    if status.get("progress"):
        lines.append(_line("Progress", str(status["progress"])))
    params = parameters(wf)
    if params:
        lines.append("Parameters:")
        lines.extend(_line(f"  {name}", value) for name, value in params)
    return "\n".join(lines)


def workflow_text(
    wf: Workflow,
    *,
    at: datetime | None = None,
    colours: bool = False,
    only: tree.NodeFilter | None = None,
    ascii: bool = False,
) -> str:
    """The whole `get` block: the summary, a blank line and the tree (its rows `only`)."""
    at = at or now()
    text = summary_text(wf, at)
    nodes = tree.render(wf, at, colours=colours, only=only, ascii=ascii)
    return f"{text}\n\n{nodes}" if nodes else text


def print_workflow(
    wf: Workflow,
    output: str | None,
    *,
    colours: bool = False,
    only: tree.NodeFilter | None = None,
    ascii: bool = False,
) -> None:
    """A workflow in the `-o` format asked for (the `get` block by default)."""
    if output in ("json", "yaml", "name"):
        emit(wf, output)
    elif output == "short":
        click.echo(summary_text(wf, now()))
    else:
        click.echo(workflow_text(wf, colours=colours, only=only, ascii=ascii))


def _counts(wf: Workflow) -> str:
    pending = running = done = 0
    for node in ((wf.get("status") or {}).get("nodes") or {}).values():
        if node.get("type") != "Pod":
            continue
        phase = node.get("phase")
        if phase == "Pending":
            pending += 1
        elif phase == "Running":
            running += 1
        else:
            done += 1
    return f"{pending}/{running}/{done}"


def list_text(wfs: Sequence[Workflow], *, namespaces: bool, wide: bool, uid: bool = False) -> str:
    """The `argo list` table."""
    at = now()
    header = ["NAME", "STATUS", "AGE", "DURATION", "PRIORITY", "MESSAGE"]
    if namespaces:
        header.insert(0, "NAMESPACE")
    if wide:
        header += ["P/R/C", "PARAMETERS"]
    if uid:
        header.append("UID")
    rows = []
    for wf in wfs:
        meta, status = wf.get("metadata") or {}, wf.get("status") or {}
        seconds = span(status.get("startedAt"), status.get("finishedAt"), at)
        row = [
            name_of(wf),
            phase_of(wf),
            age(meta.get("creationTimestamp"), at),
            short_duration(seconds) if seconds is not None else "0s",
            str((wf.get("spec") or {}).get("priority") or 0),
            str(status.get("message") or ""),
        ]
        if namespaces:
            row.insert(0, str(meta.get("namespace", "")))
        if wide:
            row += [_counts(wf), ",".join(f"{k}={v}" for k, v in parameters(wf))]
        if uid:
            row.append(str(meta.get("uid", "")))
        rows.append(row)
    return table(header, rows)


def without_header(text: str) -> str:
    return "\n".join(text.splitlines()[1:])


def print_workflows(
    wfs: Sequence[Workflow],
    output: str | None,
    *,
    namespaces: bool,
    uid: bool = False,
    headers: bool = True,
) -> None:
    """A list of workflows in the `-o` format asked for (the table by default)."""
    if output == "name":
        for wf in wfs:
            click.echo(name_of(wf))
    elif output in ("json", "yaml"):
        emit(list(wfs), output)
    elif wfs:
        text = list_text(wfs, namespaces=namespaces, wide=output == "wide", uid=uid)
        click.echo(text if headers else without_header(text))
    else:
        click.echo("No workflows found")
