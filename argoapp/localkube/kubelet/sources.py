"""The ConfigMaps and Secrets a pod refers to, and its ServiceAccount token, once per start.

The pod worker calls `fetch` before it builds a container's environment (`env`) and volumes
(`volumes`), so those two stay pure and are tested without an API. The token comes from the
kubelet's `accounts.AccountTokens` (cached per namespace and account, not read per pod).
`key_data` is the one place that turns a ConfigMap's `data`/`binaryData` or a Secret's
base64 `data` into bytes.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from argoapp.localkube import resources as r
from argoapp.localkube.errors import NotFound
from argoapp.localkube.kubelet.accounts import AccountTokens, account_of
from argoapp.localkube.objects import ObjectService

Obj = dict[str, Any]


@dataclass
class Sources:
    """What was found of the referenced objects; a name mapped to None does not exist."""

    namespace: str
    configmaps: dict[str, Obj | None] = field(default_factory=dict)
    secrets: dict[str, Obj | None] = field(default_factory=dict)
    # the pod's ServiceAccount and its token ("" when no `AccountTokens` was given: then the
    # pod gets an empty token file, never localkube's admin token)
    account: str = "default"
    account_token: str = ""


def key_data(obj: Obj, secret: bool) -> dict[str, bytes]:
    """Every key of a ConfigMap or Secret with its value as bytes."""
    out: dict[str, bytes] = {}
    if secret:
        for key, value in (obj.get("data") or {}).items():
            out[key] = _b64(value)
        for key, value in (obj.get("stringData") or {}).items():
            out[key] = str(value).encode()
        return out
    for key, value in (obj.get("data") or {}).items():
        out[key] = str(value).encode()
    for key, value in (obj.get("binaryData") or {}).items():
        out[key] = _b64(value)
    return out


def _b64(value: Any) -> bytes:
    try:
        return base64.b64decode(str(value), validate=False)
    except (binascii.Error, ValueError):
        return str(value).encode()


def referenced(pod: Obj) -> tuple[set[str], set[str]]:
    """The names of the ConfigMaps and Secrets the pod's env, envFrom and volumes use."""
    configmaps: set[str] = set()
    secrets: set[str] = set()
    for ref_kind, name in _references(pod):
        (secrets if ref_kind == "secret" else configmaps).add(name)
    return configmaps, secrets


def _references(pod: Obj) -> Iterator[tuple[str, str]]:
    spec = pod.get("spec") or {}
    for container in (*(spec.get("initContainers") or []), *(spec.get("containers") or [])):
        for var in container.get("env") or []:
            source = var.get("valueFrom") or {}
            if source.get("configMapKeyRef"):
                yield "configmap", str(source["configMapKeyRef"].get("name", ""))
            if source.get("secretKeyRef"):
                yield "secret", str(source["secretKeyRef"].get("name", ""))
        for source in container.get("envFrom") or []:
            if source.get("configMapRef"):
                yield "configmap", str(source["configMapRef"].get("name", ""))
            if source.get("secretRef"):
                yield "secret", str(source["secretRef"].get("name", ""))
    for volume in spec.get("volumes") or []:
        yield from _volume_references(volume)


def _volume_references(volume: Obj) -> Iterator[tuple[str, str]]:
    if volume.get("configMap"):
        yield "configmap", str(volume["configMap"].get("name", ""))
    if volume.get("secret"):
        yield "secret", str(volume["secret"].get("secretName", ""))
    for projected in (volume.get("projected") or {}).get("sources") or []:
        if projected.get("configMap"):
            yield "configmap", str(projected["configMap"].get("name", ""))
        if projected.get("secret"):
            yield "secret", str(projected["secret"].get("name", ""))


async def fetch(service: ObjectService, pod: Obj, accounts: AccountTokens | None = None) -> Sources:
    """Get every ConfigMap and Secret the pod refers to (missing ones map to None)."""
    namespace = pod["metadata"].get("namespace", "default")
    configmaps, secrets = referenced(pod)
    found = Sources(namespace, account=account_of(pod))
    if accounts is not None:
        found.account_token = await accounts.token(namespace, found.account)
    for name in sorted(configmaps):
        found.configmaps[name] = await _get(service, r.CONFIGMAPS, namespace, name)
    for name in sorted(secrets):
        found.secrets[name] = await _get(service, r.SECRETS, namespace, name)
    return found


async def _get(service: ObjectService, res: r.Resource, namespace: str, name: str) -> Obj | None:
    if not name:
        return None
    try:
        return await service.get(res, namespace, name)
    except NotFound:
        return None
