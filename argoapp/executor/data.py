"""`argoapp exec data`: a data template's main container (Argo's `argoexec data`).

Like a resource template's pod, a data template's has no wait container, so this process
reports its own result: it creates the WorkflowTaskResult `<nodeID>` (incomplete), sources the
data, runs each `transformation[].expression` over it in order (expr-lang, with the data bound to
`data`, through `argoapp.template.evaluate`), and patches `outputs.result` (the data as compact
JSON) with `report-outputs-completed=true`. A failure is written to the termination log and the
process exits 1; the result is still marked complete.

The only source Argo has is `artifactPaths`: the keys under an artifact location (a key-only one
completed from the template's `archiveLocation`), listed by the artifact library's driver
(`list_artifact_paths` makes the lister `run_data` is given). The template comes from
/var/run/argo/template, written by init; the JSON argument build_pod passes (as Argo's
controller does) is used only when that file is missing.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from argoapp.errors import ArgoappError
from argoapp.executor.env import ExecEnv, Obj
from argoapp.executor.wait import LABEL_COMPLETED, TaskResults, task_result, terminate_message
from argoapp.template import TemplateError, evaluate

if TYPE_CHECKING:
    from argoapp.executor.artifact_access import ArtifactAccess

ArtifactLister = Callable[[Obj], list[str]]  # an artifactPaths source -> the keys found


class DataError(ArgoappError):
    """The data template failed; the message is the node's."""


def run_data(
    env: ExecEnv,
    results: TaskResults,
    *,
    data_json: str = "",
    list_artifact_paths: ArtifactLister | None = None,
) -> int:
    """The whole data container; its exit code."""
    results.create(task_result(env))
    patch: Obj = {"metadata": {"labels": {LABEL_COMPLETED: "true"}}}
    code = 0
    try:
        spec = _data_spec(env, data_json)
        patch["outputs"] = {"result": process(spec, list_artifact_paths)}
    except DataError as e:
        code = 1
        print(f"error: {e}", file=sys.stderr, flush=True)
        terminate_message(env, str(e))
    finally:
        results.patch(env.node_id, patch)
    return code


def _data_spec(env: ExecEnv, data_json: str) -> Obj:
    spec = env.read_template().get("data")
    if spec is None and data_json:
        try:
            spec = json.loads(data_json)
        except ValueError as e:
            raise DataError(f"the data template argument is not JSON: {e}") from None
    if not isinstance(spec, dict):
        raise DataError("this template has no data")
    return spec


def process(spec: Obj, list_artifact_paths: ArtifactLister | None = None) -> str:
    """The data template's result: the sourced data, transformed, as compact JSON."""
    prefix = "unable to process data template"
    try:
        data = source(spec.get("source") or {}, list_artifact_paths)
    except DataError as e:
        raise DataError(f"{prefix}: unable to process data source: {e}") from None
    try:
        data = transform(data, list(spec.get("transformation") or []))
    except DataError as e:
        raise DataError(f"{prefix}: unable to process data transformation: {e}") from None
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def source(spec: Obj, list_artifact_paths: ArtifactLister | None) -> Any:
    """The data a `source` names."""
    paths = spec.get("artifactPaths")
    if paths is None:
        raise DataError("no valid source is used for data template")
    if list_artifact_paths is None or not isinstance(paths, dict):
        raise DataError("unable to source artifact paths: no artifact location to list")
    try:
        return list_artifact_paths(paths)
    except ArgoappError as e:
        raise DataError(f"unable to source artifact paths: {e}") from None


def list_artifact_paths(env: ExecEnv, access: ArtifactAccess) -> ArtifactLister:
    """The lister of `artifactPaths` for this pod: relocated, then listed by its driver. The
    keys are whole (the listed prefix kept), as Argo's S3 listing gives them to expressions."""

    def lister(art: Obj) -> list[str]:
        from argoapp.artifacts import resolve

        located = resolve.relocate(art, env.read_template().get("archiveLocation") or None)
        key = resolve.get_key(located).strip("/")
        prefix = f"{key}/" if key else ""
        return [prefix + rel for rel in access.driver(located).list(located)]

    return lister


def transform(data: Any, steps: list[Obj]) -> Any:
    """Each step's `expression` applied in turn, with the data bound to `data`."""
    for i, step in enumerate(steps):
        expression = str(step.get("expression") or "")
        if not expression:
            continue
        try:
            data = evaluate(expression, {"data": data})
        except TemplateError as e:
            raise DataError(f"error processing data step {i}: {e}") from None
    return data
