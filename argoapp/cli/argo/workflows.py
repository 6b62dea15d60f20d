"""The workflow verbs of the `argo` CLI: list, get, delete, watch, wait, logs.

Each click command parses its flags and calls one function here, which talks to Argo's
WorkflowService over `ArgoClient`. `selected` is shared with the bulk verbs in `ops`: the
workflows a set of names, `-l`, `--completed`, `--running`, `--status`, `--since`, `--older` and
`-A` pick.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from argoapp.cli.argo import show, watching
from argoapp.cli.argo.client import ArgoClient, NotFound
from argoapp.cli.argo.logs import LogOptions, print_logs
from argoapp.cli.argo.options import OUTPUT_GET, OUTPUT_LIST, server_options
from argoapp.cli.argo.render import name_of, now, parse_time
from argoapp.model.durations import parse_duration

Workflow = dict[str, Any]
COMPLETED_LABEL = "workflows.argoproj.io/completed"
PHASE_LABEL = "workflows.argoproj.io/phase"
# Nodes are left out of lists: a list never prints them, and they are most of the bytes.
_LIST_FIELDS = "-items.status.nodes"


def _seconds(value: str, flag: str) -> float:
    try:
        return parse_duration(value)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint=flag) from None


def label_selector(
    selector: str, *, running: bool, completed: bool, status: tuple[str, ...]
) -> str:
    """The label selector `list`/`delete` send for their flags."""
    terms = [selector] if selector else []
    if completed:
        terms.append(f"{COMPLETED_LABEL}=true")
    if running:
        terms.append(f"{COMPLETED_LABEL}!=true")
    phases = [p for s in status for p in s.split(",") if p]
    if phases:
        terms.append(f"{PHASE_LABEL} in ({','.join(phases)})")
    return ",".join(terms)


def list_all(
    client: ArgoClient, namespace: str, selector: str, *, chunk_size: int = 0, nodes: bool = False
) -> list[Workflow]:
    """Every workflow the selector picks in `namespace` ("" = all), page by page."""
    items: list[Workflow] = []
    cont = ""
    while True:
        query = {
            "listOptions.labelSelector": selector,
            "listOptions.limit": str(chunk_size) if chunk_size else "",
            "listOptions.continue": cont,
            "fields": "" if nodes else _LIST_FIELDS,
        }
        page = client.get(f"/api/v1/workflows/{namespace}", query)
        items.extend(page.get("items") or [])
        cont = str((page.get("metadata") or {}).get("continue") or "")
        if not cont or not chunk_size:
            return items


def selected(
    client: ArgoClient,
    *,
    all_namespaces: bool = False,
    selector: str = "",
    running: bool = False,
    completed: bool = False,
    status: tuple[str, ...] = (),
    since: str = "",
    older: str = "",
    chunk_size: int = 0,
    nodes: bool = False,
) -> list[Workflow]:
    """The workflows the list flags pick (with their nodes only when `nodes`)."""
    namespace = "" if all_namespaces else client.conn.namespace
    sel = label_selector(selector, running=running, completed=completed, status=status)
    wfs = list_all(client, namespace, sel, chunk_size=chunk_size, nodes=nodes)
    at = now()
    if since:
        cutoff = _seconds(since, "--since")
        wfs = [w for w in wfs if _ago(w, "metadata", "creationTimestamp", at) <= cutoff]
    if older:
        cutoff = _seconds(older, "--older")
        wfs = [w for w in wfs if _ago(w, "status", "finishedAt", at) > cutoff]
    return wfs


def _ago(wf: Workflow, part: str, key: str, at: Any) -> float:
    t = parse_time((wf.get(part) or {}).get(key))
    return (at - t).total_seconds() if t else -1.0


_LIST_FLAGS = (
    click.option("-A", "--all-namespaces", is_flag=True, help="All namespaces."),
    click.option("-l", "--selector", default="", help="Label selector, e.g. app=x,tier!=y."),
    click.option("--running", is_flag=True, help="Only workflows still running."),
    click.option("--completed", is_flag=True, help="Only completed workflows."),
    click.option("--status", multiple=True, help="Only these phases (comma-separated)."),
    click.option("--since", default="", help="Only those created within this duration (1h)."),
)


def list_flags(fn: Any) -> Any:
    for option in reversed(_LIST_FLAGS):
        fn = option(fn)
    return fn


@click.command(name="list")
@server_options
@list_flags
@click.option("--older", default="", help="Only those finished longer ago than this (1d).")
@click.option("--chunk-size", type=int, default=0, help="Page size of each request (0: one).")
@click.option("--prefix", default="", help="Only names starting with this.")
@click.option("--no-headers", is_flag=True, help="No column names.")
@click.option("-o", "--output", type=OUTPUT_LIST, default=None)
def list_cmd(
    client: ArgoClient,
    all_namespaces: bool,
    output: str | None,
    prefix: str,
    no_headers: bool,
    **flags: Any,
) -> None:
    """List workflows."""
    wide = output == "wide"  # P/R/C counts the nodes
    wfs = selected(client, all_namespaces=all_namespaces, nodes=wide, **flags)
    wfs = [wf for wf in wfs if name_of(wf).startswith(prefix)]
    show.print_workflows(wfs, output, namespaces=all_namespaces, headers=not no_headers)


@click.command()
@server_options
@click.argument("names", nargs=-1, required=True)
@click.option("-o", "--output", type=OUTPUT_GET, default=None)
@click.option("--no-color", is_flag=True, help="Plain text.")
def get(client: ArgoClient, names: tuple[str, ...], output: str | None, no_color: bool) -> None:
    """Show workflows: their status and node tree."""
    colours = sys.stdout.isatty() and not no_color
    for i, name in enumerate(names):
        if i and output not in ("json", "name"):
            click.echo()
        wf = watching.get_workflow(client, client.conn.namespace, name)
        show.print_workflow(wf, output, colours=colours)


@click.command()
@server_options
@click.argument("names", nargs=-1)
@list_flags
@click.option("--all", "all_", is_flag=True, help="Every workflow in the namespace.")
@click.option("--older", default="", help="Only those finished longer ago than this (1d).")
@click.option("--dry-run", is_flag=True, help="Only say what would be deleted.")
@click.option("--force", is_flag=True, help="Drop finalizers too.")
def delete(
    client: ArgoClient,
    names: tuple[str, ...],
    all_: bool,
    dry_run: bool,
    force: bool,
    all_namespaces: bool,
    **flags: Any,
) -> None:
    """Delete workflows by name, or those the flags pick."""
    picking = all_ or all_namespaces or any(flags.values())
    if not names and not picking:
        raise click.UsageError("name workflows, or use --all, --completed, --older or -l")
    targets = [(client.conn.namespace, n) for n in names]
    if picking:
        wfs = selected(client, all_namespaces=all_namespaces, **flags)
        targets += [(w["metadata"]["namespace"], w["metadata"]["name"]) for w in wfs]
    for namespace, name in targets:
        if not dry_run:
            try:
                client.request(
                    "DELETE",
                    f"/api/v1/workflows/{namespace}/{name}",
                    query={"force": "true" if force else ""},
                )
            except NotFound:
                raise NotFound(404, f"workflow {name} not found in {namespace}") from None
        click.echo(f"Workflow '{name}' deleted" + (" (dry-run)" if dry_run else ""))


@click.command(name="watch")
@server_options
@click.argument("name")
def watch_cmd(client: ArgoClient, name: str) -> None:
    """Watch a workflow until it ends (redrawn in place on a terminal)."""
    watching.watch(client, client.conn.namespace, name)


@click.command(name="wait")
@server_options
@click.argument("names", nargs=-1, required=True)
@click.option("--ignore-not-found", is_flag=True, help="Pass over workflows that do not exist.")
def wait_cmd(client: ArgoClient, names: tuple[str, ...], ignore_not_found: bool) -> None:
    """Wait for workflows to end; exit 1 when one did not succeed."""
    if not watching.wait(
        client, client.conn.namespace, list(names), ignore_not_found=ignore_not_found
    ):
        sys.exit(1)


@click.command(name="logs")
@server_options
@click.argument("workflow")
@click.argument("pod", required=False)
@click.option("-c", "--container", default="main", show_default=True)
@click.option("-f", "--follow", is_flag=True, help="Keep streaming new lines.")
@click.option("--since", default="", help="Only lines newer than this duration (5m).")
@click.option("--since-time", default="", help="Only lines after this RFC 3339 time.")
@click.option("--tail", type=int, default=None, help="Only the last N lines of each pod.")
@click.option("--grep", default="", help="Only lines matching this regular expression.")
@click.option("--timestamps", is_flag=True, help="Prefix each line with its time.")
@click.option("-p", "--previous", is_flag=True, help="The previous container's lines.")
@click.option("-l", "--selector", default="", help="Only pods with these labels.")
@click.option("--no-color", is_flag=True, help="No colours.")
def logs_cmd(client: ArgoClient, workflow: str, pod: str | None, **opts: Any) -> None:
    """Print the logs of a workflow's pods (or of one POD)."""
    print_logs(client, client.conn.namespace, workflow, pod, LogOptions(**opts))


COMMANDS = (list_cmd, get, delete, watch_cmd, wait_cmd, logs_cmd)
