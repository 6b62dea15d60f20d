"""Build the Pod of a pod node, laid out as Argo's controller lays it out for the emissary executor.

The engine calls `build_pod(PodRequest, Settings)` when a container, script, containerSet,
resource or data template needs a pod, and emits the result in a `CreatePod` action. Pure: no
I/O, no clock (the caller computes the deadline), no ids invented here (the caller names the pod).

Layout (`workflow/controller/workflowpod.go`, legacy layout with an init container):
- init container `init` (`argoexec init`): gets `ARGO_TEMPLATE`, copies the executor to
  `/var/run/argo/argoexec`, writes the template and stages the script source;
- containers `wait` (`argoexec wait`, absent for resource and data templates), then the main
  container(s), then the sidecars: every container that is not `wait` runs its command behind
  `/var/run/argo/argoexec emissary … --`;
- volumes `var-run-argo` (everywhere, at /var/run/argo), `tmp-dir-argo` (the executor's /tmp),
  `argo-staging` for scripts, `input-artifacts` when the template has input artifacts, and the
  template's, workflow's and claims' volumes that the containers mount.
Workflow- then template-level `podSpecPatch` is merged before the emissary wrapping, as Argo
does, so a patch may change a main container's command.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from argoapp.engine import podparts
from argoapp.engine.api import Settings
from argoapp.engine.podpatch import apply, parse
from argoapp.model import labels as L
from argoapp.model.types import Obj, copy_json

MAIN = "main"
WAIT = "wait"
INIT = "init"
LOG_OPTS = ("--loglevel", "info", "--log-format", "text")
NO_DEADLINE = "0001-01-01T00:00:00Z"  # Go's zero time, what Argo sends when there is none
DEFAULT_CONTAINER = "kubectl.kubernetes.io/default-container"


@dataclass(frozen=True)
class PodRequest:
    """Everything `build_pod` needs about one pod node."""

    workflow: Obj  # the Workflow object (metadata: name, namespace, uid, labels)
    spec: Obj  # the effective workflow spec (workflowTemplateRef and workflowDefaults merged)
    node_id: str
    node_name: str
    pod_name: str
    template: Obj  # inputs substituted; sent as is in ARGO_TEMPLATE
    include_script_output: bool = False
    deadline: str | None = None  # RFC 3339; ARGO_DEADLINE
    on_exit: bool = False
    retry_attempt: int | None = None
    volume_claims: list[Obj] = field(default_factory=list)  # Volumes of the workflow's PVCs


def template_type(template: Obj) -> str:
    """Which kind of pod template this is: container, script, containerSet, resource or data."""
    for kind in ("container", "script", "containerSet", "resource", "data"):
        if template.get(kind) is not None:
            return kind
    return "container"


def build_pod(req: PodRequest, settings: Settings) -> Obj:
    """The Pod object to create for `req`'s node."""
    tmpl = req.template
    kind = template_type(tmpl)
    meta = req.workflow.get("metadata") or {}
    if kind == "resource":
        action = str((tmpl.get("resource") or {}).get("action") or "")
        mains = [_executor_container(MAIN, ["argoexec", "resource", action], req, settings)]
    elif kind == "data":
        data = json.dumps(tmpl.get("data"), separators=(",", ":"))
        mains = [_executor_container(MAIN, ["argoexec", "data", data], req, settings)]
    else:
        mains = podparts.main_containers(tmpl, kind, settings)
    containers: list[Obj] = []
    if kind not in ("resource", "data"):
        containers.append(_executor_container(WAIT, ["argoexec", WAIT, *LOG_OPTS], req, settings))
    containers.extend(mains)
    pod_spec: Obj = {
        "restartPolicy": "Never",
        "initContainers": [_init_container(req, settings)],
        "containers": containers,
        "volumes": [
            {"name": "var-run-argo", "emptyDir": {}},
            {"name": "tmp-dir-argo", "emptyDir": {}},
            *copy_json(tmpl.get("volumes") or []),
        ],
    }
    _scheduling(pod_spec, req.spec, tmpl)
    if tmpl.get("activeDeadlineSeconds") is not None:
        pod_spec["activeDeadlineSeconds"] = _int(tmpl["activeDeadlineSeconds"])
    if req.spec.get("imagePullSecrets"):
        pod_spec["imagePullSecrets"] = copy_json(req.spec["imagePullSecrets"])
    if req.spec.get("hostNetwork") is not None:
        pod_spec["hostNetwork"] = req.spec["hostNetwork"]
    podparts.add_volume_references(pod_spec, tmpl, req.spec, req.volume_claims)
    podparts.add_input_artifacts(pod_spec, tmpl)
    if kind == "script":
        podparts.add_script_staging(pod_spec)
    podparts.mirror_main_mounts(pod_spec)
    podparts.add_user_init_containers(pod_spec, tmpl)
    podparts.add_sidecars(pod_spec, tmpl)
    _standard_env(pod_spec, req)
    pod_spec = _patched(pod_spec, req)
    _wrap_and_mount(pod_spec, settings)
    pod: Obj = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": req.pod_name,
            "namespace": meta.get("namespace", ""),
            "labels": _labels(req, settings),
            "annotations": {
                L.ANNOTATION_NODE_NAME: req.node_name,
                L.ANNOTATION_NODE_ID: req.node_id,
                DEFAULT_CONTAINER: _default_container(containers),
            },
            "ownerReferences": [owner_reference(req.workflow)],
        },
        "spec": pod_spec,
    }
    _metadata(pod["metadata"], req.spec, tmpl)
    return pod


