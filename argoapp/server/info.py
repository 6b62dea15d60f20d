"""Argo's InfoService: `GET /api/v1/info`, `GET /api/v1/userinfo` and
`POST /api/v1/tracking/event`.

`/api/v1/info` tells the UI how to look: the managed namespace (empty when the server sees every
namespace), the `links` and `columns` of the controller config, its `navColor`, and which modal
dialogs to show (`feedback`, `firstTimeUser`, `newVersion`: on unless the server's environment
sets `FEEDBACK_MODAL`, `FIRST_TIME_USER_MODAL`, `NEW_VERSION_MODAL` to `false`, as Argo reads
them). Empty fields are left out, as Argo's marshaller does. `info_from_config` builds the
settings from a controller config (the keys of Argo's workflow-controller-configmap); the
runtime passes them to `app.build_app`.

`/api/v1/userinfo` describes the caller. Without SSO there are no claims, so Argo answers `{}`
in both `server` and `client` mode; argoapp does the same. The tracking endpoint (the UI's usage
beacon) is accepted and logged at debug level. As every call of Argo's InfoService passes its
auth gatekeeper, in `client` mode all three need a token (401 without); Kubernetes is not asked
about it, as Argo does not ask either. None of this touches Kubernetes.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from argoapp.model.types import Obj
from argoapp.server import auth
from argoapp.server.context import AUTH_MODE, json_body, json_response
from argoapp.server.errors import ApiError, Code

log = logging.getLogger(__name__)

_MODALS = {
    "feedback": "FEEDBACK_MODAL",
    "firstTimeUser": "FIRST_TIME_USER_MODAL",
    "newVersion": "NEW_VERSION_MODAL",
}


@dataclass(frozen=True)
class InfoSettings:
    """What `/api/v1/info` reports besides the modals."""

    managed_namespace: str = ""
    links: list[Obj] = field(default_factory=list)
    columns: list[Obj] = field(default_factory=list)
    nav_color: str = ""


INFO = web.AppKey("info", InfoSettings)


def info_from_config(config: Mapping[str, Any], managed_namespace: str = "") -> InfoSettings:
    """The info of a controller config (`links`, `columns`, `navColor`)."""
    links = [dict(x) for x in config.get("links") or [] if isinstance(x, dict)]
    columns = [dict(x) for x in config.get("columns") or [] if isinstance(x, dict)]
    return InfoSettings(
        managed_namespace=managed_namespace,
        links=links,
        columns=columns,
        nav_color=str(config.get("navColor") or ""),
    )


def info_body(settings: InfoSettings, environ: Mapping[str, str] = os.environ) -> Obj:
    """Argo's `InfoResponse` for these settings."""
    body: Obj = {}
    if settings.managed_namespace:
        body["managedNamespace"] = settings.managed_namespace
    if settings.links:
        body["links"] = settings.links
    body["modals"] = {key: environ.get(env) != "false" for key, env in _MODALS.items()}
    if settings.nav_color:
        body["navColor"] = settings.nav_color
    if settings.columns:
        body["columns"] = settings.columns
    return body


def setup(app: web.Application) -> None:
    """Register the routes."""
    app.router.add_get("/api/v1/info", get_info)
    app.router.add_get("/api/v1/userinfo", get_user_info)
    app.router.add_post("/api/v1/tracking/event", collect_event)


def _authenticate(request: web.Request) -> None:
    """In client mode, Unauthenticated without a token."""
    if request.app.get(AUTH_MODE) == "client" and not auth.request_token(request):
        raise ApiError(Code.UNAUTHENTICATED, auth.NO_TOKEN)


async def get_info(request: web.Request) -> web.Response:
    _authenticate(request)
    return json_response(info_body(request.app.get(INFO) or InfoSettings()))


async def get_user_info(request: web.Request) -> web.Response:
    _authenticate(request)
    return json_response({})


async def collect_event(request: web.Request) -> web.Response:
    _authenticate(request)
    body = await json_body(request)
    log.debug("UI event %s", body.get("name", ""))
    return json_response({})
