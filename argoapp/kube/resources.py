"""The Kubernetes kinds argoapp talks about, and the URL paths where the API serves them.

`KINDS` names every kind the controller, the server and the executor use by its `kind` (as in a
manifest: "Pod", "Workflow"), with its group, version, REST plural and scope. Both clients build
request paths with `Kind.path`; a kind outside the table (a resource template's arbitrary object)
comes from `client.Kube.resolve`, which asks the API's discovery.

This module must stay stdlib-only: the executor's `lite` client imports it inside every pod.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from argoapp.kube.errors import BadRequest, KubeError

ARGO_GROUP = "argoproj.io"
ARGO_VERSION = "v1alpha1"


@dataclass(frozen=True)
class Kind:
    """One served kind: where it lives in the API and whether it is namespaced."""

    kind: str
    group: str
    version: str
    plural: str
    namespaced: bool = True

    @property
    def api_version(self) -> str:
        """The `apiVersion` of its objects: "v1" for the core group, "group/version" otherwise."""
        return f"{self.group}/{self.version}" if self.group else self.version

    def path(self, namespace: str = "", name: str = "", subresource: str = "") -> str:
        """The request path; a namespaced kind with no namespace means all namespaces.

        Naming an object of a namespaced kind without its namespace is a `BadRequest`.
        """
        if self.namespaced and name and not namespace:
            raise BadRequest(f"{self.kind} {name!r}: a namespace is required")
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if self.namespaced and namespace:
            base += f"/namespaces/{quote(namespace, safe='')}"
        base += f"/{self.plural}"
        if name:
            base += f"/{quote(name, safe='')}"
            if subresource:
                base += f"/{subresource}"
        elif subresource:
            raise KubeError(f"{self.kind} subresource {subresource!r} needs an object name")
        return base


def _core(kind: str, plural: str, namespaced: bool = True) -> Kind:
    return Kind(kind, "", "v1", plural, namespaced)


def _argo(kind: str, plural: str, namespaced: bool = True) -> Kind:
    return Kind(kind, ARGO_GROUP, ARGO_VERSION, plural, namespaced)


KINDS: dict[str, Kind] = {
    k.kind: k
    for k in (
        _core("Pod", "pods"),
        _core("ConfigMap", "configmaps"),
        _core("Secret", "secrets"),
        _core("Event", "events"),
        _core("PersistentVolumeClaim", "persistentvolumeclaims"),
        _core("ServiceAccount", "serviceaccounts"),
        _core("Namespace", "namespaces", namespaced=False),
        _core("Service", "services"),
        Kind("Lease", "coordination.k8s.io", "v1", "leases"),
        _argo("Workflow", "workflows"),
        _argo("WorkflowTemplate", "workflowtemplates"),
        _argo("ClusterWorkflowTemplate", "clusterworkflowtemplates", namespaced=False),
        _argo("CronWorkflow", "cronworkflows"),
        _argo("WorkflowTaskResult", "workflowtaskresults"),
        _argo("WorkflowTaskSet", "workflowtasksets"),
        _argo("WorkflowEventBinding", "workfloweventbindings"),
        _argo("WorkflowArtifactGCTask", "workflowartifactgctasks"),
    )
}


def kind_of(name: str) -> Kind:
    """The table entry for a kind name; an unknown name is a `KubeError` naming it."""
    try:
        return KINDS[name]
    except KeyError:
        raise KubeError(
            f"unknown kind {name!r} (known: {', '.join(sorted(KINDS))})", status=0, reason="Unknown"
        ) from None
