"""`argo cron …`: create, get, list, update, delete, lint, suspend, resume CronWorkflows (and
backfill, from `cron_backfill`).

Over Argo's CronWorkflowService, reusing the template verbs' `Kind` for the plain calls. create
takes the submit options (`-p`, `--entrypoint`, `-l`, …) and `--schedule`; `list` prints NAME AGE
LAST RUN NEXT RUN SCHEDULE TIMEZONE SUSPENDED, the next run worked out here from the schedules
with the controller's own cron parser (imported only when listing).
"""

from __future__ import annotations

import sys
from typing import Any

import click

from argoapp.cli.argo import templates
from argoapp.cli.argo.client import ArgoClient, NotFound
from argoapp.cli.argo.cron_backfill import backfill
from argoapp.cli.argo.lint import lint_documents
from argoapp.cli.argo.manifests import SubmitOptions, apply_submit_options, objects_of_kind
from argoapp.cli.argo.options import parse_pairs, server_options
from argoapp.cli.argo.render import age, name_of, now, parse_time, table, timestamp

Obj = dict[str, Any]
CRON = templates.Kind("CronWorkflow", "/api/v1/cron-workflows/{ns}", "cronWorkflow")
_PAST = {"suspend": "suspended", "resume": "resumed"}
_OUTPUT = click.option("-o", "--output", type=click.Choice(["name", "json", "yaml", "wide"]))


def schedules(cron: Obj) -> list[str]:
    spec = cron.get("spec") or {}
    found = list(spec.get("schedules") or [])
    return found or ([spec["schedule"]] if spec.get("schedule") else [])


def next_run(cron: Obj) -> str:
    """When the cron workflow fires next, as an RFC 3339 time ("" when unknown)."""
    from argoapp.controller import cron_schedule

    spec = cron.get("spec") or {}
    if spec.get("suspend"):
        return ""
    try:
        zone = cron_schedule.zone_named(spec["timezone"]) if spec.get("timezone") else None
        nexts = [cron_schedule.parse(s, zone).next(now()) for s in schedules(cron)]
    except (ValueError, KeyError, cron_schedule.ScheduleError):
        return ""
    soonest = min((n for n in nexts if n is not None), default=None)
    return soonest.strftime("%Y-%m-%dT%H:%M:%SZ") if soonest else ""


def describe(cron: Obj) -> str:
    """The `argo cron get` block."""
    meta, spec = cron.get("metadata") or {}, cron.get("spec") or {}
    status = cron.get("status") or {}
    active = ", ".join(str(ref.get("name")) for ref in status.get("active") or [])
    fields = [
        ("Name", meta.get("name", "")),
        ("Namespace", meta.get("namespace", "")),
        ("Created", timestamp(meta.get("creationTimestamp"))),
        ("Schedule", ",".join(schedules(cron))),
        ("Suspended", str(bool(spec.get("suspend"))).lower()),
        ("StartingDeadlineSeconds", spec.get("startingDeadlineSeconds", 0)),
        ("ConcurrencyPolicy", spec.get("concurrencyPolicy") or "Allow"),
        ("LastScheduledTime", timestamp(status.get("lastScheduledTime"))),
        ("NextScheduledTime", timestamp(next_run(cron))),
        ("Active Workflows", active),
    ]
    if spec.get("timezone"):
        fields.insert(4, ("Timezone", spec["timezone"]))
    return "\n".join(f"{label + ':':<30} {value}".rstrip() for label, value in fields)


def print_list(crons: list[Obj], output: str | None, *, namespaces: bool) -> None:
    if output in ("name", "json", "yaml") or not crons:
        templates.print_list(crons, output, namespaces=namespaces)
        return
    header = ["NAME", "AGE", "LAST RUN", "NEXT RUN", "SCHEDULE", "TIMEZONE", "SUSPENDED"]
    rows = []
    for cron in crons:
        meta, spec = cron.get("metadata") or {}, cron.get("spec") or {}
        last = (cron.get("status") or {}).get("lastScheduledTime")
        upcoming = parse_time(next_run(cron))
        rows.append(
            ([str(meta.get("namespace", ""))] if namespaces else [])
            + [
                name_of(cron),
                age(meta.get("creationTimestamp")),
                age(last) if last else "N/A",
                _until(upcoming) if upcoming else "N/A",
                ",".join(schedules(cron)),
                str(spec.get("timezone") or ""),
                str(bool(spec.get("suspend"))).lower(),
            ]
        )
    click.echo(table((["NAMESPACE"] if namespaces else []) + header, rows))


def _until(t: Any) -> str:
    from argoapp.cli.argo.render import short_duration

    return short_duration((t - now()).total_seconds())


