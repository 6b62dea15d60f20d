"""`argoapp controller`: the workflow controller alone, against any Kubernetes cluster.

Parses flags into `config.ControllerSettings` and calls `runtime.run_controller`; nothing more.
`cluster_options` and `cluster_settings` are the flags and checks it shares with
`argoapp server`. Heavy imports wait until the command runs (this module loads with every
`argoapp` call).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

_CLUSTER_OPTIONS = (
    click.option(
        "--kubeconfig",
        type=click.Path(path_type=Path),
        default=None,
        help="Kubeconfig to use (default: in-cluster credentials, else $KUBECONFIG or "
        "~/.kube/config).",
    ),
    click.option("--context", default=None, help="The kubeconfig context to use."),
    click.option("--namespace", "-n", default="", help="Watch only this namespace."),
    click.option(
        "--configmap",
        default="workflow-controller-configmap",
        show_default=True,
        help="ConfigMap (in the controller's namespace) holding the controller settings.",
    ),
    click.option(
        "--controller-config",
        type=click.Path(path_type=Path),
        default=None,
        help="Read the settings from this file instead of the ConfigMap.",
    ),
    click.option("--executor-image", default=None, help="Overrides the config's executor.image."),
    click.option(
        "--workflow-workers",
        type=int,
        default=8,
        show_default=True,
        help="Workflows reconciled at once.",
    ),
    click.option(
        "--data-dir",
        type=click.Path(path_type=Path),
        default=None,
        help="Where argoapp keeps its SQLite database (default ~/.argoapp).",
    ),
)


def cluster_options(fn: F) -> F:
    """The flags of a command that runs the controller against a cluster."""
    for option in reversed(_CLUSTER_OPTIONS):
        fn = option(fn)
    return fn


def cluster_settings(
    *,
    kubeconfig: Path | None,
    context: str | None,
    namespace: str,
    configmap: str,
    controller_config: Path | None,
    executor_image: str | None,
    workflow_workers: int,
    data_dir: Path | None,
) -> dict[str, Any]:
    """`cluster_options`' values, checked, as `config.ControllerSettings` fields."""
    from argoapp import config
    from argoapp.errors import ConfigError

    if workflow_workers < 1:
        raise ConfigError(f"--workflow-workers must be at least 1, not {workflow_workers}")
    return {
        "kubeconfig": kubeconfig.expanduser() if kubeconfig else None,
        "context": context,
        "namespace": namespace,
        "configmap": configmap,
        "controller_config": (
            config.load_controller_config(controller_config) if controller_config else None
        ),
        "executor_image": executor_image,
        "workers": workflow_workers,
        "data_dir": (data_dir or config.default_data_dir()).expanduser().resolve(),
    }


def run_logged(main: Any) -> None:
    """Run a long-lived coroutine with INFO logs on stderr."""
    import asyncio
    import logging

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    asyncio.run(main)


@click.command()
@cluster_options
@click.option(
    "--all-namespaces",
    "-A",
    is_flag=True,
    help="Watch every namespace (the default).",
)
def controller(all_namespaces: bool, **options: Any) -> None:
    """Run the workflow controller alone against a Kubernetes cluster, in the foreground."""
    from argoapp import config
    from argoapp.errors import ConfigError

    if options["namespace"] and all_namespaces:
        raise ConfigError("--namespace and --all-namespaces cannot be used together")
    settings = config.ControllerSettings(**cluster_settings(**options))
    from argoapp.runtime import run_controller

    run_logged(run_controller(settings))
