"""The Argo REST API application on `--port` (2746).

For now it answers what readiness checks and `argo version` need: `GET /api/v1/version` and
`GET /healthz`, both without auth in every mode. The workflow services join it in the engine
and API issues.
"""

from __future__ import annotations

import platform
import sys

from aiohttp import web

import argoapp

ARGO_VERSION = "v3.7.0"


def version_body() -> dict[str, str]:
    """Argo's `Version` message; Hera requires all eight fields."""
    return {
        "version": f"{ARGO_VERSION}+argoapp.{argoapp.__version__}",
        "buildDate": "",
        "gitCommit": "",
        "gitTag": ARGO_VERSION,
        "gitTreeState": "clean",
        "goVersion": f"python{platform.python_version()}",
        "compiler": sys.implementation.name,
        "platform": f"{sys.platform}/{platform.machine()}",
    }


async def _version(request: web.Request) -> web.Response:
    return web.json_response(version_body())


async def _healthz(request: web.Request) -> web.Response:
    return web.Response(text="ok")


def build_app() -> web.Application:
    app = web.Application(client_max_size=3 * 1024 * 1024)
    app.router.add_get("/api/v1/version", _version)
    app.router.add_get("/healthz", _healthz)
    return app
