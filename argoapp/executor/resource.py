"""`argoapp exec resource ACTION`: a resource template's main container (`argoexec resource`).

Run behind the emissary as the `main` container of a resource template's pod, which has no wait
container: like Argo's, this process reports its own outputs. It:
1. creates the WorkflowTaskResult `<nodeID>` (incomplete), as wait does (`wait.begin`);
2. reads the manifest from the template init wrote to /var/run/argo/template (Argo stages it at
   /tmp/manifest.yaml first; the text is the same), or, with `manifestFrom.artifact`, from the
   input artifact init placed (`manifest_from_artifact`);
3. performs ACTION with `ResourceApi`: get, create, apply (client-side), replace, patch
   (`mergeStrategy` strategic — the default —, merge or json) or delete (a missing object is
   fine, as with `--ignore-not-found`). `flags` are read only for what names the object
   (`TYPE NAME`, `TYPE/NAME`, `-n NS`); any other flag is ignored with a note in the log.
   `setOwnerReference` makes the Workflow the object's controller owner;
4. unless deleting, polls the object every `interval` seconds until a `failureCondition`
   requirement holds (exit 1, message "failure condition '…' evaluated true") or every
   `successCondition` requirement does (see `resource_condition`);
5. evaluates output parameters (`valueFrom.jsonPath`, `valueFrom.jqFilter`) on the object and
   patches them into the task result, with `report-outputs-completed=true` in every case.
A failure writes its message to the termination log and exits 1; SIGTERM or SIGUSR2 while
waiting ends it with code 130, as Argo's. It must not import kubectl-like heavy clients: the
stdlib `LiteKube` is its only way to the API.
"""

from __future__ import annotations

import copy
import json
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from argoapp.executor.env import ExecEnv, Obj
from argoapp.executor.resource_api import ResourceApi, ResourceError, Target
from argoapp.executor.resource_condition import ConditionError, Requirement, parse_condition
from argoapp.executor.resource_jq import JqError, run_jq
from argoapp.executor.resource_jsonpath import JsonPathError, render_jsonpath
from argoapp.executor.wait import LABEL_COMPLETED, TaskResults, task_result, terminate_message

ACTIONS = ("get", "create", "apply", "replace", "patch", "delete")
STOPPED = 130
STOP_MESSAGE = "Received user signal to terminate the workflow"


class Stopped(ResourceError):
    """The container is being stopped while it waits."""


def run_resource(
    env: ExecEnv,
    action: str,
    api: ResourceApi,
    results: TaskResults,
    *,
    interval: float = 1.0,
) -> int:
    """The whole resource container; its exit code."""
    results.create(task_result(env))
    template = env.read_template() or _env_template(env)
    outputs: Obj = {}
    code = 0
    previous = {s: signal.signal(s, _stop) for s in (signal.SIGTERM, signal.SIGUSR2)}
    try:
        outputs = execute(template, action, api, env, interval=interval)
    except ResourceError as e:
        code = STOPPED if isinstance(e, Stopped) else 1
        _log(f"error: {e}")
        terminate_message(env, str(e))
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        patch: Obj = {"metadata": {"labels": {LABEL_COMPLETED: "true"}}}
        if outputs:
            patch["outputs"] = outputs
        results.patch(env.node_id, patch)
    return code


def _stop(_signum: int, _frame: object) -> None:
    raise Stopped(STOP_MESSAGE)


