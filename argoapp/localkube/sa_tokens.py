"""ServiceAccount tokens localkube issues itself: HS256 JWTs, as the TokenRequest API returns.

`issue` signs the claims a real API server puts in a bound token (issuer, subject
`system:serviceaccount:NS:NAME`, audiences, expiry, the ServiceAccount's name and uid);
`verify` checks a token's signature and expiry and returns its claims. The signing key is
derived from localkube's admin token (`signing_key`), so tokens stay valid across restarts and
a new admin token revokes them all. Pure functions over the standard library; whether the
ServiceAccount still exists is `rbac`'s check, not this module's.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

_HEADER = {"alg": "HS256", "typ": "JWT", "kid": "localkube"}


def signing_key(admin_token: str) -> bytes:
    """The key tokens are signed with, from the admin token."""
    return hashlib.sha256(b"localkube-serviceaccount-signing:" + admin_token.encode()).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _encode(obj: Any) -> str:
    return _b64(json.dumps(obj, separators=(",", ":"), sort_keys=True).encode())


def issue(
    key: bytes,
    *,
    issuer: str,
    namespace: str,
    name: str,
    uid: str,
    audiences: list[str],
    issued_at: int,
    expires_at: int,
    extra: dict[str, Any] | None = None,
) -> str:
    """A signed token for ServiceAccount `namespace/name` (with `extra` claims added)."""
    claims = {
        "iss": issuer,
        "sub": f"system:serviceaccount:{namespace}:{name}",
        "aud": audiences,
        "iat": issued_at,
        "nbf": issued_at,
        "exp": expires_at,
        "kubernetes.io": {"namespace": namespace, "serviceaccount": {"name": name, "uid": uid}},
        **(extra or {}),
    }
    signed = f"{_encode(_HEADER)}.{_encode(claims)}"
    signature = hmac.new(key, signed.encode(), hashlib.sha256).digest()
    return f"{signed}.{_b64(signature)}"


def verify(key: bytes, token: str, now: float) -> dict[str, Any] | None:
    """The claims of a token signed with `key` and not expired, else None."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    expected = hmac.new(key, f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest()
    try:
        if not hmac.compare_digest(expected, _unb64(parts[2])):
            return None
        claims = json.loads(_unb64(parts[1]))
    except ValueError:
        return None
    if not isinstance(claims, dict):
        return None
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or exp <= now:
        return None
    return claims
