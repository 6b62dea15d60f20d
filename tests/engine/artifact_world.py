"""A simulated executor for artifact tests: what each pod reports, as the shared contract says.

`saving(pod)` reads the template the pod was given (ARGO_TEMPLATE) and reports each declared
output artifact where Argo's executor would have put it: its own key as given (`s3: {key}`),
or the archive location's key joined with `<name>.tgz`; and `main-logs` when archiveLogs is on.
A pod of a template named in `results` reports that `outputs.result` too. The engine is real.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from argoapp.engine.api import Settings
from argoapp.model.types import Obj
from tests.engine.golden import Sim, workflow

REPO: Obj = {
    "archiveLogs": True,
    "s3": {
        "endpoint": "store:9000",
        "bucket": "argoapp",
        "insecure": True,
        "accessKeySecret": {"name": "argoapp-artifacts", "key": "accesskey"},
        "secretKeySecret": {"name": "argoapp-artifacts", "key": "secretkey"},
    },
}


def template_of(pod: Obj) -> Obj:
    """The template a pod's init container was given."""
    for env in pod["spec"]["initContainers"][0]["env"]:
        if env["name"] == "ARGO_TEMPLATE":
            loaded: Obj = json.loads(env["value"])
            return loaded
    raise AssertionError("no ARGO_TEMPLATE")


def saving(results: Mapping[str, str] | None = None) -> Callable[[Obj], tuple[int, Obj]]:
    """An outcome for `Sim`: exit 0, outputs as the executor would report them."""

    def outcome(pod: Obj) -> tuple[int, Obj]:
        tmpl = template_of(pod)
        loc = (tmpl.get("archiveLocation") or {}).get("s3") or {}
        arts: list[Obj] = []
        for art in (tmpl.get("outputs") or {}).get("artifacts") or []:
            own = (art.get("s3") or {}).get("key")
            key = own if own else f"{loc['key']}/{art['name']}.tgz"
            arts.append({**art, "s3": {"key": key}})
        if (tmpl.get("archiveLocation") or {}).get("archiveLogs"):
            arts.append({"name": "main-logs", "s3": {"key": f"{loc['key']}/main.log"}})
        out: Obj = {"artifacts": arts} if arts else {}
        if results and tmpl.get("name") in results:
            out["result"] = results[tmpl["name"]]
        return 0, out

    return outcome


def run(
    text: str,
    *,
    repo: Obj | None = REPO,
    results: Mapping[str, str] | None = None,
    objects: Any = None,
) -> Sim:
    """Run a workflow to its end with the simulated executor."""
    settings = Settings(artifact_repository=repo or {})
    sim = Sim(workflow(text), outcome=saving(results), settings=settings)
    if objects is not None:
        sim.objects = objects
    sim.run()
    return sim


def pod_templates(sim: Sim) -> dict[str, Obj]:
    """Each created pod's template, by the node name it runs."""
    out = {}
    for pod in sim.created_pods():
        name = pod["metadata"]["annotations"]["workflows.argoproj.io/node-name"]
        out[name] = template_of(pod)
    return out


def node(sim: Sim, display: str) -> Obj:
    """The node with this display name."""
    found = [n for n in sim.wf["status"]["nodes"].values() if n["displayName"] == display]
    assert len(found) == 1, f"{display}: {len(found)} nodes"
    return found[0]


def output(node_: Obj, name: str) -> Obj:
    """A node's output artifact by name."""
    for art in (node_.get("outputs") or {}).get("artifacts") or []:
        if art["name"] == name:
            return dict(art)
    raise AssertionError(f"no output artifact {name}")
