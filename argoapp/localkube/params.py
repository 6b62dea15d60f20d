"""Query parameters and request bodies of the Kubernetes API, parsed at the HTTP edge.

The handlers in `handlers` and `streams` call these to turn a request into the plain values
`objects.ObjectService` takes. Parsing follows the real API server where clients notice:
booleans as Go's `strconv.ParseBool` reads them (kubernetes-asyncio sends `watch=True`),
`dryRun` only as `All`, bodies as JSON or YAML by their content type. Anything malformed is a
`BadRequest` (400) naming the parameter; a body of a media type we do not read is
`UnsupportedMedia` (415). Nothing here knows about storage or resources.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import yaml
from aiohttp import hdrs, web

from argoapp.localkube import patching, protobuf
from argoapp.localkube.errors import BadRequest, UnsupportedMedia
from argoapp.localkube.podlogs import LogOptions

JSON = "application/json"
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml")
_TRUE = ("1", "t", "T", "TRUE", "true", "True")
_FALSE = ("0", "f", "F", "FALSE", "false", "False")


class _YamlLoader(yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader):  # type: ignore[misc]
    """Safe YAML without timestamp resolution: `creationTimestamp` stays a string, as in JSON."""


_YamlLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def flag(query: Any, name: str, default: bool = False) -> bool:
    """A boolean query parameter, read as Go's `strconv.ParseBool` reads it."""
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise BadRequest(f"invalid value {raw!r} for query parameter {name!r}: not a boolean")


def optional_flag(query: Any, name: str) -> bool | None:
    """A boolean query parameter, or None when it is absent."""
    return None if query.get(name) in (None, "") else flag(query, name)


def integer(query: Any, name: str, *, minimum: int = 0) -> int | None:
    """A whole-number query parameter, or None when it is absent."""
    raw = query.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(
            f"invalid value {raw!r} for query parameter {name!r}: not an integer"
        ) from None
    if value < minimum:
        raise BadRequest(f"invalid value {raw!r} for query parameter {name!r}: below {minimum}")
    return value


def dry_run(query: Any) -> bool:
    """`dryRun=All` (possibly repeated); any other value is refused, as upstream does."""
    values = query.getall("dryRun", [])
    for value in values:
        if value != "All":
            raise BadRequest(f"Invalid dry run value {value!r}: only 'All' is supported")
    return bool(values)


@dataclass(frozen=True)
class ListQuery:
    """The query of a list or watch request."""

    label_selector: str = ""
    field_selector: str = ""
    limit: int = 0
    continue_token: str = ""
    resource_version: str = ""
    watch: bool = False
    timeout_seconds: int | None = None
    allow_bookmarks: bool = False
    send_initial_events: bool | None = None


def list_query(query: Any) -> ListQuery:
    """Parse list/watch parameters; `fieldManager`, `resourceVersionMatch`… are accepted."""
    return ListQuery(
        label_selector=query.get("labelSelector", ""),
        field_selector=query.get("fieldSelector", ""),
        limit=integer(query, "limit") or 0,
        continue_token=query.get("continue", ""),
        resource_version=query.get("resourceVersion", ""),
        watch=flag(query, "watch"),
        timeout_seconds=integer(query, "timeoutSeconds"),
        allow_bookmarks=flag(query, "allowWatchBookmarks"),
        send_initial_events=optional_flag(query, "sendInitialEvents"),
    )


def log_options(query: Any) -> LogOptions:
    """The query of `pods/NAME/log` as `LogOptions`."""
    since_seconds = integer(query, "sinceSeconds", minimum=1)
    since_time = query.get("sinceTime") or None
    if since_seconds is not None and since_time is not None:
        raise BadRequest("at most one of sinceTime or sinceSeconds may be specified")
    return LogOptions(
        container=query.get("container", ""),
        follow=flag(query, "follow"),
        tail_lines=integer(query, "tailLines"),
        since_seconds=since_seconds,
        since_time=since_time,
        timestamps=flag(query, "timestamps"),
        limit_bytes=integer(query, "limitBytes", minimum=1),
        previous=flag(query, "previous"),
    )


