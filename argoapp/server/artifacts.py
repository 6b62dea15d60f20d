"""Argo Server's artifact downloads (Argo's ArtifactServer): the routes and their setup.

- `GET /artifacts/{ns}/{wf}/{nodeId}/{name}` and `/input-artifacts/…`: a node's output (input)
  artifact as it is stored (a `.tgz` stays a `.tgz`: `argo cp` saves it so), with
  `Content-Disposition: filename="<base of its key>"` and a Content-Type from its extension.
  The workflow is read live with the caller's identity, else, as the API's get, the newest
  archived one of that name.
- `GET /artifacts-by-uid/{uid}/{nodeId}/{name}` and `/input-artifacts-by-uid/…`: the same from
  the archived workflow of that uid (Argo reads only the archive here).
- `GET /artifact-files/{ns}/{workflows|archived-workflows}/{name|uid}/{nodeId}/{outputs|inputs}/
  {name}[/{path…}]`: files inside an artifact, directory listings (`artifacts_files`).

They sit under the API's auth (`context.kube_for`: the caller's token in client mode, 401/403
in Argo's JSON body) and its error middleware: 404 naming a missing workflow, node or artifact,
500 naming the artifact and the store's cause, never a traceback. Finding the artifact is
`artifacts_locate`'s, sending it `artifacts_serve`'s (streamed, bounded memory). The server's
environment turns the routes off (`ARGO_ARTIFACT_SERVER=false`) and may change the security
headers (`ARGO_ARTIFACT_CONTENT_SECURITY_POLICY`, `ARGO_ARTIFACT_X_FRAME_OPTIONS`), as Argo's;
`build_app` calls `setup`.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web

from argoapp.server import artifacts_files
from argoapp.server.artifacts_locate import INPUTS, OUTPUTS, by_uid, live_or_archived, locate
from argoapp.server.artifacts_serve import CSP, HEADERS, X_FRAME_OPTIONS, Headers, file_headers
from argoapp.server.artifacts_serve import stream as send

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _handler(direction: str, *, uid: bool) -> Handler:
    """The handler of one download route: `direction` outputs or inputs, by uid or by name."""

    async def download(request: web.Request) -> web.StreamResponse:
        m = request.match_info
        if uid:
            wf = await by_uid(request, m["uid"])
        else:
            wf = await live_or_archived(request, m["namespace"], m["workflow"])
        located = await locate(request, wf, m["node"], m["artifact"], direction)
        body = await located.open()
        return await send(request, located.name, body, file_headers(located.key or located.name))

    return download


def enabled(environ: Mapping[str, str]) -> bool:
    """Whether the artifact routes are served (Argo's `ARGO_ARTIFACT_SERVER`, on by default)."""
    return environ.get("ARGO_ARTIFACT_SERVER", "").strip().lower() != "false"


def setup(app: web.Application, environ: Mapping[str, str] = os.environ) -> None:
    """Register the download routes unless the environment turns them off."""
    if not enabled(environ):
        return
    app[HEADERS] = Headers(
        csp=environ.get("ARGO_ARTIFACT_CONTENT_SECURITY_POLICY", CSP),
        x_frame_options=environ.get("ARGO_ARTIFACT_X_FRAME_OPTIONS", X_FRAME_OPTIONS),
    )
    tail = "{node}/{artifact}"
    routes = (
        (f"/artifacts/{{namespace}}/{{workflow}}/{tail}", _handler(OUTPUTS, uid=False)),
        (f"/input-artifacts/{{namespace}}/{{workflow}}/{tail}", _handler(INPUTS, uid=False)),
        (f"/artifacts-by-uid/{{uid}}/{tail}", _handler(OUTPUTS, uid=True)),
        (f"/input-artifacts-by-uid/{{uid}}/{tail}", _handler(INPUTS, uid=True)),
    )
    for path, handler in routes:
        # No HEAD: it would read the object from the store only to throw the bytes away.
        app.router.add_get(path, handler, allow_head=False)
    artifacts_files.setup(app)