def owner_reference(workflow: Obj) -> Obj:
    """A controller reference to the Workflow, as Argo puts on pods and task results."""
    meta = workflow.get("metadata") or {}
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "name": meta.get("name", ""),
        "uid": meta.get("uid", ""),
        "controller": True,
        "blockOwnerDeletion": True,
    }


def _labels(req: PodRequest, settings: Settings) -> dict[str, str]:
    name = (req.workflow.get("metadata") or {}).get("name", "")
    out = {L.LABEL_WORKFLOW: name, L.LABEL_COMPLETED: "false"}
    if req.on_exit:
        out[L.LABEL_ON_EXIT] = "true"
    if settings.instance_id:
        out[L.LABEL_CONTROLLER_INSTANCE_ID] = settings.instance_id
    return out


def _default_container(containers: list[Obj]) -> str:
    names = [c["name"] for c in containers]
    return MAIN if MAIN in names else names[-1]


def _executor_container(name: str, command: list[str], req: PodRequest, s: Settings) -> Obj:
    """An argoexec container (`init`, `wait`, or a resource template's main)."""
    meta = req.workflow.get("metadata") or {}
    env: list[Obj] = [
        {"name": "ARGO_POD_NAME", "valueFrom": {"fieldRef": _field("metadata.name")}},
        {"name": "ARGO_POD_UID", "valueFrom": {"fieldRef": _field("metadata.uid")}},
        {"name": "ARGO_WORKFLOW_NAME", "value": meta.get("name", "")},
        {"name": "ARGO_WORKFLOW_UID", "value": meta.get("uid", "")},
    ]
    if s.instance_id:
        env.append({"name": "ARGO_INSTANCE_ID", "value": s.instance_id})
    env.extend(copy_json(list(s.executor.get("env") or [])))
    ctr: Obj = {"name": name, "image": s.executor_image, "command": command, "env": env}
    if s.executor_pull_policy:
        ctr["imagePullPolicy"] = s.executor_pull_policy
    for key in ("resources", "securityContext", "args"):
        if s.executor.get(key):
            ctr[key] = copy_json(s.executor[key])
    return ctr


def _init_container(req: PodRequest, s: Settings) -> Obj:
    return _executor_container(INIT, ["argoexec", INIT, *LOG_OPTS], req, s)


def _field(path: str) -> Obj:
    return {"apiVersion": "v1", "fieldPath": path}


