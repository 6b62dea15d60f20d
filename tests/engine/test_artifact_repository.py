"""The workflow's artifact repository and the archive location each pod's template carries.

Repository resolution on the first pass into `status.artifactRepositoryRef` (spec ref, the
namespace's `artifact-repositories` ConfigMap, the controller's default), Argo's messages when a
ref cannot be resolved, and `archiveLocation` (keyFormat, keyPrefix, archiveLogs precedence,
the template's own location, no repository at all).
"""

from __future__ import annotations

import yaml

from argoapp.engine.api import Settings
from argoapp.model.types import Obj
from tests.engine.artifact_world import REPO, node, pod_templates, run, saving
from tests.engine.golden import Objects, Sim, workflow

HELLO = """
spec:
  entrypoint: hello
  templates:
  - name: hello
    container: {image: busybox, command: [echo, hi]}
"""

PRODUCER = """
spec:
  entrypoint: gen
  templates:
  - name: gen
    container: {image: busybox}
    outputs:
      artifacts:
      - name: out
        path: /tmp/out
"""

OTHER = {"s3": {"endpoint": "minio:9000", "bucket": "team", "keyFormat": "team/{{pod.name}}"}}


def config_map(name: str, data: dict[str, Obj], default_key: str = "") -> Obj:
    meta: Obj = {"name": name, "namespace": "argo"}
    if default_key:
        meta["annotations"] = {"workflows.argoproj.io/default-artifact-repository": default_key}
    return {
        "kind": "ConfigMap",
        "metadata": meta,
        "data": {k: yaml.safe_dump(v) for k, v in data.items()},
    }


def test_the_controller_default_is_recorded_on_the_first_pass() -> None:
    sim = run(HELLO)
    assert sim.wf["status"]["artifactRepositoryRef"] == {
        "default": True,
        "artifactRepository": REPO,
    }


def test_the_namespace_config_map_wins_over_the_controller_default() -> None:
    cm = config_map("artifact-repositories", {"team": OTHER}, default_key="team")
    sim = run(PRODUCER, objects=Objects(cm))
    assert sim.wf["status"]["artifactRepositoryRef"] == {
        "configMap": "artifact-repositories",
        "key": "team",
        "namespace": "argo",
        "artifactRepository": OTHER,
    }
    loc = pod_templates(sim)["wf"]["archiveLocation"]
    assert loc == {
        "archiveLogs": False,
        "s3": {"endpoint": "minio:9000", "bucket": "team", "key": "team/wf"},
    }


def test_a_namespace_config_map_without_its_default_key_falls_back() -> None:
    cm = config_map("artifact-repositories", {"team": OTHER})  # no annotation: no key
    sim = run(HELLO, objects=Objects(cm))
    assert sim.wf["status"]["artifactRepositoryRef"]["default"] is True


def test_a_spec_ref_names_a_config_map_and_key() -> None:
    cm = config_map("my-repos", {"a": REPO, "b": OTHER}, default_key="a")
    text = HELLO.replace(
        "spec:\n", "spec:\n  artifactRepositoryRef: {configMap: my-repos, key: b}\n"
    )
    sim = run(text, objects=Objects(cm))
    ref = sim.wf["status"]["artifactRepositoryRef"]
    assert (ref["configMap"], ref["key"], ref["artifactRepository"]) == ("my-repos", "b", OTHER)


def test_a_spec_ref_without_key_takes_the_annotated_one() -> None:
    cm = config_map("my-repos", {"a": OTHER}, default_key="a")
    text = HELLO.replace("spec:\n", "spec:\n  artifactRepositoryRef: {configMap: my-repos}\n")
    sim = run(text, objects=Objects(cm))
    assert sim.wf["status"]["artifactRepositoryRef"]["key"] == "a"


def test_a_ref_to_a_missing_config_map_or_key_errors_the_workflow() -> None:
    cm = config_map("my-repos", {"a": OTHER})
    for ref, shown in (
        ("{configMap: nope, key: a}", "nope#a"),
        ("{configMap: my-repos, key: z}", "my-repos#z"),
    ):
        text = HELLO.replace("spec:\n", f"spec:\n  artifactRepositoryRef: {ref}\n")
        sim = run(text, objects=Objects(cm))
        assert sim.phase == "Error"
        assert sim.wf["status"]["message"] == (
            "failed to resolve artifact repository: failed to find any artifact repository "
            f'for artifact repository ref "{shown}"'
        )
        assert not sim.created_pods()


