"""Memoization: a template's outputs cached in a ConfigMap and reused instead of running it.

`memoize: {key, maxAge, cache: {configMap: {name}}}` as Argo defines it. Before a memoized
node starts, its key is looked up in the cache ConfigMap (seen through the controller's
caches); a fresh entry makes the node Succeeded at once with the cached outputs. When a node
that missed succeeds, its outputs are written back (Argo's entry shape: nodeID, outputs,
creationTimestamp, lastHitTimestamp) into the ConfigMap, which carries Argo's Cache label.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from argoapp.engine.api import CreateObject, PatchObject
from argoapp.engine.state import Pass, parse_time
from argoapp.model.durations import parse_duration
from argoapp.model.labels import LABEL_CONFIGMAP_TYPE
from argoapp.model.types import Obj
from argoapp.template import TemplateError, substitute


def cache_key(memoize: Mapping[str, Any], scope: Mapping[str, Any]) -> str | None:
    try:
        return substitute(str(memoize.get("key") or ""), scope) or None
    except TemplateError:
        return None


def cache_name(memoize: Mapping[str, Any]) -> str:
    return str(((memoize.get("cache") or {}).get("configMap") or {}).get("name") or "")


def lookup(p: Pass, memoize: Mapping[str, Any], key: str) -> Obj | None:
    """The cached outputs for `key`, when the entry exists and is younger than maxAge."""
    cm = p.observed.objects.get("ConfigMap", p.namespace, cache_name(memoize))
    raw = ((cm or {}).get("data") or {}).get(key)
    if not raw:
        return None
    try:
        entry = json.loads(raw)
    except ValueError:
        return None
    max_age = memoize.get("maxAge")
    if max_age:
        created = parse_time(entry.get("creationTimestamp"))
        try:
            limit = parse_duration(str(max_age))
        except ValueError:
            limit = None
        if created is None or (limit is not None and (p.now - created).total_seconds() > limit):
            return None
    outputs = entry.get("outputs")
    return outputs if isinstance(outputs, dict) else {}


def status(memoize: Mapping[str, Any], key: str, hit: bool) -> Obj:
    return {"hit": hit, "key": key, "cacheName": cache_name(memoize)}


def save(p: Pass, memoize: Mapping[str, Any], key: str, node: Obj) -> None:
    """Write a succeeded node's outputs to the cache ConfigMap."""
    name = cache_name(memoize)
    entry = {
        "nodeID": node["id"],
        "outputs": node.get("outputs") or {},
        "creationTimestamp": p.now_text,
        "lastHitTimestamp": p.now_text,
    }
    value = json.dumps(entry, separators=(",", ":"))
    if p.observed.objects.get("ConfigMap", p.namespace, name) is None:
        cm = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": name,
                "namespace": p.namespace,
                "labels": {LABEL_CONFIGMAP_TYPE: "Cache"},
            },
            "data": {},
        }
        p.act(CreateObject("ConfigMap", cm))
    p.act(PatchObject("ConfigMap", p.namespace, name, {"data": {key: value}}))
