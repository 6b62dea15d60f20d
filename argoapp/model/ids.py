"""Deterministic names Argo derives from node names: node ids and pod names.

Argo hashes a node's full name with 32-bit FNV-1a: the node id is `<workflow>-<hash>` (the root
node's id is the workflow's name) and a pod is named `<workflow>-<template>-<hash>` (pod name
format v2, `workflow/util/pod_name.go`). Clients and the UI rely on both being reproducible.
"""

from __future__ import annotations

from functools import lru_cache

_FNV_OFFSET = 0x811C9DC5
_FNV_PRIME = 0x01000193
_MAX_NAME = 253
_HASH_ROOM = 11  # "-" and up to ten decimal digits


def fnv32a(text: str) -> int:
    """32-bit FNV-1a over the UTF-8 bytes of `text`."""
    h = _FNV_OFFSET
    for byte in text.encode():
        h = ((h ^ byte) * _FNV_PRIME) & 0xFFFFFFFF
    return h


@lru_cache(maxsize=65536)
def node_id(workflow_name: str, node_name: str) -> str:
    """The id of the node called `node_name` (Argo's `Workflow.NodeID`)."""
    if node_name == workflow_name:
        return workflow_name
    return f"{workflow_name}-{fnv32a(node_name)}"


def pod_name(workflow_name: str, node_name: str, template_name: str) -> str:
    """The pod of a node (pod name format v2)."""
    if node_name == workflow_name:
        return workflow_name
    prefix = f"{workflow_name}-{template_name}" if template_name else workflow_name
    prefix = prefix[: _MAX_NAME - _HASH_ROOM]
    return f"{prefix}-{fnv32a(node_name)}"
