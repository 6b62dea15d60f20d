"""Passes that keep raising: counted per workflow, logged once, and ended after a few.

`Controller._pass` tells `PassFailures` when the engine raised over a workflow and when a pass
over it went well. The first failure in a row is logged with its traceback, the next ones in
one line each; after `limit` failures in a row the workflow is given up on: `errored` is the
workflow the controller then writes, phase `Error` with an `invalid spec: …` message, as Argo
marks a workflow whose operation panicked, so that it is not retried for ever. This module
neither reads nor writes anything; it only counts and builds the object.
"""

from __future__ import annotations

import logging
from datetime import datetime

from argoapp.model.labels import LABEL_COMPLETED, LABEL_PHASE
from argoapp.model.types import Obj

log = logging.getLogger(__name__)

PASS_FAILURE_LIMIT = 5


class PassFailures:
    """Failures in a row of the passes over each workflow (by `namespace/name`)."""

    def __init__(self, limit: int = PASS_FAILURE_LIMIT) -> None:
        self.limit = limit
        self._count: dict[str, int] = {}

    def failed(self, key: str, error: BaseException) -> bool:
        """Count a failure (and log it); True once there have been `limit` in a row."""
        count = self._count.get(key, 0) + 1
        self._count[key] = count
        if count == 1:
            log.error("controller: the pass over workflow %s failed", key, exc_info=error)
        else:
            log.warning(
                "controller: the pass over workflow %s failed again (%d in a row): %s",
                key,
                count,
                describe(error),
            )
        return count >= self.limit

    def succeeded(self, key: str) -> None:
        """A pass went well (or the workflow is gone): start counting afresh."""
        self._count.pop(key, None)

    def __len__(self) -> int:
        return len(self._count)


def describe(error: BaseException) -> str:
    """The exception in one line, its type named (a bare KeyError says only the key)."""
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def errored(wf: Obj, error: BaseException, now: datetime, failures: int) -> Obj:
    """`wf` ended `Error` because every pass over it raised `error` (`failures` in a row)."""
    status = dict(wf.get("status") or {})
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    status["phase"] = "Error"
    status["message"] = (
        f"invalid spec: the controller failed to process the workflow {failures} times in a "
        f"row: {describe(error)}"
    )
    status.setdefault("startedAt", stamp)
    status["finishedAt"] = stamp
    conditions = [c for c in status.get("conditions") or [] if c.get("type") != "Completed"]
    status["conditions"] = [*conditions, {"type": "Completed", "status": "True"}]
    meta = dict(wf.get("metadata") or {})
    meta["labels"] = {**(meta.get("labels") or {}), LABEL_PHASE: "Error", LABEL_COMPLETED: "true"}
    return {**wf, "metadata": meta, "status": status}
