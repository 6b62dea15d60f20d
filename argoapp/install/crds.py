"""The CustomResourceDefinitions of Argo's kinds, with argoapp's own structural schemas.

`crds()` builds them as plain dicts for `argoapp.install.manifests`. Group, version, short names
and scopes are the ones localkube serves built in (argoapp/localkube/resources.py), so a cluster
and localkube answer alike. The schemas only say "an object" and keep every unknown field: the
controller and the API server validate workflows themselves, and a pruning schema would drop
fields argoapp does not know yet. It does no I/O and must not import kube or localkube.
"""

from __future__ import annotations

from dataclasses import dataclass

from argoapp.model.types import Obj

GROUP = "argoproj.io"
VERSION = "v1alpha1"


@dataclass(frozen=True)
class ArgoKind:
    """One of Argo's kinds as its CRD declares it."""

    kind: str
    plural: str
    short_names: tuple[str, ...] = ()
    namespaced: bool = True
    # Argo gives only these two a status subresource; the rest write status with the object.
    status_subresource: bool = False
    # WorkflowTaskResult keeps its fields (outputs, phase, progress) at the top level.
    top_level_fields: bool = False


KINDS: tuple[ArgoKind, ...] = (
    ArgoKind("Workflow", "workflows", ("wf",)),
    ArgoKind("WorkflowTemplate", "workflowtemplates", ("wftmpl",)),
    ArgoKind(
        "ClusterWorkflowTemplate",
        "clusterworkflowtemplates",
        ("clusterwftmpl", "cwft"),
        namespaced=False,
    ),
    ArgoKind("CronWorkflow", "cronworkflows", ("cwf", "cronwf")),
    ArgoKind("WorkflowTaskResult", "workflowtaskresults", ("wftr",), top_level_fields=True),
    ArgoKind("WorkflowTaskSet", "workflowtasksets", ("wfts",), status_subresource=True),
    ArgoKind(
        "WorkflowArtifactGCTask", "workflowartifactgctasks", ("wfat",), status_subresource=True
    ),
    ArgoKind("WorkflowEventBinding", "workfloweventbindings", ("wfeb",)),
)

_OPEN_OBJECT: Obj = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}

# What `kubectl get workflows` shows besides the name.
_WORKFLOW_COLUMNS: list[Obj] = [
    {"name": "Status", "type": "string", "jsonPath": ".status.phase"},
    {"name": "Age", "type": "date", "jsonPath": ".status.startedAt"},
    {"name": "Message", "type": "string", "jsonPath": ".status.message", "priority": 1},
]


def schema(kind: ArgoKind) -> Obj:
    """A structural schema: typed envelope, spec and status open to any field."""
    root: Obj = {
        "type": "object",
        "properties": {
            "apiVersion": {"type": "string"},
            "kind": {"type": "string"},
            "metadata": {"type": "object"},
            "spec": dict(_OPEN_OBJECT),
            "status": dict(_OPEN_OBJECT),
        },
    }
    if kind.top_level_fields:
        root["x-kubernetes-preserve-unknown-fields"] = True
    return root


def crd(kind: ArgoKind) -> Obj:
    """The CustomResourceDefinition of one kind."""
    version: Obj = {
        "name": VERSION,
        "served": True,
        "storage": True,
        "schema": {"openAPIV3Schema": schema(kind)},
    }
    if kind.status_subresource:
        version["subresources"] = {"status": {}}
    if kind.kind == "Workflow":
        version["additionalPrinterColumns"] = [dict(c) for c in _WORKFLOW_COLUMNS]
    names: Obj = {
        "kind": kind.kind,
        "listKind": f"{kind.kind}List",
        "plural": kind.plural,
        "singular": kind.kind.lower(),
    }
    if kind.short_names:
        names["shortNames"] = list(kind.short_names)
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{kind.plural}.{GROUP}"},
        "spec": {
            "group": GROUP,
            "names": names,
            "scope": "Namespaced" if kind.namespaced else "Cluster",
            "versions": [version],
        },
    }


def crds() -> list[Obj]:
    """Every Argo CRD, in a stable order."""
    return [crd(kind) for kind in KINDS]
