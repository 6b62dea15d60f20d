"""`GET /`: a small HTML page naming argoapp and its version, with links to the API and to
Argo's documentation, until the UI takes over this path.

It exists so that the login link `argoapp up` prints (`/?token=…`, which `auth.login` turns into
a cookie and a redirect to `/`) lands on a page rather than a 404. It needs no auth (it shows
nothing but the version, which `/api/v1/version` gives anyone) and touches nothing.
"""

from __future__ import annotations

from html import escape

from aiohttp import web

DOCS = "https://argo-workflows.readthedocs.io/en/latest/"

_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>argoapp</title></head>
<body>
<h1>argoapp</h1>
<p>Argo Workflows, version {version}. The web UI is not part of this build yet.</p>
<ul>
<li><a href="/api/v1/version">API version</a></li>
<li><a href="/api/v1/info">API info</a></li>
<li><a href="/api/v1/workflows/">Workflows (API, every namespace)</a></li>
<li><a href="{docs}">Argo Workflows documentation</a></li>
</ul>
</body>
</html>
"""


def setup(app: web.Application, version: str) -> None:
    """Serve the page at `/` for `version`."""
    body = _PAGE.format(version=escape(version), docs=escape(DOCS))

    async def home(request: web.Request) -> web.Response:
        return web.Response(text=body, content_type="text/html")

    app.router.add_get("/", home)
