"""Artifact GC's decisions (pure functions): strategies, when they are due, the finalizer, and
what the workflow says after an attempt."""

from __future__ import annotations

from typing import Any

from argoapp.controller import artifact_gc_plan as plan
from argoapp.model.types import Obj


def wf(*artifacts: Obj, phase: str = "", deleting: bool = False, **gc: Any) -> Obj:
    meta: Obj = {"name": "w", "namespace": "default", "uid": "u1"}
    if deleting:
        meta["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    node = {
        "id": "n1",
        "type": "Pod",
        "templateName": "main",
        "outputs": {"artifacts": list(artifacts)},
    }
    spec: Obj = {"templates": [{"name": "main", "outputs": {"artifacts": [
        {"name": "declared", "artifactGC": {"strategy": plan.ON_DELETION}},
    ]}}]}  # fmt: skip
    if gc:
        spec["artifactGC"] = gc
    return {"metadata": meta, "spec": spec, "status": {"phase": phase, "nodes": {"n1": node}}}


def art(name: str, strategy: str = "") -> Obj:
    out: Obj = {"name": name, "s3": {"key": f"k/{name}"}}
    if strategy:
        out["artifactGC"] = {"strategy": strategy}
    return out


def test_the_artifact_wins_over_its_template_and_the_template_over_the_workflow() -> None:
    w = wf(strategy=plan.ON_COMPLETION)
    template = w["spec"]["templates"][0]
    assert plan.strategy(w, art("x", plan.NEVER), template) == plan.NEVER
    assert plan.strategy(w, art("declared"), template) == plan.ON_DELETION
    assert plan.strategy(w, art("other"), template) == plan.ON_COMPLETION
    assert plan.strategy(wf(), art("other"), template) == ""


def test_the_finalizer_is_added_once_and_only_when_a_strategy_deletes_something() -> None:
    w = plan.with_finalizer(wf(strategy=plan.ON_COMPLETION))
    assert w["metadata"]["finalizers"] == [plan.FINALIZER]
    assert plan.with_finalizer(w) is w
    bare = wf()
    bare["spec"]["templates"] = []
    assert plan.with_finalizer(bare) is bare
    odd = wf(strategy="Sometimes")
    odd["spec"]["templates"] = []
    assert plan.with_finalizer(odd) is odd  # a strategy argoapp does not carry out
    # Declared on a template is enough.
    assert plan.has_finalizer(plan.with_finalizer(wf()))
    processed = wf(strategy=plan.ON_COMPLETION)
    processed["status"]["artifactGCStatus"] = {"strategiesProcessed": {plan.ON_COMPLETION: True}}
    assert not plan.has_finalizer(plan.with_finalizer(processed))


def test_strategies_are_due_on_completion_and_on_deletion() -> None:
    def due(**kw: Any) -> frozenset[str]:
        return plan.ready_strategies(plan.with_finalizer(wf(strategy=plan.ON_COMPLETION, **kw)))

    assert due(phase="Running") == frozenset()
    assert due(phase="Failed") == {plan.ON_COMPLETION}
    assert due(phase="Running", deleting=True) == frozenset()  # no finalizer added while deleting
    held = plan.with_finalizer(wf(strategy=plan.ON_COMPLETION, phase="Succeeded"))
    held["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    assert plan.ready_strategies(held) == {plan.ON_COMPLETION, plan.ON_DELETION}


def test_targets_are_the_undeleted_artifacts_of_the_strategies() -> None:
    w = wf(
        art("a", plan.ON_COMPLETION),
        {**art("b", plan.ON_COMPLETION), "deleted": True},
        art("declared"),
        art("c", plan.NEVER),
        strategy=plan.ON_COMPLETION,
    )
    names = [t.artifact["name"] for t in plan.targets(w, frozenset({plan.ON_COMPLETION}))]
    assert names == ["a"]
    names = [t.artifact["name"] for t in plan.targets(w, frozenset({plan.ON_DELETION}))]
    assert names == ["declared"]


def test_a_successful_report_marks_records_and_lets_go_when_nothing_waits() -> None:
    w = plan.with_finalizer(wf(art("a", plan.ON_COMPLETION), art("declared"), phase="Succeeded"))
    report = plan.Report("u1", frozenset({plan.ON_COMPLETION}), frozenset({("n1", "a")}), ())
    after = plan.applied(w, report)
    arts = after["status"]["nodes"]["n1"]["outputs"]["artifacts"]
    assert [a.get("deleted") for a in arts] == [True, None]
    assert after["status"]["artifactGCStatus"] == {
        "strategiesProcessed": {plan.ON_COMPLETION: True}
    }
    assert plan.has_finalizer(after)  # `declared` waits for deletion
    report = plan.Report("u1", frozenset({plan.ON_DELETION}), frozenset({("n1", "declared")}), ())
    assert not plan.has_finalizer(plan.applied(after, report))


def test_a_failed_report_keeps_the_finalizer_unless_forced() -> None:
    w = plan.with_finalizer(wf(art("a"), phase="Succeeded", strategy=plan.ON_COMPLETION))
    report = plan.Report("u1", frozenset({plan.ON_COMPLETION}), frozenset(), ("a (node n1): down",))
    after = plan.applied(w, report)
    assert plan.has_finalizer(after)
    assert "artifactGCStatus" not in after["status"]  # not processed: it is tried again
    assert after["status"]["conditions"] == [
        {"type": plan.CONDITION, "status": "True", "message": "a (node n1): down"}
    ]
    assert plan.applied(after, report)["status"]["conditions"] == after["status"]["conditions"]
    w["spec"]["artifactGC"]["forceFinalizerRemoval"] = True
    forced = plan.applied(w, report)
    assert not plan.has_finalizer(forced)
    assert forced["status"]["artifactGCStatus"]["strategiesProcessed"] == {plan.ON_COMPLETION: True}


def test_a_workflow_template_s_gc_settings_apply_to_the_workflows_made_from_it() -> None:
    w = wf(art("a"), phase="Failed")
    w["status"]["storedWorkflowTemplateSpec"] = {
        "artifactGC": {"strategy": plan.ON_COMPLETION, "forceFinalizerRemoval": True}
    }
    assert plan.workflow_strategy(w) == plan.ON_COMPLETION
    assert plan.force_removal(w)
    w["spec"]["artifactGC"] = {"strategy": plan.NEVER}
    assert plan.workflow_strategy(w) == plan.NEVER  # the workflow's own wins