def test_a_repository_that_does_not_parse_errors_the_workflow() -> None:
    cm = config_map("artifact-repositories", {}, default_key="a")
    cm["data"]["a"] = "s3: [unclosed"
    sim = run(HELLO, objects=Objects(cm))
    assert sim.phase == "Error"
    assert 'failed to unmarshall config map key "a"' in sim.wf["status"]["message"]


def test_later_passes_keep_the_repository_of_the_first() -> None:
    text = """
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: one, template: gen}
    - - {name: two, template: gen}
  - name: gen
    container: {image: busybox}
    outputs:
      artifacts:
      - {name: out, path: /tmp/out}
"""
    sim = Sim(workflow(text), outcome=saving(), settings=Settings(artifact_repository=REPO))
    sim.step()
    sim.settings = Settings(artifact_repository=OTHER)  # the config changes mid-run
    sim.run()
    endpoints = {t["archiveLocation"]["s3"]["endpoint"] for t in pod_templates(sim).values()}
    assert endpoints == {"store:9000"}


def test_key_format_takes_workflow_variables_and_the_pod_name() -> None:
    key_format = "{{workflow.creationTimestamp.Y}}/{{workflow.namespace}}/{{workflow.name}}"
    repo = {"s3": {**REPO["s3"], "keyFormat": key_format + "/{{pod.name}}"}}
    sim = run(PRODUCER, repo=repo)
    assert pod_templates(sim)["wf"]["archiveLocation"]["s3"]["key"] == "2026/argo/wf/wf"


def test_key_prefix_goes_before_the_default_pattern() -> None:
    repo = {"s3": {**REPO["s3"], "keyPrefix": "runs"}}
    sim = run(PRODUCER, repo=repo)
    loc = pod_templates(sim)["wf"]["archiveLocation"]["s3"]
    assert loc["key"] == "runs/wf/wf"
    assert "keyPrefix" not in loc


def test_no_location_is_added_where_nothing_is_saved() -> None:
    sim = run(HELLO, repo={"s3": REPO["s3"]})  # archiveLogs off, no artifacts
    assert "archiveLocation" not in pod_templates(sim)["wf"]


def test_archive_logs_repository_on_then_template_over_workflow() -> None:
    """Argo's priorities: a repository that archives logs always does; otherwise the
    template's setting, then the workflow's."""
    quiet = {"s3": REPO["s3"]}
    sim = run(HELLO.replace("spec:\n", "spec:\n  archiveLogs: true\n"), repo=quiet)
    assert pod_templates(sim)["wf"]["archiveLocation"]["archiveLogs"] is True
    sim = run(HELLO.replace("spec:\n", "spec:\n  archiveLogs: false\n"))  # REPO says true
    assert pod_templates(sim)["wf"]["archiveLocation"]["archiveLogs"] is True
    off = HELLO.replace("spec:\n", "spec:\n  archiveLogs: true\n").replace(
        "    container:", "    archiveLocation: {archiveLogs: false}\n    container:"
    )
    sim = run(off, repo=quiet)
    assert not pod_templates(sim)["wf"]["archiveLocation"].get("archiveLogs")
    assert "artifacts" not in node(sim, "wf").get("outputs", {})
    text = HELLO.replace("spec:\n", "spec:\n  archiveLogs: false\n").replace(
        "    container:", "    archiveLocation: {archiveLogs: true}\n    container:"
    )
    sim = run(text, repo=quiet)
    loc = pod_templates(sim)["wf"]["archiveLocation"]
    assert loc["archiveLogs"] is True and loc["s3"]["key"] == "wf/wf"
    assert node(sim, "wf")["outputs"]["artifacts"] == [
        {"name": "main-logs", "s3": {"key": "wf/wf/main.log"}}
    ]


def test_a_template_s_own_location_is_kept() -> None:
    own = {"s3": {"endpoint": "e:1", "bucket": "b", "key": "mine"}}
    text = PRODUCER.replace("    container:", f"    archiveLocation: {own}\n    container:")
    sim = run(text)
    assert pod_templates(sim)["wf"]["archiveLocation"] == own


def test_no_repository_errors_a_pod_that_needs_one() -> None:
    sim = run(PRODUCER, repo=None)
    assert sim.wf["status"]["artifactRepositoryRef"] == {"default": True}
    assert sim.phase == "Error"
    n = node(sim, "wf")
    assert (n["phase"], n["message"]) == (
        "Error",
        "controller is not configured with a default archive location",
    )
    assert not sim.created_pods()


def test_no_repository_is_fine_for_a_pod_that_saves_nothing() -> None:
    sim = run(HELLO, repo=None)
    assert sim.phase == "Succeeded"
    assert "archiveLocation" not in pod_templates(sim)["wf"]
