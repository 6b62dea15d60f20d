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
from typing import TypeVar

import click

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
@click.option(
    "--kubeconfig",
    type=click.Path(path_type=Path),
    default=None,
    help="Kubeconfig to use (default: in-cluster credentials, else $KUBECONFIG or ~/.kube/config).",
)
@click.option("--context", default=None, help="The kubeconfig context to use.")
@click.option("--namespace", "-n", default="", help="Manage only this namespace (default: all).")
@click.option(
    "--configmap",
    default="workflow-controller-configmap",
    show_default=True,
    help="ConfigMap (in the controller's namespace) holding the controller settings.",
)
@click.option(
    "--controller-config",
    type=click.Path(path_type=Path),
    default=None,
    help="Read the settings from this file instead of the ConfigMap.",
)
@click.option("--executor-image", default=None, help="Overrides the config's executor.image.")
@click.option("--workflow-workers", type=int, default=8, show_default=True)
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Where argoapp keeps its SQLite database and certificate (default ~/.argoapp).",
)
@click.option("--address", default="0.0.0.0", show_default=True, help="Address to listen on.")
@click.option("--port", "-p", type=int, default=2746, show_default=True, help="API port.")
@click.option(
    "--auth-mode",
    type=click.Choice(["client", "server"]),
    default="client",
    show_default=True,
    help="`client`: the caller's bearer token acts against Kubernetes; `server`: no auth.",
)
@tls_options(secure=True)
def server(
    kubeconfig: Path | None,
    context: str | None,
    namespace: str,
    configmap: str,
    controller_config: Path | None,
    executor_image: str | None,
    workflow_workers: int,
    data_dir: Path | None,
    address: str,
    port: int,
    auth_mode: str,
    secure: bool,
    tls_cert: Path | None,
    tls_key: Path | None,
) -> None:
    """Run the controller and the Argo API against a Kubernetes cluster, in the foreground."""
    import asyncio
    import logging

    from argoapp import config
    from argoapp.errors import ConfigError

    if workflow_workers < 1:
        raise ConfigError(f"--workflow-workers must be at least 1, not {workflow_workers}")
    settings = config.ServerSettings(
        kubeconfig=kubeconfig.expanduser() if kubeconfig else None,
        context=context,
        namespace=namespace,
        configmap=configmap,
        controller_config=(
            config.load_controller_config(controller_config) if controller_config else None
        ),
        executor_image=executor_image,
        workers=workflow_workers,
        data_dir=(data_dir or config.default_data_dir()).expanduser().resolve(),
        address=address,
        port=config.check_port("--port", port, zero_ok=False),
        auth_mode=auth_mode,
        secure=secure,
        tls_cert=tls_cert,
        tls_key=tls_key,
    )
    from argoapp.runtime import run_server

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    asyncio.run(run_server(settings, say=lambda line: click.echo(line)))
