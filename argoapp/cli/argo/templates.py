"""`argo template …` and `argo cluster-template …`: create, get, list, update, delete, lint.

One factory builds both groups over Argo's WorkflowTemplateService and
ClusterWorkflowTemplateService (the cluster one has no namespace in its paths). `Kind` holds
what differs; the cron group (`cron.py`) reuses it for CronWorkflows. Objects print as Argo's CLI
prints them: `get`/`create` a labelled summary (or -o name|json|yaml), `list` a NAME table.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import click

from argoapp.cli.argo.client import ArgoClient, NotFound
from argoapp.cli.argo.lint import lint_documents
from argoapp.cli.argo.manifests import objects_of_kind
from argoapp.cli.argo.options import server_options
from argoapp.cli.argo.render import emit, name_of, table, timestamp

Obj = dict[str, Any]


@dataclass(frozen=True)
class Kind:
    kind: str  # WorkflowTemplate
    base: str  # /api/v1/workflow-templates/{ns}
    body_key: str  # template
    namespaced: bool = True

    def path(self, client: ArgoClient, name: str = "", namespace: str = "") -> str:
        base = self.base.format(ns=namespace or client.conn.namespace)
        return f"{base}/{name}" if name else base

    def get(self, client: ArgoClient, name: str) -> Obj:
        try:
            obj: Obj = client.get(self.path(client, name))
        except NotFound:
            where = f" in namespace {client.conn.namespace}" if self.namespaced else ""
            raise NotFound(404, f"{self.kind} {name} not found{where}") from None
        return obj

    def body(self, client: ArgoClient, obj: Obj) -> Obj:
        body: Obj = {self.body_key: obj}
        if self.namespaced:
            body["namespace"] = client.conn.namespace
        return body

    def list(self, client: ArgoClient, *, all_namespaces: bool, selector: str) -> list[Obj]:
        path = self.base.format(ns="" if all_namespaces else client.conn.namespace)
        page = client.get(path, {"listOptions.labelSelector": selector})
        return list(page.get("items") or [])


WORKFLOW_TEMPLATE = Kind("WorkflowTemplate", "/api/v1/workflow-templates/{ns}", "template")
CLUSTER_TEMPLATE = Kind(
    "ClusterWorkflowTemplate", "/api/v1/cluster-workflow-templates", "template", False
)


def summary(obj: Obj) -> str:
    """Name, Namespace and Created, as `argo template get` prints them."""
    meta = obj.get("metadata") or {}
    lines = [f"{'Name:':<20} {meta.get('name', '')}"]
    if meta.get("namespace"):
        lines.append(f"{'Namespace:':<20} {meta['namespace']}")
    lines.append(f"{'Created:':<20} {timestamp(meta.get('creationTimestamp'))}")
    return "\n".join(lines)


def print_object(obj: Obj, output: str | None, describe: Callable[[Obj], str] = summary) -> None:
    if output in ("json", "yaml", "name"):
        emit(obj, output)
    else:
        click.echo(describe(obj))


def create(client: ArgoClient, kind: Kind, paths: list[str], output: str | None) -> None:
    """Create every object of the kind found in `paths`."""
    for _, obj in objects_of_kind(paths, (kind.kind,)):
        made = client.request("POST", kind.path(client), body=kind.body(client, obj))
        print_object(made, output)


def update(client: ArgoClient, kind: Kind, paths: list[str], output: str | None) -> None:
    """Replace each object of the kind in `paths`, at the server's current version."""
    for doc, obj in objects_of_kind(paths, (kind.kind,)):
        name = name_of(obj)
        if not name:
            raise click.UsageError(f"{doc.where}: an update needs metadata.name")
        current = kind.get(client, name)
        obj.setdefault("metadata", {})["resourceVersion"] = current["metadata"].get(
            "resourceVersion", ""
        )
        body = kind.body(client, obj) | {"name": name}
        print_object(client.request("PUT", kind.path(client, name), body=body), output)


