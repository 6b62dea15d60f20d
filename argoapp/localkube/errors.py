"""Kubernetes API errors as localkube raises them and serves them.

    ApiError(code, reason, message)          any failed request; `status()` is its wire `Status`
      ├── BadRequest        400 BadRequest
      ├── Unauthorized      401 Unauthorized
      ├── Forbidden         403 Forbidden       (protected or terminating namespaces)
      ├── NotFound          404 NotFound
      ├── MethodNotAllowed  405 MethodNotAllowed
      ├── Conflict          409 Conflict        (stale resourceVersion)
      ├── AlreadyExists     409 AlreadyExists   (duplicate name)
      ├── Gone              410 Expired         (watch or continue from a compacted resourceVersion)
      ├── TooLarge          413 RequestEntityTooLarge
      ├── UnsupportedMedia  415 UnsupportedMediaType
      └── Invalid           422 Invalid         (names, types, immutable fields)

The API server turns any of these into an HTTP response with the `Status` body; watch streams
send `Gone` as an ERROR event. Nothing else may escape a handler: unexpected exceptions become a
500 `Status` without a traceback.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A failed API request, carrying what Kubernetes puts in a `Status` object."""

    code = 500
    reason = "InternalError"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def status(self) -> dict[str, Any]:
        """The `Status` object a client receives."""
        body: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.details:
            body["details"] = self.details
        return body


class BadRequest(ApiError):
    code, reason = 400, "BadRequest"


class Unauthorized(ApiError):
    code, reason = 401, "Unauthorized"


class Forbidden(ApiError):
    code, reason = 403, "Forbidden"


class NotFound(ApiError):
    code, reason = 404, "NotFound"


class MethodNotAllowed(ApiError):
    code, reason = 405, "MethodNotAllowed"


class Conflict(ApiError):
    code, reason = 409, "Conflict"


class AlreadyExists(ApiError):
    code, reason = 409, "AlreadyExists"


class Gone(ApiError):
    code, reason = 410, "Expired"


class TooLarge(ApiError):
    code, reason = 413, "RequestEntityTooLarge"


class UnsupportedMedia(ApiError):
    code, reason = 415, "UnsupportedMediaType"


class Invalid(ApiError):
    code, reason = 422, "Invalid"


def not_found(resource: str, name: str, group: str = "") -> NotFound:
    """The 404 a real API server gives for a named object, with its details."""
    qualified = f"{resource}.{group}" if group else resource
    return NotFound(
        f'{qualified} "{name}" not found',
        details={"name": name, "group": group, "kind": resource},
    )
