"""`argo archive …`: the workflows the server archived after they ended.

Over Argo's ArchivedWorkflowService: list (-l, --chunk-size, -o), get, delete, resubmit, retry
(each takes a UID, or a name, which is looked up as the newest archived workflow of that name in
the namespace), list-label-keys and list-label-values.
"""

from __future__ import annotations

import re
from typing import Any

import click

from argoapp.cli.argo import show
from argoapp.cli.argo.client import ArgoClient, NotFound
from argoapp.cli.argo.options import OUTPUT_GET, OUTPUT_LIST, server_options
from argoapp.cli.argo.render import name_of
from argoapp.cli.argo.submit import after_submit, follow_flags

Workflow = dict[str, Any]
BASE = "/api/v1/archived-workflows"
_UID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def list_archived(
    client: ArgoClient, *, namespace: str, selector: str = "", prefix: str = "", chunk_size: int = 0
) -> list[Workflow]:
    """Every archived workflow the filters pick, page by page."""
    items: list[Workflow] = []
    cont = ""
    while True:
        query = {
            "namespace": namespace,
            "namePrefix": prefix,
            "listOptions.labelSelector": selector,
            "listOptions.limit": str(chunk_size) if chunk_size else "",
            "listOptions.continue": cont,
        }
        page = client.get(BASE, query)
        items.extend(page.get("items") or [])
        cont = str((page.get("metadata") or {}).get("continue") or "")
        if not cont or not chunk_size:
            return items


def uid_of(client: ArgoClient, ref: str) -> str:
    """`ref` when it is a UID, else the UID of the newest archived workflow so named."""
    if _UID.match(ref):
        return ref
    found = [
        wf
        for wf in list_archived(client, namespace=client.conn.namespace, prefix=ref)
        if name_of(wf) == ref
    ]
    if not found:
        raise NotFound(404, f"archived workflow {ref} not found in {client.conn.namespace}")
    newest = max(found, key=lambda w: (w.get("metadata") or {}).get("creationTimestamp") or "")
    return str(newest["metadata"]["uid"])


def get_archived(client: ArgoClient, ref: str) -> Workflow:
    uid = uid_of(client, ref)
    try:
        wf: Workflow = client.get(f"{BASE}/{uid}")
    except NotFound:
        raise NotFound(404, f"archived workflow {ref} not found") from None
    return wf


@click.group()
def archive() -> None:
    """Archived workflows."""


@archive.command(name="list")
@server_options
@click.option("-A", "--all-namespaces", is_flag=True)
@click.option("-l", "--selector", default="", help="Label selector.")
@click.option("--prefix", default="", help="Only names starting with this.")
@click.option("--chunk-size", type=int, default=0, help="Page size of each request (0: one).")
@click.option("-o", "--output", type=OUTPUT_LIST, default=None)
def list_cmd(
    client: ArgoClient,
    all_namespaces: bool,
    selector: str,
    prefix: str,
    chunk_size: int,
    output: str | None,
) -> None:
    """List archived workflows."""
    namespace = "" if all_namespaces else client.conn.namespace
    wfs = list_archived(
        client, namespace=namespace, selector=selector, prefix=prefix, chunk_size=chunk_size
    )
    show.print_workflows(wfs, output, namespaces=True, uid=True)


@archive.command(name="get")
@server_options
@click.argument("ref")
@click.option("-o", "--output", type=OUTPUT_GET, default=None)
def get_cmd(client: ArgoClient, ref: str, output: str | None) -> None:
    """Show an archived workflow (by UID or name)."""
    show.print_workflow(get_archived(client, ref), output)


@archive.command(name="delete")
@server_options
@click.argument("refs", nargs=-1, required=True)
def delete_cmd(client: ArgoClient, refs: tuple[str, ...]) -> None:
    """Delete archived workflows (by UID or name)."""
    for ref in refs:
        uid = uid_of(client, ref)
        try:
            client.request("DELETE", f"{BASE}/{uid}")
        except NotFound:
            raise NotFound(404, f"archived workflow {ref} not found") from None
        click.echo(f"Archived workflow '{uid}' deleted")


@archive.command(name="list-label-keys")
@server_options
def label_keys(client: ArgoClient) -> None:
    """The label keys of archived workflows."""
    for key in client.get(f"{BASE}-label-keys").get("items") or []:
        click.echo(key)


@archive.command(name="list-label-values")
@server_options
@click.option("-l", "--selector", required=True, help="The label key.")
def label_values(client: ArgoClient, selector: str) -> None:
    """The values archived workflows have for one label key."""
    query = {"listOptions.labelSelector": selector}
    for value in client.get(f"{BASE}-label-values", query).get("items") or []:
        click.echo(value)


def _again(client: ArgoClient, ref: str, action: str, body: dict[str, Any]) -> Workflow:
    uid = uid_of(client, ref)
    payload = {"uid": uid, "namespace": client.conn.namespace}
    payload |= {k: v for k, v in body.items() if v}
    wf: Workflow = client.request("PUT", f"{BASE}/{uid}/{action}", body=payload)
    return wf


@archive.command(name="resubmit")
@server_options
@click.argument("refs", nargs=-1, required=True)
@click.option("--memoized", is_flag=True, help="Reuse the outputs of succeeded nodes.")
@click.option("-p", "--parameter", "parameters", multiple=True, help="NAME=VALUE.")
@follow_flags
def resubmit_cmd(
    client: ArgoClient,
    refs: tuple[str, ...],
    memoized: bool,
    parameters: tuple[str, ...],
    **follow: Any,
) -> None:
    """Submit archived workflows again, as new workflows."""
    body = {"memoized": memoized, "parameters": list(parameters)}
    after_submit(client, [_again(client, r, "resubmit", body) for r in refs], **follow)


@archive.command(name="retry")
@server_options
@click.argument("refs", nargs=-1, required=True)
@click.option("--restart-successful", is_flag=True, help="Run succeeded nodes again too.")
@click.option("--node-field-selector", default="", help="Which nodes to run again.")
@click.option("-p", "--parameter", "parameters", multiple=True, help="NAME=VALUE.")
@follow_flags
def retry_cmd(
    client: ArgoClient,
    refs: tuple[str, ...],
    restart_successful: bool,
    node_field_selector: str,
    parameters: tuple[str, ...],
    **follow: Any,
) -> None:
    """Retry archived workflows that failed."""
    body = {
        "restartSuccessful": restart_successful,
        "nodeFieldSelector": node_field_selector,
        "parameters": list(parameters),
    }
    after_submit(client, [_again(client, r, "retry", body) for r in refs], **follow)


COMMANDS = (archive,)
