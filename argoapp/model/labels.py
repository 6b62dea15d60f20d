"""Labels and annotations Argo puts on workflows, pods and task results (`workflow/common`)."""

from __future__ import annotations

PREFIX = "workflows.argoproj.io"

LABEL_WORKFLOW = f"{PREFIX}/workflow"
LABEL_COMPLETED = f"{PREFIX}/completed"
LABEL_PHASE = f"{PREFIX}/phase"
LABEL_CRON_WORKFLOW = f"{PREFIX}/cron-workflow"
LABEL_WORKFLOW_TEMPLATE = f"{PREFIX}/workflow-template"
LABEL_CLUSTER_WORKFLOW_TEMPLATE = f"{PREFIX}/cluster-workflow-template"
LABEL_RESUBMITTED_FROM = f"{PREFIX}/resubmitted-from-workflow"
LABEL_ON_EXIT = f"{PREFIX}/on-exit"
LABEL_REPORT_OUTPUTS_COMPLETED = f"{PREFIX}/report-outputs-completed"
LABEL_ARCHIVING_STATUS = f"{PREFIX}/workflow-archiving-status"
LABEL_ARCHIVE_STRATEGY = f"{PREFIX}/archive-strategy"
LABEL_CONFIGMAP_TYPE = f"{PREFIX}/configmap-type"
LABEL_CONTROLLER_INSTANCE_ID = f"{PREFIX}/controller-instanceid"
LABEL_CREATOR = f"{PREFIX}/creator"
# On a Namespace: how many of its workflows may run at once (instead of namespaceParallelism).
LABEL_PARALLELISM_LIMIT = f"{PREFIX}/parallelism-limit"

ANNOTATION_NODE_ID = f"{PREFIX}/node-id"
ANNOTATION_NODE_NAME = f"{PREFIX}/node-name"
ANNOTATION_NODE_TYPE = f"{PREFIX}/node-type"
ANNOTATION_PROGRESS = f"{PREFIX}/progress"
ANNOTATION_POD_NAME_FORMAT = f"{PREFIX}/pod-name-format"
ANNOTATION_SCHEDULED_TIME = f"{PREFIX}/scheduled-time"
ANNOTATION_KILL_CMD = f"{PREFIX}/kill-cmd"

FINALIZER_ARTIFACT_GC = f"{PREFIX}/artifact-gc"

# The shared executor volume and the files the emissary contract places in it.
VAR_RUN_ARGO = "/var/run/argo"
EXECUTOR_BINARY = f"{VAR_RUN_ARGO}/argoexec"
# The executor is one file that unpacks itself into TMPDIR (or /tmp) before it runs. A user's
# image may have no writable /tmp (scratch, a read-only root), so a wrapped container is given
# this TMPDIR; the emissary takes it out of its command's environment again.
EXECUTOR_TMPDIR = VAR_RUN_ARGO
SCRIPT_PATH = "/argo/staging/script"
INPUT_ARTIFACTS_DIR = "/argo/inputs/artifacts"
MAIN_CONTAINER_FS = "/mainctrfs"


def selects(selector: object, labels: dict[str, str]) -> bool:
    """Whether a Kubernetes LabelSelector object (`matchLabels` and `matchExpressions` with
    In, NotIn, Exists, DoesNotExist) picks an object with `labels`. An empty one picks all; a
    malformed one picks nothing (validation reports it)."""
    if not selector:
        return True
    if not isinstance(selector, dict):
        return False
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(str(key)) != str(value):
            return False
    for term in selector.get("matchExpressions") or []:
        if not isinstance(term, dict):
            return False
        key, op = str(term.get("key", "")), term.get("operator")
        values = [str(v) for v in term.get("values") or []]
        present = key in labels
        if op == "In":
            ok = present and labels[key] in values
        elif op == "NotIn":
            ok = not present or labels[key] not in values
        elif op == "Exists":
            ok = present
        elif op == "DoesNotExist":
            ok = not present
        else:
            return False
        if not ok:
            return False
    return True
