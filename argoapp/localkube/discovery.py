"""Discovery: what the API serves, as kubectl learns it before any other request.

`/version`, `/api`, `/apis`, `/apis/G`, `/api/v1` and `/apis/G/V`, built from
`resources.RESOURCES` alone, plus the health endpoints. Answers are plain JSON whatever the
Accept header asks: kubectl asks for aggregated discovery (`APIGroupDiscoveryList`) first and
falls back to per-group `APIResourceList`s when it gets a plain `APIGroupList`, which is all it
needs. `apiserver.build_app` mounts `routes()`; the builders are pure and tested directly too.
"""

from __future__ import annotations

import platform
from typing import Any

from aiohttp import web

from argoapp.localkube import resources
from argoapp.localkube.resources import Resource

Obj = dict[str, Any]

# kubectl (the Google Cloud SDK dispatcher) runs the bundled kubectl whose minor matches ours.
MAJOR, MINOR = "1", "32"
GIT_VERSION = f"v{MAJOR}.{MINOR}.0-argoapp"
_SUBRESOURCE_VERBS = {"status": ("get", "patch", "update"), "log": ("get",)}
_ARCH = {"x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64"}


def version() -> Obj:
    """The body of `GET /version`."""
    machine = platform.machine().lower()
    return {
        "major": MAJOR,
        "minor": MINOR,
        "gitVersion": GIT_VERSION,
        "gitCommit": "",
        "gitTreeState": "clean",
        "buildDate": "1970-01-01T00:00:00Z",
        "goVersion": "python" + platform.python_version(),
        "compiler": "argoapp",
        "platform": f"{platform.system().lower()}/{_ARCH.get(machine, machine)}",
    }


def api_versions(server_address: str) -> Obj:
    """The body of `GET /api`: the core group's versions."""
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [
            {"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}
        ],
    }


def _group(name: str) -> Obj:
    versions = [
        {"groupVersion": f"{g}/{v}", "version": v}
        for g, v in resources.group_versions()
        if g == name
    ]
    return {"name": name, "versions": versions, "preferredVersion": versions[0]}


def api_groups() -> Obj:
    """The body of `GET /apis`: every named group (the core group is under `/api`)."""
    names = list(dict.fromkeys(g for g, _ in resources.group_versions() if g))
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": [_group(n) for n in names]}


def api_group(name: str) -> Obj | None:
    """The body of `GET /apis/NAME`, or None for a group we do not serve."""
    if not name or all(g != name for g, _ in resources.group_versions()):
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_group(name)}


def _entries(res: Resource) -> list[Obj]:
    main: Obj = {
        "name": res.plural,
        "singularName": res.singular,
        "namespaced": res.namespaced,
        "kind": res.kind,
        "verbs": list(res.verbs),
    }
    if res.short_names:
        main["shortNames"] = list(res.short_names)
    if res.categories:
        main["categories"] = list(res.categories)
    subs = [
        {
            "name": f"{res.plural}/{sub}",
            "singularName": "",
            "namespaced": res.namespaced,
            "kind": res.kind,
            "verbs": list(_SUBRESOURCE_VERBS.get(sub, ("get",))),
        }
        for sub in res.subresources
    ]
    return [main, *subs]


def resource_list(group: str, version: str) -> Obj | None:
    """The body of `GET /api/v1` or `/apis/G/V`, or None for a version we do not serve."""
    served = resources.in_group_version(group, version)
    if not served:
        return None
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": served[0].group_version,
        "resources": [entry for res in served for entry in _entries(res)],
    }


def _found(body: Obj | None) -> web.Response:
    if body is None:
        raise web.HTTPNotFound()
    return web.json_response(body)


async def _version(request: web.Request) -> web.Response:
    return web.json_response(version())


async def _api(request: web.Request) -> web.Response:
    return web.json_response(api_versions(request.host))


async def _apis(request: web.Request) -> web.Response:
    return web.json_response(api_groups())


async def _apis_group(request: web.Request) -> web.Response:
    return _found(api_group(request.match_info["group"]))


async def _core_v1(request: web.Request) -> web.Response:
    return _found(resource_list("", request.match_info["version"]))


async def _apis_group_version(request: web.Request) -> web.Response:
    info = request.match_info
    return _found(resource_list(info["group"], info["version"]))


async def _ok(request: web.Request) -> web.Response:
    return web.Response(text="ok")


def routes() -> list[web.RouteDef]:
    """The discovery and health routes."""
    return [
        web.get("/version", _version),
        web.get("/api", _api),
        web.get("/apis", _apis),
        web.get("/apis/{group}", _apis_group),
        web.get("/api/{version}", _core_v1),
        web.get("/apis/{group}/{version}", _apis_group_version),
        *(web.get(path, _ok) for path in ("/healthz", "/readyz", "/livez")),
    ]
