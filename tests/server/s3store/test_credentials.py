"""The built-in store's credentials file: made once 0600, reused, and a broken one reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from argoapp.errors import ConfigError
from argoapp.server.s3store import load_or_create_credentials
from argoapp.server.s3store.credentials import credentials_path


def test_made_once_and_reused(tmp_path: Path) -> None:
    first = load_or_create_credentials(tmp_path)
    assert load_or_create_credentials(tmp_path) == first
    assert len(first[0]) == 20 and len(first[1]) >= 40
    path = credentials_path(tmp_path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert load_or_create_credentials(tmp_path / "elsewhere") != first


@pytest.mark.parametrize(
    "text", ["not json", '{"accessKey": "a"}', '{"accessKey": "", "secretKey": ""}']
)
def test_a_broken_file_is_reported_not_replaced(tmp_path: Path, text: str) -> None:
    path = credentials_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text(text)
    with pytest.raises(ConfigError, match="remove it to make new ones"):
        load_or_create_credentials(tmp_path)
    assert path.read_text() == text
