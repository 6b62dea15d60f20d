"""Fixtures for executor tests that move artifacts: a real S3 server and a pod's view of the API.

`moto_s3` is the artifact library's moto server (tests/artifacts/s3server.py), one per session.
`pod_api` is a real localkube API (no kubelet) holding the S3 credentials in a Secret, and the
environment an `argoapp exec` process needs to reach it as a pod does: the service-account
directory (token, CA, namespace) and KUBERNETES_SERVICE_HOST/PORT.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from argoapp.kube.lite import SERVICEACCOUNT_DIR_ENV
from argoapp.localkube import resources as r
from argoapp.localkube.cluster import LocalKube
from tests.artifacts.s3server import SECRET, MotoS3, start_moto


@pytest.fixture(scope="session")
def moto_s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoS3]:
    """One moto server (with auth) for every executor test; tests use distinct keys."""
    with start_moto(tmp_path_factory.mktemp("moto")) as store:
        yield store


@dataclass(frozen=True)
class PodApi:
    """A localkube API and the environment that makes a process a pod of namespace default."""

    kube: LocalKube
    env: dict[str, str]


@pytest.fixture
async def pod_api(localkube: LocalKube, moto_s3: MotoS3, tmp_path: Path) -> PodApi:
    """localkube with the S3 Secret in `default`, and a pod's environment for reaching it."""
    config = yaml.safe_load(localkube.kubeconfig.read_text())
    sa = tmp_path / "serviceaccount"
    sa.mkdir()
    (sa / "token").write_text(config["users"][0]["user"]["token"])
    (sa / "ca.crt").write_bytes((localkube.settings.data_dir / "pki" / "ca.crt").read_bytes())
    (sa / "namespace").write_text("default")
    data = {"accesskey": moto_s3.access_key, "secretkey": moto_s3.secret_key}
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": SECRET},
        "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()},
    }
    await localkube.service.create(r.SECRETS, "default", secret)
    env = {
        SERVICEACCOUNT_DIR_ENV: str(sa),
        "KUBERNETES_SERVICE_HOST": "127.0.0.1",
        "KUBERNETES_SERVICE_PORT": str(localkube.port),
    }
    return PodApi(localkube, env)
