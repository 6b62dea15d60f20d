"""Properties over random workflows (hypothesis): DAG order (no task's pod before all its
dependencies' nodes are done) and phase rollup (a finished node never runs again; the
workflow's phase matches its root node's)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from argoapp.model.phases import node_done
from argoapp.model.types import Obj
from tests.engine.golden import Sim, by_name, node_name_of, workflow

ROOT_TO_WORKFLOW = {
    "Succeeded": "Succeeded",
    "Skipped": "Succeeded",
    "Omitted": "Succeeded",
    "Failed": "Failed",
    "Error": "Error",
}


@st.composite
def random_dag(draw: Any) -> tuple[Obj, dict[str, list[str]]]:
    size = draw(st.integers(min_value=1, max_value=7))
    deps: dict[str, list[str]] = {}
    tasks = []
    for i in range(size):
        earlier = [f"t{j}" for j in range(i)]
        mine = draw(st.lists(st.sampled_from(earlier), unique=True, max_size=3)) if earlier else []
        deps[f"t{i}"] = mine
        task: Obj = {"name": f"t{i}", "template": "work"}
        if mine:
            task["depends"] = " && ".join(f"({d}.Succeeded || {d}.Failed)" for d in mine)
        tasks.append(task)
    wf = workflow("spec: {entrypoint: main}")
    wf["spec"]["templates"] = [
        {"name": "main", "dag": {"tasks": tasks}},
        {"name": "work", "container": {"image": "alpine"}},
    ]
    return wf, deps


FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(random_dag(), st.data())
def test_no_task_starts_before_its_dependencies_are_done(
    dag: tuple[Obj, dict[str, list[str]]], data: st.DataObject
) -> None:
    wf, deps = dag
    codes = {t: data.draw(st.sampled_from([0, 0, 1]), label=t) for t in deps}
    passes = {t: data.draw(st.integers(0, 3), label=f"{t}-passes") for t in deps}

    def outcome(pod: Obj) -> tuple[int, Obj | None]:
        return codes[node_name_of(pod).split(".")[1]], None

    sim = Sim(wf, outcome, running_passes=lambda pod: passes[node_name_of(pod).split(".")[1]])
    for _ in range(100):
        res = sim.step()
        after = by_name(res.workflow)
        for act in res.actions:
            pod = getattr(act, "pod", None)
            if pod is None:
                continue
            task = node_name_of(pod).split(".")[1]
            for dep in deps[task]:
                node = after.get(f"wf.{dep}")
                assert node is not None and node_done(node.get("phase")), (task, dep)
        if sim.phase in ("Succeeded", "Failed", "Error"):
            break
    assert sim.phase in ("Succeeded", "Failed")
    # every task ran: each dependency accepts success and failure
    assert {node_name_of(p).split(".")[1] for p in sim.created_pods()} == set(deps)


@st.composite
def random_steps(draw: Any) -> Obj:
    groups = draw(st.lists(st.integers(1, 3), min_size=1, max_size=4))
    steps = []
    for g, width in enumerate(groups):
        group = []
        for s in range(width):
            step: Obj = {"name": f"s{g}{s}", "template": "work"}
            if draw(st.booleans()):
                step["continueOn"] = {"failed": True}
            if draw(st.integers(0, 4)) == 0:
                step["withItems"] = [1, 2]
            group.append(step)
        steps.append(group)
    wf = workflow("spec: {entrypoint: main}")
    wf["spec"]["templates"] = [
        {"name": "main", "steps": steps},
        {
            "name": "work",
            "retryStrategy": {"limit": draw(st.integers(0, 1))},
            "container": {"image": "alpine"},
        },
    ]
    return wf


@FAST
@given(random_steps(), st.data())
def test_finished_nodes_stay_finished_and_the_workflow_follows_its_root(
    wf: Obj, data: st.DataObject
) -> None:
    results: dict[str, int] = {}

    def outcome(pod: Obj) -> tuple[int, Obj | None]:
        name = node_name_of(pod)
        if name not in results:
            results[name] = data.draw(st.sampled_from([0, 0, 1, 2]), label=name)
        return results[name], None

    def passes(pod: Obj) -> int:
        return len(node_name_of(pod)) % 3

    sim = Sim(wf, outcome, running_passes=passes)
    finished: dict[str, Obj] = {}
    for _ in range(150):
        sim.step()
        for nid, node in sim.wf["status"].get("nodes", {}).items():
            if nid in finished:
                assert node["phase"] == finished[nid]["phase"], node["name"]
                assert node.get("finishedAt") == finished[nid].get("finishedAt")
            elif node_done(node.get("phase")):
                finished[nid] = dict(node)
        if sim.phase in ("Succeeded", "Failed", "Error"):
            break
    root = sim.wf["status"]["nodes"]["wf"]
    assert sim.phase == ROOT_TO_WORKFLOW[root["phase"]]
    assert all(node_done(n.get("phase")) for n in sim.wf["status"]["nodes"].values())