def _standard_env(pod_spec: Obj, req: PodRequest) -> None:
    """ARGO_CONTAINER_NAME, ARGO_NODE_ID, … on every container; ARGO_TEMPLATE on the inits."""
    name = (req.workflow.get("metadata") or {}).get("name", "")
    common = [
        {"name": "ARGO_NODE_ID", "value": req.node_id},
        {"name": "ARGO_INCLUDE_SCRIPT_OUTPUT", "value": _bool(req.include_script_output)},
        {"name": "ARGO_DEADLINE", "value": req.deadline or NO_DEADLINE},
        {"name": "ARGO_WORKFLOW_NAME", "value": name},
    ]
    template = json.dumps(req.template, separators=(",", ":"), sort_keys=True)
    for ctr in pod_spec["initContainers"]:
        own = [{"name": "ARGO_CONTAINER_NAME", "value": ctr["name"]}]
        own.append({"name": "ARGO_TEMPLATE", "value": template})
        ctr["env"] = [*(ctr.get("env") or []), *own, *copy_json(common)]
    for ctr in pod_spec["containers"]:
        own = [{"name": "ARGO_CONTAINER_NAME", "value": ctr["name"]}]
        ctr["env"] = [*(ctr.get("env") or []), *own, *copy_json(common)]


def _patched(pod_spec: Obj, req: PodRequest) -> Obj:
    for text in (req.spec.get("podSpecPatch"), req.template.get("podSpecPatch")):
        if text:
            pod_spec = apply(pod_spec, parse(str(text).replace("{{pod.name}}", req.pod_name)))
    return pod_spec


def _wrap_and_mount(pod_spec: Obj, s: Settings) -> None:
    """Emissary-wrap every non-wait container; mount var-run-argo and the executor's /tmp (a
    wrapped container of another image gets TMPDIR in var-run-argo instead)."""
    grace = pod_spec.get("terminationGracePeriodSeconds")
    for ctr in pod_spec.get("initContainers") or []:
        ctr["volumeMounts"] = [*(ctr.get("volumeMounts") or []), _var_run_argo()]
    for index, ctr in enumerate(pod_spec["containers"]):
        if ctr["name"] != WAIT:
            podparts.wrap_emissary(ctr, s, LOG_OPTS)
        mounts = list(ctr.get("volumeMounts") or [])
        if ctr.get("image") == s.executor_image:
            mounts.append({"name": "tmp-dir-argo", "mountPath": "/tmp", "subPath": str(index)})
        elif ctr["name"] != WAIT and not any(
            e.get("name") == "TMPDIR" for e in ctr.get("env") or []
        ):
            ctr["env"] = [*(ctr.get("env") or []), {"name": "TMPDIR", "value": L.EXECUTOR_TMPDIR}]
        ctr["volumeMounts"] = [*mounts, _var_run_argo()]
        if grace is not None:
            env = [{"name": "ARGO_TERMINATION_GRACE_PERIOD_SECONDS", "value": str(grace)}]
            ctr["env"] = [*(ctr.get("env") or []), *env]


def _var_run_argo() -> Obj:
    return {"name": "var-run-argo", "mountPath": L.VAR_RUN_ARGO}


def _scheduling(pod_spec: Obj, spec: Obj, tmpl: Obj) -> None:
    """Template settings win over the workflow's (Argo's addSchedulingConstraints and friends)."""
    for key, wf_key in (
        ("nodeSelector", "nodeSelector"),
        ("affinity", "affinity"),
        ("tolerations", "tolerations"),
        ("schedulerName", "schedulerName"),
        ("priorityClassName", "podPriorityClassName"),
        ("securityContext", "securityContext"),
        ("serviceAccountName", "serviceAccountName"),
        ("automountServiceAccountToken", "automountServiceAccountToken"),
    ):
        value = tmpl.get(key)
        if value in (None, "", {}, []):
            value = spec.get(wf_key)
        if value not in (None, "", {}, []):
            pod_spec[key] = copy_json(value)
    aliases = [*(spec.get("hostAliases") or []), *(tmpl.get("hostAliases") or [])]
    if aliases:
        pod_spec["hostAliases"] = copy_json(aliases)
    for key in ("dnsPolicy", "dnsConfig"):
        if spec.get(key) is not None:
            pod_spec[key] = copy_json(spec[key])


def _metadata(meta: Obj, spec: Obj, tmpl: Obj) -> None:
    """podMetadata of the workflow, then the template's `metadata`, onto the pod."""
    for source in (spec.get("podMetadata") or {}, tmpl.get("metadata") or {}):
        meta["annotations"].update(
            {k: str(v) for k, v in (source.get("annotations") or {}).items()}
        )
        meta["labels"].update({k: str(v) for k, v in (source.get("labels") or {}).items()})


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _int(value: Any) -> Any:
    try:
        return int(value)
    except (TypeError, ValueError):
        return value