def create(
    client: ArgoClient, paths: list[str], opts: SubmitOptions, schedule: str, output: str | None
) -> None:
    """Create the CronWorkflows of `paths` with the options applied."""
    for _, cron in objects_of_kind(paths, ("CronWorkflow",)):
        apply_submit_options(cron, opts)
        if schedule:
            cron["spec"]["schedules"] = [schedule]
            cron["spec"].pop("schedule", None)
        made = client.request("POST", CRON.path(client), body=CRON.body(client, cron))
        templates.print_object(made, output, describe)


def switch(client: ArgoClient, names: tuple[str, ...], action: str) -> None:
    """Suspend or resume each named cron workflow."""
    namespace = client.conn.namespace
    for name in names:
        try:
            client.request(
                "PUT",
                CRON.path(client, f"{name}/{action}"),
                body={"name": name, "namespace": namespace},
            )
        except NotFound:
            raise NotFound(404, f"CronWorkflow {name} not found in {namespace}") from None
        click.echo(f"CronWorkflow '{name}' {_PAST[action]}")


@click.group(name="cron")
def cron_group() -> None:
    """Manage cron workflows."""


@cron_group.command(name="create")
@server_options
@click.argument("files", nargs=-1, required=True)
@click.option("--schedule", default="", help="Replace the schedules with this one.")
@click.option("-p", "--parameter", "parameters", multiple=True, help="NAME=VALUE.")
@click.option("-f", "--parameter-file", default=None, help="A YAML/JSON file of parameters.")
@click.option("--entrypoint", default="")
@click.option("-l", "--labels", multiple=True, help="KEY=VALUE,… labels of the workflows.")
@click.option("--name", default="")
@click.option("--generate-name", default="")
@click.option("--serviceaccount", default="")
@_OUTPUT
def create_cmd(
    client: ArgoClient,
    files: tuple[str, ...],
    schedule: str,
    parameters: tuple[str, ...],
    parameter_file: str | None,
    labels: tuple[str, ...],
    output: str | None,
    **rest: str,
) -> None:
    """Create cron workflows from files."""
    opts = SubmitOptions(
        list(parameters),
        parameter_file,
        rest["entrypoint"],
        parse_pairs(labels, "--labels"),
        rest["name"],
        rest["generate_name"],
        rest["serviceaccount"],
    )
    create(client, list(files), opts, schedule, output)


@cron_group.command(name="get")
@server_options
@click.argument("names", nargs=-1, required=True)
@_OUTPUT
def get_cmd(client: ArgoClient, names: tuple[str, ...], output: str | None) -> None:
    """Show cron workflows."""
    for name in names:
        templates.print_object(CRON.get(client, name), output, describe)


@cron_group.command(name="list")
@server_options
@click.option("-A", "--all-namespaces", is_flag=True)
@click.option("-l", "--selector", default="", help="Label selector.")
@_OUTPUT
def list_cmd(client: ArgoClient, all_namespaces: bool, selector: str, output: str | None) -> None:
    """List cron workflows."""
    crons = CRON.list(client, all_namespaces=all_namespaces, selector=selector)
    print_list(crons, output, namespaces=all_namespaces)


@cron_group.command(name="update")
@server_options
@click.argument("files", nargs=-1, required=True)
@_OUTPUT
def update_cmd(client: ArgoClient, files: tuple[str, ...], output: str | None) -> None:
    """Replace cron workflows with the ones in files."""
    templates.update(client, CRON, list(files), output)


@cron_group.command(name="delete")
@server_options
@click.argument("names", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Every one in the namespace.")
def delete_cmd(client: ArgoClient, names: tuple[str, ...], all_: bool) -> None:
    """Delete cron workflows."""
    templates.delete(client, CRON, names, all_)


@cron_group.command(name="lint")
@server_options
@click.argument("paths", nargs=-1, required=True)
def lint_cmd(client: ArgoClient, paths: tuple[str, ...]) -> None:
    """Lint cron workflow files and folders; exit 1 on a problem."""
    if lint_documents(client, list(paths), ("CronWorkflow",)):
        sys.exit(1)


@cron_group.command(name="suspend")
@server_options
@click.argument("names", nargs=-1, required=True)
def suspend_cmd(client: ArgoClient, names: tuple[str, ...]) -> None:
    """Suspend cron workflows: no new runs until resumed."""
    switch(client, names, "suspend")


@cron_group.command(name="resume")
@server_options
@click.argument("names", nargs=-1, required=True)
def resume_cmd(client: ArgoClient, names: tuple[str, ...]) -> None:
    """Resume suspended cron workflows."""
    switch(client, names, "resume")


cron_group.add_command(backfill)
COMMANDS = (cron_group,)
