"""Everything `argoapp install` puts on a cluster, as plain Kubernetes objects.

`manifests(namespace, image)` returns them in the order they must be applied: the namespace,
the CRDs, RBAC, the controller ConfigMap, the PVC for the SQLite data, the Deployment running
`argoapp server` and its Service. `argoapp install` applies or prints them and
`packaging/install.yaml` is generated from them. Pure data: no I/O, no kube client.
"""

from __future__ import annotations

import argoapp
from argoapp.install.crds import GROUP, crds
from argoapp.model.types import Obj

NAME = "argoapp"
EXECUTOR = "argoapp-executor"
CONFIGMAP = "workflow-controller-configmap"
PVC = "argoapp-data"
PORT = 2746
DEFAULT_NAMESPACE = "argo"
DATA_SIZE = "1Gi"
_RBAC = "rbac.authorization.k8s.io"
_LABELS = {"app.kubernetes.io/name": NAME, "app.kubernetes.io/part-of": NAME}
_ALL = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"]
_READ = ["get", "list", "watch"]


def default_image() -> str:
    """The image of this argoapp's version."""
    return f"argoapp:{argoapp.__version__}"


def _meta(name: str, namespace: str = "") -> Obj:
    meta: Obj = {"name": name, "labels": dict(_LABELS)}
    if namespace:
        meta["namespace"] = namespace
    return meta


def _rule(group: str, resources: list[str], verbs: list[str]) -> Obj:
    return {"apiGroups": [group], "resources": resources, "verbs": list(verbs)}


def server_rules() -> list[Obj]:
    """What the controller, the API server and the archive need, in every namespace."""
    argo = [
        "workflows",
        "workflows/finalizers",
        "workflowtemplates",
        "workflowtemplates/finalizers",
        "clusterworkflowtemplates",
        "clusterworkflowtemplates/finalizers",
        "cronworkflows",
        "cronworkflows/finalizers",
        "workflowtaskresults",
        "workflowtasksets",
        "workflowtasksets/status",
        "workflowartifactgctasks",
        "workflowartifactgctasks/status",
        "workfloweventbindings",
    ]
    return [
        _rule(GROUP, argo, _ALL),
        _rule("", ["pods"], _ALL),
        _rule("", ["pods/log"], ["get", "list", "watch"]),
        _rule("", ["configmaps"], [*_READ, "create", "update", "patch"]),
        # Artifact credentials are read; the built-in store's own Secret is written into
        # each workflow's namespace.
        _rule("", ["secrets"], [*_READ, "create", "update", "patch"]),
        _rule("", ["events"], [*_READ, "create", "patch"]),
        _rule("", ["persistentvolumeclaims"], [*_READ, "create", "delete"]),
        _rule("", ["serviceaccounts", "namespaces"], _READ),
        _rule("coordination.k8s.io", ["leases"], [*_READ, "create", "update", "patch"]),
    ]


def executor_rules() -> list[Obj]:
    """What `argoapp exec` does from inside a workflow pod."""
    return [
        _rule(GROUP, ["workflowtaskresults"], ["create", "patch"]),
        # argoapp's executor reads artifact credentials through the API, not volume mounts.
        _rule("", ["secrets"], ["get"]),
    ]


def rbac(namespace: str) -> list[Obj]:
    """Service accounts, the server's ClusterRole(+Binding) and the executor's Role(+Binding)."""
    server_sa = {"kind": "ServiceAccount", "name": NAME, "namespace": namespace}
    # Workflows run as the namespace's `default` account unless they name another.
    executor_sas = [
        {"kind": "ServiceAccount", "name": sa, "namespace": namespace}
        for sa in ("default", EXECUTOR)
    ]
    return [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _meta(NAME, namespace)},
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _meta(EXECUTOR, namespace)},
        {
            "apiVersion": f"{_RBAC}/v1",
            "kind": "ClusterRole",
            "metadata": _meta(NAME),
            "rules": server_rules(),
        },
        {
            "apiVersion": f"{_RBAC}/v1",
            "kind": "ClusterRoleBinding",
            "metadata": _meta(NAME),
            "roleRef": {"apiGroup": _RBAC, "kind": "ClusterRole", "name": NAME},
            "subjects": [server_sa],
        },
        {
            "apiVersion": f"{_RBAC}/v1",
            "kind": "Role",
            "metadata": _meta(EXECUTOR, namespace),
            "rules": executor_rules(),
        },
        {
            "apiVersion": f"{_RBAC}/v1",
            "kind": "RoleBinding",
            "metadata": _meta(EXECUTOR, namespace),
            "roleRef": {"apiGroup": _RBAC, "kind": "Role", "name": EXECUTOR},
            "subjects": executor_sas,
        },
    ]


