"""`argo lint FILE|DIR…`: check manifests with the server's lint calls, naming file:line.

Every Workflow, WorkflowTemplate, ClusterWorkflowTemplate and CronWorkflow document of the files
(folders are walked) goes to the lint route of its kind; other kinds are passed over. Problems
print as `PATH:LINE: in "NAME" (KIND): MESSAGE`, then a count; any problem (or a file that does
not parse) exits 1. `lint_documents` is shared with `template lint` and `cron lint`.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from argoapp.cli.argo.client import ApiError, ArgoClient
from argoapp.cli.argo.manifests import read_documents
from argoapp.cli.argo.options import server_options

# kind -> (lint path with {ns}, body key)
ROUTES = {
    "Workflow": ("/api/v1/workflows/{ns}/lint", "workflow"),
    "WorkflowTemplate": ("/api/v1/workflow-templates/{ns}/lint", "template"),
    "ClusterWorkflowTemplate": ("/api/v1/cluster-workflow-templates/lint", "template"),
    "CronWorkflow": ("/api/v1/cron-workflows/{ns}/lint", "cronWorkflow"),
}

_ALIASES = {k.lower() + "s": k for k in ROUTES} | {k.lower(): k for k in ROUTES}
_ALIASES |= {"wf": "Workflow", "wftmpl": "WorkflowTemplate", "cronwf": "CronWorkflow"}
_ALIASES |= {"cwftmpl": "ClusterWorkflowTemplate"}


def lint_one(client: ArgoClient, kind: str, obj: dict[str, Any]) -> str:
    """The server's complaint about one object, or "" when it passes."""
    path, key = ROUTES[kind]
    namespace = (obj.get("metadata") or {}).get("namespace") or client.conn.namespace
    try:
        client.request("POST", path.format(ns=namespace), body={"namespace": namespace, key: obj})
    except ApiError as e:
        if e.status >= 500 or e.status in (401, 403, 404):
            raise
        return str(e)
    return ""


def lint_documents(client: ArgoClient, paths: list[str], kinds: tuple[str, ...]) -> int:
    """Lint the documents of `kinds` in `paths`, print the problems; how many there were."""
    problems = checked = 0
    for doc in read_documents(paths):
        if doc.error:
            click.echo(f"{doc.where}: {doc.error}")
            problems += 1
            continue
        body = doc.body
        if not isinstance(body, dict) or body.get("kind") not in kinds:
            continue
        checked += 1
        kind = str(body["kind"])
        meta = body.get("metadata") or {}
        name = meta.get("name") or meta.get("generateName") or ""
        message = lint_one(client, kind, body)
        if message:
            click.echo(f'{doc.where}: in "{name}" ({kind}): {message}')
            problems += 1
    if problems:
        click.echo(f"✖ {problems} linting error{'s' if problems != 1 else ''} found!")
    elif checked:
        click.echo("✔ no linting errors found!")
    else:
        click.echo(f"✖ nothing to lint: no {' or '.join(kinds)} found")
        problems = 1
    return problems


@click.command()
@server_options
@click.argument("paths", nargs=-1, required=True)
@click.option("--kinds", default="", help="Only these kinds: workflows,workflowtemplates,…")
@click.option("-o", "--output", type=click.Choice(["pretty", "simple"]), default="pretty")
def lint(client: ArgoClient, paths: tuple[str, ...], kinds: str, output: str) -> None:
    """Lint manifest files and folders; exit 1 on any problem."""
    wanted = tuple(ROUTES)
    if kinds:
        wanted = tuple(_ALIASES[k] for k in kinds.lower().split(",") if k in _ALIASES)
    if lint_documents(client, list(paths), wanted):
        sys.exit(1)


COMMANDS = (lint,)
