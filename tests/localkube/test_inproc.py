"""`InProcessKube` against the HTTP `Kube`, side by side on one real localkube.

Every request is made through both clients against the same `ObjectService` (one over HTTPS
through the real API server, one in process): reads must return the same objects, writes the
same objects but for what the server makes per object (name, uid, timestamps,
resourceVersion), failures the same error class, status, reason and message, and the request
counters must end equal. Watches are compared in `test_inproc_watch`.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from argoapp import config
from argoapp.kube.api import KubeApi
from argoapp.kube.client import Kube
from argoapp.kube.errors import KubeError
from argoapp.kube.resources import Kind
from argoapp.localkube.inproc import InProcessKube
from argoapp.model.types import Obj

from .harness import KubeServer

Pair = tuple[Kube, InProcessKube]
_PER_OBJECT = ("name", "uid", "creationTimestamp", "resourceVersion")


@pytest.fixture
async def pair(kube: KubeServer) -> AsyncIterator[Pair]:
    """The HTTP client and the in-process one, over the same localkube."""
    http = await Kube.connect(kube.kubeconfig)
    inproc = InProcessKube(kube.service, host=kube.url)
    yield http, inproc
    await http.close()
    await inproc.close()


def _same_but_identity(obj: Obj) -> Obj:
    """`obj` without what differs between two objects made from the same body."""
    meta = {k: v for k, v in obj["metadata"].items() if k not in _PER_OBJECT}
    return {**obj, "metadata": meta}


def _pod(name: str) -> Obj:
    return {
        "metadata": {"name": name, "labels": {"app": "x"}},
        "spec": {"containers": [{"name": "main", "image": "busybox", "command": ["true"]}]},
    }


async def test_writes_return_what_http_returns(pair: Pair) -> None:
    http, inproc = pair
    made: dict[str, Obj] = {}
    for client, name in ((http, "via-http"), (inproc, "via-inproc")):
        body = {"metadata": {"name": name, "labels": {"a": "b"}}, "data": {"k": "v"}}
        made[name] = await client.create("ConfigMap", body, "default")
    assert _same_but_identity(made["via-http"]) == _same_but_identity(made["via-inproc"])

    steps: list[Callable[[KubeApi, str], Awaitable[Obj]]] = [
        lambda c, n: c.patch("ConfigMap", n, {"data": {"m": "1"}}, "default"),
        lambda c, n: c.patch(
            "ConfigMap", n, [{"op": "remove", "path": "/data/k"}], "default", patch_type="json"
        ),
        lambda c, n: c.patch(
            "ConfigMap", n, {"data": {"s": "2"}}, "default", patch_type="strategic"
        ),
    ]
    for step in steps:
        over_http = await step(http, "via-http")
        in_process = await step(inproc, "via-inproc")
        assert _same_but_identity(over_http) == _same_but_identity(in_process)
    for client, name in ((http, "via-http"), (inproc, "via-inproc")):
        current = await client.get("ConfigMap", name, "default")
        current["data"] = {"replaced": "yes"}
        made[name] = await client.replace("ConfigMap", current)
    assert _same_but_identity(made["via-http"]) == _same_but_identity(made["via-inproc"])
    assert made["via-inproc"]["data"] == {"replaced": "yes"}


async def test_pods_get_the_same_defaults_and_strategic_merge(pair: Pair) -> None:
    http, inproc = pair
    a = await http.create("Pod", _pod("pod-http"), "default")
    b = await inproc.create("Pod", _pod("pod-inproc"), "default")
    assert _same_but_identity(a) == _same_but_identity(b)
    patch = {"spec": {"containers": [{"name": "main", "image": "alpine"}]}}
    a = await http.patch("Pod", "pod-http", patch, "default", patch_type="strategic")
    b = await inproc.patch("Pod", "pod-inproc", patch, "default", patch_type="strategic")
    assert _same_but_identity(a) == _same_but_identity(b)
    assert b["spec"]["containers"][0]["command"] == ["true"]
    status = {"status": {"phase": "Running"}}
    a = await http.patch("Pod", "pod-http", status, "default", subresource="status")
    b = await inproc.patch("Pod", "pod-inproc", status, "default", subresource="status")
    assert _same_but_identity(a) == _same_but_identity(b)
    assert b["status"]["phase"] == "Running"
    # An unscheduled pod goes at once, whatever its grace period.
    await http.delete("Pod", "pod-http", "default", grace_seconds=10, propagation="Background")
    await inproc.delete("Pod", "pod-inproc", "default", grace_seconds=10, propagation="Background")
    assert (await inproc.list("Pod", "default"))["items"] == []


async def test_reads_are_identical(pair: Pair) -> None:
    http, inproc = pair
    for i in range(5):
        body = {"metadata": {"name": f"cm{i}", "labels": {"n": str(i % 2)}}}
        await http.create("ConfigMap", body, "argo" if i == 4 else "default")
    await http.create("ClusterWorkflowTemplate", {"metadata": {"name": "cwt"}, "spec": {}})
    reads: list[Callable[[KubeApi], Awaitable[Obj]]] = [
        lambda c: c.get("ConfigMap", "cm1", "default"),
        lambda c: c.get("ClusterWorkflowTemplate", "cwt"),
        lambda c: c.get("ClusterWorkflowTemplate", "cwt", "ignored-for-cluster-scope"),
        lambda c: c.get("Namespace", "argo"),
        lambda c: c.list("ConfigMap", "default"),
        lambda c: c.list("ConfigMap"),
        lambda c: c.list("ConfigMap", "default", label_selector="n=1"),
        lambda c: c.list("ConfigMap", field_selector="metadata.namespace=argo"),
        lambda c: c.list("ConfigMap", "default", limit=2),
        lambda c: c.get("ConfigMap", "", "default"),  # the collection's path: a list
    ]
    for read in reads:
        assert await read(http) == await read(inproc)
    first = await inproc.list("ConfigMap", "default", limit=2)
    token = first["metadata"]["continue"]
    assert await http.list("ConfigMap", "default", limit=2, continue_=token) == await inproc.list(
        "ConfigMap", "default", limit=2, continue_=token
    )


async def test_resolve_finds_the_same_kinds(pair: Pair) -> None:
    http, inproc = pair
    for api_version, kind in (
        ("v1", "Pod"),
        ("apps/v1", "Deployment"),
        ("rbac.authorization.k8s.io/v1", "ClusterRole"),
        ("argoproj.io/v1alpha1", "WorkflowEventBinding"),
    ):
        assert await http.resolve(api_version, kind) == await inproc.resolve(api_version, kind)
    deployment = await inproc.resolve("apps/v1", "Deployment")
    body = {"metadata": {"name": "d"}, "spec": {"replicas": 1}}
    made = await http.create(deployment, body, "default")
    assert made["apiVersion"] == "apps/v1"
    assert await http.get(deployment, "d", "default") == await inproc.get(
        deployment, "d", "default"
    )
    for api_version, kind in (("example.com/v1", "Widget"), ("v1", "Widget"), ("", "Pod")):
        assert await _error(http.resolve(api_version, kind)) == await _error(
            inproc.resolve(api_version, kind)
        )
    discovery = [{k: n for k, n in c.request_counts.items() if k[1] == "discovery"} for c in pair]
    assert discovery[0] == discovery[1]
    assert discovery[1] == {("", "discovery", 200): 3, ("", "discovery", 404): 2}


async def _error(call: Awaitable[Any]) -> tuple[type[KubeError], int, str, str]:
    with pytest.raises(KubeError) as info:
        await call
    e = info.value
    return type(e), e.status, e.reason, e.message


async def _first_event(client: KubeApi, **options: Any) -> None:
    async with contextlib.aclosing(client.watch("ConfigMap", "default", **options)) as stream:
        await anext(stream)


WIDGET = Kind("Widget", "example.com", "v1", "widgets")
FAILURES: dict[str, Callable[[KubeApi], Awaitable[Any]]] = {
    "get missing": lambda c: c.get("ConfigMap", "nope", "default"),
    "duplicate name": lambda c: c.create("ConfigMap", {"metadata": {"name": "cm"}}, "default"),
    "stale resourceVersion": lambda c: c.replace(
        "ConfigMap", {"metadata": {"name": "cm", "namespace": "default", "resourceVersion": "1"}}
    ),
    "invalid name": lambda c: c.create("ConfigMap", {"metadata": {"name": "Bad_Name"}}, "default"),
    "namespace mismatch": lambda c: c.create(
        "ConfigMap", {"metadata": {"name": "x", "namespace": "argo"}}, "default"
    ),
    "no such namespace": lambda c: c.create("ConfigMap", {"metadata": {"name": "x"}}, "nons"),
    "no namespace at all": lambda c: c.create("ConfigMap", {"metadata": {"name": "x"}}),
    "unknown kind name": lambda c: c.get("Widget", "w", "default"),
    "unserved kind": lambda c: c.get(WIDGET, "w", "default"),
    "kind argoapp knows, localkube does not serve": lambda c: c.list("WorkflowTaskSet", "default"),
    "status of a kind without it": lambda c: c.patch(
        "Workflow", "wf", {"status": {}}, "default", subresource="status"
    ),
    "patching a pod's log": lambda c: c.patch("Pod", "p", {}, "default", subresource="log"),
    "replace without a name": lambda c: c.replace("ConfigMap", {"metadata": {"namespace": "a"}}),
    "bad label selector": lambda c: c.list("ConfigMap", "default", label_selector="a in ("),
    "bad field selector": lambda c: c.list("ConfigMap", field_selector="spec.nope=1"),
    "bad continue": lambda c: c.list("ConfigMap", "default", continue_="garbage"),
    "negative limit": lambda c: c.list("ConfigMap", "default", limit=-1),
    "unknown patch type": lambda c: c.patch("ConfigMap", "cm", {}, "default", patch_type="x"),
    "failed JSON patch test": lambda c: c.patch(
        "ConfigMap",
        "cm",
        [{"op": "test", "path": "/data/k", "value": "no"}],
        "default",
        patch_type="json",
    ),
    "renaming by patch": lambda c: c.patch(
        "ConfigMap", "cm", {"metadata": {"name": "other"}}, "default"
    ),
    "immutable pod spec": lambda c: c.patch(
        "Pod", "p", {"spec": {"restartPolicy": "Never"}}, "default"
    ),
    "too large": lambda c: c.create(
        "ConfigMap", {"metadata": {"name": "big"}, "data": {"k": "x" * (4 << 20)}}, "default"
    ),
    "delete missing": lambda c: c.delete("ConfigMap", "nope", "default"),
    "unknown propagation": lambda c: c.delete("ConfigMap", "cm", "default", propagation="Up"),
    "watch from a bad resourceVersion": lambda c: _first_event(c, resource_version="abc"),
}


async def test_failures_raise_the_same_errors_and_are_counted_alike(pair: Pair) -> None:
    http, inproc = pair
    await http.create("ConfigMap", {"metadata": {"name": "cm"}, "data": {"k": "v"}}, "default")
    await http.create("Pod", _pod("p"), "default")
    await http.create("Workflow", {"metadata": {"name": "wf"}, "spec": {}}, "default")
    http.request_counts.clear()
    for what, failure in FAILURES.items():
        over_http, in_process = await _error(failure(http)), await _error(failure(inproc))
        assert over_http == in_process, what
    assert http.request_counts == inproc.request_counts
    assert (await inproc.get("ConfigMap", "cm", "default"))["data"] == {"k": "v"}


async def test_a_closed_client_refuses_requests(pair: Pair) -> None:
    http, inproc = pair
    await http.close()
    await inproc.close()
    call: Callable[[KubeApi], Awaitable[Any]] = lambda c: c.get("ConfigMap", "cm", "default")  # noqa: E731
    assert await _error(call(http)) == await _error(call(inproc))


async def test_returned_objects_do_not_alias_the_store(pair: Pair) -> None:
    _http, inproc = pair
    made = await inproc.create(
        "ConfigMap", {"metadata": {"name": "cm"}, "data": {"k": "v"}}, "default"
    )
    made["data"]["k"] = "changed by the caller"
    patched = await inproc.patch("ConfigMap", "cm", {"data": {"p": "1"}}, "default")
    assert patched["data"] == {"k": "v", "p": "1"}
    patched["data"].clear()
    body = await inproc.get("ConfigMap", "cm", "default")
    again = await inproc.get("ConfigMap", "cm", "default")
    body["data"]["k"] = "changed again"
    assert again["data"] == {"k": "v", "p": "1"}
    replaced = await inproc.replace("ConfigMap", again)
    replaced["data"]["k"] = "and again"
    body["metadata"]["labels"] = {"sent": "then changed"}
    assert (await inproc.get("ConfigMap", "cm", "default"))["data"] == {"k": "v", "p": "1"}


@pytest.mark.parametrize(
    ("value", "in_process"),
    [(None, True), ("", True), ("true", True), ("false", False), ("0", False), (" Off ", False)],
)
def test_local_mode_chooses_the_in_process_client_unless_told_not_to(
    monkeypatch: pytest.MonkeyPatch, value: str | None, in_process: bool
) -> None:
    if value is None:
        monkeypatch.delenv("ARGOAPP_KUBE_IN_PROCESS", raising=False)
    else:
        monkeypatch.setenv("ARGOAPP_KUBE_IN_PROCESS", value)
    assert config.kube_in_process_default() is in_process
