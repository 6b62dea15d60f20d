"""Settings: the one place (with `cli/`) that reads flags, files and the environment.

`UpSettings` is what `argoapp up` runs with, `ControllerSettings` what `argoapp controller` runs
with. `load_controller_config` reads a controller config file in the keys of Argo's
workflow-controller-configmap (`images`, `executor`, …), `controller_config_from_configmap` the
same keys from that ConfigMap, and both say plainly what is wrong with one that cannot be used;
`engine_settings` turns them into the engine's `Settings`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from argoapp.engine.api import Settings
from argoapp.errors import ConfigError
from argoapp.model.durations import parse_duration

DEFAULT_EXECUTOR_IMAGE = "quay.io/argoproj/argoexec"
AUTH_MODES = ("server", "client")
SERVICE_ACCOUNT_NAMESPACE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")


def _env_flag(name: str) -> bool:
    """An on-by-default switch: off when the variable is false, 0, no or off."""
    return os.environ.get(name, "").strip().lower() not in ("false", "0", "no", "off")


def executor_in_process_default() -> bool:
    """Whether localkube's kubelet runs the executor roles itself (ARGOAPP_EXECUTOR_IN_PROCESS)."""
    return _env_flag("ARGOAPP_EXECUTOR_IN_PROCESS")


def kube_in_process_default() -> bool:
    """Whether local mode's controller calls localkube in process (ARGOAPP_KUBE_IN_PROCESS)."""
    return _env_flag("ARGOAPP_KUBE_IN_PROCESS")


def default_data_dir() -> Path:
    return Path(os.environ.get("ARGOAPP_DATA_DIR") or Path.home() / ".argoapp")


@dataclass(frozen=True)
class UpSettings:
    data_dir: Path = field(default_factory=default_data_dir)
    address: str = "127.0.0.1"
    port: int = 2746
    kube_port: int = 2747
    controller_config: dict[str, Any] = field(default_factory=dict)
    auth_mode: str = "client"
    base_href: str = "/"  # --base-href: the path a reverse proxy serves the UI under
    sandboxed: bool = True
    # ARGOAPP_EXECUTOR_IN_PROCESS=false: run init, wait and the emissary as `argoapp exec`
    # processes in local pods, as on a cluster, instead of in localkube's kubelet.
    executor_in_process: bool = field(default_factory=executor_in_process_default)
    # ARGOAPP_KUBE_IN_PROCESS=false: the controller talks to localkube over HTTPS, as to a
    # cluster, instead of calling its object service in the same process.
    kube_in_process: bool = field(default_factory=kube_in_process_default)
    # TLS on the API port: --secure (a self-signed certificate kept in the data dir unless
    # --tls-cert/--tls-key give one); local mode on loopback defaults to plain HTTP.
    secure: bool = False
    tls_cert: Path | None = None
    tls_key: Path | None = None

    @property
    def images(self) -> dict[str, Any]:
        return dict(self.controller_config.get("images") or {})

    @property
    def executor_image(self) -> str:
        executor = self.controller_config.get("executor") or {}
        return str(executor.get("image") or DEFAULT_EXECUTOR_IMAGE)


