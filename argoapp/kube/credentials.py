"""Where `client.Kube.connect` finds the API server and its credentials.

Order: the kubeconfig file given (with an optional context); else the pod's service account when
`KUBERNETES_SERVICE_HOST` is set (its directory found as `lite.service_account_dir` finds
it); else `$KUBECONFIG` (a list of files, like kubectl) or `~/.kube/config`. Loading uses
kubernetes_asyncio's own loaders, so exec plugins, client certificates and token refresh work
as with kubectl. Failures are `ConfigError`s naming the source. It never writes a kubeconfig.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from kubernetes_asyncio import client as k8s_client
from kubernetes_asyncio import config as k8s_config

from argoapp.errors import ConfigError
from argoapp.kube.lite import service_account_dir


async def load(kubeconfig: Path | None, context: str | None) -> Any:
    """A kubernetes_asyncio `Configuration` from the first source that applies."""
    configuration = k8s_client.Configuration()
    try:
        if kubeconfig is not None:
            where = str(kubeconfig)
            await _load_kubeconfig(where, context, configuration)
        elif os.environ.get("KUBERNETES_SERVICE_HOST"):
            sa_dir = service_account_dir()
            where = f"the service account in {sa_dir}"
            k8s_config.load_incluster_config(  # type: ignore[no-untyped-call]
                client_configuration=configuration,
                token_filename=str(sa_dir / "token"),
                cert_filename=str(sa_dir / "ca.crt"),
            )
        else:
            where = os.environ.get("KUBECONFIG") or str(Path.home() / ".kube" / "config")
            await _load_kubeconfig(where, context, configuration)
    except (k8s_config.ConfigException, OSError, ValueError, TypeError, KeyError) as e:
        raise ConfigError(f"cannot load Kubernetes credentials from {where}: {e}") from None
    return configuration


async def _load_kubeconfig(paths: str, context: str | None, conf: Any) -> None:
    # persist_config=False: argoapp never writes to a user's kubeconfig.
    await k8s_config.load_kube_config(
        config_file=paths, context=context, client_configuration=conf, persist_config=False
    )
