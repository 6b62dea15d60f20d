"""`argo version` and `argo auth token`.

`version` prints the client's version, commit, build date, Python and platform at once
(argoapp.buildinfo), and the server's when one answers within a second (a missing server is not
an error here: the client's version is still worth printing).
`auth token` prints the Authorization value the other verbs send, ready for ARGO_TOKEN.
"""

from __future__ import annotations

import click

from argoapp.buildinfo import version_lines
from argoapp.cli.argo.client import ArgoClient
from argoapp.cli.argo.options import connection
from argoapp.errors import ArgoappError


@click.command()
@click.option("--short", is_flag=True, help="Only the version numbers.")
@click.option("-s", "--argo-server", default=None, help="host:port of the Argo server.")
def version(short: bool, argo_server: str | None) -> None:
    """Print the client's version, and the server's when one answers."""
    lines = version_lines()
    click.echo(lines[0] if short else "\n".join(lines))
    try:
        client = ArgoClient(connection(argo_server=argo_server), timeout=1.0)
        info = client.get("/api/v1/version")
    except ArgoappError:
        return
    click.echo(f"argo-server: {info.get('version', '')}")
    if not short:
        for key in ("buildDate", "gitCommit", "gitTag", "gitTreeState", "goVersion", "platform"):
            if info.get(key):
                click.echo(f"  {key[0].upper() + key[1:]}: {info[key]}")


@click.group()
def auth() -> None:
    """Credentials of the Argo server."""


@auth.command()
def token() -> None:
    """Print the token the CLI sends (as ARGO_TOKEN takes it)."""
    conn = connection()
    if not conn.token:
        raise ArgoappError(f"no token in use for {conn.url} (the server needs none)")
    click.echo(conn.token)


COMMANDS = (version, auth)
