"""Every conformance workflow (Argo's own examples) passes validation: no false rejections.

The cases are read from the shared corpus at test time (never copied). Templates the corpus
creates first (WorkflowTemplates, ClusterWorkflowTemplates) form the lookup, as in a cluster.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from argoapp.engine.validate import (
    validate_cluster_workflow_template,
    validate_cron_workflow,
    validate_workflow,
    validate_workflow_template,
)
from argoapp.model.types import Obj

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "conformance"
NAMESPACE = "argo"


def _documents() -> list[tuple[str, Obj]]:
    docs = []
    for path in sorted((CORPUS / "cases").rglob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if isinstance(doc, dict):
                docs.append((str(path.relative_to(CORPUS)), doc))
    return docs


DOCS = _documents()


class CorpusLookup:
    """The templates the corpus defines, as the controller's caches would hold them."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str, str], Obj] = {}
        for _, doc in DOCS:
            kind = doc.get("kind", "")
            name = (doc.get("metadata") or {}).get("name", "")
            if kind == "WorkflowTemplate":
                self.objects[(kind, NAMESPACE, name)] = doc
            elif kind == "ClusterWorkflowTemplate":
                self.objects[(kind, "", name)] = doc

    def get(self, kind: str, namespace: str, name: str) -> Obj | None:
        return self.objects.get((kind, namespace, name))


LOOKUP = CorpusLookup()


def test_the_corpus_is_there() -> None:
    assert len(DOCS) > 50


@pytest.mark.parametrize(("path", "doc"), DOCS, ids=[f"{p}:{d.get('kind')}" for p, d in DOCS])
def test_conformance_document_is_valid(path: str, doc: Obj) -> None:
    doc = {**doc, "metadata": {**(doc.get("metadata") or {}), "namespace": NAMESPACE}}
    kind = doc.get("kind")
    if kind == "Workflow":
        validate_workflow(doc, LOOKUP)
    elif kind == "WorkflowTemplate":
        validate_workflow_template(doc, LOOKUP)
    elif kind == "ClusterWorkflowTemplate":
        validate_cluster_workflow_template(doc, LOOKUP)
    elif kind == "CronWorkflow":
        validate_cron_workflow(doc, LOOKUP)
