"""What localkube answers to bad requests: always a `Status` with the right code."""

from __future__ import annotations

import io
from typing import Any

import pytest

from argoapp.localkube import resources as r

from .harness import KubeServer, StartKube

CMS = "/api/v1/namespaces/default/configmaps"


async def call(
    kube: KubeServer,
    method: str,
    path: str,
    *,
    data: bytes | str | io.BytesIO | None = None,
    content_type: str = "application/json",
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    sent = kube.headers(**{"Content-Type": content_type}) if headers is None else headers
    async with (
        kube.session() as session,
        session.request(method, kube.url + path, data=data, headers=sent) as resp,
    ):
        return resp.status, await resp.json(content_type=None)


def assert_status(body: Any, code: int, reason: str) -> None:
    assert body["kind"] == "Status"
    assert body["apiVersion"] == "v1"
    assert body["status"] == "Failure"
    assert body["code"] == code
    assert body["reason"] == reason
    assert "Traceback" not in body["message"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer"},
    ],
)
async def test_no_or_wrong_token_is_401(kube: KubeServer, headers: dict[str, str]) -> None:
    for path in (CMS, "/version", "/apis", "/healthz", "/openapi/v3", "/nope"):
        code, body = await call(kube, "GET", path, headers=headers)
        assert code == 401
        assert_status(body, 401, "Unauthorized")


async def test_malformed_json_is_400(kube: KubeServer) -> None:
    code, body = await call(kube, "POST", CMS, data='{"metadata": {"name": ')
    assert code == 400
    assert_status(body, 400, "BadRequest")
    assert "JSON" in body["message"]
    code, body = await call(kube, "POST", CMS, data='{"metadata": {"name": "x"}, "n": NaN}')
    assert code == 400


async def test_yaml_bodies_parse_and_malformed_yaml_is_400(kube: KubeServer) -> None:
    doc = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\ndata:\n  when: 2024-01-01\n"
    code, body = await call(kube, "POST", CMS, data=doc, content_type="application/yaml")
    assert code == 201
    assert body["data"] == {"when": "2024-01-01"}  # not a date: YAML timestamps stay strings
    code, body = await call(kube, "POST", CMS, data="a: [1, 2", content_type="application/yaml")
    assert code == 400
    assert "YAML" in body["message"]


async def test_empty_body_and_unknown_media_type(kube: KubeServer) -> None:
    code, body = await call(kube, "POST", CMS, data="")
    assert code == 400
    code, body = await call(kube, "POST", CMS, data="name=x", content_type="text/plain")
    assert code == 415
    assert_status(body, 415, "UnsupportedMediaType")


async def test_unknown_resources_and_paths_are_404(kube: KubeServer) -> None:
    for path in (
        "/api/v1/namespaces/default/widgets",
        "/apis/nope.io/v1/things",
        "/api/v1/pods/cluster-path-has-no-names",
        "/api/v2",
        "/openapi/v3/apis/nope.io/v1",
    ):
        code, body = await call(kube, "GET", path)
        assert code == 404, path
        assert_status(body, 404, "NotFound")


async def test_missing_object_is_404_with_details(kube: KubeServer) -> None:
    code, body = await call(kube, "GET", CMS + "/nope")
    assert code == 404
    assert_status(body, 404, "NotFound")
    assert body["details"]["name"] == "nope"


async def test_method_not_allowed_is_405(kube: KubeServer) -> None:
    code, body = await call(kube, "POST", "/api/v1/configmaps", data="{}")
    assert code == 405
    assert_status(body, 405, "MethodNotAllowed")


async def test_invalid_name_is_422(kube: KubeServer) -> None:
    code, body = await call(kube, "POST", CMS, data='{"metadata": {"name": "Bad_Name"}}')
    assert code == 422
    assert_status(body, 422, "Invalid")


@pytest.mark.parametrize(
    "doc",
    [
        "[]",
        '"a string"',
        '{"metadata": "x"}',
        '{"metadata": {"name": "x", "labels": {"a": 1}}}',
        '{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "x"}}',
        '{"apiVersion": "apps/v1", "metadata": {"name": "x"}}',
        '{"metadata": {"name": "x", "namespace": "other"}}',
    ],
)
async def test_wrong_shapes_and_types_are_400_or_422(kube: KubeServer, doc: str) -> None:
    code, body = await call(kube, "POST", CMS, data=doc)
    assert code in (400, 422), body
    assert body["kind"] == "Status"


async def test_oversized_body_is_413(kube: KubeServer) -> None:
    big = '{"metadata": {"name": "big"}, "data": {"k": "' + "x" * (4 * 1024 * 1024) + '"}}'
    code, body = await call(kube, "POST", CMS, data=io.BytesIO(big.encode()))
    assert code == 413
    assert_status(body, 413, "RequestEntityTooLarge")


async def test_a_body_under_the_limit_is_fine(kube: KubeServer) -> None:
    fair = '{"metadata": {"name": "fair"}, "data": {"k": "' + "x" * (2 * 1024 * 1024) + '"}}'
    code, body = await call(kube, "POST", CMS, data=io.BytesIO(fair.encode()))
    assert code == 201
    assert len(body["data"]["k"]) == 2 * 1024 * 1024


async def test_unsupported_patch_type_is_415(kube: KubeServer) -> None:
    await kube.service.create(r.CONFIGMAPS, "default", {"metadata": {"name": "p"}})
    for media in ("application/json", "text/plain"):
        code, body = await call(kube, "PATCH", CMS + "/p", data="{}", content_type=media)
        assert code == 415
        assert_status(body, 415, "UnsupportedMediaType")


