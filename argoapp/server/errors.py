"""Argo Server's error bodies: `{"code": <gRPC code>, "message": "…", "details": []}` with the
HTTP status grpc-gateway (v1) gives that code.

Route handlers raise `ApiError` for what they detect themselves and let the others travel:
a `KubeError` becomes the code Argo's `ToStatusError` picks for its HTTP status (404 NotFound,
409 AlreadyExists, 403 PermissionDenied, other 4xx InvalidArgument, 5xx Internal, no answer
Unavailable); a `ValidationError` or `OperationError` from the engine is InvalidArgument (or the
code it carries); any other `ArgoappError` is Internal with its message; anything else is
Internal with a fixed message and a log line, never a traceback to the client.
`error_middleware` does this for every route; `app.py` installs it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from enum import IntEnum

from aiohttp import web

from argoapp.engine.operations import OperationError
from argoapp.engine.validate import ValidationError
from argoapp.errors import ArgoappError
from argoapp.kube.errors import KubeError

log = logging.getLogger(__name__)


class Code(IntEnum):
    """gRPC status codes (google.golang.org/grpc/codes)."""

    OK = 0
    CANCELED = 1
    UNKNOWN = 2
    INVALID_ARGUMENT = 3
    DEADLINE_EXCEEDED = 4
    NOT_FOUND = 5
    ALREADY_EXISTS = 6
    PERMISSION_DENIED = 7
    RESOURCE_EXHAUSTED = 8
    FAILED_PRECONDITION = 9
    ABORTED = 10
    OUT_OF_RANGE = 11
    UNIMPLEMENTED = 12
    INTERNAL = 13
    UNAVAILABLE = 14
    DATA_LOSS = 15
    UNAUTHENTICATED = 16


# grpc-gateway v1's HTTPStatusFromCode.
HTTP_STATUS = {
    Code.OK: 200,
    Code.CANCELED: 408,
    Code.UNKNOWN: 500,
    Code.INVALID_ARGUMENT: 400,
    Code.DEADLINE_EXCEEDED: 504,
    Code.NOT_FOUND: 404,
    Code.ALREADY_EXISTS: 409,
    Code.PERMISSION_DENIED: 403,
    Code.RESOURCE_EXHAUSTED: 429,
    Code.FAILED_PRECONDITION: 400,
    Code.ABORTED: 409,
    Code.OUT_OF_RANGE: 400,
    Code.UNIMPLEMENTED: 501,
    Code.INTERNAL: 500,
    Code.UNAVAILABLE: 503,
    Code.DATA_LOSS: 500,
    Code.UNAUTHENTICATED: 401,
}

# Argo's server/utils ToStatusError: the Kubernetes HTTP status -> the gRPC code.
_FROM_KUBE_STATUS = {
    400: Code.INVALID_ARGUMENT,
    401: Code.UNAUTHENTICATED,
    403: Code.PERMISSION_DENIED,
    404: Code.NOT_FOUND,
    408: Code.CANCELED,
    409: Code.ALREADY_EXISTS,
    429: Code.RESOURCE_EXHAUSTED,
    501: Code.UNIMPLEMENTED,
    503: Code.UNAVAILABLE,
    504: Code.DEADLINE_EXCEEDED,
}

_OPERATION_CODES = {
    "InvalidArgument": Code.INVALID_ARGUMENT,
    "FailedPrecondition": Code.FAILED_PRECONDITION,
}


class ApiError(ArgoappError):
    """An error the API answers with as it is: a gRPC code and Argo's message."""

    def __init__(self, code: Code, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def invalid(message: str) -> ApiError:
    return ApiError(Code.INVALID_ARGUMENT, message)


def from_kube(e: KubeError) -> ApiError:
    """The API error for a failed Kubernetes request."""
    if e.status == 0:
        return ApiError(Code.UNAVAILABLE, e.message)
    code = _FROM_KUBE_STATUS.get(e.status)
    if code is None:
        code = Code.INTERNAL if e.status >= 500 or e.status < 400 else Code.INVALID_ARGUMENT
    return ApiError(code, e.message)


def to_api_error(e: BaseException) -> ApiError:
    """Any exception as the body the client gets."""
    if isinstance(e, ApiError):
        return e
    if isinstance(e, KubeError):
        return from_kube(e)
    if isinstance(e, OperationError):
        return ApiError(_OPERATION_CODES.get(e.code, Code.INVALID_ARGUMENT), str(e))
    if isinstance(e, ValidationError):
        return ApiError(Code.INVALID_ARGUMENT, str(e))
    if isinstance(e, ArgoappError):
        return ApiError(Code.INTERNAL, str(e))
    log.exception("unexpected error in the API server", exc_info=e)
    return ApiError(Code.INTERNAL, f"internal error: {type(e).__name__}")


def error_response(e: ApiError) -> web.Response:
    body = {"code": int(e.code), "message": e.message, "details": []}
    return web.json_response(body, status=HTTP_STATUS[e.code])


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn every failure into Argo's JSON error body."""
    try:
        return await handler(request)
    except web.HTTPException as e:
        if e.status < 400:
            raise
        if e.status == 404:
            return error_response(ApiError(Code.NOT_FOUND, "Not Found"))
        if e.status == 405:
            return error_response(ApiError(Code.UNIMPLEMENTED, "Method Not Allowed"))
        if e.status == 413:
            return error_response(ApiError(Code.RESOURCE_EXHAUSTED, "request body too large"))
        return error_response(ApiError(Code.INVALID_ARGUMENT, e.reason))
    except Exception as e:
        return error_response(to_api_error(e))
