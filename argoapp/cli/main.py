"""The `argoapp` command.

Thin by design: each command parses its flags into settings and calls one function. Heavy
imports (aiohttp, kubernetes_asyncio, cryptography) happen inside the commands that need them,
because this module loads on every `argoapp` call and in every pod.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click

import argoapp
from argoapp.cli.argo.options import global_options
from argoapp.cli.server import tls_options
from argoapp.errors import ArgoappError


class _Group(click.Group):
    """Turns argoapp's own errors into a one-line message and their exit code, and loads the
    commands defined elsewhere (the argo verbs, server, controller, db) only when one of them
    is asked for: `argoapp exec` starts in every pod and must not pay for the CLI's imports."""

    _loaded = False

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = super().get_command(ctx, cmd_name)
        if found is None and not self._loaded:
            self._load()
            found = super().get_command(ctx, cmd_name)
        return found

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load()
        return super().list_commands(ctx)

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        from argoapp.cli.argo import register
        from argoapp.cli.controller import controller
        from argoapp.cli.db import db
        from argoapp.cli.install import install
        from argoapp.cli.server import server

        for command in (controller, server, db, install):
            self.add_command(command)
        register(self)

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except ArgoappError as e:
            click.echo(f"argoapp: {e}", err=True)
            sys.exit(e.exit_code)


@click.group(cls=_Group)
@click.version_option(argoapp.__version__, prog_name="argoapp")
@global_options
def cli(**_: object) -> None:
    """Argo Workflows as one program."""


@cli.command()
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Where argoapp keeps its state (default ~/.argoapp).",
)
@click.option(
    "--address",
    default="127.0.0.1",
    show_default=True,
    help="Address the Argo API and UI listen on.",
)
@click.option(
    "--port", type=int, default=2746, show_default=True, help="Port of the Argo API and UI."
)
@click.option(
    "--kube-port",
    type=int,
    default=2747,
    show_default=True,
    help="Port of localkube (loopback only); 0 picks a free one.",
)
@click.option(
    "--controller-config",
    type=click.Path(path_type=Path),
    default=None,
    help="Controller settings in the keys of workflow-controller-configmap.",
)
@click.option(
    "--auth-mode",
    type=click.Choice(["server", "client"]),
    default="client",
    show_default=True,
    help="`server` turns API auth off.",
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
    "--unsandboxed",
    is_flag=True,
    help="Run pods as plain host processes when bubblewrap is missing.",
)
@tls_options(secure=False)
def up(
    data_dir: Path | None,
    address: str,
    port: int,
    kube_port: int,
    controller_config: Path | None,
    auth_mode: str,
    base_href: str,
    unsandboxed: bool,
    secure: bool,
    tls_cert: Path | None,
    tls_key: Path | None,
) -> None:
    """Run argoapp in local mode: localkube, the kubelet and the Argo API, in the foreground."""
    import asyncio
    import logging

    from argoapp import config

    data_dir = data_dir or click.get_current_context().find_root().params.get("data_dir")
    settings = config.UpSettings(
        data_dir=(data_dir or config.default_data_dir()).expanduser().resolve(),
        address=address,
        port=config.check_port("--port", port, zero_ok=False),
        kube_port=config.check_port("--kube-port", kube_port, zero_ok=True),
        controller_config=config.load_controller_config(controller_config),
        auth_mode=auth_mode,
        base_href=config.check_base_href(base_href),
        sandboxed=not unsandboxed,
        secure=secure,
        tls_cert=tls_cert,
        tls_key=tls_key,
    )
    from argoapp.runtime import run_up

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    asyncio.run(run_up(settings, say=lambda line: click.echo(line)))


_EXEC_LOG_OPTS = (
    click.option("--loglevel", default="info", hidden=True),
    click.option("--log-format", default="text", hidden=True),
    click.option("--gloglevel", default="0", hidden=True),
)


def _log_opts(fn: Callable[..., None]) -> Callable[..., None]:
    for option in reversed(_EXEC_LOG_OPTS):
        fn = option(fn)
    return fn


@cli.group(name="exec")
def exec_() -> None:
    """The executor inside workflow pods (Argo's argoexec)."""


@exec_.command(name="init")
@_log_opts
def exec_init(**_: str) -> None:
    """Prepare /var/run/argo: the executor, the template, the script, input artifacts."""
    from argoapp.executor import main as executor

    sys.exit(executor.init())


@exec_.command(name="wait")
@_log_opts
def exec_wait(**_: str) -> None:
    """Wait for the main container(s) and report the outputs as a WorkflowTaskResult."""
    from argoapp.executor import main as executor

    sys.exit(executor.wait())


@exec_.command(
    name="emissary",
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
)
@_log_opts
@click.argument("command", nargs=-1, type=click.UNPROCESSED)
def exec_emissary(command: tuple[str, ...], **_: str) -> None:
    """Run COMMAND as a wrapped container: `argoapp exec emissary -- CMD ARGS...`."""
    from argoapp.executor import main as executor

    sys.exit(executor.emissary(list(command)))


@exec_.command(name="resource")
@_log_opts
@click.argument("action")
def exec_resource(action: str, **_: str) -> None:
    """Do ACTION (get|create|apply|replace|patch|delete) with the template's manifest."""
    from argoapp.executor import main as executor

    sys.exit(executor.resource(action))


@exec_.command(name="data")
@_log_opts
@click.argument("data_json", required=False, default="")
def exec_data(data_json: str, **_: str) -> None:
    """Source and transform the template's data; report it as outputs.result."""
    from argoapp.executor import main as executor

    sys.exit(executor.data(data_json))


@exec_.command(name="version")
def exec_version() -> None:
    """Print the executor's version, commit, build date, Python and platform."""
    from argoapp.buildinfo import version_lines

    click.echo("\n".join(version_lines()))


@exec_.command(name="kill")
@click.argument("signum", type=int)
@click.argument("pid", type=int)
def exec_kill(signum: int, pid: int) -> None:
    """Send signal SIGNUM to process PID."""
    from argoapp.executor import main as executor

    sys.exit(executor.kill(signum, pid))


def main() -> None:
    cli(prog_name="argoapp")
