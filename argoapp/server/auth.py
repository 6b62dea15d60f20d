"""Argo Server's auth modes: whose Kubernetes identity a request acts with.

- `server`: every request acts as the server itself (its own client); no token is read.
- `client`: the caller's bearer token is what the server presents to Kubernetes, so
  Kubernetes RBAC decides. The token is read from the `Authorization: Bearer X` header (an empty
  header is no token) or, failing that, from the `authorization` cookie (which Argo's UI and the
  login link set, holding `Bearer X`: quoted by the login link, bare as Argo's UI writes it).
  No token is 401 Unauthenticated in Argo's body; a token Kubernetes refuses comes back as 401,
  a request its RBAC denies as 403 PermissionDenied (`errors.from_kube` maps both).

`context.kube_for` asks `client_for` here; `TokenClients` keeps one `Kube.with_token` client per
token (they share the server's connection pool), bounded and dropped on shutdown. `login` is the
Jupyter-style link `argoapp up` prints: any non-API GET carrying `?token=X` sets the cookie and
redirects to the same page without the token; the UI's login page navigates to
`/login?token=X&redirect=/path?query`, which lands on that path when it is on this site (else
`/`). `/logout` (in `ui`) clears the cookie. `/healthz` and `/api/v1/version` never call
`kube_for`, so they answer without auth in every mode; `/metrics` and the InfoService check for a
token themselves (`metrics`, `info`).
"""

from __future__ import annotations

from collections import OrderedDict
from urllib.parse import unquote

from aiohttp import web

from argoapp.kube.client import Kube
from argoapp.server.errors import ApiError, Code, Handler

AUTH_COOKIE = "authorization"
# The path a reverse proxy serves this server under ("/argo/"; "/" without one): the proxy
# strips it from requests, so only what goes back to the browser (redirects) carries it.
BASE_HREF = web.AppKey("base_href", str)
MAX_CLIENTS = 256
# Argo's wording for a request its modes cannot authenticate.
NO_TOKEN = "token not valid. see https://argo-workflows.readthedocs.io/en/latest/faq/"


class TokenClients:
    """One Kubernetes client per caller token, the least recently used dropped past a bound."""

    def __init__(self, kube: Kube, limit: int = MAX_CLIENTS) -> None:
        self._kube = kube
        self._limit = limit
        self._clients: OrderedDict[str, Kube] = OrderedDict()

    def get(self, token: str) -> Kube:
        """The client acting with `token`."""
        client = self._clients.get(token)
        if client is None:
            client = self._clients[token] = self._kube.with_token(token)
            while len(self._clients) > self._limit:
                self._clients.popitem(last=False)  # shares the pool: nothing to close
        else:
            self._clients.move_to_end(token)
        return client

    async def close(self) -> None:
        """Forget every client (the shared pool is the server client's to close)."""
        clients, self._clients = list(self._clients.values()), OrderedDict()
        for client in clients:
            await client.close()


TOKEN_CLIENTS = web.AppKey("token_clients", TokenClients)


def request_token(request: web.Request) -> str:
    """The caller's bearer token from the header, else the cookie; "" when there is none."""
    header = request.headers.get("Authorization", "").strip()
    if header:
        return _strip_scheme(header)
    cookie = request.cookies.get(AUTH_COOKIE, "")
    token = _strip_scheme(unquote(cookie).strip()) if cookie else ""
    if token:
        return token
    # Argo's UI writes the cookie from JS as `authorization=Bearer X`, a bare space the cookie
    # parser stops at (leaving "Bearer" or nothing): read that pair from the raw header.
    raw = _raw_cookie(request.headers.getall("Cookie", []))
    return _strip_scheme(unquote(raw).strip()) if raw else ""


def _raw_cookie(headers: list[str]) -> str:
    """The `authorization` value in raw Cookie headers, taken as it is up to the next `;`."""
    for header in headers:
        for pair in header.split(";"):
            name, eq, value = pair.partition("=")
            if eq and name.strip() == AUTH_COOKIE:
                return value.strip().removeprefix('"').removesuffix('"')
    return ""


def _strip_scheme(value: str) -> str:
    scheme, _, rest = value.partition(" ")
    if scheme.lower() == "bearer":
        return rest.strip()
    return "" if rest else value  # another scheme (Basic, SSO's v2:) is not a Kubernetes token


def client_for(request: web.Request) -> Kube:
    """The client-mode client of this request; Unauthenticated when it carries no token."""
    token = request_token(request)
    if not token:
        raise ApiError(Code.UNAUTHENTICATED, NO_TOKEN)
    return request.app[TOKEN_CLIENTS].get(token)


@web.middleware
async def login(request: web.Request, handler: Handler) -> web.StreamResponse:
    """`GET /?token=X` (any page but the API): keep X in the cookie, then show the page
    (`/login?token=X&redirect=P`: show P)."""
    token = request.query.get("token", "")
    if request.method != "GET" or not token or request.path.startswith("/api/"):
        return await handler(request)
    query = request.rel_url.query.copy()
    del query["token"]
    if request.path == "/login":
        location = same_site(query.get("redirect", ""))
    else:
        location = str(request.rel_url.with_path(request.path).with_query(query))
    location = request.app.get(BASE_HREF, "/") + location.removeprefix("/")
    response = web.Response(status=302, headers={"Location": location})
    response.set_cookie(
        AUTH_COOKIE,
        f"Bearer {token}",
        path="/",
        httponly=True,
        samesite="Strict",
        secure=request.secure,
    )
    return response


def same_site(target: str) -> str:
    """`target` when it is a path on this site (`/…`, not `//host…`), else `/`."""
    on_site = target.startswith("/") and not target.startswith(("//", "/\\"))
    # no control characters: nothing to split the Location header on
    if on_site and all(ch >= " " and ch != "\x7f" for ch in target):
        return target
    return "/"


def setup(app: web.Application, kube: Kube, mode: str) -> None:
    """Install client mode's per-token clients (and their cleanup) and the login link."""
    if mode != "client":
        return
    clients = TokenClients(kube)
    app[TOKEN_CLIENTS] = clients
    app.middlewares.append(login)

    async def close(_: web.Application) -> None:
        await clients.close()

    app.on_cleanup.append(close)
