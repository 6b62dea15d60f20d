"""A container's environment, built the way a real kubelet builds it.

Called by the pod worker with the pod, the container, the fetched `Sources` and the runtime's
defaults; pure, no I/O. Order and rules follow the kubelet's `makeEnvironmentVariables`:
`envFrom` first (with `prefix`; keys that cannot be variable names are skipped), then `env` in
order, where a `value` is `$(VAR)`-expanded against the service variables and the variables
defined before it, and a `valueFrom` is taken as is. The Kubernetes service variables
(`KUBERNETES_SERVICE_HOST`/`_PORT`, pointing at localkube) come underneath, and the runtime's
defaults (`PATH`, `HOSTNAME`, `HOME`, as an image would set them) under everything.

A reference that cannot be resolved and is not `optional` raises `CommandError` with reason
`CreateContainerConfigError` and the API server's wording; the worker keeps the pod Pending and
retries, as a kubelet does.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from argoapp.localkube.kubelet.commands import CommandError, expand
from argoapp.localkube.kubelet.sources import Sources, key_data

Obj = dict[str, Any]
CONFIG_ERROR = "CreateContainerConfigError"
_FIELD_KEY = re.compile(r"^metadata\.(labels|annotations)\['(.+)'\]$")
_SUFFIXES: dict[str, int | Decimal] = {
    "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60,
    "n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"),
    "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18,
}  # fmt: skip


def service_env(host: str, port: int) -> dict[str, str]:
    """The variables of the `kubernetes` service that every container gets."""
    address = f"tcp://{host}:{port}"
    prefix = f"KUBERNETES_PORT_{port}_TCP"
    return {
        "KUBERNETES_SERVICE_HOST": host,
        "KUBERNETES_SERVICE_PORT": str(port),
        "KUBERNETES_SERVICE_PORT_HTTPS": str(port),
        "KUBERNETES_PORT": address,
        prefix: address,
        f"{prefix}_PROTO": "tcp",
        f"{prefix}_PORT": str(port),
        f"{prefix}_ADDR": host,
    }


def container_env(
    pod: Obj,
    container: Obj,
    sources: Sources,
    *,
    service: Mapping[str, str],
    defaults: Mapping[str, str],
    node: Mapping[str, str],
) -> dict[str, str]:
    """The full environment of `container`; `node` gives hostIP, podIP and nodeName."""
    defined: dict[str, str] = {}
    for source in container.get("envFrom") or []:
        defined.update(_env_from(source, sources))
    for var in container.get("env") or []:
        name = str(var.get("name", ""))
        if var.get("value"):
            mapping = {**service, **defined}
            defined[name] = expand(str(var["value"]), _mapper(mapping))
        elif var.get("valueFrom"):
            value = _value_from(var["valueFrom"], pod, container, sources, node)
            if value is None:
                continue
            defined[name] = value
        else:
            defined[name] = ""
    return {**defaults, **service, **defined}


def _mapper(mapping: Mapping[str, str]) -> Callable[[str], str]:
    return lambda name: mapping.get(name, f"$({name})")


def _env_from(source: Obj, sources: Sources) -> dict[str, str]:
    prefix = str(source.get("prefix") or "")
    if source.get("configMapRef"):
        ref, kind, secret = source["configMapRef"], "configmap", False
    elif source.get("secretRef"):
        ref, kind, secret = source["secretRef"], "secret", True
    else:
        return {}
    name = str(ref.get("name", ""))
    obj = (sources.secrets if secret else sources.configmaps).get(name)
    if obj is None:
        if ref.get("optional"):
            return {}
        raise CommandError(CONFIG_ERROR, f'{kind} "{name}" not found')
    return {
        prefix + key: value.decode(errors="replace")
        for key, value in key_data(obj, secret).items()
        if "=" not in prefix + key and (prefix + key)
    }


def _value_from(
    source: Obj, pod: Obj, container: Obj, sources: Sources, node: Mapping[str, str]
) -> str | None:
    if source.get("fieldRef"):
        return field_value(pod, str(source["fieldRef"].get("fieldPath", "")), node)
    if source.get("resourceFieldRef"):
        return resource_value(pod, container, source["resourceFieldRef"])
    if source.get("configMapKeyRef"):
        return _key_ref(source["configMapKeyRef"], sources, secret=False)
    if source.get("secretKeyRef"):
        return _key_ref(source["secretKeyRef"], sources, secret=True)
    raise CommandError(CONFIG_ERROR, f"unsupported valueFrom {sorted(source)}")


def _key_ref(ref: Obj, sources: Sources, *, secret: bool) -> str | None:
    name, key = str(ref.get("name", "")), str(ref.get("key", ""))
    kind = "Secret" if secret else "ConfigMap"
    obj = (sources.secrets if secret else sources.configmaps).get(name)
    if obj is None:
        if ref.get("optional"):
            return None
        raise CommandError(CONFIG_ERROR, f'{kind.lower()} "{name}" not found')
    data = key_data(obj, secret)
    if key not in data:
        if ref.get("optional"):
            return None
        raise CommandError(
            CONFIG_ERROR, f"couldn't find key {key} in {kind} {sources.namespace}/{name}"
        )
    return data[key].decode(errors="replace")


def field_value(pod: Obj, path: str, node: Mapping[str, str]) -> str:
    """The value of a downward-API `fieldRef.fieldPath`."""
    meta, spec = pod.get("metadata") or {}, pod.get("spec") or {}
    simple = {
        "metadata.name": meta.get("name", ""),
        "metadata.namespace": meta.get("namespace", ""),
        "metadata.uid": meta.get("uid", ""),
        "spec.nodeName": spec.get("nodeName") or node.get("nodeName", ""),
        "spec.serviceAccountName": spec.get("serviceAccountName", ""),
        "status.hostIP": node.get("hostIP", ""),
        "status.hostIPs": node.get("hostIP", ""),
        "status.podIP": node.get("podIP", ""),
        "status.podIPs": node.get("podIP", ""),
    }
    if path in simple:
        return str(simple[path])
    if path in ("metadata.labels", "metadata.annotations"):
        values = meta.get(path.split(".")[1]) or {}
        return "\n".join(f'{k}="{v}"' for k, v in sorted(values.items()))
    found = _FIELD_KEY.match(path)
    if found:
        return str((meta.get(found.group(1)) or {}).get(found.group(2), ""))
    raise CommandError(CONFIG_ERROR, f'unsupported fieldPath "{path}"')


def resource_value(pod: Obj, container: Obj, ref: Obj) -> str:
    """A `resourceFieldRef`: the limit or request, or the node's capacity when unset."""
    target = container
    if ref.get("containerName"):
        spec = pod.get("spec") or {}
        for c in (*(spec.get("initContainers") or []), *(spec.get("containers") or [])):
            if c.get("name") == ref["containerName"]:
                target = c
    resource = str(ref.get("resource", ""))
    kind, _, name = resource.partition(".")
    if kind not in ("limits", "requests") or not name:
        raise CommandError(CONFIG_ERROR, f'unsupported resource "{resource}"')
    given = ((target.get("resources") or {}).get(kind) or {}).get(name)
    amount = quantity(str(given)) if given is not None else _capacity(name, kind)
    divisor = quantity(str(ref.get("divisor") or "1"))
    return str(math.ceil(amount / divisor)) if divisor else "0"


def _capacity(name: str, kind: str) -> Decimal:
    if kind == "requests":
        return Decimal(0)
    if name == "cpu":
        return Decimal(os.cpu_count() or 1)
    if name == "memory":
        return Decimal(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    return Decimal(0)


def quantity(text: str) -> Decimal:
    """A Kubernetes quantity (`500m`, `1Gi`, `2e3`) as a number."""
    text = text.strip()
    for suffix in sorted(_SUFFIXES, key=len, reverse=True):
        if text.endswith(suffix) and text[: -len(suffix)]:
            return _number(text[: -len(suffix)]) * Decimal(_SUFFIXES[suffix])
    return _number(text)


def _number(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise CommandError(CONFIG_ERROR, f"invalid quantity {text!r}") from None
