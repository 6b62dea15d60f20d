"""SyncService over HTTP against a real localkube: semaphore limits kept in ConfigMaps."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from argoapp.kube.client import Kube

NS = "argo"
BASE = f"/api/v1/sync/{NS}"


async def call(api: TestClient[Any, Any], method: str, path: str, **kw: Any) -> Any:
    resp = await api.request(method, path, **kw)
    return resp.status, await resp.json()


async def test_create_get_update_delete_a_limit(api: TestClient[Any, Any], kube: Kube) -> None:
    body = {"cmName": "limits", "key": "workflow", "limit": 2, "type": "CONFIGMAP"}
    status, got = await call(api, "POST", BASE, json=body)
    assert status == 200
    assert got == {
        "cmName": "limits", "namespace": NS, "key": "workflow", "limit": 2, "type": "CONFIGMAP"
    }  # fmt: skip
    cm = await kube.get("ConfigMap", "limits", NS)
    assert cm["data"] == {"workflow": "2"}
    # A second key joins the same ConfigMap; the first one cannot be created twice.
    status, got = await call(api, "POST", BASE, json={**body, "key": "template", "limit": "5"})
    assert status == 200 and got["limit"] == 5
    status, got = await call(api, "POST", BASE, json=body)
    assert status == 409 and got["message"] == "sync limit cannot be created as it already exists"
    status, got = await call(api, "GET", f"{BASE}/template", params={"cmName": "limits"})
    assert status == 200 and got["limit"] == 5 and got["key"] == "template"
    status, got = await call(
        api, "PUT", f"{BASE}/workflow", json={"cmName": "limits", "key": "workflow", "limit": 7}
    )
    assert status == 200 and got["limit"] == 7
    assert (await kube.get("ConfigMap", "limits", NS))["data"]["workflow"] == "7"
    status, got = await call(api, "DELETE", f"{BASE}/workflow", params={"cmName": "limits"})
    assert status == 200 and got == {}
    assert (await kube.get("ConfigMap", "limits", NS))["data"] == {"template": "5"}


async def test_bad_limits_and_missing_keys_are_argos_errors(api: TestClient[Any, Any]) -> None:
    status, got = await call(api, "POST", BASE, json={"cmName": "cm", "key": "k", "limit": 0})
    assert status == 400 and got == {
        "code": 3, "message": "limit must be greater than zero", "details": []
    }  # fmt: skip
    status, got = await call(
        api, "POST", BASE, json={"cmName": "cm", "key": "k", "limit": 1, "type": "DATABASE"}
    )
    assert status == 400 and got["message"] == "unsupported sync config type: DATABASE"
    status, got = await call(api, "GET", f"{BASE}/k", params={"cmName": "absent"})
    assert status == 404 and got["code"] == 5
    await call(api, "POST", BASE, json={"cmName": "cm", "key": "k", "limit": 1})
    status, got = await call(api, "GET", f"{BASE}/other", params={"cmName": "cm"})
    assert status == 404 and got["message"] == f"key other not found in configmap {NS}/cm"
    status, got = await call(api, "PUT", f"{BASE}/other", json={"cmName": "cm", "limit": 3})
    assert status == 404
    assert got["message"] == f"key other not found in configmap {NS}/cm - please create it first"
