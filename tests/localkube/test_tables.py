"""Server-side printing: which Accept headers get a Table, ages, and pod columns."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from argoapp.localkube import resources as r
from argoapp.localkube import tables

from .harness import KubeServer

KUBECTL_GET = (
    "application/json;as=Table;v=v1;g=meta.k8s.io,"
    "application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
)


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (KUBECTL_GET, "meta.k8s.io/v1"),
        ("application/json;as=Table;v=v1beta1;g=meta.k8s.io", "meta.k8s.io/v1beta1"),
        ("application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io," + KUBECTL_GET,
         "meta.k8s.io/v1"),
        ("application/json", None),
        ("application/json, */*", None),
        ("", None),
        ("application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json", None),
    ],
)  # fmt: skip
def test_wants_table(accept: str, expected: str | None) -> None:
    assert tables.wants_table(accept) == expected


@pytest.mark.parametrize(
    ("seconds", "printed"),
    [(-5, "<invalid>"), (0, "0s"), (59, "59s"), (119, "119s"), (125, "2m5s"), (600, "10m"),
     (3 * 3600, "3h"), (3 * 3600 + 120, "3h2m"), (30 * 3600, "30h"), (50 * 3600, "2d2h"),
     (10 * 86400, "10d"), (800 * 86400, "2y70d"), (3000 * 86400, "8y")],
)  # fmt: skip
def test_human_duration_matches_kubectl(seconds: int, printed: str) -> None:
    assert tables.human_duration(seconds) == printed


def test_pod_columns_show_readiness_waiting_reasons_and_restarts() -> None:
    pod = {
        "metadata": {"name": "p", "creationTimestamp": "2024-01-01T00:00:00Z"},
        "spec": {"containers": [{"name": "a"}, {"name": "b"}]},
        "status": {
            "phase": "Pending",
            "containerStatuses": [
                {"name": "a", "ready": True, "restartCount": 1},
                {"name": "b", "ready": False, "restartCount": 2,
                 "state": {"waiting": {"reason": "ContainerCreating"}}},
            ],
        },
    }  # fmt: skip
    now = datetime(2024, 1, 1, 0, 1, tzinfo=UTC)
    row = tables.row(r.PODS, pod, now)
    assert row["cells"] == ["p", "1/2", "ContainerCreating", 3, "60s"]
    assert row["object"]["kind"] == "PartialObjectMetadata"
    pod["metadata"]["deletionTimestamp"] = "2024-01-01T00:00:30Z"
    assert tables.row(r.PODS, pod, now, include="None")["cells"][2] == "Terminating"
    assert "object" not in tables.row(r.PODS, pod, now, include="None")


async def test_list_as_table_over_http(kube: KubeServer) -> None:
    await kube.service.create(r.WORKFLOWS, "default", {"metadata": {"name": "w"}})
    path = "/apis/argoproj.io/v1alpha1/namespaces/default/workflows?includeObject=Object"
    async with (
        kube.session() as session,
        session.get(kube.url + path, headers=kube.headers(Accept=KUBECTL_GET)) as resp,
    ):
        body = await resp.json()
    assert body["kind"] == "Table"
    assert body["metadata"]["resourceVersion"]
    assert [c["name"] for c in body["columnDefinitions"]] == ["Name", "Status", "Message", "Age"]
    [row] = body["rows"]
    assert row["cells"][:3] == ["w", "", ""]
    assert row["object"]["kind"] == "Workflow"
