"""Entry point of the pure engine (being written; see engine/api.py for the contract)."""

from __future__ import annotations

import copy
from datetime import datetime

from argoapp.engine.api import Observed, Result, Settings
from argoapp.model.types import Obj


def reconcile(wf: Obj, observed: Observed, now: datetime, settings: Settings) -> Result:
    """One pass over a workflow: the new Workflow object and the actions to perform."""
    return Result(workflow=copy.deepcopy(wf))
