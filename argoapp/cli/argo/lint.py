"""`argo lint FILE|DIR…`: check manifests with the server's lint calls, naming file:line.

Every Workflow, WorkflowTemplate, ClusterWorkflowTemplate and CronWorkflow document of the files
(folders are walked) goes to the lint route of its kind; other kinds are passed over. With
`--strict` (the default, as Argo's) a field Argo does not know fails the document first;
`--offline` checks with argoapp's own validator instead of a server, templates referenced being
looked up among the files given. Problems print as `PATH:LINE: in "NAME" (KIND): MESSAGE`, then
a count; any problem (or a file that does not parse) exits 1. `lint_documents` is shared with
`template lint` and `cron lint`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click

from argoapp.cli.argo.client import ApiError, ArgoClient
from argoapp.cli.argo.manifests import Document, read_documents
from argoapp.cli.argo.options import server_options
from argoapp.cli.argo.strict import unknown_field

Linter = Callable[[str, dict[str, Any]], str]  # (kind, object) -> problem or ""

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


def offline_linter(docs: list[Document]) -> Linter:
    """A linter using argoapp's validator, templates looked up among `docs`."""
    from argoapp.engine import validate

    known: dict[tuple[str, str, str], dict[str, Any]] = {}
    for doc in docs:
        body = doc.body if isinstance(doc.body, dict) else {}
        meta = body.get("metadata") or {}
        if body.get("kind") in ("WorkflowTemplate", "ClusterWorkflowTemplate"):
            namespace = "" if body["kind"].startswith("Cluster") else meta.get("namespace") or ""
            known[(str(body["kind"]), namespace, str(meta.get("name") or ""))] = body

    class Files:
        def get(self, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
            return known.get((kind, namespace, name)) or known.get((kind, "", name))

    check = {
        "Workflow": lambda obj: validate.validate_workflow(obj, Files(), lint=True),
        "WorkflowTemplate": lambda obj: validate.validate_workflow_template(obj, Files()),
        "ClusterWorkflowTemplate": lambda obj: validate.validate_cluster_workflow_template(
            obj, Files()
        ),
        "CronWorkflow": lambda obj: validate.validate_cron_workflow(obj, Files()),
    }

    def lint(kind: str, obj: dict[str, Any]) -> str:
        try:
            check[kind](obj)
        except validate.ValidationError as e:
            return str(e)
        return ""

    return lint


def lint_documents(
    client: ArgoClient | None,
    paths: list[str],
    kinds: tuple[str, ...],
    *,
    strict: bool = True,
    offline: bool = False,
) -> int:
    """Lint the documents of `kinds` in `paths`, print the problems; how many there were.
    `client` may be None when `offline`."""
    problems = checked = 0
    docs = list(read_documents(paths))
    linter: Linter
    if offline:
        linter = offline_linter(docs)
    else:
        assert client is not None
        linter = lambda kind, obj: lint_one(client, kind, obj)  # noqa: E731
    for doc in docs:
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
        message = ""
        if strict and unknown_field(body):
            message = f'strict decoding error: unknown field "{unknown_field(body)}"'
        message = message or linter(kind, body)
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
@server_options(lazy=True)
@click.argument("paths", nargs=-1, required=True)
@click.option("--kinds", default="", help="Only these kinds: workflows,workflowtemplates,…")
@click.option("-o", "--output", type=click.Choice(["pretty", "simple"]), default="pretty")
@click.option(
    "--strict/--no-strict",
    default=True,
    show_default=True,
    help="Refuse fields Argo does not know.",
)
@click.option("--offline", is_flag=True, help="Lint here, without a server.")
def lint(
    connect: Callable[[], ArgoClient],
    paths: tuple[str, ...],
    kinds: str,
    output: str,
    strict: bool,
    offline: bool,
) -> None:
    """Lint manifest files and folders; exit 1 on any problem."""
    wanted = tuple(ROUTES)
    if kinds:
        wanted = tuple(_ALIASES[k] for k in kinds.lower().split(",") if k in _ALIASES)
    client = None if offline else connect()
    if lint_documents(client, list(paths), wanted, strict=strict, offline=offline):
        sys.exit(1)


COMMANDS = (lint,)
