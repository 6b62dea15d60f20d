"""Fixtures for the artifact library's tests: a moto S3 server shared by the session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.artifacts.s3server import MotoS3, start_moto


@pytest.fixture(scope="session")
def moto_s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoS3]:
    """One moto server (with auth) for every S3 test; tests use distinct keys."""
    with start_moto(tmp_path_factory.mktemp("moto")) as store:
        yield store
