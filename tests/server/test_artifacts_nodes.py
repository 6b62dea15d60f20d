"""Where a node's artifact is found: nodes offloaded to argoapp's store, and a template's own
`archiveLocation`, which wins over the workflow's repository for its key-only artifacts (the
fixtures, a real localkube, store and moto S3 server, are test_artifacts')."""

from __future__ import annotations

from argoapp.kube.client import Kube
from argoapp.store import Store
from tests.artifacts.s3server import MotoS3

from .test_artifacts import (
    NODE,
    NS,
    TEXT,
    Client,
    api,
    fetch,
    live_workflow,
    moto,
    repository,
    seeded,
)

__all__ = ["api", "moto", "seeded"]  # fixtures


async def test_offloaded_nodes_are_read_from_the_store(
    api: Client, kube: Kube, store: Store, moto: MotoS3
) -> None:
    wf = await live_workflow(kube, moto, name="offloaded")
    version, _ = await store.save_nodes(wf["metadata"]["uid"], wf["status"].pop("nodes"))
    wf["status"]["offloadNodeStatusVersion"] = version
    await kube.replace("Workflow", wf, NS)
    status_code, body, _ = await fetch(api, f"/artifacts/{NS}/offloaded/{NODE}/plain")
    assert (status_code, body) == (200, TEXT)
    path = f"/artifact-files/{NS}/workflows/offloaded/{NODE}/outputs/packed"
    status_code, body, _ = await fetch(api, path)
    assert (status_code, body) == (200, TEXT)


async def test_the_templates_archive_location_wins_over_the_repository(
    api: Client, kube: Kube, moto: MotoS3
) -> None:
    down = repository(moto)
    down["s3"]["endpoint"] = "127.0.0.1:9"  # the workflow's repository cannot be reached
    wf = await live_workflow(kube, moto, name="own-location", repo=down)
    own = moto.location("")
    own["s3"].pop("key")
    wf["spec"]["templates"][0]["archiveLocation"] = own
    await kube.replace("Workflow", wf, NS)
    status_code, body, _ = await fetch(api, f"/artifacts/{NS}/own-location/{NODE}/plain")
    assert (status_code, body) == (200, TEXT)