def delete(client: ArgoClient, kind: Kind, names: tuple[str, ...], all_: bool) -> None:
    """Delete the named objects (or all of the namespace's)."""
    if not names and not all_:
        raise click.UsageError("name what to delete, or use --all")
    targets = list(names)
    if all_:
        targets += [name_of(o) for o in kind.list(client, all_namespaces=False, selector="")]
    for name in targets:
        try:
            client.request("DELETE", kind.path(client, name))
        except NotFound:
            raise NotFound(404, f"{kind.kind} {name} not found") from None
        click.echo(f"{kind.kind} '{name}' deleted")


def print_list(objs: list[Obj], output: str | None, *, namespaces: bool) -> None:
    if output == "name":
        for obj in objs:
            click.echo(name_of(obj))
    elif output in ("json", "yaml"):
        emit(objs, output)
    elif not objs:
        click.echo("No objects found")
    else:
        header = ["NAMESPACE", "NAME"] if namespaces else ["NAME"]
        rows = [
            ([str((o.get("metadata") or {}).get("namespace", ""))] if namespaces else [])
            + [name_of(o)]
            for o in objs
        ]
        click.echo(table(header, rows))


_OUTPUT = click.option("-o", "--output", type=click.Choice(["name", "json", "yaml", "wide"]))


def group(kind: Kind, name: str, noun: str) -> click.Group:
    """The click group for one template kind."""

    @click.group(name=name, help=f"Manage {noun}s.")
    def grp() -> None:
        pass

    @grp.command(name="create", help=f"Create {noun}s from files.")
    @server_options
    @click.argument("files", nargs=-1, required=True)
    @_OUTPUT
    def create_cmd(client: ArgoClient, files: tuple[str, ...], output: str | None) -> None:
        create(client, kind, list(files), output)

    @grp.command(name="get", help=f"Show {noun}s.")
    @server_options
    @click.argument("names", nargs=-1, required=True)
    @_OUTPUT
    def get_cmd(client: ArgoClient, names: tuple[str, ...], output: str | None) -> None:
        for item in names:
            print_object(kind.get(client, item), output)

    @grp.command(name="list", help=f"List {noun}s.")
    @server_options
    @click.option("-A", "--all-namespaces", is_flag=True, hidden=not kind.namespaced)
    @click.option("-l", "--selector", default="", help="Label selector.")
    @_OUTPUT
    def list_cmd(
        client: ArgoClient, all_namespaces: bool, selector: str, output: str | None
    ) -> None:
        objs = kind.list(client, all_namespaces=all_namespaces, selector=selector)
        print_list(objs, output, namespaces=all_namespaces and kind.namespaced)

    @grp.command(name="update", help=f"Replace {noun}s with the ones in files.")
    @server_options
    @click.argument("files", nargs=-1, required=True)
    @_OUTPUT
    def update_cmd(client: ArgoClient, files: tuple[str, ...], output: str | None) -> None:
        update(client, kind, list(files), output)

    @grp.command(name="delete", help=f"Delete {noun}s.")
    @server_options
    @click.argument("names", nargs=-1)
    @click.option("--all", "all_", is_flag=True, help="Every one in the namespace.")
    def delete_cmd(client: ArgoClient, names: tuple[str, ...], all_: bool) -> None:
        delete(client, kind, names, all_)

    @grp.command(name="lint", help=f"Lint {noun} files and folders; exit 1 on a problem.")
    @server_options
    @click.argument("paths", nargs=-1, required=True)
    def lint_cmd(client: ArgoClient, paths: tuple[str, ...]) -> None:
        if lint_documents(client, list(paths), (kind.kind,)):
            sys.exit(1)

    return grp


template = group(WORKFLOW_TEMPLATE, "template", "workflow template")
cluster_template = group(CLUSTER_TEMPLATE, "cluster-template", "cluster workflow template")

COMMANDS = (template, cluster_template)
