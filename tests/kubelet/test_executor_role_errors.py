"""An in-process executor role that raises what it did not expect ends its container cleanly.

The kubelet runs `argoexec init` and `wait` as code (`inprocess.RoleAttempt`); a bug in that code
must read as a container that failed with a message naming the cause (exit 1, reason Error),
with the traceback logged once for the operator, never as a bare kill (137, no message).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

from argoapp.executor import wait as executor_wait
from argoapp.localkube.cluster import LocalKube, LocalKubeSettings
from argoapp.localkube.kubelet import inprocess
from tests.conftest import require_tool
from tests.kubelet.conftest import kill_leftovers
from tests.kubelet.test_executor_roles import Obj, run_pod

pytestmark = pytest.mark.timeout(120)
TEMPLATE: Obj = {"name": "plain", "container": {"image": "busybox", "command": ["true"]}}


@pytest.fixture
async def kube(tmp_path: Path) -> AsyncIterator[LocalKube]:
    require_tool("bwrap")
    settings = LocalKubeSettings(
        data_dir=tmp_path / "data",
        port=0,
        extra_path=(os.path.dirname(sys.executable),),
        executor_in_process=True,
    )
    k = LocalKube(settings)
    await k.start()
    yield k
    await k.stop()
    kill_leftovers(tmp_path / "data")


def broken(*_args: Any) -> NoReturn:
    raise RuntimeError("boom")


def role_errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        rec
        for rec in caplog.records
        if rec.levelno == logging.ERROR and rec.getMessage().startswith("executor role ")
    ]


async def test_an_init_that_raises_fails_with_its_cause(
    kube: LocalKube, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # A stand-in for a bug: no real input is known to make init raise (each one found is fixed).
    monkeypatch.setattr(inprocess, "run_init", broken)
    pod, _result = await run_pod(kube, TEMPLATE, "wf-init-bug")
    assert pod["status"]["phase"] == "Failed"
    init = pod["status"]["initContainerStatuses"][0]["state"]["terminated"]
    assert (init["exitCode"], init["reason"]) == (1, "Error")
    assert init["message"] == "executor init failed: RuntimeError: boom"
    [logged] = role_errors(caplog)
    assert logged.exc_info is not None and logged.exc_info[0] is RuntimeError


async def test_a_wait_that_raises_fails_with_its_cause(
    kube: LocalKube, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # A stand-in for a bug in wait's last step, as above.
    monkeypatch.setattr(executor_wait, "finish", broken)
    pod, _result = await run_pod(kube, TEMPLATE, "wf-wait-bug")
    assert pod["status"]["phase"] == "Failed"
    wait = next(cs for cs in pod["status"]["containerStatuses"] if cs["name"] == "wait")
    ended = wait["state"]["terminated"]
    assert (ended["exitCode"], ended["reason"]) == (1, "Error")
    assert ended["message"] == "executor wait failed: RuntimeError: boom"
    assert len(role_errors(caplog)) == 1
