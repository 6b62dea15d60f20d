"""The Argo REST API application on `--port` (2746).

`build_app` assembles it: `GET /api/v1/version`, `GET /healthz` and the web UI (`ui`) always
(without auth, in every mode: readiness checks use the first two; /healthz answers 503 saying
why when the `health` callback the caller passes, the controller's, reports a fault); with a
Kubernetes client,
Argo's workflow, workflow template, cluster workflow template and cron workflow services
(`workflows`, `workflow_ops`, `templates`, `cron`). Every answer carries the `argo-version`
header and every failure Argo's JSON error body (`errors.error_middleware`). The caller owns the
Kubernetes client and the store: the app only borrows them, and its cleanup does not close them.
"""

from __future__ import annotations

import platform
import sys
from collections.abc import Callable

from aiohttp import web
from aiohttp.typedefs import Middleware

import argoapp
from argoapp.artifacts.builtin import BuiltinStore
from argoapp.buildinfo import UNKNOWN, build
from argoapp.errors import ConfigError
from argoapp.kube.client import Kube
from argoapp.server import (
    archived,
    artifacts,
    auth,
    cron,
    events,
    info,
    logs,
    metrics,
    streams,
    sync,
    templates,
    ui,
    workflow_ops,
    workflows,
)
from argoapp.server.context import ARTIFACT_STORE, AUTH_MODE, KUBE, STORE, NodeStore
from argoapp.server.errors import Handler, error_middleware
from argoapp.server.s3store import S3Store

ARGO_VERSION = "v3.7.0"
AUTH_MODES = ("server", "client")


def version_body() -> dict[str, str]:
    """Argo's `Version` message; Hera requires all eight fields."""
    commit, build_date = (value if value != UNKNOWN else "" for value in build())
    return {
        "version": f"{ARGO_VERSION}+argoapp.{argoapp.__version__}",
        "buildDate": build_date,
        "gitCommit": commit,
        "gitTag": ARGO_VERSION,
        "gitTreeState": "clean",
        "goVersion": f"python{platform.python_version()}",
        "compiler": sys.implementation.name,
        "platform": f"{sys.platform}/{platform.machine()}",
    }


async def _version(request: web.Request) -> web.Response:
    return web.json_response(version_body())


Health = Callable[[], str | None]  # what is wrong, or None
HEALTH: web.AppKey[Health] = web.AppKey("health")


async def _healthz(request: web.Request) -> web.Response:
    problem = request.app[HEALTH]()
    if problem:
        return web.Response(status=503, text=problem)
    return web.Response(text="ok")


@web.middleware
async def _version_header(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    version = version_body()["version"]
    response.headers["argo-version"] = version
    response.headers["Grpc-Metadata-Argo-Version"] = version
    return response


def build_app(
    *,
    kube: Kube | None = None,
    store: NodeStore | None = None,
    auth_mode: str = "server",
    base_href: str = "/",
    info_settings: info.InfoSettings | None = None,
    kept_logs: logs.KeptLogSource | None = None,
    controller: metrics.ControllerView | None = None,
    health: Health | None = None,
    s3store: S3Store | None = None,
    artifact_store: BuiltinStore | None = None,
) -> web.Application:
    """The API application; with `kube` None only version and healthz are served. `health`:
    what /healthz asks (the controller's `health`); without it /healthz always says ok.
    `artifact_store`: the built-in store as pods reach it now, so downloads of a workflow that
    recorded it elsewhere (an earlier run on another port) still find it.
    `s3store` (started and closed by the caller): requests signed for S3 go to it first.
    `base_href`: the path a reverse proxy serves the UI under (it strips it, as for Argo)."""
    if auth_mode not in AUTH_MODES:
        raise ConfigError(f"--auth-mode {auth_mode} is not one of {', '.join(AUTH_MODES)}")
    middlewares: list[Middleware] = [_version_header, error_middleware]
    if s3store is not None:
        middlewares.insert(0, s3store.middleware())
    app = web.Application(client_max_size=3 * 1024 * 1024, middlewares=middlewares)
    app.router.add_get("/api/v1/version", _version)
    app.router.add_get("/healthz", _healthz)
    app[HEALTH] = health or (lambda: None)
    ui.setup(app, base_href=base_href)
    app[info.INFO] = info_settings or info.InfoSettings()
    info.setup(app)
    if kube is not None:
        app[KUBE] = kube
        app[STORE] = store
        app[ARTIFACT_STORE] = artifact_store
        app[AUTH_MODE] = auth_mode
        auth.setup(app, kube, auth_mode)
        metrics.setup(app, controller, kube)
        workflows.setup(app)
        workflow_ops.setup(app)
        templates.setup(app)
        cron.setup(app)
        archived.setup(app)
        artifacts.setup(app)
        streams.setup(app)
        app[logs.KEPT_LOGS] = kept_logs
        logs.setup(app)
        sync.setup(app)
        events.setup(app)
    return app
