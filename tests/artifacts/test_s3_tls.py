"""The S3 driver over TLS: moto serving a certificate from its own CA, trusted through caSecret."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from argoapp.artifacts import ArtifactError, driver_for
from tests.artifacts.s3server import MotoS3, start_moto


@pytest.fixture(scope="module")
def moto_tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoS3]:
    with start_moto(tmp_path_factory.mktemp("moto-tls"), tls=True) as store:
        yield store


def test_ca_secret_is_trusted(moto_tls: MotoS3, tmp_path: Path) -> None:
    src = tmp_path / "f.txt"
    src.write_text("over tls")
    art = {"name": "t", **moto_tls.location("tls/f.txt")}
    assert art["s3"]["insecure"] is False
    driver = driver_for(art, moto_tls.secrets())
    driver.upload(src, art)
    driver.download(art, tmp_path / "back")
    assert (tmp_path / "back").read_text() == "over tls"


def test_unknown_ca_is_refused(moto_tls: MotoS3, tmp_path: Path) -> None:
    art = {"name": "t", **moto_tls.location("tls/f.txt")}
    del art["s3"]["caSecret"]
    with pytest.raises(ArtifactError, match="CERTIFICATE_VERIFY_FAILED"):
        driver_for(art, moto_tls.secrets()).download(art, tmp_path / "x")
