"""`argo submit`: workflows from files (or stdin), or from a template or cron workflow.

`submit_files` reads the Workflows in the files, applies the submit options, and creates each
(`POST /api/v1/workflows/{ns}`, with `serverDryRun` for --server-dry-run; --dry-run only prints);
`submit_from` asks the server to make one from `workflowtemplate/NAME`,
`clusterworkflowtemplate/NAME` or `cronwf/NAME` (`POST …/submit`). `after_submit` then prints,
waits, watches or follows logs, and is shared with retry and resubmit.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from argoapp.cli.argo import show, watching
from argoapp.cli.argo.client import ArgoClient, NotFound
from argoapp.cli.argo.logs import LogOptions, print_logs
from argoapp.cli.argo.manifests import SubmitOptions, apply_submit_options, objects_of_kind
from argoapp.cli.argo.options import OUTPUT_LIST, parse_pairs, server_options
from argoapp.cli.argo.render import name_of

Workflow = dict[str, Any]
_FROM_KINDS = {
    "workflowtemplate": "WorkflowTemplate",
    "wftmpl": "WorkflowTemplate",
    "clusterworkflowtemplate": "ClusterWorkflowTemplate",
    "cwft": "ClusterWorkflowTemplate",
    "cwftmpl": "ClusterWorkflowTemplate",
    "cronwf": "CronWorkflow",
    "cronworkflow": "CronWorkflow",
    "cwf": "CronWorkflow",
}


def submit_files(
    client: ArgoClient, paths: list[str], opts: SubmitOptions, *, dry_run: bool, server_dry: bool
) -> list[Workflow]:
    """Create the Workflows of `paths`; the created (or, dry, the would-be) objects."""
    namespace = client.conn.namespace
    created = []
    for _, wf in objects_of_kind(paths, ("Workflow",)):
        apply_submit_options(wf, opts)
        wf.setdefault("metadata", {})["namespace"] = namespace
        if dry_run:
            created.append(wf)
            continue
        body = {"namespace": namespace, "workflow": wf, "serverDryRun": server_dry}
        created.append(client.request("POST", f"/api/v1/workflows/{namespace}", body=body))
    return created


def submit_from(
    client: ArgoClient, source: str, opts: SubmitOptions, *, dry_run: bool, server_dry: bool
) -> Workflow:
    """One workflow made by the server from `kind/name`."""
    kind_text, _, name = source.partition("/")
    kind = _FROM_KINDS.get(kind_text.lower())
    if kind is None or not name:
        raise click.BadParameter(
            "expected workflowtemplate/NAME, clusterworkflowtemplate/NAME or cronwf/NAME",
            param_hint="--from",
        )
    namespace = client.conn.namespace
    options = opts.as_submit_options()
    if dry_run or server_dry:
        options["dryRun" if dry_run else "serverDryRun"] = True
    body: dict[str, Any] = {"namespace": namespace, "resourceKind": kind, "resourceName": name}
    body["submitOptions"] = options
    try:
        wf: Workflow = client.request("POST", f"/api/v1/workflows/{namespace}/submit", body=body)
    except NotFound:
        raise NotFound(404, f"{kind} {name} not found") from None
    return wf


def after_submit(
    client: ArgoClient,
    wfs: list[Workflow],
    *,
    output: str | None,
    wait: bool,
    watch: bool,
    log: bool,
) -> None:
    """Print what was made, then --log, --wait or --watch it; exit 1 when a wait fails."""
    for wf in wfs:
        show.print_workflow(wf, output)
    names = [name_of(wf) for wf in wfs]
    namespace = client.conn.namespace
    if log:
        for name in names:
            print_logs(client, namespace, name, None, LogOptions(follow=True))
    if wait:
        quiet = output in ("name", "json", "yaml")
        if not watching.wait(client, namespace, names, ignore_not_found=False, quiet=quiet):
            sys.exit(1)
    elif watch:
        for name in names:
            watching.watch(client, namespace, name)


def follow_flags(fn: Any) -> Any:
    """-w/--wait, --watch, --log and -o, shared by submit, retry and resubmit."""
    for option in reversed(
        (
            click.option("-w", "--wait", is_flag=True, help="Wait until it ends."),
            click.option("--watch", is_flag=True, help="Show it until it ends."),
            click.option("--log", is_flag=True, help="Follow its logs."),
            click.option("-o", "--output", type=OUTPUT_LIST, default=None),
        )
    ):
        fn = option(fn)
    return fn


@click.command()
@server_options
@click.argument("files", nargs=-1)
@click.option("--from", "source", default="", help="kind/name: workflowtemplate, cronwf, …")
@click.option("-p", "--parameter", "parameters", multiple=True, help="NAME=VALUE.")
@click.option("-f", "--parameter-file", default=None, help="A YAML/JSON file of parameters.")
@click.option("--entrypoint", default="", help="The template to start at.")
@click.option("-l", "--labels", multiple=True, help="KEY=VALUE,… labels to add.")
@click.option("--name", default="", help="The workflow's name.")
@click.option("--generate-name", default="", help="A prefix for a generated name.")
@click.option("--serviceaccount", default="", help="The ServiceAccount to run pods as.")
@click.option("--dry-run", is_flag=True, help="Print the workflow; submit nothing.")
@click.option("--server-dry-run", is_flag=True, help="Let the server check it; keep nothing.")
@follow_flags
def submit(
    client: ArgoClient,
    files: tuple[str, ...],
    source: str,
    parameters: tuple[str, ...],
    parameter_file: str | None,
    entrypoint: str,
    labels: tuple[str, ...],
    name: str,
    generate_name: str,
    serviceaccount: str,
    dry_run: bool,
    server_dry_run: bool,
    **follow: Any,
) -> None:
    """Submit workflows from FILES (- for stdin) or --from a template or cron workflow."""
    if bool(files) == bool(source):
        raise click.UsageError("give workflow files or --from kind/name (one of the two)")
    opts = SubmitOptions(
        list(parameters),
        parameter_file,
        entrypoint,
        parse_pairs(labels, "--labels"),
        name,
        generate_name,
        serviceaccount,
    )
    flags = {"dry_run": dry_run, "server_dry": server_dry_run}
    if source:
        wfs = [submit_from(client, source, opts, **flags)]
    else:
        wfs = submit_files(client, list(files), opts, **flags)
    if dry_run or server_dry_run:
        for wf in wfs:
            show.print_workflow(wf, follow["output"] or "yaml")
        return
    after_submit(client, wfs, **follow)


COMMANDS = (submit,)
