"""The patch formats of Kubernetes: JSON merge, strategic merge, JSON patch, apply.

Pure functions from (document, patch) to a new document; they never mutate their inputs (a
merge's result shares with the document the parts the patch leaves alone) and raise
`BadRequest` / `Invalid` / `UnsupportedMedia` with the reason a client can act on.

Strategic merge is done with merge semantics, plus the one rule that matters for pods and
kubectl apply: lists of objects that all carry a `name` are merged by name. Its `$patch`,
`$setElementOrder` and `$retainKeys` directives are dropped.
"""

from __future__ import annotations

from typing import Any

from argoapp.localkube.errors import BadRequest, Invalid, UnsupportedMedia
from argoapp.model.types import copy_json

MERGE = "application/merge-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
JSON_PATCH = "application/json-patch+json"
APPLY = "application/apply-patch+yaml"
PATCH_TYPES = (MERGE, STRATEGIC, JSON_PATCH, APPLY)


def apply_patch(doc: dict[str, Any], content_type: str, patch: Any) -> dict[str, Any]:
    """The document after `patch`, by the patch's media type."""
    kind = content_type.split(";")[0].strip().lower()
    if kind == JSON_PATCH:
        if not isinstance(patch, list):
            raise BadRequest("a JSON patch must be a list of operations")
        return json_patch(doc, patch)
    if kind not in (MERGE, STRATEGIC, APPLY):
        raise UnsupportedMedia(
            f"the body of the request was in an unknown format - accepted media types "
            f"include: {', '.join(PATCH_TYPES)}"
        )
    if not isinstance(patch, dict):
        raise BadRequest("a merge patch must be a JSON object")
    merged = merge_patch(doc, patch, by_name=kind != MERGE)
    if not isinstance(merged, dict):
        raise BadRequest("the patch did not leave an object")
    return merged


def merge_patch(target: Any, patch: Any, *, by_name: bool = False) -> Any:
    """RFC 7386 merge; with `by_name`, lists of named objects merge element-wise."""
    if isinstance(patch, list) and by_name and isinstance(target, list):
        return _merge_named_lists(target, patch)
    if not isinstance(patch, dict):
        return copy_json(patch)
    # a shallow copy per patched level: copying the whole document at every level of the
    # patch made a status patch of a pod copy the pod several times over
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if not isinstance(key, str):
            raise BadRequest(f"object keys must be strings, not {key!r}")
        if key.startswith("$"):
            continue
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value, by_name=by_name)
    return result


def _named(items: list[Any]) -> bool:
    return bool(items) and all(isinstance(i, dict) and "name" in i for i in items)


def _merge_named_lists(target: list[Any], patch: list[Any]) -> list[Any]:
    if not (_named(target) and _named(patch)):
        return [merge_patch(None, item, by_name=True) for item in patch]
    result = list(target)
    index = {item["name"]: i for i, item in enumerate(result)}
    for item in patch:
        if item.get("$patch") == "delete":
            result = [r for r in result if r["name"] != item["name"]]
            index = {r["name"]: i for i, r in enumerate(result)}
        elif item["name"] in index:
            pos = index[item["name"]]
            result[pos] = merge_patch(result[pos], item, by_name=True)
        else:
            index[item["name"]] = len(result)
            result.append(merge_patch(None, item, by_name=True))
    return result


def _pointer(path: Any) -> list[str]:
    if not isinstance(path, str):
        raise BadRequest(f"a JSON patch path must be a string, not {path!r}")
    if path == "":
        return []
    if not path.startswith("/"):
        raise Invalid(f"invalid JSON pointer {path!r}: it must start with '/'")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _parent(doc: Any, parts: list[str], path: str) -> Any:
    node = doc
    for part in parts[:-1]:
        node = _child(node, part, path)
    return node


def _child(node: Any, part: str, path: str) -> Any:
    if isinstance(node, dict) and part in node:
        return node[part]
    if isinstance(node, list) and part.isdigit() and int(part) < len(node):
        return node[int(part)]
    raise Invalid(f"the JSON patch path {path!r} does not exist")


def _add(doc: Any, path: str, value: Any) -> Any:
    parts = _pointer(path)
    if not parts:
        return copy_json(value)
    parent, last = _parent(doc, parts, path), parts[-1]
    if isinstance(parent, dict):
        parent[last] = copy_json(value)
    elif isinstance(parent, list):
        pos = len(parent) if last == "-" else int(last) if last.isdigit() else -1
        if not 0 <= pos <= len(parent):
            raise Invalid(f"the JSON patch index in {path!r} is out of range")
        parent.insert(pos, copy_json(value))
    else:
        raise Invalid(f"the JSON patch path {path!r} does not name a container")
    return doc


def _remove(doc: Any, path: str) -> tuple[Any, Any]:
    parts = _pointer(path)
    if not parts:
        raise Invalid("a JSON patch cannot remove the whole document")
    parent, last = _parent(doc, parts, path), parts[-1]
    value = _child(parent, last, path)
    if isinstance(parent, dict):
        del parent[last]
    else:
        del parent[int(last)]
    return doc, value


def json_patch(doc: dict[str, Any], ops: list[Any]) -> dict[str, Any]:
    """RFC 6902: add, remove, replace, move, copy and test."""
    result: Any = copy_json(doc)
    for op in ops:
        if not isinstance(op, dict) or "op" not in op or "path" not in op:
            raise BadRequest(f"invalid JSON patch operation: {op!r}")
        name, path = op["op"], op["path"]
        if name == "add":
            result = _add(result, path, op.get("value"))
        elif name == "remove":
            result, _ = _remove(result, path)
        elif name == "replace":
            result, _ = _remove(result, path)
            result = _add(result, path, op.get("value"))
        elif name in ("move", "copy"):
            source = op.get("from", "")
            if name == "move":
                result, value = _remove(result, source)
            else:
                value = copy_json(_resolve(result, source))
            result = _add(result, path, value)
        elif name == "test":
            if _resolve(result, path) != op.get("value"):
                raise Invalid(f"the JSON patch test at {path!r} failed")
        else:
            raise BadRequest(f"unknown JSON patch operation {name!r}")
    if not isinstance(result, dict):
        raise BadRequest("the JSON patch did not leave an object")
    return result


def _resolve(doc: Any, path: str) -> Any:
    node = doc
    for part in _pointer(path):
        node = _child(node, part, path)
    return node
