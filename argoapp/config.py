"""Settings: the one place (with `cli/`) that reads flags, files and the environment.

`UpSettings` is what `argoapp up` runs with. `load_controller_config` reads a controller config
file in the keys of Argo's workflow-controller-configmap (`images`, `executor`, …) and says
plainly what is wrong with one that cannot be used.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from argoapp.errors import ConfigError

DEFAULT_EXECUTOR_IMAGE = "quay.io/argoproj/argoexec"
AUTH_MODES = ("server", "client")


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
    sandboxed: bool = True

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
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"controller config {path} must be a mapping of settings")
    images = data.get("images")
    if images is not None and not (
        isinstance(images, dict) and all(isinstance(v, dict) for v in images.values())
    ):
        raise ConfigError(
            f"controller config {path}: `images` must map each image to "
            f"{{entrypoint: [...], cmd: [...]}}"
        )
    executor = data.get("executor")
    if executor is not None and not isinstance(executor, dict):
        raise ConfigError(f"controller config {path}: `executor` must be a mapping")
    return data


def check_port(name: str, port: int, *, zero_ok: bool) -> int:
    if not (0 if zero_ok else 1) <= port <= 65535:
        raise ConfigError(f"{name} must be between {0 if zero_ok else 1} and 65535, not {port}")
    return port