def load_controller_config(path: Path | None) -> dict[str, Any]:
    """The controller config file as a dict ({} when no file is given)."""
    if path is None:
        return {}
    try:
        text = path.read_text()
    except OSError as e:
        raise ConfigError(f"cannot read controller config {path}: {e.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ConfigError(f"controller config {path} is not valid YAML: {e}") from None
    return check_controller_config(data, f"controller config {path}")


def check_controller_config(data: Any, source: str) -> dict[str, Any]:
    """`data` as a controller config mapping, or a ConfigError naming `source` and the key."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source} must be a mapping of settings")
    images = data.get("images")
    if images is not None and not (
        isinstance(images, dict) and all(isinstance(v, dict) for v in images.values())
    ):
        raise ConfigError(
            f"{source}: `images` must map each image to {{entrypoint: [...], cmd: [...]}}"
        )
    for key in (
        "executor",
        "mainContainer",
        "workflowDefaults",
        "artifactRepository",
        "persistence",
    ):
        if data.get(key) is not None and not isinstance(data[key], dict):
            raise ConfigError(f"{source}: `{key}` must be a mapping")
    for key in ("parallelism", "namespaceParallelism"):
        value = data.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise ConfigError(f"{source}: `{key}` must be a whole number, not {value!r}")
    return data


def controller_config_from_configmap(configmap: dict[str, Any]) -> dict[str, Any]:
    """The settings in Argo's workflow-controller-configmap: a `config` key holding YAML, or
    (the older form) one key per setting, each value YAML."""
    name = (configmap.get("metadata") or {}).get("name", "")
    source = f"ConfigMap {name}"
    data = configmap.get("data") or {}
    try:
        if "config" in data:
            parsed = yaml.safe_load(data["config"] or "")
        else:
            parsed = {key: yaml.safe_load(value) for key, value in data.items()}
    except yaml.YAMLError as e:
        raise ConfigError(f"{source} does not hold valid YAML: {e}") from None
    return check_controller_config(parsed, source)


def engine_settings(config: dict[str, Any], *, executor_image: str | None = None) -> Settings:
    """The engine's `Settings` from controller config keys; `executor_image` overrides
    `executor.image` (the `--executor-image` flag)."""
    executor = dict(config.get("executor") or {})
    image = executor_image or executor.get("image") or DEFAULT_EXECUTOR_IMAGE
    delay = config.get("podGCDeleteDelayDuration")
    try:
        delay_seconds = parse_duration(delay) if delay is not None else 5.0
    except ValueError as e:
        raise ConfigError(f"controller config: podGCDeleteDelayDuration: {e}") from None
    return Settings(
        executor_image=str(image),
        executor_pull_policy=str(executor.get("imagePullPolicy") or ""),
        executor=executor,
        main_container=dict(config.get("mainContainer") or {}),
        images=dict(config.get("images") or {}),
        workflow_defaults=dict(config.get("workflowDefaults") or {}),
        instance_id=str(config.get("instanceID") or ""),
        parallelism=int(config.get("parallelism") or 0),
        namespace_parallelism=int(config.get("namespaceParallelism") or 0),
        pod_gc_delete_delay=delay_seconds,
        artifact_repository=dict(config.get("artifactRepository") or {}),
        persistence=dict(config.get("persistence") or {}),
    )


@dataclass(frozen=True)
class ControllerSettings:
    """What `argoapp controller` runs with (the controller alone, against any cluster)."""

    kubeconfig: Path | None = None
    context: str | None = None
    namespace: str = ""  # "" = all namespaces
    configmap: str = "workflow-controller-configmap"
    controller_config: dict[str, Any] | None = None  # from --controller-config (wins)
    executor_image: str | None = None
    workers: int = 8
    data_dir: Path = field(default_factory=default_data_dir)


@dataclass(frozen=True)
class ServerSettings(ControllerSettings):
    """What `argoapp server` runs with: the controller's settings plus the API's."""

    address: str = "0.0.0.0"
    port: int = 2746
    auth_mode: str = "client"
    base_href: str = "/"  # --base-href: the path a reverse proxy serves the UI under
    secure: bool = True
    tls_cert: Path | None = None
    tls_key: Path | None = None
    # host:port where pods reach this server (its Service): with it, the built-in artifact
    # store is the default artifact repository (`--artifact-endpoint`, ARGOAPP_ARTIFACT_ENDPOINT)
    artifact_endpoint: str = ""


def controller_namespace() -> str:
    """The namespace the controller runs in (for its ConfigMap): the pod's own, else argo."""
    try:
        return SERVICE_ACCOUNT_NAMESPACE.read_text().strip() or "argo"
    except OSError:
        return os.environ.get("ARGO_NAMESPACE") or "argo"


def check_endpoint(name: str, endpoint: str) -> str:
    """A host:port ("" allowed), refused with a message naming the flag when it is not one."""
    if not endpoint:
        return ""
    host, _, port = endpoint.rpartition(":")
    if not host or not port.isdigit() or not 1 <= int(port) <= 65535 or "/" in endpoint:
        raise ConfigError(f"{name} must be HOST:PORT (no scheme or path), not {endpoint!r}")
    return endpoint


def check_base_href(value: str) -> str:
    """`--base-href` as `/path/` (slashes added); only plain path characters, as it goes into
    the page's `<base href>` and into redirects."""
    href = "/" + value.strip().strip("/") + "/" if value.strip().strip("/") else "/"
    if not re.fullmatch(r"/(?:[A-Za-z0-9._~-]+/)*", href):
        raise ConfigError(f"--base-href must be a path like /argo/, not {value!r}")
    return href


def check_port(name: str, port: int, *, zero_ok: bool) -> int:
    if not (0 if zero_ok else 1) <= port <= 65535:
        raise ConfigError(f"{name} must be between {0 if zero_ok else 1} and 65535, not {port}")
    return port