def _env_template(env: ExecEnv) -> Obj:
    try:
        value = json.loads(env.template_json or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def execute(
    template: Obj, action: str, api: ResourceApi, env: ExecEnv, *, interval: float = 1.0
) -> Obj:
    """Do the action, wait for the conditions; the outputs to report."""
    resource = template.get("resource") or {}
    declared = list((template.get("outputs") or {}).get("parameters") or [])
    success, failure = _conditions(resource)
    if action not in ACTIONS:
        raise ResourceError(f"unknown resource action {action!r}: one of {', '.join(ACTIONS)}")
    if action == "delete" and (success or failure or declared):
        raise ResourceError(
            "successCondition, failureCondition and outputs are not supported for delete action"
        )
    text = str(resource.get("manifest") or "")
    if resource.get("manifestFrom") is not None:
        text = manifest_from_artifact(env, template)
    manifest = load_manifest(text, resource.get("flags"))
    if resource.get("setOwnerReference") and isinstance(manifest, dict):
        _add_owner(manifest, env)
    obj, target = act(api, action, manifest, resource)
    if target is None:
        return {}
    if success or failure:
        obj = wait_for(api, target, success, failure, interval)
    if not declared:
        return {}
    if obj is None or action != "get":
        obj = api.get(target)
    return {"parameters": output_parameters(declared, obj)}


def manifest_from_artifact(env: ExecEnv, template: Obj) -> str:
    """The manifest text of the input artifact `manifestFrom.artifact` names.

    Main sees it at the artifact's path (mounted from the input-artifacts volume); a pod run
    with no mounts finds it where init put it, under the inputs directory."""
    wanted = str(
        ((template["resource"].get("manifestFrom") or {}).get("artifact") or {}).get("name") or ""
    )
    art = next(
        (
            a
            for a in (template.get("inputs") or {}).get("artifacts") or []
            if a.get("name") == wanted
        ),
        None,
    )
    if art is None:
        raise ResourceError(f"artifact {wanted} in `manifestFrom` refer to a non-exist artifact")
    for path in (env.inputs / wanted, Path(str(art.get("path") or "/nonexistent"))):
        try:
            return path.read_text()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            continue
        except OSError as e:
            raise ResourceError(
                f"cannot read the manifest artifact {wanted}: {e.strerror}"
            ) from None
    raise ResourceError(f"the manifest artifact {wanted} was not loaded")


def _conditions(resource: Obj) -> tuple[list[Requirement], list[Requirement]]:
    parsed = []
    for key, label in (("successCondition", "success"), ("failureCondition", "fail")):
        text = str(resource.get(key) or "")
        try:
            parsed.append(parse_condition(text) if text else [])
        except ConditionError as e:
            raise ResourceError(f"{label} condition '{text}' failed to parse: {e}") from None
    return parsed[0], parsed[1]


def load_manifest(text: str, flags: Any) -> Any:
    """The manifest's one document (an object, or a JSON patch's list of operations)."""
    if not text.strip():
        if not flags:
            raise ResourceError("Must provide at least one of flags or manifest.")
        return None
    import yaml  # only this container needs YAML; the other roles start without it

    try:
        docs = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as e:
        raise ResourceError(f"the manifest is not valid YAML: {e}") from None
    if len(docs) != 1:
        raise ResourceError(
            f"the manifest must hold exactly one object, found {len(docs)} documents"
        )
    if not isinstance(docs[0], dict | list):
        raise ResourceError("the manifest must be an object")
    return docs[0]


def _add_owner(manifest: Obj, env: ExecEnv) -> None:
    meta = manifest.setdefault("metadata", {})
    meta["ownerReferences"] = [
        *(meta.get("ownerReferences") or []),
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Workflow",
            "name": env.workflow_name,
            "uid": env.workflow_uid,
            "controller": True,
            "blockOwnerDeletion": True,
        },
    ]


def act(
    api: ResourceApi, action: str, manifest: Any, resource: Obj
) -> tuple[Obj | None, Target | None]:
    """Perform the action; the object it left (None after delete) and where it lives."""
    target = _target(api, action, manifest, resource.get("flags") or [])
    _log(f"{action} {target} in namespace {target.namespace or '(cluster)'}")
    if action == "delete":
        if not api.delete(target):
            _log(f"{target} was not found: nothing to delete")
        return None, None
    if action == "get":
        obj = api.get(target)
    elif action == "create":
        obj = api.create(target, manifest)
    elif action == "apply":
        obj = api.apply(target, manifest)
    elif action == "replace":
        obj = api.replace(target, manifest)
    else:
        strategy = str(resource.get("mergeStrategy") or "strategic")
        if strategy not in ("strategic", "merge", "json"):
            raise ResourceError(
                f"mergeStrategy {strategy!r}: must be one of strategic, merge, json"
            )
        obj = api.patch(target, manifest, strategy)
    meta = obj.get("metadata") or {}
    if not meta.get("name") or not obj.get("kind"):
        raise ResourceError(
            "Kind and name are both required but at least one of them is missing from the manifest"
        )
    target = api.target(target.kind, str(meta.get("namespace") or ""), str(meta["name"]))
    _log(f"Resource: {target.namespace}/{target}")
    return obj, target


