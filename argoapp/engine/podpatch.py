"""podSpecPatch: parse a patch string and merge it into a pod spec the way Argo's users expect.

Called by `pods.build_pod` for the workflow-level and then the template-level `podSpecPatch`.
Argo applies them with Kubernetes' strategic merge patch over `PodSpec`; this is the part of it
that pod spec patches use in practice:
- objects merge key by key, and a `null` value removes the key;
- lists of named things (`containers`, `initContainers`, `volumes`, `env`, `volumeMounts`,
  `ports`, `imagePullSecrets`, `hostAliases` by `ip`) merge element by element on their key,
  new elements are appended;
- any other list is replaced as a whole, as strategic merge does for atomic lists;
- an element carrying `$patch: delete` is removed from a keyed list.
Pure: no I/O. A patch that is neither JSON nor YAML, or not an object, raises `PodSpecPatchError`.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from argoapp.engine.podparts import PodBuildError
from argoapp.model.types import Obj

# The merge key of each keyed list in a PodSpec (and in the containers inside it).
_MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "volumes": "name",
    "env": "name",
    "volumeMounts": "mountPath",
    "ports": "containerPort",
    "imagePullSecrets": "name",
    "hostAliases": "ip",
    "tolerations": "key",
}


class PodSpecPatchError(PodBuildError):
    """A podSpecPatch that cannot be parsed or applied."""


def parse(text: str) -> Obj:
    """The patch as an object; JSON first, then YAML (Argo accepts both)."""
    try:
        value: Any = json.loads(text)
    except ValueError:
        import yaml  # only podSpecPatch users pay for it

        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError as e:
            raise PodSpecPatchError(f"invalid podSpecPatch {text!r}: {e}") from None
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PodSpecPatchError(f"invalid podSpecPatch {text!r}: not an object")
    return value


def apply(spec: Obj, patch: Obj) -> Obj:
    """A new pod spec: `spec` with `patch` merged in."""
    return _merge_object(spec, patch)


def _merge_object(base: Obj, patch: Obj) -> Obj:
    out = copy.deepcopy(base)
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge_object(out[key], value)
        elif isinstance(value, list) and key in _MERGE_KEYS and isinstance(out.get(key), list):
            out[key] = _merge_list(out[key], value, _MERGE_KEYS[key])
        else:
            out[key] = _without_directives(copy.deepcopy(value))
    return out


def _merge_list(base: list[Any], patch: list[Any], merge_key: str) -> list[Any]:
    out = copy.deepcopy(base)
    for item in patch:
        if not isinstance(item, dict) or merge_key not in item:
            out.append(copy.deepcopy(item))
            continue
        at = next(
            (
                i
                for i, old in enumerate(out)
                if isinstance(old, dict) and old.get(merge_key) == item[merge_key]
            ),
            None,
        )
        if item.get("$patch") == "delete":
            if at is not None:
                del out[at]
        elif at is None:
            out.append(_without_directives(copy.deepcopy(item)))
        else:
            out[at] = _merge_object(out[at], item)
    return out


def _without_directives(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_directives(v) for k, v in value.items() if k != "$patch"}
    if isinstance(value, list):
        return [_without_directives(v) for v in value]
    return value
