"""retryStrategy: the Retry node and its attempts, limit, policies, expression, `{{retries}}`,
backoff (a requeue and Argo's message) and maxDuration."""

from __future__ import annotations

from datetime import timedelta

from argoapp.model.types import Obj
from tests.engine.golden import Sim, by_name, node_name_of, workflow


def retried(strategy: str, codes: list[int], tick: float = 1.0) -> Sim:
    """One step whose attempts exit with `codes` in turn (the last one repeats)."""
    text = f"""
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {{name: a, template: flaky}}
  - name: flaky
    retryStrategy: {strategy}
    container: {{image: alpine, args: ["{{{{retries}}}}"]}}
"""
    seen: list[str] = []

    def outcome(pod: Obj) -> tuple[int, Obj | None]:
        seen.append(node_name_of(pod))
        return codes[min(len(seen) - 1, len(codes) - 1)], None

    return Sim(workflow(text), outcome, tick=timedelta(seconds=tick))


def attempts(sim: Sim) -> list[Obj]:
    n = by_name(sim.wf)
    return [sim.wf["status"]["nodes"][c] for c in n["wf[0].a"].get("children") or []]


def test_retry_until_success() -> None:
    sim = retried("{limit: 3}", [1, 1, 0])
    sim.run()
    n = by_name(sim.wf)
    retry = n["wf[0].a"]
    assert retry["type"] == "Retry"
    assert retry["phase"] == "Succeeded"
    tries = attempts(sim)
    assert [t["name"] for t in tries] == ["wf[0].a(0)", "wf[0].a(1)", "wf[0].a(2)"]
    assert [t["displayName"] for t in tries] == ["a(0)", "a(1)", "a(2)"]
    assert [t["phase"] for t in tries] == ["Failed", "Failed", "Succeeded"]
    assert all(t["type"] == "Pod" for t in tries)
    assert sim.phase == "Succeeded"
    # each attempt sees its own number as {{retries}}
    args = [
        next(c for c in p["spec"]["containers"] if c["name"] == "main")["args"]
        for p in sim.created_pods()
    ]
    assert args == [["0"], ["1"], ["2"]]


def test_limit_reached_fails_with_no_more_retries_left() -> None:
    sim = retried("{limit: 2}", [1])
    sim.run()
    retry = by_name(sim.wf)["wf[0].a"]
    assert len(attempts(sim)) == 3
    assert retry["phase"] == "Failed"
    assert retry["message"] == "No more retries left"
    assert sim.phase == "Failed"


def test_limit_as_a_string() -> None:
    sim = retried("{limit: '1'}", [1])
    sim.run()
    assert len(attempts(sim)) == 2


def test_on_error_does_not_retry_a_failure() -> None:
    sim = retried("{limit: 3, retryPolicy: OnError}", [1])
    sim.run()
    retry = by_name(sim.wf)["wf[0].a"]
    assert len(attempts(sim)) == 1
    assert retry["phase"] == "Failed"
    assert retry["message"] == "Error (exit code 1)"


def test_always_and_on_failure_retry_a_failure() -> None:
    for policy in ("Always", "OnFailure"):
        sim = retried(f"{{limit: 1, retryPolicy: {policy}}}", [1, 0])
        sim.run()
        assert len(attempts(sim)) == 2, policy
        assert sim.phase == "Succeeded"


def test_expression_decides_whether_to_retry() -> None:
    sim = retried('{limit: 5, expression: "asInt(lastRetry.exitCode) == 2"}', [2, 2, 3])
    sim.run()
    retry = by_name(sim.wf)["wf[0].a"]
    assert len(attempts(sim)) == 3
    assert retry["phase"] == "Failed"
    assert retry["message"] == "retryStrategy.expression evaluated to false"


def test_backoff_waits_and_says_so() -> None:
    sim = retried("{limit: 2, backoff: {duration: '10s', factor: 2}}", [1, 1, 0])
    sim.until(lambda s: bool(by_name(s.wf).get("wf[0].a(0)", {}).get("finishedAt")))
    res = sim.step()
    retry = by_name(sim.wf)["wf[0].a"]
    assert retry["message"].startswith("Backoff for")
    assert res.requeue_after is not None and 0 < res.requeue_after <= 10
    assert "wf[0].a(1)" not in by_name(sim.wf)
    sim.run()
    assert [t["phase"] for t in attempts(sim)] == ["Failed", "Failed", "Succeeded"]
    assert "message" not in by_name(sim.wf)["wf[0].a"]
    assert sim.phase == "Succeeded"


