"""The workflow verbs of the `argo` CLI: list, get, delete, watch, wait, logs.

Each click command parses its flags and calls one function here, which talks to Argo's
WorkflowService over `ArgoClient`. `selected` is shared with the bulk verbs in `ops`: the
workflows `-l`, `--field-selector`, `--completed`, `--running`, `--resubmitted`, `--status`,
`--since`, `--older`, `--prefix` and `-A` pick, read in pages of `--chunk-size` (500 by default, as
the argo CLI had it) so a big archive is never one answer. The server's list merges archived
workflows in; a bulk action reports an archived-only one as not found and carries on.
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
from argoapp.cli.argo.tree import NodeFilter
from argoapp.model.durations import parse_duration
from argoapp.model.labels import LABEL_COMPLETED, LABEL_PHASE, LABEL_RESUBMITTED_FROM

Workflow = dict[str, Any]
CHUNK_SIZE = 500
# Nodes are left out of lists: a list never prints them, and they are most of the bytes.
_LIST_FIELDS = "-items.status.nodes"


def _seconds(value: str, flag: str) -> float:
    try:
        return parse_duration(value)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint=flag) from None


def label_selector(
    selector: str,
    *,
    running: bool,
    completed: bool,
    status: tuple[str, ...],
    resubmitted: bool = False,
) -> str:
    """The label selector `list`/`delete` send for their flags."""
    terms = [selector] if selector else []
    if completed:
        terms.append(f"{LABEL_COMPLETED}=true")
    if running:
        terms.append(f"{LABEL_COMPLETED}!=true")
    if resubmitted:
        terms.append(LABEL_RESUBMITTED_FROM)
    phases = [p for s in status for p in s.split(",") if p]
    if phases:
        terms.append(f"{LABEL_PHASE} in ({','.join(phases)})")
    return ",".join(terms)


def list_all(
    client: ArgoClient,
    namespace: str,
    selector: str,
    *,
    field_selector: str = "",
    chunk_size: int = CHUNK_SIZE,
    nodes: bool = False,
) -> list[Workflow]:
    """Every workflow the selectors pick in `namespace` ("" = all), page by page."""
    items: list[Workflow] = []
    cont = ""
    while True:
        query = {
            "listOptions.labelSelector": selector,
            "listOptions.fieldSelector": field_selector,
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
    field_selector: str = "",
    running: bool = False,
    completed: bool = False,
    resubmitted: bool = False,
    status: tuple[str, ...] = (),
    since: str = "",
    older: str = "",
    prefix: str = "",
    chunk_size: int = CHUNK_SIZE,
    nodes: bool = False,
) -> list[Workflow]:
    """The workflows the list flags pick (with their nodes only when `nodes`)."""
    namespace = "" if all_namespaces else client.conn.namespace
    sel = label_selector(
        selector, running=running, completed=completed, status=status, resubmitted=resubmitted
    )
    wfs = list_all(
        client, namespace, sel, field_selector=field_selector, chunk_size=chunk_size, nodes=nodes
    )
    wfs = [w for w in wfs if name_of(w).startswith(prefix)]
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
    click.option(
        "--field-selector", default="", help="Field selector, e.g. metadata.name=x (Argo's keys)."
    ),
    click.option("--running", is_flag=True, help="Only workflows still running."),
    click.option("--completed", is_flag=True, help="Only completed workflows."),
    click.option("--resubmitted", is_flag=True, help="Only resubmitted workflows."),
    click.option("--status", multiple=True, help="Only these phases (comma-separated)."),
    click.option("--since", default="", help="Only those created within this duration (1h)."),
    click.option("--prefix", default="", help="Only names starting with this."),
)


def list_flags(fn: Any) -> Any:
    for option in reversed(_LIST_FLAGS):
        fn = option(fn)
    return fn


@click.command(name="list")
@server_options
@list_flags
@click.option("--older", default="", help="Only those finished longer ago than this (1d).")
@click.option(
    "--chunk-size",
    type=click.IntRange(min=0),
    default=CHUNK_SIZE,
    show_default=True,
    help="Workflows per request (0: all in one).",
)
@click.option("--no-headers", is_flag=True, help="No column names.")
@click.option("-o", "--output", type=OUTPUT_LIST, default=None)
def list_cmd(
    client: ArgoClient, all_namespaces: bool, output: str | None, no_headers: bool, **flags: Any
) -> None:
    """List workflows."""
    wide = output == "wide"  # P/R/C counts the nodes
    wfs = selected(client, all_namespaces=all_namespaces, nodes=wide, **flags)
    show.print_workflows(wfs, output, namespaces=all_namespaces, headers=not no_headers)


def node_flags(fn: Any) -> Any:
    """--status, --node-field-selector and --no-utf8 of `get` and `watch`."""
    for option in reversed(
        (
            click.option("--status", default="", help="Only nodes of these phases (a,b)."),
            click.option(
                "--node-field-selector", default="", help="Only these nodes, e.g. phase!=Skipped."
            ),
            click.option("--no-utf8", is_flag=True, help="Plain 7-bit characters only."),
        )
    ):
        fn = option(fn)
    return fn


@click.command()
@server_options
@click.argument("names", nargs=-1, required=True)
@click.option("-o", "--output", type=OUTPUT_GET, default=None)
@click.option("--no-color", is_flag=True, help="Plain text.")
@node_flags
def get(
    client: ArgoClient,
    names: tuple[str, ...],
    output: str | None,
    no_color: bool,
    status: str,
    node_field_selector: str,
    no_utf8: bool,
) -> None:
    """Show workflows: their status and node tree."""
    colours = sys.stdout.isatty() and not no_color
    only = NodeFilter.parse(status, node_field_selector)
    for i, name in enumerate(names):
        if i and output not in ("json", "name"):
            click.echo()
        wf = watching.get_workflow(client, client.conn.namespace, name)
        show.print_workflow(wf, output, colours=colours, only=only, ascii=no_utf8)


@click.command()
@server_options
@click.argument("names", nargs=-1)
@list_flags
@click.option("--all", "all_", is_flag=True, help="Every workflow in the namespace.")
@click.option("--older", default="", help="Only those finished longer ago than this (1d).")
@click.option(
    "--query-chunk-size",
    "chunk_size",
    type=click.IntRange(min=0),
    default=CHUNK_SIZE,
    show_default=True,
    help="Workflows per list request when picking (0: all in one).",
)
@click.option("--dry-run", is_flag=True, help="Only say what would be deleted.")
@click.option("--force", is_flag=True, help="Drop finalizers too.")
def delete(
    client: ArgoClient,
    names: tuple[str, ...],
    all_: bool,
    dry_run: bool,
    force: bool,
    all_namespaces: bool,
    chunk_size: int,
    **flags: Any,
) -> None:
    """Delete live workflows by name, or those the flags pick (archived ones stay archived)."""
    picking = all_ or all_namespaces or any(flags.values())
    if not names and not picking:
        raise click.UsageError("name workflows, or use --all, --completed, --older or -l")
    targets = [(client.conn.namespace, n) for n in names]
    if picking:
        wfs = selected(client, all_namespaces=all_namespaces, chunk_size=chunk_size, **flags)
        targets += [(w["metadata"]["namespace"], w["metadata"]["name"]) for w in wfs]
    if not targets:
        click.echo("No resources found")
    for namespace, name in targets:
        if dry_run:
            click.echo(f"Workflow '{name}' deleted (dry-run)")
            continue
        try:
            client.request(
                "DELETE",
                f"/api/v1/workflows/{namespace}/{name}",
                query={"force": "true" if force else ""},
            )
        except NotFound:
            # Gone already, or only in the archive (the list merges it in): Argo's CLI says so
            # and goes on with the rest rather than stopping halfway.
            click.echo(f"Workflow '{name}' not found")
            continue
        click.echo(f"Workflow '{name}' deleted")


@click.command(name="watch")
@server_options
@click.argument("name")
@node_flags
def watch_cmd(
    client: ArgoClient, name: str, status: str, node_field_selector: str, no_utf8: bool
) -> None:
    """Watch a workflow until it ends (redrawn in place on a terminal)."""
    only = NodeFilter.parse(status, node_field_selector)
    watching.watch(client, client.conn.namespace, name, only=only, ascii=no_utf8)


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
