"""DAG scheduling: `dependencies` and enhanced `depends`, Omitted tasks, `target`, the node
tree a DAG builds (children under dependencies' outbound nodes)."""

from __future__ import annotations

from argoapp.model.ids import node_id
from argoapp.model.types import Obj
from tests.engine.golden import Sim, by_name, node_name_of, workflow


def dag(tasks: str, extra: str = "") -> Obj:
    return workflow(
        f"""
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
{extra}
      tasks:
{tasks}
  - name: work
    container: {{image: alpine}}
"""
    )


def fails(*tasks: str):  # type: ignore[no-untyped-def]
    def outcome(pod: Obj) -> tuple[int, Obj | None]:
        return (1 if node_name_of(pod).split(".")[1] in tasks else 0), None

    return outcome


DIAMOND = """
      - {name: A, template: work}
      - {name: B, template: work, dependencies: [A]}
      - {name: C, template: work, dependencies: [A]}
      - {name: D, template: work, dependencies: [B, C]}
"""


def test_diamond_runs_in_dependency_order() -> None:
    sim = Sim(dag(DIAMOND))
    sim.run()
    assert [w for w in sim.waves if w] == [["wf.A"], ["wf.B", "wf.C"], ["wf.D"]]
    assert sim.phase == "Succeeded"


def test_diamond_tree_hangs_tasks_under_their_dependencies() -> None:
    sim = Sim(dag(DIAMOND))
    sim.run()
    n = by_name(sim.wf)
    nid = lambda t: node_id("wf", f"wf.{t}")  # noqa: E731
    assert n["wf"]["type"] == "DAG"
    assert n["wf"]["children"] == [nid("A")]
    assert sorted(n["wf.A"]["children"]) == sorted([nid("B"), nid("C")])
    assert n["wf.B"]["children"] == [nid("D")]
    assert n["wf.C"]["children"] == [nid("D")]
    assert n["wf"]["outboundNodes"] == [nid("D")]
    assert all(n[f"wf.{t}"]["boundaryID"] == "wf" for t in "ABCD")
    assert n["wf.D"]["displayName"] == "D"


def test_depends_on_failure_runs_only_after_a_failure() -> None:
    tasks = """
      - {name: A, template: work}
      - {name: onfail, template: work, depends: A.Failed}
      - {name: onok, template: work, depends: A.Succeeded}
"""
    sim = Sim(dag(tasks), fails("A"))
    sim.run()
    n = by_name(sim.wf)
    assert n["wf.onfail"]["phase"] == "Succeeded"
    assert n["wf.onok"]["phase"] == "Omitted"
    assert n["wf.onok"]["type"] == "Skipped"
    assert n["wf.onok"]["message"] == "omitted: depends condition not met"
    # the omitted target inherits its branch's Failed: the DAG fails
    assert n["wf"]["phase"] == "Failed"
    assert sim.phase == "Failed"


def test_depends_or_runs_whatever_the_dependency_did() -> None:
    tasks = """
      - {name: A, template: work}
      - {name: B, template: work, depends: "A.Succeeded || A.Failed"}
"""
    for outcome in (fails(), fails("A")):
        sim = Sim(dag(tasks), outcome)
        sim.run()
        assert by_name(sim.wf)["wf.B"]["phase"] == "Succeeded"
        # B is the only target and it succeeded, so the DAG did
        assert sim.phase == "Succeeded"


def test_bare_task_name_accepts_skipped() -> None:
    tasks = """
      - {name: A, template: work, when: "1 == 2"}
      - {name: B, template: work, depends: A}
"""
    sim = Sim(dag(tasks))
    sim.run()
    n = by_name(sim.wf)
    assert n["wf.A"]["phase"] == "Skipped"
    assert n["wf.A"]["message"] == "when '1 == 2' evaluated false"
    assert n["wf.B"]["phase"] == "Succeeded"
    assert sim.phase == "Succeeded"


def test_bare_task_name_is_not_satisfied_by_failure() -> None:
    tasks = """
      - {name: A, template: work}
      - {name: B, template: work, depends: A}
"""
    sim = Sim(dag(tasks), fails("A"))
    sim.run()
    assert by_name(sim.wf)["wf.B"]["phase"] == "Omitted"
    assert sim.phase == "Failed"


def test_errored_dependency() -> None:
    tasks = """
      - {name: A, template: missing-input}
      - {name: B, template: work, depends: A.Errored}
"""
    wf = dag(tasks)
    wf["spec"]["templates"].append(
        {
            "name": "missing-input",
            "inputs": {"parameters": [{"name": "x"}]},
            "container": {"image": "alpine"},
        }
    )
    wf["spec"]["templates"][0]["dag"]["tasks"][0]["arguments"] = {
        "parameters": [{"name": "x", "value": "v"}]
    }
    wf["spec"]["templates"][-1]["inputs"]["parameters"][0]["enum"] = ["other"]
    sim = Sim(wf)
    sim.run()
    n = by_name(sim.wf)
    assert n["wf.A"]["phase"] == "Error"
    assert n["wf.B"]["phase"] == "Succeeded"


def test_dependencies_respect_continue_on_of_the_dependency() -> None:
    tasks = """
      - {name: A, template: work, continueOn: {failed: true}}
      - {name: B, template: work, dependencies: [A]}
"""
    sim = Sim(dag(tasks), fails("A"))
    sim.run()
    n = by_name(sim.wf)
    assert n["wf.A"]["phase"] == "Failed"
    assert n["wf.B"]["phase"] == "Succeeded"
    assert sim.phase == "Succeeded"


def test_target_runs_only_the_target_and_its_ancestors() -> None:
    tasks = """
      - {name: A, template: work}
      - {name: B, template: work, dependencies: [A]}
      - {name: C, template: work, dependencies: [A]}
"""
    sim = Sim(dag(tasks, "      target: B"))
    sim.run()
    n = by_name(sim.wf)
    assert "wf.C" not in n
    assert n["wf.B"]["phase"] == "Succeeded"
    assert n["wf"]["outboundNodes"] == [n["wf.B"]["id"]]
    assert sim.phase == "Succeeded"


def test_loop_any_succeeded_and_all_failed() -> None:
    tasks = """
      - {name: L, template: work, withItems: [1, 2]}
      - {name: any, template: work, depends: L.AnySucceeded}
      - {name: all, template: work, depends: L.AllFailed}
"""

    def outcome(pod: Obj) -> tuple[int, Obj | None]:
        return (1 if "(0:1)" in node_name_of(pod) else 0), None

    wf = dag(tasks)
    sim = Sim(wf, outcome)
    sim.run()
    n = by_name(sim.wf)
    assert n["wf.L"]["type"] == "TaskGroup"
    assert n["wf.any"]["phase"] == "Succeeded"
    assert n["wf.all"]["phase"] == "Omitted"


def test_a_task_waits_for_every_dependency() -> None:
    tasks = """
      - {name: fast, template: work}
      - {name: slow, template: work}
      - {name: join, template: work, depends: fast && slow}
"""

    def passes(pod: Obj) -> int:
        return 3 if node_name_of(pod) == "wf.slow" else 0

    sim = Sim(dag(tasks), running_passes=passes)
    sim.run()
    join_wave = next(i for i, w in enumerate(sim.waves) if "wf.join" in w)
    assert join_wave >= 3
    assert sim.phase == "Succeeded"
