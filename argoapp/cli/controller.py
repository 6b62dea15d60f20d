"""`argoapp controller`: the workflow controller alone, against any Kubernetes cluster.

Parses flags into `config.ControllerSettings` and calls `runtime.run_controller`; nothing more.
Heavy imports wait until the command runs (this module loads with every `argoapp` call).
"""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.option(
    "--kubeconfig",
    type=click.Path(path_type=Path),
    default=None,
    help="Kubeconfig to use (default: in-cluster credentials, else $KUBECONFIG or ~/.kube/config).",
)
@click.option("--context", default=None, help="The kubeconfig context to use.")
@click.option("--namespace", "-n", default="", help="Watch only this namespace.")
@click.option(
    "--all-namespaces",
    "-A",
    is_flag=True,
    help="Watch every namespace (the default).",
)
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
@click.option(
    "--workflow-workers",
    type=int,
    default=8,
    show_default=True,
    help="Workflows reconciled at once.",
)
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Where the controller keeps its SQLite database (default ~/.argoapp).",
)
def controller(
    kubeconfig: Path | None,
    context: str | None,
    namespace: str,
    all_namespaces: bool,
    configmap: str,
    controller_config: Path | None,
    executor_image: str | None,
    workflow_workers: int,
    data_dir: Path | None,
) -> None:
    """Run the workflow controller alone against a Kubernetes cluster, in the foreground."""
    import asyncio
    import logging

    from argoapp import config
    from argoapp.errors import ConfigError

    if namespace and all_namespaces:
        raise ConfigError("--namespace and --all-namespaces cannot be used together")
    if workflow_workers < 1:
        raise ConfigError(f"--workflow-workers must be at least 1, not {workflow_workers}")
    settings = config.ControllerSettings(
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
    )
    from argoapp.runtime import run_controller

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    asyncio.run(run_controller(settings))
