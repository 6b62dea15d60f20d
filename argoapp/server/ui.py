"""The web UI's side of the server: static files, the single page for every UI route, /logout.

`setup` reads every file of the package `argoapp.static` once, at start (through
`importlib.resources`, so it works from a wheel or a frozen binary alike), and serves them at
`GET /static/{path}` from memory with a content-hash ETag (`If-None-Match` answers 304),
`Cache-Control: no-cache` and the right content type. Nothing but those files is served: the
path is only ever a key of that table, so no request can reach the file system.

Every UI route (`/`, `/workflows…`, `/workflow-templates…`, `/submit`, `/login`, …) answers
`index.html`; the client-side router (static/js/router.js) decides what to draw. These answers
need no auth: the page's own API calls carry the token. index.html carries the server's auth
mode in `<meta name="argoapp-auth-mode">` (no API change: Argo's API has no field for it). A
browser navigation (it accepts text/html) to a GET path no route knows also gets `index.html`,
with status 404, so the UI shows its not-found page; API clients keep their JSON 404s.
`GET /logout` clears the httponly `authorization` cookie the login link set (the page cannot) and
sends the browser to /login.

Behind a reverse proxy at a sub-path (`--base-href /argo/`, ARGO_BASE_HREF), the proxy strips
the prefix, as for Argo's server: routes stay at the root, index.html gets `<base href="/argo/">`
(its links made relative to it) and the redirects sent to the browser carry the prefix.

`app.build_app` calls `setup`. This module must not touch Kubernetes or the store.
"""

from __future__ import annotations

import hashlib
import html
import mimetypes
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable

from aiohttp import web

from argoapp.server import auth
from argoapp.server.context import AUTH_MODE
from argoapp.server.errors import Handler

STATIC_PACKAGE = "argoapp.static"
INDEX = "index.html"
# The page runs only its own code and talks only to this server; default-src does not cover
# <base> or form targets, so those are pinned to this site too.
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}
# Fixed here rather than left to the platform's mime table, which varies between machines.
CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
    ".woff2": "font/woff2",
}
UI_PREFIXES = (
    "/workflows",
    "/archived-workflows",
    "/workflow-templates",
    "/cluster-workflow-templates",
    "/cron-workflows",
)
UI_PAGES = ("/", "/submit", "/login", "/userinfo")


@dataclass(frozen=True)
class StaticFile:
    """One served file: its bytes, content type and ETag."""

    body: bytes
    content_type: str
    etag: str


STATIC: web.AppKey[dict[str, StaticFile]] = web.AppKey("ui_static", dict)
# index.html as served: with the server's auth mode in a <meta>, built on first use.
PAGES: web.AppKey[dict[str, StaticFile]] = web.AppKey("ui_pages", dict)


def content_type(name: str) -> str:
    """The Content-Type header for a file called `name`."""
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    known = CONTENT_TYPES.get(suffix)
    if known:
        return known
    guessed, _ = mimetypes.guess_type(name)
    return guessed or "application/octet-stream"


def load_static(root: Traversable | None = None) -> dict[str, StaticFile]:
    """Every file under `root` (default: the package's static files) by its relative path."""
    table: dict[str, StaticFile] = {}
    stack: list[tuple[str, Traversable]] = [("", root or files(STATIC_PACKAGE))]
    while stack:
        prefix, folder = stack.pop()
        for entry in folder.iterdir():
            if entry.name.startswith((".", "__")):
                continue  # editor droppings, __pycache__, __init__.py
            path = prefix + entry.name
            if entry.is_dir():
                stack.append((path + "/", entry))
                continue
            body = entry.read_bytes()
            table[path] = StaticFile(body, content_type(entry.name), _etag_of(body))
    return table


def _etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:20] + '"'


def page_for(index: StaticFile, mode: str, base_href: str = "/") -> StaticFile:
    """index.html telling the page the server's auth mode, so no page has to find it out by
    provoking a 401 (the user page shows it; the login page says when no token is needed), and
    under which path it is served: `<base href>`, with the files it links made relative to it
    (the scripts derive every other path from document.baseURI)."""
    head = (
        f'<base href="{html.escape(base_href)}">\n'
        f'<meta name="argoapp-auth-mode" content="{html.escape(mode)}">\n'
    )
    body = index.body.replace(b"<head>\n", b"<head>\n" + head.encode(), 1)
    if base_href != "/":
        body = body.replace(b'="/static/', b'="static/')
    return StaticFile(body, index.content_type, _etag_of(body))


def _answer(
    request: web.Request, item: StaticFile, headers: dict[str, str], status: int = 200
) -> web.Response:
    headers = {**headers, "ETag": item.etag}
    if status == 200 and item.etag in _etags(request.headers.get("If-None-Match", "")):
        return web.Response(status=304, headers=headers)
    headers["Content-Type"] = item.content_type
    return web.Response(status=status, body=item.body, headers=headers)


def _etags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


async def _static(request: web.Request) -> web.Response:
    item = request.app[STATIC].get(request.match_info["path"])
    if item is None:
        raise web.HTTPNotFound(text="no such file", headers={"Cache-Control": "no-cache"})
    headers = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
    return _answer(request, item, headers)


def _index(request: web.Request, status: int = 200) -> web.Response:
    mode = request.app.get(AUTH_MODE, "")
    item = request.app[PAGES].get(mode)
    if item is None:
        index = request.app[STATIC].get(INDEX)
        if index is None:
            raise web.HTTPNotFound(text="this build has no web UI")
        base_href = request.app[auth.BASE_HREF]
        item = request.app[PAGES][mode] = page_for(index, mode, base_href)
    return _answer(request, item, PAGE_HEADERS, status)


async def _page(request: web.Request) -> web.Response:
    return _index(request)


async def _logout(request: web.Request) -> web.Response:
    location = request.app[auth.BASE_HREF] + "login"
    response = web.Response(status=302, headers={"Location": location, "Cache-Control": "no-cache"})
    response.del_cookie(auth.AUTH_COOKIE, path="/")
    return response


def _is_navigation(request: web.Request) -> bool:
    """A browser asking for a page (not the API, not a file): it gets the UI's not-found page."""
    if request.method != "GET" or request.path.startswith(("/api/", "/static/")):
        return False
    return "text/html" in request.headers.get("Accept", "")


@web.middleware
async def not_found_page(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A browser's GET of a path no route has: the UI (status 404), which says so."""
    try:
        return await handler(request)
    except web.HTTPNotFound:
        if not _is_navigation(request) or INDEX not in request.app[STATIC]:
            raise
        return _index(request, status=404)


def setup(
    app: web.Application, static: dict[str, StaticFile] | None = None, base_href: str = "/"
) -> None:
    """Serve the UI: /static/…, index.html on every UI route, /logout, the not-found page;
    `base_href` is the path a reverse proxy serves it under (the proxy strips it)."""
    app[auth.BASE_HREF] = base_href
    app[STATIC] = load_static() if static is None else static
    app[PAGES] = {}
    app.router.add_get("/static/{path:.+}", _static)
    for path in UI_PAGES:
        app.router.add_get(path, _page)
    for prefix in UI_PREFIXES:
        app.router.add_get(prefix, _page)
        app.router.add_get(prefix + "/{tail:.*}", _page)
    app.router.add_get("/logout", _logout)
    app.middlewares.append(not_found_page)
