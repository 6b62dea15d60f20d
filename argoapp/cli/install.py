"""`argoapp install`: put argoapp on a Kubernetes cluster, or print what it would put there.

Builds the objects with `argoapp.install.manifests` and hands them to `argoapp.install.apply`
(`--dry-run`: YAML on stdout). The cluster is found as `argoapp controller` finds it
(`--kubeconfig`, in-cluster, $KUBECONFIG, ~/.kube/config). Heavy imports wait until the command
runs (this module loads with every `argoapp` call but `exec`).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.command()
@click.option(
    "--namespace", "-n", default="argo", show_default=True, help="Namespace to install into."
)
@click.option(
    "--image",
    default=None,
    help="Image of the server and the executor (default argoapp:<this version>).",
)
@click.option("--dry-run", is_flag=True, help="Print the objects as YAML instead of applying.")
@click.option(
    "--kubeconfig",
    type=click.Path(path_type=Path),
    default=None,
    help="Kubeconfig to use (default: in-cluster credentials, else $KUBECONFIG or ~/.kube/config).",
)
@click.option("--context", default=None, help="The kubeconfig context to use.")
def install(
    namespace: str, image: str | None, dry_run: bool, kubeconfig: Path | None, context: str | None
) -> None:
    """Install argoapp (CRDs, RBAC, config, storage, server Deployment, Service) on a cluster."""
    import asyncio
    import logging

    from argoapp.errors import ConfigError
    from argoapp.install.apply import apply_all, to_yaml
    from argoapp.install.manifests import manifests

    if not _is_dns_label(namespace):
        raise ConfigError(f"--namespace must be a DNS label (a-z, 0-9, -), not {namespace!r}")
    if image is not None and (not image or any(c.isspace() for c in image)):
        raise ConfigError(f"--image must be an image reference, not {image!r}")
    if kubeconfig is not None and not kubeconfig.expanduser().is_file():
        raise ConfigError(f"--kubeconfig {kubeconfig}: no such file")
    objects = manifests(namespace, image)
    if dry_run:
        sys.stdout.write(to_yaml(objects))
        return
    # The kubeconfig loader logs its complaints as warnings; ours is the one line the user sees.
    logging.basicConfig(level=logging.ERROR)
    asyncio.run(
        apply_all(
            objects,
            kubeconfig=kubeconfig.expanduser() if kubeconfig else None,
            context=context,
            say=lambda line: click.echo(line),
        )
    )


def _is_dns_label(name: str) -> bool:
    ok = set("abcdefghijklmnopqrstuvwxyz0123456789-")
    return 0 < len(name) <= 63 and set(name) <= ok and name[0] != "-" and name[-1] != "-"