def _target(api: ResourceApi, action: str, manifest: Any, flags: list[Any]) -> Target:
    """The object the action is about: from `flags` when they name one, else the manifest."""
    named, namespace, ignored = parse_flags([str(f) for f in flags])
    if ignored:
        _log(f"note: flags {' '.join(ignored)} are not supported by this executor; ignored")
    meta = (manifest.get("metadata") or {}) if isinstance(manifest, dict) else {}
    namespace = namespace or str(meta.get("namespace") or "")
    if named is not None:
        return api.target(api.kind_named(named[0]), namespace, named[1])
    if not isinstance(manifest, dict) or not manifest.get("kind"):
        raise ResourceError(
            "Kind and name are both required but at least one of them is missing from the manifest"
        )
    kind = api.kind(str(manifest.get("apiVersion") or ""), str(manifest["kind"]))
    name = str(meta.get("name") or "")
    if not name and not (action == "create" and meta.get("generateName")):
        raise ResourceError(
            "Kind and name are both required but at least one of them is missing from the manifest"
        )
    return api.target(kind, namespace, name)


def parse_flags(flags: list[str]) -> tuple[tuple[str, str] | None, str, list[str]]:
    """((type, name) or None, namespace, ignored flags) from kubectl-style flags."""
    positional: list[str] = []
    namespace = ""
    ignored: list[str] = []
    i = 0
    while i < len(flags):
        flag = flags[i]
        if flag in ("-n", "--namespace") and i + 1 < len(flags):
            namespace, i = flags[i + 1], i + 2
            continue
        if flag.startswith("--namespace="):
            namespace = flag.partition("=")[2]
        elif flag.startswith("-"):
            ignored.append(flag)
        else:
            positional.append(flag)
        i += 1
    if len(positional) == 1 and "/" in positional[0]:
        kind, _, name = positional[0].partition("/")
        return (kind, name), namespace, ignored
    if len(positional) >= 2:
        return (positional[0], positional[1]), namespace, ignored + positional[2:]
    return None, namespace, ignored + positional


def wait_for(
    api: ResourceApi,
    target: Target,
    success: list[Requirement],
    failure: list[Requirement],
    interval: float,
    sleep: Callable[[float], None] = time.sleep,
) -> Obj:
    """Poll the object until a failure requirement or every success requirement holds."""
    _log(f"Waiting for conditions: {','.join(map(str, success))}")
    if failure:
        _log(f"Failing for conditions: {','.join(map(str, failure))}")
    last_state = ""
    while True:
        try:
            obj = api.get(target)
        except ResourceError as e:
            if e.transient:
                _log(f"retrying after a transient error: {e}")
                sleep(interval)
                continue
            if e.reason == "NotFound":
                raise ResourceError(
                    "The resource has been deleted while its status was still being checked. "
                    f"Will not be retried: {e}"
                ) from None
            raise
        for req in failure:
            if req.matches(obj):
                raise ResourceError(f"failure condition '{req}' evaluated true")
        matched = sum(1 for req in success if req.matches(obj))
        state = f"{matched}/{len(success)} success conditions matched"
        if state != last_state:
            _log(state)
            last_state = state
        if matched >= len(success):
            return obj
        sleep(interval)


def output_parameters(declared: list[Obj], obj: Obj) -> list[Obj]:
    """The declared output parameters with their values taken from the object."""
    out: list[Obj] = []
    for param in declared:
        param = copy.deepcopy(param)
        value_from = param.get("valueFrom") or {}
        try:
            if value_from.get("jsonPath"):
                param["value"] = render_jsonpath(str(value_from["jsonPath"]), obj)
            elif value_from.get("jqFilter"):
                param["value"] = run_jq(str(value_from["jqFilter"]), obj)
        except (JsonPathError, JqError) as e:
            if value_from.get("default") is None:
                raise ResourceError(f"output parameter {param.get('name')!r}: {e}") from None
            param["value"] = str(value_from["default"])
        out.append(param)
    return out


def _log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