def controller_configmap(namespace: str) -> Obj:
    """workflow-controller-configmap, empty as Argo ships it: the controller's settings are the
    user's, so an upgrade (which re-applies this) never touches them. The executor image is the
    Deployment's `--executor-image` instead, and follows the server's image."""
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": _meta(CONFIGMAP, namespace)}


def data_pvc(namespace: str, size: str = DATA_SIZE) -> Obj:
    """The volume holding the SQLite database, the archive and the built-in artifact store."""
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": _meta(PVC, namespace),
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": size}},
        },
    }


def service(namespace: str) -> Obj:
    """The API, UI and artifact store inside the cluster, on Argo's port."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta(NAME, namespace),
        "spec": {
            "type": "ClusterIP",
            "selector": {"app.kubernetes.io/name": NAME},
            "ports": [{"name": "web", "port": PORT, "targetPort": PORT, "protocol": "TCP"}],
        },
    }


def deployment(namespace: str, image: str) -> Obj:
    """One replica of `argoapp server`, its data on the PVC; Recreate, as SQLite has one writer."""
    args = [
        "server",
        "--data-dir=/data",
        f"--port={PORT}",
        f"--configmap={CONFIGMAP}",
        f"--executor-image={image}",
        f"--artifact-endpoint={NAME}.{namespace}.svc:{PORT}",
    ]
    probe: Obj = {"httpGet": {"path": "/healthz", "port": PORT, "scheme": "HTTPS"}}
    container: Obj = {
        "name": NAME,
        "image": image,
        "command": ["argoapp"],
        "args": args,
        "ports": [{"name": "web", "containerPort": PORT}],
        "env": [
            {"name": "TMPDIR", "value": "/tmp"},
            {
                "name": "ARGO_NAMESPACE",
                "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}},
            },
        ],
        "volumeMounts": [
            {"name": "data", "mountPath": "/data"},
            {"name": "tmp", "mountPath": "/tmp"},
        ],
        "readinessProbe": {**probe, "initialDelaySeconds": 2, "periodSeconds": 5},
        "livenessProbe": {
            **probe,
            "initialDelaySeconds": 20,
            "periodSeconds": 20,
            "failureThreshold": 3,
        },
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
        "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True},
    }
    selector = {"app.kubernetes.io/name": NAME}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _meta(NAME, namespace),
        "spec": {
            "replicas": 1,
            "strategy": {"type": "Recreate"},
            "selector": {"matchLabels": dict(selector)},
            "template": {
                "metadata": {"labels": dict(_LABELS)},
                "spec": {
                    "serviceAccountName": NAME,
                    "containers": [container],
                    "volumes": [
                        {"name": "data", "persistentVolumeClaim": {"claimName": PVC}},
                        {"name": "tmp", "emptyDir": {}},
                    ],
                },
            },
        },
    }


def manifests(namespace: str = DEFAULT_NAMESPACE, image: str | None = None) -> list[Obj]:
    """Every object of an install, in apply order."""
    image = image or default_image()
    ns: Obj = {"apiVersion": "v1", "kind": "Namespace", "metadata": _meta(namespace)}
    return [
        ns,
        *crds(),
        *rbac(namespace),
        controller_configmap(namespace),
        data_pvc(namespace),
        deployment(namespace, image),
        service(namespace),
    ]
