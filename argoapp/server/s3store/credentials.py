"""The built-in store's credentials: made once, kept in `DATA_DIR/artifacts/credentials.json`.

`load_or_create_credentials` is called by the runtime at start-up: it reads the pair a previous
run made (so Secrets already copied into namespaces stay valid across restarts) or makes a new
random one and writes it 0600, atomically. Blocking file I/O; call it before serving.
"""

from __future__ import annotations

import json
import os
import secrets
import string
from pathlib import Path

from argoapp.errors import ConfigError

FILE = "credentials.json"
_ACCESS_ALPHABET = string.ascii_uppercase + string.digits


def credentials_path(data_dir: Path) -> Path:
    """Where the credentials are kept."""
    return data_dir / "artifacts" / FILE


def load_or_create_credentials(data_dir: Path) -> tuple[str, str]:
    """(access key, secret key) for the built-in store, created on first use."""
    path = credentials_path(data_dir)
    try:
        saved = json.loads(path.read_text())
        access_key, secret_key = saved["accessKey"], saved["secretKey"]
        if (
            isinstance(access_key, str)
            and isinstance(secret_key, str)
            and access_key
            and secret_key
        ):
            return access_key, secret_key
        raise ValueError("empty keys")
    except FileNotFoundError:
        pass
    except (ValueError, KeyError, TypeError) as err:
        raise ConfigError(
            f"{path} does not hold the built-in store's credentials ({err}); "
            "remove it to make new ones"
        ) from None
    except OSError as err:
        raise ConfigError(f"cannot read {path}: {err.strerror}") from None
    access_key = "".join(secrets.choice(_ACCESS_ALPHABET) for _ in range(20))
    secret_key = secrets.token_urlsafe(30)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        partial = path.with_name(FILE + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump({"accessKey": access_key, "secretKey": secret_key}, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(partial, path)
    except OSError as err:
        raise ConfigError(f"cannot write {path}: {err.strerror}") from None
    return access_key, secret_key
