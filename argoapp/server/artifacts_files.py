"""`/artifact-files/…`: browsing an artifact as Argo's UI does (files, directories, logs).

`GET /artifact-files/{ns}/{workflows|archived-workflows}/{name|uid}/{nodeId}/{outputs|inputs}/
{artifact}[/{path…}]`. The workflow is the live one of that name (else the newest archived
one) or the archived one of that uid (in that namespace); the artifact is found and located as
for `/artifacts` (`artifacts_locate`), and `path` is joined onto its key. Then, as Argo's
artifact server:
- a file is streamed with its name and type (`main-logs`, the archived log, is one);
- a directory asked for without a trailing slash is a 307 to the same URL with one; with the
  slash, an HTML listing of its entries (names escaped, links relative), or a 307 to its
  `index.html` when it has one;
- beyond Argo: a tarball (`.tgz`, the default archive) is looked into (`artifacts_tar`): the
  tarball of one file serves that file, that of a directory browses as the directory.
A path that would leave the artifact (`..`) is a 400. Called through `artifacts.setup`.
"""

from __future__ import annotations

import html
import posixpath
from functools import partial
from urllib.parse import quote

from aiohttp import web

from argoapp.artifacts import resolve
from argoapp.model.types import Obj
from argoapp.server.artifacts_locate import INPUTS, OUTPUTS, Located, by_uid, live_or_archived
from argoapp.server.artifacts_locate import locate as locate_artifact
from argoapp.server.artifacts_serve import blocking, file_headers, html_page, stream
from argoapp.server.artifacts_tar import FILE, MISSING, is_tarball, open_reader
from argoapp.server.errors import ApiError, Code, invalid

ROUTE = "/artifact-files/{namespace}/{archive}/{id}/{node}/{direction}/{artifact}"


def setup(app: web.Application) -> None:
    """Register the route, with and without a path inside the artifact."""
    app.router.add_get(ROUTE, artifact_file, allow_head=False)
    app.router.add_get(ROUTE + "/{path:.*}", artifact_file, allow_head=False)


def inner_path(raw: str) -> str:
    """The path inside the artifact, cleaned; a 400 when it would leave the artifact."""
    parts = [p for p in raw.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise invalid(f"the path {raw!r} leaves the artifact")
    return "/".join(parts)


async def _workflow(request: web.Request) -> Obj:
    m = request.match_info
    if m["archive"] == "workflows":
        return await live_or_archived(request, m["namespace"], m["id"])
    if m["archive"] == "archived-workflows":
        return await by_uid(request, m["id"], m["namespace"])
    raise invalid(f"{m['archive']} is neither workflows nor archived-workflows")


async def artifact_file(request: web.Request) -> web.StreamResponse:
    m = request.match_info
    if m["direction"] not in (OUTPUTS, INPUTS):
        raise invalid(f"{m['direction']} is neither outputs nor inputs")
    raw = m.get("path")  # None: nothing after the artifact's name, not even a slash
    listing = raw is not None and (raw == "" or raw.endswith("/"))
    path = inner_path(raw or "")
    wf = await _workflow(request)
    located = await locate_artifact(request, wf, m["node"], m["artifact"], m["direction"])
    if is_tarball(located.key):
        return await _in_tarball(request, located, path, listing=listing)
    target = _within(located, path)
    if not listing:
        if not await target.is_directory():
            body = await target.open()
            return await stream(request, target.name, body, file_headers(target.key))
        raise _to_directory(request)
    entries = _entries(await target.list())
    if "index.html" in entries:
        raise web.HTTPTemporaryRedirect("index.html")
    return await html_page(request, listing_page(entries))


def _within(located: Located, path: str) -> Located:
    """The artifact's location with `path` joined onto its key."""
    if not path:
        return located
    art = resolve.relocate({**located.art, "subPath": path}, None)
    return Located(located.name, art, located.driver)


def _to_directory(request: web.Request) -> web.HTTPTemporaryRedirect:
    """A 307 to the same URL with a trailing slash (relative, so a base href is kept)."""
    last = request.rel_url.raw_path.rstrip("/").rsplit("/", 1)[-1]
    query = request.rel_url.raw_query_string
    return web.HTTPTemporaryRedirect(f"{last}/" + (f"?{query}" if query else ""))


def _entries(paths: list[str]) -> list[str]:
    """The entries of a directory from the paths under it: files, and `sub/` once per
    subdirectory."""
    found: set[str] = set()
    for path in paths:
        head, sep, _ = path.strip("/").partition("/")
        if head:
            found.add(head + "/" if sep or path.endswith("/") else head)
    return sorted(found)


def listing_page(entries: list[str]) -> str:
    """The HTML directory listing: a relative link per entry, names escaped."""
    items = ['<li><a href="..">..</a></li>']
    for entry in entries:
        href = html.escape("./" + quote(entry), quote=True)
        items.append(f'<li><a href="{href}">{html.escape(entry)}</a></li>')
    return "<html><body><ul>\n" + "\n".join(items) + "\n</ul></body></html>"


async def _in_tarball(
    request: web.Request, located: Located, path: str, *, listing: bool
) -> web.StreamResponse:
    """A file or directory inside a tarball artifact, read as it streams from the store."""
    name = located.name
    opened = await located.open()
    reader = await blocking(name, open_reader, opened)
    try:
        found = await blocking(name, partial(reader.find, path, listing=listing))
        if found.kind == MISSING:
            where = f"{path} in artifact {name}" if path else f"anything in artifact {name}"
            raise ApiError(Code.NOT_FOUND, f"there is no {where}")
        if found.kind == FILE and found.member is not None:
            reader.select(found.member)
            file_name = posixpath.basename(found.member.name)
            served, reader = reader, None  # `stream` closes it
            return await stream(
                request, name, served, file_headers(file_name), size=found.member.size
            )
    finally:
        if reader is not None:
            await blocking(name, reader.close)
    if not listing:
        raise _to_directory(request)
    if "index.html" in _entries(found.entries):
        raise web.HTTPTemporaryRedirect("index.html")
    return await html_page(request, listing_page(_entries(found.entries)))
