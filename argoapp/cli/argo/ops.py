"""The verbs that change workflows: retry, resubmit, resume, suspend, stop, terminate, node set.

Each names workflows (or picks them with `-l`) and calls Argo's
`PUT /api/v1/workflows/{ns}/{name}/{action}` with the body Argo's CLI sends. retry and resubmit
print what they made and can wait, watch or follow its logs as submit does. A workflow that is
not live (gone, or one `-l` picked from the archive part of the list) or that the server refuses
is reported and passed over; the others are still acted on, and the exit code is 1 when a
named one was missing or any was refused.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from argoapp.cli.argo.client import ApiError, ArgoClient, NotFound
from argoapp.cli.argo.options import server_options
from argoapp.cli.argo.render import name_of
from argoapp.cli.argo.submit import after_submit, follow_flags
from argoapp.cli.argo.workflows import list_all

Workflow = dict[str, Any]

_PAST = {
    "suspend": "suspended",
    "resume": "resumed",
    "stop": "stopped",
    "terminate": "terminated",
}


def targets(client: ArgoClient, names: tuple[str, ...], selector: str) -> list[str]:
    """The names given, then those the label selector picks."""
    picked = list(names)
    if selector:
        wfs = list_all(client, client.conn.namespace, selector)
        picked += [name_of(w) for w in wfs if name_of(w) not in picked]
    if not picked:
        raise click.UsageError("name at least one workflow, or pick some with -l")
    return picked


def act(client: ArgoClient, name: str, action: str, body: dict[str, Any]) -> Workflow:
    """PUT one action on one workflow; the workflow the server answers with."""
    namespace = client.conn.namespace
    payload = {"name": name, "namespace": namespace, **{k: v for k, v in body.items() if v}}
    try:
        wf: Workflow = client.request(
            "PUT", f"/api/v1/workflows/{namespace}/{name}/{action}", body=payload
        )
    except NotFound:
        raise NotFound(404, f"workflow {name} not found in namespace {namespace}") from None
    return wf


def act_each(
    client: ArgoClient, names: tuple[str, ...], selector: str, action: str, body: dict[str, Any]
) -> tuple[list[tuple[str, Workflow]], bool]:
    """Act on every target: each name with the server's answer, and whether one failed. A
    refusal is reported and the rest still go; a picked workflow that is not found (one from
    the archive part of the list) is reported without counting as a failure."""
    done, failed = [], False
    for name in targets(client, names, selector):
        try:
            done.append((name, act(client, name, action, body)))
        except NotFound as e:
            click.echo(f"argoapp: {e}", err=True)
            failed = failed or name in names
        except ApiError as e:
            click.echo(f"argoapp: {name}: {e}", err=True)
            failed = True
    return done, failed


def _simple(action: str, doc: str, extra: tuple[Any, ...] = ()) -> click.Command:
    """A verb that acts on each workflow and prints `workflow NAME <past tense>`."""

    def run(
        client: ArgoClient, names: tuple[str, ...], selector: str, dry_run: bool, **body: Any
    ) -> None:
        if dry_run:
            for name in targets(client, names, selector):
                click.echo(f"workflow {name} {_PAST[action]} (dry-run)")
            return
        done, missing = act_each(client, names, selector, action, _camel(body))
        for name, _ in done:
            click.echo(f"workflow {name} {_PAST[action]}")
        if missing:
            sys.exit(1)

    run.__doc__ = doc
    fn: Any = run
    for option in reversed(
        (
            click.argument("names", nargs=-1),
            click.option("-l", "--selector", default="", help="Pick workflows by label."),
            click.option("--dry-run", is_flag=True, help="Only say what would be done."),
            *extra,
        )
    ):
        fn = option(fn)
    return click.command(name=action)(server_options(fn))


def _camel(body: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in body.items():
        head, *rest = key.split("_")
        out[head + "".join(p.title() for p in rest)] = value
    return out


_SELECT_NODES = click.option(
    "--node-field-selector", default="", help="Which nodes, e.g. displayName=approve."
)
suspend = _simple("suspend", "Suspend workflows.")
resume = _simple("resume", "Resume suspended workflows (or nodes).", (_SELECT_NODES,))
terminate = _simple("terminate", "Terminate workflows now, without exit handlers.")
stop = _simple(
    "stop",
    "Stop workflows: running nodes end, exit handlers still run.",
    (_SELECT_NODES, click.option("--message", default="", help="Why it was stopped.")),
)


@click.command()
@server_options
@click.argument("names", nargs=-1)
@click.option("-l", "--selector", default="", help="Pick workflows by label.")
@click.option("--restart-successful", is_flag=True, help="Run succeeded nodes again too.")
@_SELECT_NODES
@click.option("-p", "--parameter", "parameters", multiple=True, help="NAME=VALUE.")
@follow_flags
def retry(
    client: ArgoClient,
    names: tuple[str, ...],
    selector: str,
    restart_successful: bool,
    node_field_selector: str,
    parameters: tuple[str, ...],
    **follow: Any,
) -> None:
    """Retry failed workflows from where they failed."""
    body = {
        "restartSuccessful": restart_successful,
        "nodeFieldSelector": node_field_selector,
        "parameters": list(parameters),
    }
    done, missing = act_each(client, names, selector, "retry", body)
    after_submit(client, [wf for _, wf in done], **follow)
    if missing:
        sys.exit(1)


@click.command()
@server_options
@click.argument("names", nargs=-1)
@click.option("-l", "--selector", default="", help="Pick workflows by label.")
@click.option("--memoized", is_flag=True, help="Reuse the outputs of succeeded nodes.")
@click.option("-p", "--parameter", "parameters", multiple=True, help="NAME=VALUE.")
@follow_flags
def resubmit(
    client: ArgoClient,
    names: tuple[str, ...],
    selector: str,
    memoized: bool,
    parameters: tuple[str, ...],
    **follow: Any,
) -> None:
    """Submit workflows again, as new workflows."""
    body = {"memoized": memoized, "parameters": list(parameters)}
    done, missing = act_each(client, names, selector, "resubmit", body)
    after_submit(client, [wf for _, wf in done], **follow)
    if missing:
        sys.exit(1)


@click.group()
def node() -> None:
    """Change nodes of a workflow."""


@node.command(name="set")
@server_options
@click.argument("name")
@click.option("--node-field-selector", required=True, help="Which nodes, e.g. displayName=a.")
@click.option("--phase", default="", help="Succeeded or Failed.")
@click.option("-m", "--message", default="", help="The node's message.")
@click.option("-p", "--output-parameter", multiple=True, help='NAME="VALUE" outputs to set.')
def node_set(
    client: ArgoClient,
    name: str,
    node_field_selector: str,
    phase: str,
    message: str,
    output_parameter: tuple[str, ...],
) -> None:
    """Set a node's phase, message or output parameters (suspend nodes)."""
    outputs = {}
    for term in output_parameter:
        key, sep, value = term.partition("=")
        if not sep:
            raise click.BadParameter(f"{term!r} is not NAME=VALUE", param_hint="-p")
        outputs[key] = value.strip().strip('"')
    body = {
        "nodeFieldSelector": node_field_selector,
        "phase": phase,
        "message": message,
        "outputParameters": json.dumps(outputs) if outputs else "",
    }
    act(client, name, "set", body)
    click.echo("workflow values set")


COMMANDS = (retry, resubmit, resume, suspend, stop, terminate, node)
