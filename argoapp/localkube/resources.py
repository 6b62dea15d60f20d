"""The resource types localkube serves, and nothing else.

One `Resource` per type: its group/version, kind, plural, scope, short names, verbs and
subresources. Discovery, OpenAPI, routing and storage all read this table, so adding a type here
is all it takes to serve it. Argo's own CRDs are built in; RBAC, deployments, services and
customresourcedefinitions are stored with no controller behind them so that installs apply.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")


@dataclass(frozen=True)
class Resource:
    """One served resource type."""

    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool = True
    short_names: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ALL_VERBS

    @property
    def singular(self) -> str:
        return self.kind.lower()

    @property
    def group_version(self) -> str:
        """`v1` for the core group, `group/version` otherwise (an object's apiVersion)."""
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def key(self) -> str:
        """The storage key: `plural` for the core group, `plural.group` otherwise."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def has_status(self) -> bool:
        return "status" in self.subresources


def _core(kind: str, plural: str, **kw: object) -> Resource:
    return Resource("", "v1", kind, plural, **kw)  # type: ignore[arg-type]


def _argo(kind: str, plural: str, **kw: object) -> Resource:
    return Resource("argoproj.io", "v1alpha1", kind, plural, categories=("all", "argo"), **kw)  # type: ignore[arg-type]


NAMESPACES = _core(
    "Namespace", "namespaces", namespaced=False, short_names=("ns",), subresources=("status",)
)
PODS = _core(
    "Pod", "pods", short_names=("po",), subresources=("status", "log"), categories=("all",)
)
CONFIGMAPS = _core("ConfigMap", "configmaps", short_names=("cm",))
SECRETS = _core("Secret", "secrets")
SERVICEACCOUNTS = _core("ServiceAccount", "serviceaccounts", short_names=("sa",))
EVENTS = _core("Event", "events", short_names=("ev",))
PVCS = _core(
    "PersistentVolumeClaim",
    "persistentvolumeclaims",
    short_names=("pvc",),
    subresources=("status",),
)
SERVICES = _core(
    "Service", "services", short_names=("svc",), subresources=("status",), categories=("all",)
)
LEASES = Resource("coordination.k8s.io", "v1", "Lease", "leases")
DEPLOYMENTS = Resource(
    "apps",
    "v1",
    "Deployment",
    "deployments",
    short_names=("deploy",),
    subresources=("status",),
    categories=("all",),
)
CRDS = Resource(
    "apiextensions.k8s.io",
    "v1",
    "CustomResourceDefinition",
    "customresourcedefinitions",
    namespaced=False,
    short_names=("crd", "crds"),
    subresources=("status",),
)
_RBAC = "rbac.authorization.k8s.io"
ROLES = Resource(_RBAC, "v1", "Role", "roles")
ROLEBINDINGS = Resource(_RBAC, "v1", "RoleBinding", "rolebindings")
CLUSTERROLES = Resource(_RBAC, "v1", "ClusterRole", "clusterroles", namespaced=False)
CLUSTERROLEBINDINGS = Resource(
    _RBAC, "v1", "ClusterRoleBinding", "clusterrolebindings", namespaced=False
)

# Argo's CRDs declare `subresources: {}`: its controller writes status with a whole-object update.
WORKFLOWS = _argo("Workflow", "workflows", short_names=("wf",))
WORKFLOWTEMPLATES = _argo("WorkflowTemplate", "workflowtemplates", short_names=("wftmpl",))
CLUSTERWORKFLOWTEMPLATES = _argo(
    "ClusterWorkflowTemplate",
    "clusterworkflowtemplates",
    namespaced=False,
    short_names=("clusterwftmpl", "cwft"),
)
CRONWORKFLOWS = _argo("CronWorkflow", "cronworkflows", short_names=("cwf", "cronwf"))
WORKFLOWTASKRESULTS = _argo("WorkflowTaskResult", "workflowtaskresults", short_names=("wftr",))
WORKFLOWEVENTBINDINGS = _argo(
    "WorkflowEventBinding", "workfloweventbindings", short_names=("wfeb",)
)

RESOURCES: tuple[Resource, ...] = (
    NAMESPACES,
    PODS,
    CONFIGMAPS,
    SECRETS,
    SERVICEACCOUNTS,
    EVENTS,
    PVCS,
    SERVICES,
    LEASES,
    DEPLOYMENTS,
    CRDS,
    ROLES,
    ROLEBINDINGS,
    CLUSTERROLES,
    CLUSTERROLEBINDINGS,
    WORKFLOWS,
    WORKFLOWTEMPLATES,
    CLUSTERWORKFLOWTEMPLATES,
    CRONWORKFLOWS,
    WORKFLOWTASKRESULTS,
    WORKFLOWEVENTBINDINGS,
)

_BY_PATH = {(r.group, r.version, r.plural): r for r in RESOURCES}
_BY_KEY = {r.key: r for r in RESOURCES}
_BY_KIND = {(r.group_version, r.kind): r for r in RESOURCES}


def lookup(group: str, version: str, plural: str) -> Resource | None:
    """The resource served at `/api(s)/group/version/plural`, if any."""
    return _BY_PATH.get((group, version, plural))


def by_key(key: str) -> Resource:
    """The resource stored under `key` (see `Resource.key`)."""
    return _BY_KEY[key]


def by_kind(api_version: str, kind: str) -> Resource | None:
    """The resource of an object's `apiVersion` and `kind` (ownerReferences, bodies)."""
    return _BY_KIND.get((api_version, kind))


def group_versions() -> Iterator[tuple[str, str]]:
    """Every (group, version) served, core first, in a stable order."""
    seen: list[tuple[str, str]] = []
    for r in RESOURCES:
        if (r.group, r.version) not in seen:
            seen.append((r.group, r.version))
    yield from seen


def in_group_version(group: str, version: str) -> list[Resource]:
    return [r for r in RESOURCES if r.group == group and r.version == version]
