"""Kubernetes API errors as argoapp's clients raise them.

Both clients (`client.Kube`, async, and `lite.LiteKube`, the executor's stdlib one) turn every
failed request into one of these, built from the `Status` body the API server sent:

    ArgoappError                    (argoapp.errors)
      └── KubeError(status, reason, message)    any failed request; status 0 = no HTTP answer
            ├── BadRequest          400
            ├── Unauthorized        401     (a missing, wrong or expired bearer token)
            ├── Forbidden           403
            ├── NotFound            404
            ├── Conflict            409 Conflict        (stale resourceVersion: reload, retry)
            ├── AlreadyExists       409 AlreadyExists   (the name is taken)
            ├── Gone                410 Expired         (watch/continue from a compacted version)
            ├── TooLarge            413
            ├── Invalid             422
            └── Unavailable         connection refused/reset, timeouts, 429 and 5xx: retryable

Callers catch the class that means something to them (`NotFound` on a get, `Conflict` to
recompute) and let the rest travel to the CLI or the API server, which print `message`.
This module must stay stdlib-only (plus argoapp.errors): it ships into pods with `lite`.
"""

from __future__ import annotations

import json
from typing import Any

from argoapp.errors import ArgoappError


class KubeError(ArgoappError):
    """A Kubernetes API request that failed; `status` is the HTTP code (0: no answer)."""

    default_status = 500
    default_reason = "InternalError"

    def __init__(self, message: str, *, status: int | None = None, reason: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.status = self.default_status if status is None else status
        self.reason = reason or self.default_reason

    def __str__(self) -> str:
        return self.message


class BadRequest(KubeError):
    default_status, default_reason = 400, "BadRequest"


class Unauthorized(KubeError):
    default_status, default_reason = 401, "Unauthorized"


class Forbidden(KubeError):
    default_status, default_reason = 403, "Forbidden"


class NotFound(KubeError):
    default_status, default_reason = 404, "NotFound"


class Conflict(KubeError):
    default_status, default_reason = 409, "Conflict"


class AlreadyExists(KubeError):
    default_status, default_reason = 409, "AlreadyExists"


class Gone(KubeError):
    default_status, default_reason = 410, "Expired"


class TooLarge(KubeError):
    default_status, default_reason = 413, "RequestEntityTooLarge"


class Invalid(KubeError):
    default_status, default_reason = 422, "Invalid"


class Unavailable(KubeError):
    """No usable answer: the connection failed or timed out, or the server said 429/5xx."""

    default_status, default_reason = 0, "ServiceUnavailable"


_BY_STATUS: dict[int, type[KubeError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    410: Gone,
    413: TooLarge,
    422: Invalid,
    429: Unavailable,
}


def from_status(status_code: int, body: Any) -> KubeError:
    """The error for an HTTP status and its body (a `Status` dict, JSON bytes/str, or other)."""
    status = _as_status(body)
    code = status.get("code") if isinstance(status.get("code"), int) else status_code
    if not code:
        code = status_code
    reason = str(status.get("reason") or "")
    message = str(status.get("message") or "") or _fallback_message(status_code, body)
    cls: type[KubeError]
    if code == 409:
        cls = AlreadyExists if reason == "AlreadyExists" else Conflict
    elif code >= 500:
        cls = Unavailable
    else:
        cls = _BY_STATUS.get(code, KubeError)
    return cls(message, status=code, reason=reason)


def _as_status(body: Any) -> dict[str, Any]:
    if isinstance(body, dict):
        return body
    if isinstance(body, bytes | bytearray):
        body = bytes(body).decode("utf-8", errors="replace")
    if isinstance(body, str) and body.lstrip().startswith("{"):
        try:
            parsed = json.loads(body)
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return {}


def _fallback_message(status_code: int, body: Any) -> str:
    if isinstance(body, bytes | bytearray):
        body = bytes(body).decode("utf-8", errors="replace")
    text = body.strip()[:200] if isinstance(body, str) else ""
    return f"the Kubernetes API answered {status_code}" + (f": {text}" if text else "")
