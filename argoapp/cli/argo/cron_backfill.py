"""`argo cron backfill CRON --start … [--end …]`: run a cron workflow for past schedule times.

Every time the cron workflow's schedules (in its timezone) fire after `--start` up to `--end`
(default now) gets one workflow, made from the cron workflow as the scheduler makes it (labelled
and owned by it, its scheduled-time annotation that time) plus the argument `--argname`
(default `cronScheduleTime`) holding the time, and the label
`workflows.argoproj.io/cron-workflow-backfill: CRON`. Unless `--parallel`, the workflows share a
mutex named after the backfill, so they run one at a time, oldest first (by priority).

Argo's CLI creates one "monitor" workflow whose resource steps create these; argoapp's CLI
creates them itself, which needs no executor permission to create workflows and prints the
workflows' own names. `--maxworkflowcount` caps how many one backfill may create (Argo splits
the list into monitors of that size; creating thousands at once from a CLI is rather a mistake).
Times are read with the Go layout of `--format` (default RFC 1123), or as ISO 8601.
"""

from __future__ import annotations

import re
import secrets
import string
from datetime import UTC, datetime

import click

from argoapp.cli.argo.client import ArgoClient, NotFound
from argoapp.cli.argo.options import server_options

RFC1123 = "Mon, 02 Jan 2006 15:04:05 MST"
BACKFILL_LABEL = "workflows.argoproj.io/cron-workflow-backfill"
_GO_TOKENS = {
    "January": "%B",
    "Monday": "%A",
    "2006": "%Y",
    "-07:00": "%z",
    "Z07:00": "%z",
    "-0700": "%z",
    "Jan": "%b",
    "Mon": "%a",
    "MST": "%Z",
    "01": "%m",
    "02": "%d",
    "15": "%H",
    "04": "%M",
    "05": "%S",
    "06": "%y",
    "PM": "%p",
    "03": "%I",
}
_GO_PATTERN = re.compile("|".join(re.escape(t) for t in sorted(_GO_TOKENS, key=len, reverse=True)))


def parse_go_time(text: str, layout: str, flag: str) -> datetime:
    """`text` read with Go time layout `layout` (or as ISO 8601); UTC when it names no zone."""
    pattern = _GO_PATTERN.sub(lambda m: _GO_TOKENS[m.group(0)], layout.replace("%", "%%"))
    try:
        t = datetime.strptime(text, pattern)
    except ValueError:
        try:
            t = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise click.BadParameter(
                f"{text!r} does not match the format {layout!r}", param_hint=flag
            ) from None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def go_string(t: datetime) -> str:
    """A time as Go's Time.String() prints it (the value Argo's backfill passes)."""
    return t.strftime("%Y-%m-%d %H:%M:%S %z ") + (t.tzname() or "UTC")


def schedule_times(cron: dict[str, object], start: datetime, end: datetime) -> list[datetime]:
    """Every firing of the cron's schedules after `start`, up to and including `end`."""
    from argoapp.controller import cron_status

    try:
        parsed = cron_status.schedules(cron)
    except ValueError as e:
        raise click.ClickException(f"cannot read the cron workflow's schedules: {e}") from None
    times = []
    at: datetime | None = start
    while at is not None:
        at = cron_status.next_run(parsed, at)
        if at is None or at > end:
            break
        times.append(at)
    return times


@click.command(name="backfill")
@server_options
@click.argument("name")
@click.option("--name", "backfill", default="", help="Backfill name (default: random).")
@click.option("--start", required=True, help="Start time (see --format).")
@click.option("--end", default="", help="End time (default now).")
@click.option("--parallel", is_flag=True, help="Let the workflows run at once.")
@click.option("--argname", default="cronScheduleTime", show_default=True, help="Argument name.")
@click.option("--format", "layout", default=RFC1123, show_default=True, help="Go time layout.")
@click.option("--maxworkflowcount", type=click.IntRange(min=1), default=1000, show_default=True)
def backfill(
    client: ArgoClient,
    name: str,
    backfill: str,
    start: str,
    end: str,
    parallel: bool,
    argname: str,
    layout: str,
    maxworkflowcount: int,
) -> None:
    """Create workflows for a cron workflow's schedule times between --start and --end."""
    from argoapp.engine.submit import from_cron_workflow

    backfill = backfill or "".join(secrets.choice(string.ascii_lowercase) for _ in range(5))
    first = parse_go_time(start, layout, "--start")
    last = parse_go_time(end, layout, "--end") if end else datetime.now(UTC)
    namespace = client.conn.namespace
    try:
        cron = client.get(f"/api/v1/cron-workflows/{namespace}/{name}")
    except NotFound:
        raise NotFound(404, f"cron workflow {name} not found in namespace {namespace}") from None
    times = schedule_times(cron, first, last)
    if not times:
        click.echo("There is no suitable scheduling time.")
        return
    if len(times) > maxworkflowcount:
        raise click.UsageError(
            f"{len(times)} schedule times is more than --maxworkflowcount {maxworkflowcount}"
        )
    created = []
    for i, at in enumerate(times):
        wf = from_cron_workflow(cron, now=at)
        meta = wf["metadata"]
        meta["generateName"] = f"{name}-backfill-{backfill}-"[:57]
        meta["labels"][BACKFILL_LABEL] = name
        spec = wf["spec"]
        arguments = spec.setdefault("arguments", {})
        params = [p for p in arguments.get("parameters") or [] if p.get("name") != argname]
        arguments["parameters"] = [*params, {"name": argname, "value": go_string(at)}]
        if not parallel:
            spec["synchronization"] = {"mutex": {"name": f"{name}-backfill-{backfill}"}}
            spec["priority"] = len(times) - i  # the oldest time first
        body = {"namespace": namespace, "workflow": wf}
        made = client.request("POST", f"/api/v1/workflows/{namespace}", body=body)
        created.append(str((made.get("metadata") or {}).get("name") or ""))
    _report(name, backfill, first, last, created, namespace)


def _report(
    cron: str, backfill: str, start: datetime, end: datetime, names: list[str], namespace: str
) -> None:
    click.echo(f"Created {backfill} Backfill task for Cronworkflow {cron}")
    click.echo("=" * 50)
    click.echo("Backfill Period :")
    click.echo(f"Start Time : {start.strftime('%a, %d %b %Y %H:%M:%S %Z')}")
    click.echo(f"  End Time : {end.strftime('%a, %d %b %Y %H:%M:%S %Z')}")
    click.echo(f"Total Backfill Schedule: {len(names)}")
    click.echo("=" * 50)
    click.echo("Backfill Workflows:")
    click.echo("   NAMESPACE\t WORKFLOW:")
    for i, wf in enumerate(names, 1):
        click.echo(f"{i}. {namespace} \t {wf}")
