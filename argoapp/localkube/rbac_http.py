"""RBAC on localkube's HTTP path: the auth middleware, TokenRequest and SelfSubjectAccessReview.

`apiserver.build_app` installs `auth_middleware` (every request needs a bearer token that
`rbac.Authorizer` knows, and a rule allowing what it asks; the admin token passes at once) and
mounts `routes()`:
- `POST /api/v1/namespaces/NS/serviceaccounts/NAME/token`: a TokenRequest, answered with a
  signed token for that ServiceAccount (`kubectl create token NAME`);
- `POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews`: whether the caller may do
  something (`kubectl auth can-i`).
`attributes` reads what a request does from its method and path the way the kube-apiserver's
RequestInfo does; it is a few string splits, because it runs on every request.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from argoapp.localkube import rbac, sa_tokens
from argoapp.localkube import resources as r
from argoapp.localkube.errors import BadRequest, Forbidden, Unauthorized, UnsupportedMedia
from argoapp.localkube.params import object_body

AUTHORIZER = web.AppKey("localkube_rbac", rbac.Authorizer)
SUBJECT = web.RequestKey("localkube_subject", rbac.Subject)
_WRITE_VERBS = {"POST": "create", "PUT": "update", "PATCH": "patch"}
_NAMESPACE_SUBRESOURCES = ("status", "finalize")
DEFAULT_TOKEN_SECONDS = 3600
MIN_TOKEN_SECONDS = 600
Obj = dict[str, Any]


def attributes(method: str, path: str, watch: bool) -> rbac.Attributes:
    """The verb, group, resource, subresource, namespace and name of a request."""
    parts = path.strip("/").split("/")
    if parts[0] == "api" and len(parts) > 2:
        group, rest = "", parts[2:]
    elif parts[0] == "apis" and len(parts) > 3:
        group, rest = parts[1], parts[3:]
    else:
        return rbac.Attributes(verb=_non_resource_verb(method), path=path)
    namespace = ""
    if rest[0] == "namespaces" and len(rest) > 1:
        namespace = rest[1]
        if len(rest) > 2 and rest[2] not in _NAMESPACE_SUBRESOURCES:
            rest = rest[2:]
    name = rest[1] if len(rest) > 1 else ""
    if method == "GET" or method == "HEAD":
        verb = "watch" if watch else ("get" if name else "list")
    elif method == "DELETE":
        verb = "delete" if name else "deletecollection"
    else:
        verb = _WRITE_VERBS.get(method, method.lower())
    return rbac.Attributes(
        verb=verb,
        group=group,
        resource=rest[0],
        subresource=rest[2] if len(rest) > 2 else "",
        namespace=namespace,
        name=name,
        path=path,
    )


def _non_resource_verb(method: str) -> str:
    return "get" if method in ("GET", "HEAD") else method.lower()


def _bearer(request: web.Request) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Authenticate the bearer token, then authorize the request with RBAC."""
    authorizer = request.app[AUTHORIZER]
    token = _bearer(request)
    if token and authorizer.is_admin(token):
        request[SUBJECT] = rbac.ADMIN
        return await handler(request)
    subject = await authorizer.authenticate(token) if token else None
    if subject is None:
        raise Unauthorized("Unauthorized")
    watch = request.query.get("watch", "") in ("1", "true", "True")
    a = attributes(request.method, request.path, watch)
    if not authorizer.allowed(token, subject, a):
        raise _forbidden(subject, a)
    request[SUBJECT] = subject
    return await handler(request)


def _forbidden(subject: rbac.Subject, a: rbac.Attributes) -> Forbidden:
    message = f'User "{subject.user}" cannot {a.describe()}'
    if a.resource:
        what = a.resource if not a.name else f'{a.resource} "{a.name}"'
        message = f"{what} is forbidden: {message}"
        details = {"name": a.name, "group": a.group, "kind": a.resource}
        return Forbidden(message, details=details)
    return Forbidden(f"forbidden: {message}")


def routes() -> list[web.RouteDef]:
    """The TokenRequest and SelfSubjectAccessReview endpoints."""
    return [
        web.post("/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token", _token_request),
        web.post("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", _access_review),
    ]


def _rfc3339(epoch: float) -> str:
    moment = datetime.datetime.fromtimestamp(int(epoch), datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


async def _spec(request: web.Request) -> Obj:
    """A TokenRequest's spec; one kubectl sends as protobuf (not decoded here) takes defaults."""
    try:
        body = await object_body(request)
    except (BadRequest, UnsupportedMedia, ValueError):
        return {}
    spec = body.get("spec") if isinstance(body, dict) else None
    return spec if isinstance(spec, dict) else {}


async def _token_request(request: web.Request) -> web.Response:
    """Issue a token for the ServiceAccount in the path (it must exist)."""
    authorizer = request.app[AUTHORIZER]
    namespace, name = request.match_info["namespace"], request.match_info["name"]
    account = await authorizer.service.get(r.SERVICEACCOUNTS, namespace, name)
    spec = await _spec(request)
    seconds = spec.get("expirationSeconds") or DEFAULT_TOKEN_SECONDS
    if not isinstance(seconds, int) or seconds < MIN_TOKEN_SECONDS:
        raise BadRequest(f"spec.expirationSeconds: must be at least {MIN_TOKEN_SECONDS}")
    audiences = [a for a in spec.get("audiences") or [rbac.ISSUER] if isinstance(a, str)]
    now = int(time.time())
    token = sa_tokens.issue(
        authorizer.signing_key,
        issuer=rbac.ISSUER,
        namespace=namespace,
        name=name,
        uid=str(account["metadata"].get("uid", "")),
        audiences=audiences,
        issued_at=now,
        expires_at=now + seconds,
    )
    answer = {
        "kind": "TokenRequest",
        "apiVersion": "authentication.k8s.io/v1",
        "metadata": {"name": name, "namespace": namespace, "creationTimestamp": _rfc3339(now)},
        "spec": {"audiences": audiences, "expirationSeconds": seconds, "boundObjectRef": None},
        "status": {"token": token, "expirationTimestamp": _rfc3339(now + seconds)},
    }
    return web.json_response(answer, status=201)


async def _access_review(request: web.Request) -> web.Response:
    """Answer whether the caller may do what the review's spec describes."""
    authorizer = request.app[AUTHORIZER]
    subject: rbac.Subject = request[SUBJECT]
    body = await object_body(request)
    spec = body.get("spec") if isinstance(body.get("spec"), dict) else None
    if spec is None:
        raise BadRequest("spec: Required value")
    resource, non_resource = spec.get("resourceAttributes"), spec.get("nonResourceAttributes")
    if isinstance(resource, dict):
        a = rbac.Attributes(
            verb=str(resource.get("verb") or ""),
            group=str(resource.get("group") or ""),
            resource=str(resource.get("resource") or ""),
            subresource=str(resource.get("subresource") or ""),
            namespace=str(resource.get("namespace") or ""),
            name=str(resource.get("name") or ""),
        )
    elif isinstance(non_resource, dict):
        a = rbac.Attributes(
            verb=str(non_resource.get("verb") or ""), path=str(non_resource.get("path") or "")
        )
    else:
        raise BadRequest("spec: exactly one of resourceAttributes or nonResourceAttributes")
    allowed = authorizer.allowed(_bearer(request), subject, a)
    status: Obj = {"allowed": allowed}
    answer = {
        "kind": "SelfSubjectAccessReview",
        "apiVersion": "authorization.k8s.io/v1",
        "metadata": {"creationTimestamp": None},
        "spec": spec,
        "status": status,
    }
    return web.json_response(answer, status=201)
