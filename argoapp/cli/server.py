"""`argoapp server`: controller, Argo API and UI, and archive in one process against a cluster.

Parses flags into `config.ServerSettings` and calls `runtime.run_server`; nothing more. The
defaults are Argo Server's: port 2746, `client` auth mode, TLS on (`--secure=false` turns it
off; without `--tls-cert`/`--tls-key` a self-signed certificate is made and kept in the data
dir). `tls_options` is shared with `argoapp up`, whose TLS is off by default. Heavy imports wait
until the command runs (this module loads with every `argoapp` call).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from argoapp.cli.controller import cluster_options, cluster_settings, run_logged

F = TypeVar("F", bound=Callable[..., None])


def tls_options(*, secure: bool) -> Callable[[F], F]:
    """`--secure[=BOOL]`, `--tls-cert` and `--tls-key`, with `secure` as the default."""

    def add(fn: F) -> F:
        fn = click.option(
            "--tls-key",
            type=click.Path(path_type=Path, dir_okay=False),
            default=None,
            help="Private key of --tls-cert (PEM).",
        )(fn)
        fn = click.option(
            "--tls-cert",
            type=click.Path(path_type=Path, dir_okay=False),
            default=None,
            help="Serve TLS with this certificate (PEM) instead of a self-signed one.",
        )(fn)
        return click.option(
            "--secure",
            type=click.BOOL,
            is_flag=False,
            flag_value=True,
            default=secure,
            show_default=True,
            help="Serve the API over TLS (`--secure=false` for plain HTTP).",
        )(fn)

    return add


@click.command()
@cluster_options
@click.option("--address", default="0.0.0.0", show_default=True, help="Address to listen on.")
@click.option("--port", "-p", type=int, default=2746, show_default=True, help="API port.")
@click.option(
    "--auth-mode",
    type=click.Choice(["client", "server"]),
    default="client",
    show_default=True,
    help="`client`: the caller's bearer token acts against Kubernetes; `server`: no auth.",
)
@click.option(
    "--base-href",
    envvar="ARGO_BASE_HREF",
    default="/",
    show_default=True,
    help="The path a reverse proxy serves the UI under (e.g. /argo/); the proxy strips it "
    "before passing requests on, as for Argo's server.",
)
@click.option(
    "--artifact-endpoint",
    envvar="ARGOAPP_ARTIFACT_ENDPOINT",
    default="",
    metavar="HOST:PORT",
    help="Where workflow pods reach this server (its Service, e.g. argoapp.argo.svc:2746); "
    "with it, the built-in artifact store is the default artifact repository.",
)
@tls_options(secure=True)
def server(
    address: str,
    port: int,
    auth_mode: str,
    base_href: str,
    artifact_endpoint: str,
    secure: bool,
    tls_cert: Path | None,
    tls_key: Path | None,
    **options: Any,
) -> None:
    """Run the controller and the Argo API against a Kubernetes cluster, in the foreground."""
    from argoapp import config

    settings = config.ServerSettings(
        **cluster_settings(**options),
        address=address,
        port=config.check_port("--port", port, zero_ok=False),
        auth_mode=auth_mode,
        base_href=config.check_base_href(base_href),
        secure=secure,
        tls_cert=tls_cert,
        tls_key=tls_key,
        artifact_endpoint=config.check_endpoint("--artifact-endpoint", artifact_endpoint),
    )
    from argoapp.runtime import run_server

    run_logged(run_server(settings, say=lambda line: click.echo(line)))