async def test_bad_patches_are_client_errors(kube: KubeServer) -> None:
    await kube.service.create(r.CONFIGMAPS, "default", {"metadata": {"name": "p"}})
    merge = "application/merge-patch+json"
    code, _ = await call(kube, "PATCH", CMS + "/p", data="[1]", content_type=merge)
    assert code == 400
    code, _ = await call(kube, "PATCH", CMS + "/p", data="{", content_type=merge)
    assert code == 400
    bad_op = '[{"op": "remove", "path": "/nope"}]'
    jp = "application/json-patch+json"
    code, _ = await call(kube, "PATCH", CMS + "/p", data=bad_op, content_type=jp)
    assert code in (400, 422)


@pytest.mark.parametrize(
    "query",
    ["limit=abc", "limit=-1", "watch=maybe", "timeoutSeconds=x", "labelSelector=a%20in%20("],
)
async def test_bad_query_parameters_are_400(kube: KubeServer, query: str) -> None:
    code, body = await call(kube, "GET", f"{CMS}?{query}")
    assert code == 400
    assert_status(body, 400, "BadRequest")


async def test_dry_run_takes_only_all(kube: KubeServer) -> None:
    code, _ = await call(kube, "POST", CMS + "?dryRun=Some", data='{"metadata": {"name": "d"}}')
    assert code == 400


async def test_bad_delete_options_are_400(kube: KubeServer) -> None:
    await kube.service.create(r.CONFIGMAPS, "default", {"metadata": {"name": "d"}})
    for options in ("{", '{"gracePeriodSeconds": "soon"}', '{"kind": "Pod"}', "[]"):
        code, _ = await call(kube, "DELETE", CMS + "/d", data=options)
        assert code == 400, options
    code, _ = await call(kube, "DELETE", CMS + "/d?gracePeriodSeconds=x")
    assert code == 400


async def test_log_query_errors(kube: KubeServer) -> None:
    pod = {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "i"}]}}
    await kube.service.create(r.PODS, "default", pod)
    path = "/api/v1/namespaces/default/pods/p/log"
    code, body = await call(kube, "GET", path + "?sinceSeconds=5&sinceTime=2024-01-01T00:00:00Z")
    assert code == 400
    code, body = await call(kube, "GET", path + "?container=nope")
    assert code == 400
    assert_status(body, 400, "BadRequest")
    code, body = await call(kube, "GET", "/api/v1/namespaces/default/pods/missing/log")
    assert code == 404


async def test_logs_without_a_log_source_are_400(start_kube: StartKube) -> None:
    kube = await start_kube(logs=None)
    pod = {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "i"}]}}
    await kube.service.create(r.PODS, "default", pod)
    code, body = await call(kube, "GET", "/api/v1/namespaces/default/pods/p/log")
    assert code == 400
    assert_status(body, 400, "BadRequest")


class ExplodingService:
    """A service whose every call fails unexpectedly."""

    async def list(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk on fire")


async def test_unexpected_errors_are_a_500_status_without_a_traceback(
    start_kube: StartKube, caplog: pytest.LogCaptureFixture
) -> None:
    kube = await start_kube(service=ExplodingService())
    code, body = await call(kube, "GET", CMS)
    assert code == 500
    assert_status(body, 500, "InternalError")
    assert body["message"] == "internal error"
    assert "disk on fire" not in body["message"]
    assert any("disk on fire" in str(rec.exc_info) for rec in caplog.records)


PODS = "/api/v1/namespaces/default/pods"
POD = '{"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "busybox"}]}}'


@pytest.mark.parametrize(
    ("method", "path", "body", "content_type"),
    [
        ("POST", CMS, '{"metadata": {"name": 123}}', "application/json"),
        ("POST", CMS, '{"metadata": {"name": "f", "finalizers": [1, 2]}}', "application/json"),
        ("POST", CMS, "metadata:\n  name: y\ndata:\n  1: two\n", "application/yaml"),
        ("POST", CMS, "metadata:\n  name: b\nbinaryData:\n  k: !!binary aGk=\n",
         "application/yaml"),
        ("PATCH", CMS + "/target", '[{"op": "add", "path": 1, "value": 2}]',
         "application/json-patch+json"),
        ("PATCH", CMS + "/target", "{1: 2}", "application/apply-patch+yaml"),
        ("PATCH", CMS + "/fresh", '{"metadata": "x"}', "application/apply-patch+yaml"),
        ("PATCH", PODS + "/p", '{"spec": {"containers": [1]}}', "application/merge-patch+json"),
        ("PATCH", PODS + "/p", '{"spec": "abc"}', "application/merge-patch+json"),
    ],
)  # fmt: skip
async def test_wrong_types_are_client_errors_never_500(
    kube: KubeServer, method: str, path: str, body: str, content_type: str
) -> None:
    await call(kube, "POST", CMS, data='{"metadata": {"name": "target"}}')
    await call(kube, "POST", PODS, data=POD)
    code, answer = await call(kube, method, path, data=body, content_type=content_type)
    assert code in (400, 422), answer  # a clear client error, never a 500
    assert_status(answer, code, "BadRequest" if code == 400 else "Invalid")
    code, _ = await call(kube, "GET", CMS)
    assert code == 200  # the store is intact
