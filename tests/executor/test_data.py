"""Data templates: sourcing and Argo's expression transformations, and `argoapp exec data`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from argoapp.executor.data import DataError, process, transform
from tests.executor.helpers import argoapp, init

KEYS = ["a/file.pdf", "b/file.txt", "c/other.pdf"]


def listing(source: dict[str, Any]) -> list[str]:
    """Stands in for an artifact repository listing (test_artifacts lists a real S3 store)."""
    assert source == {"s3": {"bucket": "test"}}
    return list(KEYS)


def test_transformations_apply_in_order() -> None:
    spec = {
        "source": {"artifactPaths": {"s3": {"bucket": "test"}}},
        "transformation": [
            {"expression": 'filter(data, {# endsWith ".pdf"})'},
            {"expression": 'map(data, {# + ".ready"})'},
        ],
    }
    assert json.loads(process(spec, listing)) == ["a/file.pdf.ready", "c/other.pdf.ready"]


def test_no_transformation_keeps_the_data() -> None:
    assert transform(KEYS, []) == KEYS
    assert process({"source": {"artifactPaths": {"s3": {"bucket": "test"}}}}, listing) == (
        '["a/file.pdf","b/file.txt","c/other.pdf"]'
    )


def test_a_bad_expression_names_its_step() -> None:
    spec = {
        "source": {"artifactPaths": {"s3": {"bucket": "test"}}},
        "transformation": [{"expression": "data"}, {"expression": "map(data,"}],
    }
    with pytest.raises(
        DataError, match="unable to process data transformation: error processing data step 1"
    ):
        process(spec, listing)


def test_artifact_sources_need_a_lister() -> None:
    with pytest.raises(DataError, match="unable to source artifact paths: no artifact location"):
        process({"source": {"artifactPaths": {"s3": {"bucket": "test"}}}})


def test_a_template_without_a_source_fails() -> None:
    with pytest.raises(DataError, match="no valid source is used for data template"):
        process({"transformation": []})


def test_exec_data_fails_clearly_outside_a_pod(tmp_path: Path) -> None:
    """The real command: its message goes to the termination log and it exits 1.

    With no API server to reach it fails before it can report; the end-to-end pod test covers
    the task result.
    """
    template = {"name": "d", "data": {"source": {"artifactPaths": {"s3": {"bucket": "b"}}}}}
    env = init(tmp_path, template)
    env.pop("KUBERNETES_SERVICE_HOST", None)
    done = argoapp("exec", "data", json.dumps(template["data"]), env=env)
    assert done.returncode == 1
    assert "KUBERNETES_SERVICE_HOST is not set" in (tmp_path / "termination-log").read_text()
