"""Following a workflow until it ends: `argo watch`, `argo wait` and `submit --watch/--wait`.

`follow` yields the workflow each time it changes: from Argo's `GET /api/v1/workflow-events/{ns}`
stream when the server has it, else (an older server, or the stream ending) by reading it again
every second. `watch` redraws the `get` block in place on a terminal (ANSI: home and clear) and
prints each new state plainly when the output is piped; `wait` prints `NAME PHASE at TIME` per
workflow and says whether all succeeded.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from typing import Any

import click

from argoapp.cli.argo import show
from argoapp.cli.argo.client import ApiError, ArgoClient, NotFound
from argoapp.cli.argo.tree import NodeFilter

Workflow = dict[str, Any]
POLL_SECONDS = 1.0
_DONE = frozenset({"Succeeded", "Failed", "Error"})
_STREAM_MISSING = frozenset({404, 405, 501})
_CLEAR = "\x1b[H\x1b[2J"


def done(wf: Workflow) -> bool:
    """True when the workflow has ended (a phase Argo counts as completed)."""
    return str((wf.get("status") or {}).get("phase") or "") in _DONE


def get_workflow(client: ArgoClient, namespace: str, name: str) -> Workflow:
    """The workflow, or an error naming it when it does not exist."""
    try:
        wf: Workflow = client.get(f"/api/v1/workflows/{namespace}/{name}")
    except NotFound:
        raise NotFound(404, f"workflow {name} not found in namespace {namespace}") from None
    return wf


def follow(client: ArgoClient, namespace: str, name: str) -> Iterator[Workflow]:
    """The workflow now, then at each change, until it ends or is deleted."""
    wf = get_workflow(client, namespace, name)
    yield wf
    streaming = True
    while not done(wf):
        if streaming:
            try:
                for event in _events(client, namespace, name, wf):
                    if event.get("type") == "DELETED":
                        return
                    wf = event.get("object") or wf
                    yield wf
                    if done(wf):
                        return
            except ApiError as e:
                if e.status not in _STREAM_MISSING:
                    raise
                streaming = False
        time.sleep(POLL_SECONDS)
        try:
            fresh = get_workflow(client, namespace, name)
        except NotFound:
            return
        if fresh != wf:
            wf = fresh
            yield wf


def _events(client: ArgoClient, namespace: str, name: str, wf: Workflow) -> Iterator[Any]:
    query = {
        "listOptions.fieldSelector": f"metadata.name={name}",
        "listOptions.resourceVersion": str((wf.get("metadata") or {}).get("resourceVersion", "")),
    }
    for message in client.stream(f"/api/v1/workflow-events/{namespace}", query):
        # A server that does not filter by name still only moves this workflow on.
        obj = message.get("object") if isinstance(message, dict) else None
        if isinstance(obj, dict) and (obj.get("metadata") or {}).get("name") == name:
            yield message


def watch(
    client: ArgoClient,
    namespace: str,
    name: str,
    *,
    only: NodeFilter | None = None,
    ascii: bool = False,
) -> Workflow:
    """Show the workflow until it ends (its tree's rows `only`); returns its last state."""
    tty = sys.stdout.isatty()
    last_text = ""
    wf: Workflow = {}
    for wf in follow(client, namespace, name):
        text = show.workflow_text(wf, colours=tty, only=only, ascii=ascii)
        if tty:
            click.echo(_CLEAR + text, nl=True)
        elif text != last_text:
            click.echo(("\n" if last_text else "") + text)
        last_text = text
    return wf


def wait(
    client: ArgoClient,
    namespace: str,
    names: list[str],
    *,
    ignore_not_found: bool,
    quiet: bool = False,
) -> bool:
    """Wait for each workflow to end; True when every one succeeded. Unless `quiet`, print
    `NAME PHASE at TIME` for each (quiet when the output is meant for machines: -o name)."""
    ok = True
    for name in names:
        wf: Workflow = {}
        try:
            for state in follow(client, namespace, name):
                wf = state
        except NotFound:
            if ignore_not_found:
                continue
            raise
        status = wf.get("status") or {}
        phase = str(status.get("phase") or "Deleted")
        if not quiet:
            click.echo(f"{name} {phase} at {status.get('finishedAt') or '-'}")
        ok = ok and phase == "Succeeded"
    return ok
