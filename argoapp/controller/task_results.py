"""Deleting a finished workflow's WorkflowTaskResults, as Argo's controller does.

The executor reports each pod node's outputs as a WorkflowTaskResult named after the node and
labelled with its workflow; a pass copies them into the node's status. Once the write that makes
the workflow done (Succeeded, Failed or Error) is stored, the outputs live in its status and the
results are dead weight: a 2,000-item fan-out kept 2,000 of them until the workflow was deleted.
Argo deletes them right after that write with one deletecollection by the workflow label, and
only logs a failure: results it misses go with the workflow through their ownerReferences.

Nothing is lost to a later `retry`: the engine never looks again at a node that has ended (its
outputs are read from status), and retry deletes the results of the nodes it runs again itself.

`completes` tells `Controller._write` whether a write is the completing one (so the deletion
happens once per completion, not on every later write of a done workflow); `delete_task_results`
is the work the controller spawns beside its passes. No state, no tasks of its own; it must not
raise, since a pass never waits for it.
"""

from __future__ import annotations

import logging

from argoapp.kube.api import KubeApi
from argoapp.kube.errors import KubeError
from argoapp.model.labels import LABEL_WORKFLOW
from argoapp.model.phases import workflow_done
from argoapp.model.types import Obj

log = logging.getLogger(__name__)


def completes(before: Obj | None, after: Obj) -> bool:
    """Whether writing `after` over `before` is what makes the workflow done."""
    was = ((before or {}).get("status") or {}).get("phase")
    now = (after.get("status") or {}).get("phase")
    return workflow_done(now) and not workflow_done(was)


async def delete_task_results(kube: KubeApi, namespace: str, name: str) -> None:
    """Delete the WorkflowTaskResults labelled with workflow `name`; a failure is a warning."""
    selector = f"{LABEL_WORKFLOW}={name}"
    try:
        count = await kube.delete_collection(
            "WorkflowTaskResult", namespace, label_selector=selector, propagation="Background"
        )
    except KubeError as e:
        log.warning(
            "controller: deleting the task results of workflow %s/%s failed: %s",
            namespace,
            name,
            e,
        )
        return
    log.debug("controller: deleted %d task results of workflow %s/%s", count, namespace, name)
