"""Quiet pod nodes (`engine.quiet`): a pass passes over a running pod that nothing changed
since it last ran, and the workflow comes out exactly as if every pass had run it.

Each test runs the same workflow twice under the simulated controller: once as the
controller hands objects over (the very same pod object until it changes, so quiet nodes are
passed over), once with fresh copies on every pass (nothing is ever quiet), and compares every
pass's workflow, actions and requeue time.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from argoapp.engine import quiet
from argoapp.model.types import Obj
from tests.engine.golden import Sim, workflow


class FreshSim(Sim):
    """Hands the engine new copies of every object on every pass: nothing is ever quiet."""

    def _share(self, kind: str, world: dict[str, Obj]) -> dict[str, Obj]:
        return copy.deepcopy(world)


def fan_out(extra_spec: str = "", extra_tmpl: str = "", items: int = 12) -> Obj:
    return workflow(
        f"""
spec:
  entrypoint: main
  parallelism: 4
{extra_spec}
  templates:
  - name: main
    steps:
    - - {{name: s, template: work, withSequence: {{count: "{items}"}}}}
  - name: work
{extra_tmpl}
    container: {{image: alpine, command: [echo, "{{{{item}}}}"]}}
"""
    )


def both(
    wf: Obj, change: Callable[[Sim, int], None] | None = None, passes: int = 80
) -> tuple[list[Any], list[Any]]:
    """Every pass's (workflow, actions, requeue) with and without quiet nodes."""
    runs = []
    for cls in (Sim, FreshSim):
        sim = cls(copy.deepcopy(wf), running_passes=lambda pod: 6)
        seen = []
        for i in range(passes):
            if change is not None:
                change(sim, i)
            res = sim.step()
            seen.append((copy.deepcopy(res.workflow), repr(res.actions), res.requeue_after))
            if sim.phase in ("Succeeded", "Failed", "Error"):
                break
        runs.append(seen)
    return runs[0], runs[1]


@pytest.fixture
def skipped(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times a pass passed over a quiet node (a spy on `quiet.unchanged`)."""
    count = [0]
    real = quiet.unchanged

    def spy(p: Any, node: Obj) -> bool:
        found = real(p, node)
        count[0] += found
        return found

    monkeypatch.setattr(quiet, "unchanged", spy)
    return count


def test_a_fan_out_passes_over_running_pods_and_ends_the_same(skipped: list[int]) -> None:
    shared, fresh = both(fan_out())
    assert shared == fresh
    assert shared[-1][0]["status"]["phase"] == "Succeeded"
    assert skipped[0] > 20


def test_a_stop_reaches_quiet_pods(skipped: list[int]) -> None:
    def stop(sim: Sim, i: int) -> None:
        if i == 8:
            sim.wf["spec"]["shutdown"] = "Stop"

    shared, fresh = both(fan_out(), stop)
    assert shared == fresh
    assert shared[-1][0]["status"]["phase"] == "Failed"
    assert skipped[0] > 0


def test_a_node_changed_from_outside_is_run_again(skipped: list[int]) -> None:
    def touch(sim: Sim, i: int) -> None:
        if i == 5:
            for node in sim.wf["status"]["nodes"].values():
                if node["type"] == "Pod" and node["phase"] == "Pending":
                    node["message"] = "poked"

    shared, fresh = both(fan_out(), touch)
    assert shared == fresh
    assert skipped[0] > 0


@pytest.mark.parametrize(
    ("extra_spec", "extra_tmpl"),
    [
        ("  activeDeadlineSeconds: 3600", ""),
        ("", "    timeout: 1h"),
        ("", "    retryStrategy: {limit: 1}"),
        ("", "    daemon: true"),
    ],
)
def test_clock_and_retries_keep_pods_out_of_it(
    skipped: list[int], extra_spec: str, extra_tmpl: str
) -> None:
    shared, fresh = both(fan_out(extra_spec, extra_tmpl))
    assert shared == fresh
    assert skipped[0] == 0