def decode(raw: bytes, media_type: str) -> Any:
    """A body as JSON or YAML by its media type; 400 when it does not parse."""
    if media_type in YAML_TYPES or media_type == patching.APPLY:
        try:
            data = yaml.load(raw, Loader=_YamlLoader)  # a safe loader, without timestamps
        except yaml.YAMLError as exc:
            raise BadRequest(f"the request body is not valid YAML: {_one_line(exc)}") from None
        _check_json_like(data, "")
        return data
    try:
        return json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"the request body is not valid JSON: {exc}") from None


def _check_json_like(node: Any, where: str) -> None:
    """YAML can say more than JSON (integer keys, binary, sets): refuse what JSON cannot."""
    if isinstance(node, dict):
        for key, value in node.items():
            if not isinstance(key, str):
                raise BadRequest(f"the request body has a non-string key {key!r} at {where or '/'}")
            _check_json_like(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _check_json_like(value, f"{where}/{i}")
    elif not (node is None or isinstance(node, str | int | float | bool)):
        raise BadRequest(f"the request body has a value JSON cannot carry at {where or '/'}")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


def _media_type(request: web.Request) -> str:
    """The request's media type, lower-cased; JSON when the client sent no Content-Type."""
    if hdrs.CONTENT_TYPE not in request.headers:
        return JSON
    return request.content_type.lower()


async def object_body(request: web.Request) -> Any:
    """The body of a create or replace: JSON, YAML, or protobuf for what kubectl sends so."""
    media = _media_type(request)
    if media == protobuf.MEDIA_TYPE:
        return protobuf.decode_object(await request.read())
    if media != JSON and media not in YAML_TYPES:
        raise UnsupportedMedia(
            f"the body of the request was in an unknown format ({media}) - accepted media "
            f"types include: {JSON}, {', '.join(YAML_TYPES)}"
        )
    raw = await request.read()
    if not raw.strip():
        raise BadRequest("the request body is empty")
    return decode(raw, media)


async def patch_body(request: web.Request) -> tuple[str, Any]:
    """The media type and decoded body of a PATCH; 415 for a patch type we do not know."""
    media = request.content_type.lower()
    if media not in patching.PATCH_TYPES:
        raise UnsupportedMedia(
            f"the body of the request was in an unknown format ({media}) - accepted media "
            f"types include: {', '.join(patching.PATCH_TYPES)}"
        )
    raw = await request.read()
    if not raw.strip():
        raise BadRequest("the patch body is empty")
    return media, decode(raw, media)


@dataclass(frozen=True)
class DeleteOptions:
    """What a DELETE asks for, from its `DeleteOptions` body and its query."""

    propagation_policy: str | None = None
    grace_period_seconds: int | None = None
    preconditions: dict[str, Any] | None = None
    dry_run: bool = False


async def delete_options(request: web.Request) -> DeleteOptions:
    """DeleteOptions from the body (if any), with query parameters as the fallback."""
    body: Any = {}
    raw = await request.read()
    if raw.strip():
        body = decode(raw, _media_type(request))
    if not isinstance(body, dict):
        raise BadRequest("the DeleteOptions body must be a JSON object")
    if body.get("kind") not in (None, "", "DeleteOptions"):
        raise BadRequest(f"the body must be DeleteOptions, not {body.get('kind')}")
    query = request.query
    policy = body.get("propagationPolicy") or query.get("propagationPolicy") or None
    grace = body.get("gracePeriodSeconds")
    if grace is None:
        grace = integer(query, "gracePeriodSeconds")
    preconditions = body.get("preconditions")
    if not isinstance(policy, str | None):
        raise BadRequest("DeleteOptions: propagationPolicy must be a string")
    if isinstance(grace, bool) or not isinstance(grace, int | None):
        raise BadRequest("DeleteOptions: gracePeriodSeconds must be an integer")
    if not isinstance(preconditions, dict | None):
        raise BadRequest("DeleteOptions: preconditions must be an object")
    dry = dry_run(query) or body.get("dryRun") == ["All"]
    return DeleteOptions(policy, grace, preconditions, dry)