def test_max_duration_stops_retrying() -> None:
    strategy = "{limit: 10, backoff: {duration: '20s', maxDuration: '30s'}}"
    sim = retried(strategy, [1], tick=5)
    sim.run()
    retry = by_name(sim.wf)["wf[0].a"]
    assert retry["phase"] == "Failed"
    assert retry["message"] == "Max duration limit exceeded"
    assert len(attempts(sim)) < 11


def test_retried_dag_task_passes_outputs_and_tree() -> None:
    text = """
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: A, template: flaky}
      - {name: B, template: work, dependencies: [A]}
  - name: flaky
    retryStrategy: {limit: 2}
    container: {image: alpine}
  - name: work
    container: {image: alpine}
"""
    calls: list[str] = []

    def outcome(pod: Obj) -> tuple[int, Obj | None]:
        calls.append(node_name_of(pod))
        return (1 if len(calls) == 1 else 0), None

    sim = Sim(workflow(text), outcome)
    sim.run()
    n = by_name(sim.wf)
    assert n["wf.A"]["type"] == "Retry"
    # the next task hangs under the attempt that succeeded
    assert n["wf.A(1)"]["children"] == [n["wf.B"]["id"]]
    assert "children" not in n["wf.A(0)"]
    assert sim.phase == "Succeeded"


def test_workflow_level_retry_strategy_applies_to_pods() -> None:
    text = """
spec:
  entrypoint: main
  retryStrategy: {limit: 1}
  templates:
  - name: main
    container: {image: alpine}
"""
    calls: list[str] = []

    def outcome(pod: Obj) -> tuple[int, Obj | None]:
        calls.append(node_name_of(pod))
        return (1 if len(calls) == 1 else 0), None

    sim = Sim(workflow(text), outcome)
    sim.run()
    assert calls == ["wf(0)", "wf(1)"]
    assert sim.phase == "Succeeded"


def test_strategy_may_use_the_templates_inputs() -> None:
    """`retryStrategy` is part of the template: its expression sees `{{inputs.…}}`."""
    text = """
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: a
        template: flaky
        arguments: {parameters: [{name: safe, value: "true"}]}
  - name: flaky
    inputs: {parameters: [{name: safe}]}
    retryStrategy:
      limit: "3"
      expression: "{{inputs.parameters.safe}} == true && asInt(lastRetry.exitCode) > 1"
    container: {image: alpine, command: [x]}
"""
    codes = [2, 2, 1]
    seen: list[str] = []

    def outcome(pod: Obj) -> tuple[int, Obj | None]:
        seen.append(node_name_of(pod))
        return codes[len(seen) - 1], None

    sim = Sim(workflow(text), outcome)
    sim.run()
    retry = by_name(sim.wf)["wf[0].a"]
    # exit 2 twice: retried; exit 1: the expression says stop
    assert [t["phase"] for t in attempts(sim)] == ["Failed", "Failed", "Failed"]
    assert retry["message"] == "retryStrategy.expression evaluated to false"


def test_a_hook_of_a_retried_step_is_not_taken_for_an_attempt() -> None:
    """A lifecycle hook fired while a retried step runs hangs under its Retry node; the
    attempt still running stays the one followed, and the step ends when it does."""
    text = """
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: a
        template: slow
        hooks:
          running: {expression: steps.a.status == "Running", template: c}
  - {name: c, container: {image: alpine}}
  - name: slow
    retryStrategy: {limit: 2}
    container: {image: alpine, command: [slow]}
"""
    sim = Sim(workflow(text), running_passes=lambda pod: 6 if "slow" in str(pod) else 1)
    sim.run()
    nodes = sim.nodes()
    assert sim.phase == "Succeeded"
    assert nodes["a(0)"]["phase"] == "Succeeded"  # the attempt, followed to its end
    assert "a(1)" not in nodes
    assert nodes["a.hooks.running"]["phase"] == "Succeeded"
