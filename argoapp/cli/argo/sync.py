"""`argo sync create|get|update|delete KEY`: the limits of semaphores, over Argo's SyncService.

A limit is one key of a ConfigMap (`--type configmap --cm-name NAME`) or a row of Argo's database
(`--type database`, which argoapp's server refuses as Argo's does without database
synchronization). Each verb prints the limit as Argo's CLI does (Key, Type, ConfigMap Name,
Namespace, Limit). Registered by `argoapp.cli.argo.register`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from argoapp.cli.argo.client import ApiError, ArgoClient
from argoapp.cli.argo.options import server_options

_TYPES = ("configmap", "database")


def _checked(kind: str, cm_name: str) -> str:
    """The wire name of `--type`; --cm-name is needed for a ConfigMap limit."""
    if kind.lower() not in _TYPES:
        raise click.BadParameter("must be either 'database' or 'configmap'", param_hint="--type")
    if kind.lower() == "configmap" and not cm_name:
        raise click.UsageError("--cm-name is required when type is configmap")
    return kind.upper()


@contextmanager
def _failing(what: str) -> Iterator[None]:
    """Server errors as `failed to <what> sync limit: <message>`, as Argo's CLI words them."""
    try:
        yield
    except ApiError as e:
        raise ApiError(e.status, f"failed to {what} sync limit: {e}", e.code) from None


def _print(limit: dict[str, Any]) -> None:
    kind = str(limit.get("type") or "CONFIGMAP")
    click.echo(f"Key: {limit.get('key', '')}")
    click.echo(f"Type: {kind.lower()}")
    if kind == "CONFIGMAP":
        click.echo(f"ConfigMap Name: {limit.get('cmName', '')}")
    click.echo(f"Namespace: {limit.get('namespace', '')}")
    click.echo(f"Limit: {limit.get('limit', 0)}")


def _flags(fn: Any) -> Any:
    for option in reversed(
        (
            click.argument("key"),
            click.option("--type", "kind", required=True, help="configmap or database."),
            click.option("--cm-name", default="", help="The ConfigMap (type configmap)."),
        )
    ):
        fn = option(fn)
    return server_options(fn)


@click.group()
def sync() -> None:
    """Manage the limits of semaphores (sync limits)."""


@sync.command()
@_flags
@click.option("--limit", type=click.IntRange(min=1), required=True, help="How many may hold it.")
def create(client: ArgoClient, key: str, kind: str, cm_name: str, limit: int) -> None:
    """Create a sync limit."""
    namespace = client.conn.namespace
    body = {"cmName": cm_name, "namespace": namespace, "key": key, "limit": limit}
    body["type"] = _checked(kind, cm_name)
    with _failing("create"):
        answer = client.request("POST", f"/api/v1/sync/{namespace}", body=body)
    click.echo("Sync limit created")
    _print(answer)


@sync.command()
@_flags
def get(client: ArgoClient, key: str, kind: str, cm_name: str) -> None:
    """Show a sync limit."""
    namespace = client.conn.namespace
    query = {"cmName": cm_name, "type": _checked(kind, cm_name)}
    with _failing("get"):
        answer = client.get(f"/api/v1/sync/{namespace}/{key}", query)
    _print(answer)


@sync.command()
@_flags
@click.option("--limit", type=click.IntRange(min=1), required=True, help="How many may hold it.")
def update(client: ArgoClient, key: str, kind: str, cm_name: str, limit: int) -> None:
    """Change a sync limit."""
    namespace = client.conn.namespace
    body = {"cmName": cm_name, "namespace": namespace, "key": key, "limit": limit}
    body["type"] = _checked(kind, cm_name)
    with _failing("update"):
        answer = client.request("PUT", f"/api/v1/sync/{namespace}/{key}", body=body)
    click.echo("Sync limit updated")
    _print(answer)


@sync.command()
@_flags
def delete(client: ArgoClient, key: str, kind: str, cm_name: str) -> None:
    """Delete a sync limit."""
    namespace = client.conn.namespace
    query = {"cmName": cm_name, "type": _checked(kind, cm_name)}
    with _failing("delete"):
        client.request("DELETE", f"/api/v1/sync/{namespace}/{key}", query=query)
    click.echo("Sync limit deleted")


COMMANDS = (sync,)
