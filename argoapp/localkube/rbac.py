"""localkube's authentication and RBAC: who a bearer token is, and what it may do.

`Authorizer` is made by `apiserver.build_app` over the object service and asked twice per HTTP
request (by `rbac_http`'s middleware): `authenticate(token)` gives a `Subject` (or None), and
`allowed(subject, attributes)` decides. Three kinds of token are known:
- the admin token of the kubeconfig (never given to pods): full rights, decided first;
- a ServiceAccount token kept in a Secret of type `kubernetes.io/service-account-token`
  (annotation `kubernetes.io/service-account.name`, the token in `data.token`);
- a token issued by the TokenRequest subresource (`kubectl create token`), or by the kubelet
  for a pod (`kubelet.accounts`): an HS256 JWT signed with a key derived from the admin token,
  naming the ServiceAccount and its uid.
Rules come from Roles, ClusterRoles, RoleBindings and ClusterRoleBindings
(rbac.authorization.k8s.io/v1) binding ServiceAccounts, Users and Groups; the built-in
ClusterRoles `cluster-admin`, `admin`, `edit` and `view` exist when not stored.

The built-in `argoapp-workload` role: a pod's ServiceAccount holds, in its OWN namespace only,
`WORKLOAD_RULES` (what Argo's executor needs, and what Kubernetes' `edit` allows on the
namespaced objects localkube serves: pods, config maps, secrets, services, jobs, Argo's
resources, ...), plus reading that namespace's own Namespace object. It is local mode's stand-in
for the RoleBindings an Argo install creates for the workflows' ServiceAccount, so that the pods
of any namespace run (the kubelet mounts the pod's ServiceAccount token, never the admin's).
It is bound to the tokens the kubelet mounts into pods (signed JWTs carrying `WORKLOAD_CLAIM`,
which authenticate with the extra group `WORKLOAD_GROUP`), not to every token of the account:
a person's token from `kubectl create token` or a token Secret keeps exactly what RoleBindings
grant it, so client-mode RBAC over the Argo API is unchanged.
It grants nothing cluster-wide, nothing in other namespaces, no RBAC object and no
ServiceAccount token request, so a pod cannot escalate past its namespace. As with `edit`, a
pod may read its namespace's Secrets: which is why local mode's API identity lives in
`SYSTEM_NAMESPACE`, where the role does not apply. Users' Roles and RoleBindings add to it.

Cost: localkube is in the workflow hot path. The objects that matter are read into an in-memory
`_Index` on first need; every decision is cached per (token, request attributes). A commit that
touches RBAC objects, ServiceAccounts or token Secrets (seen through the storage's `on_commit`,
one set lookup per event) drops the caches; other writes cost nothing. It does no HTTP: the
in-process controller never passes through here and keeps full rights.
"""

from __future__ import annotations

import asyncio
import base64
import hmac
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from argoapp.localkube import resources as r
from argoapp.localkube import sa_tokens
from argoapp.localkube.objects import ObjectService
from argoapp.localkube.storage import Event

Obj = dict[str, Any]

SA_TOKEN_TYPE = "kubernetes.io/service-account-token"
SA_NAME_ANNOTATION = "kubernetes.io/service-account.name"
ISSUER = "https://localkube.argoapp"
# Caches are dropped whole when they grow past this (tokens from a misbehaving client).
MAX_CACHED = 16_384
_WATCHED = frozenset(
    res.key
    for res in (
        r.ROLES,
        r.ROLEBINDINGS,
        r.CLUSTERROLES,
        r.CLUSTERROLEBINDINGS,
        r.SERVICEACCOUNTS,
        r.SECRETS,
    )
)
_SELF_REVIEWS = {
    ("authorization.k8s.io", "selfsubjectaccessreviews"),
    ("authorization.k8s.io", "selfsubjectrulesreviews"),
    ("authentication.k8s.io", "selfsubjectreviews"),
}
_ALL_VERBS = ("get", "list", "watch", "create", "update", "patch", "delete", "deletecollection")


@dataclass(frozen=True)
class Subject:
    """An authenticated caller: a user name and its groups (admin: everything is allowed)."""

    user: str
    groups: tuple[str, ...] = ()
    admin: bool = False
    expires: float = 0.0  # epoch seconds; 0: never
    uid: str = ""


ADMIN = Subject("localkube-admin", ("system:masters", "system:authenticated"), admin=True)


@dataclass(frozen=True)
class Attributes:
    """What a request does, as RBAC sees it; `resource` "" is a non-resource path."""

    verb: str
    group: str = ""
    resource: str = ""
    subresource: str = ""
    namespace: str = ""
    name: str = ""
    path: str = ""

    def describe(self) -> str:
        """Kubernetes' wording of a denied request, after `User "X" cannot `."""
        if not self.resource:
            return f'{self.verb} path "{self.path}"'
        res = f"{self.resource}/{self.subresource}" if self.subresource else self.resource
        where = f'in the namespace "{self.namespace}"' if self.namespace else "at the cluster scope"
        return f'{self.verb} resource "{res}" in API group "{self.group}" {where}'


@dataclass(frozen=True)
class Rule:
    """One PolicyRule, its lists as sets."""

    verbs: frozenset[str]
    groups: frozenset[str] = frozenset()
    resources: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()
    urls: frozenset[str] = frozenset()

    def allows(self, a: Attributes) -> bool:
        """Whether this rule grants the request."""
        if a.verb not in self.verbs and "*" not in self.verbs:
            return False
        if not a.resource:
            return any(
                u == a.path or (u.endswith("*") and a.path.startswith(u[:-1])) for u in self.urls
            )
        if a.group not in self.groups and "*" not in self.groups:
            return False
        if not _resource_matches(self.resources, a.resource, a.subresource):
            return False
        return not self.names or a.name in self.names


def _resource_matches(allowed: frozenset[str], resource: str, sub: str) -> bool:
    if "*" in allowed:
        return True
    if not sub:
        return resource in allowed
    return f"{resource}/{sub}" in allowed or f"{resource}/*" in allowed or f"*/{sub}" in allowed


def parse_rules(raw: Any) -> tuple[Rule, ...]:
    """A role's `rules` as `Rule`s; malformed entries grant nothing."""
    rules = []
    for item in raw if isinstance(raw, list) else ():
        if not isinstance(item, dict):
            continue
        rules.append(
            Rule(
                verbs=_strings(item.get("verbs")),
                groups=_strings(item.get("apiGroups")),
                resources=_strings(item.get("resources")),
                names=_strings(item.get("resourceNames")),
                urls=_strings(item.get("nonResourceURLs")),
            )
        )
    return tuple(rules)


def _strings(value: Any) -> frozenset[str]:
    return (
        frozenset(v for v in value if isinstance(v, str))
        if isinstance(value, list)
        else frozenset()
    )


_EVERYTHING = Rule(frozenset({"*"}), frozenset({"*"}), frozenset({"*"}), urls=frozenset({"*"}))
_READ_VERBS = frozenset({"get", "list", "watch"})
WORKLOAD_ROLE = "argoapp-workload"
# The claim the kubelet's pod tokens carry, and the group such a token authenticates with.
WORKLOAD_CLAIM = "localkube.argoapp/workload"
WORKLOAD_GROUP = "system:argoapp:workloads"
# Where local mode's own identities live (`api_user`): no workload rights there.
SYSTEM_NAMESPACE = "argoapp-system"
_WORKLOAD_GRANTS: tuple[tuple[frozenset[str], str, str], ...] = (
    (
        frozenset(_ALL_VERBS),
        "",
        "pods pods/attach pods/exec pods/portforward pods/proxy pods/log pods/eviction "
        "configmaps secrets serviceaccounts services services/proxy endpoints events "
        "persistentvolumeclaims replicationcontrollers replicationcontrollers/scale",
    ),
    (
        _READ_VERBS,
        "",
        "pods/status services/status persistentvolumeclaims/status limitranges resourcequotas",
    ),
    (
        frozenset(_ALL_VERBS),
        "apps",
        "deployments deployments/scale deployments/rollback replicasets replicasets/scale "
        "statefulsets statefulsets/scale daemonsets",
    ),
    (frozenset(_ALL_VERBS), "batch", "jobs cronjobs"),
    (frozenset(_ALL_VERBS), "autoscaling", "horizontalpodautoscalers"),
    (frozenset(_ALL_VERBS), "policy", "poddisruptionbudgets"),
    (frozenset(_ALL_VERBS), "networking.k8s.io", "ingresses networkpolicies"),
    (_READ_VERBS, "discovery.k8s.io", "endpointslices"),
    (frozenset(_ALL_VERBS), "argoproj.io", "*"),  # Argo's argo-edit aggregates into edit
)
WORKLOAD_RULES: tuple[Rule, ...] = tuple(
    Rule(verbs, frozenset({group}), frozenset(resources.split()))
    for verbs, group, resources in _WORKLOAD_GRANTS
)


def workload_rules(s: Subject) -> tuple[str, tuple[Rule, ...]]:
    """The namespace where `s` holds `argoapp-workload`, and its rules there ("" if none)."""
    prefix, _, rest = s.user.partition("system:serviceaccount:")
    namespace, _, name = rest.partition(":")
    if WORKLOAD_GROUP not in s.groups or prefix or not name or namespace == SYSTEM_NAMESPACE:
        return "", ()
    own = Rule(
        frozenset({"get"}), frozenset({""}), frozenset({"namespaces"}), frozenset({namespace})
    )
    return namespace, (*WORKLOAD_RULES, own)


BUILTIN_CLUSTER_ROLES: dict[str, tuple[Rule, ...]] = {
    "cluster-admin": (_EVERYTHING,),
    "admin": (Rule(frozenset({"*"}), frozenset({"*"}), frozenset({"*"})),),
    "edit": (Rule(frozenset(_ALL_VERBS), frozenset({"*"}), frozenset({"*"})),),
    "view": (Rule(frozenset({"get", "list", "watch"}), frozenset({"*"}), frozenset({"*"})),),
}


# a subject's rules: those granted everywhere, and those of each namespace
_Rules = tuple[tuple[Rule, ...], dict[str, tuple[Rule, ...]]]


@dataclass(frozen=True)
class _Binding:
    subjects: tuple[tuple[str, str, str], ...]  # (kind, name, namespace)
    role_kind: str
    role_name: str
    namespace: str  # "" for a ClusterRoleBinding

    def binds(self, s: Subject) -> bool:
        for kind, name, namespace in self.subjects:
            if kind == "User" and name == s.user:
                return True
            if kind == "Group" and name in s.groups:
                return True
            account = f"system:serviceaccount:{namespace or self.namespace}:{name}"
            if kind == "ServiceAccount" and s.user == account:
                return True
        return False


@dataclass
class _Index:
    """The RBAC objects, ServiceAccounts and SA token Secrets, as read at one moment."""

    roles: dict[tuple[str, str], tuple[Rule, ...]] = field(default_factory=dict)
    cluster_roles: dict[str, tuple[Rule, ...]] = field(default_factory=dict)
    bindings: list[_Binding] = field(default_factory=list)
    accounts: dict[tuple[str, str], str] = field(default_factory=dict)  # -> uid
    secret_tokens: dict[str, tuple[str, str]] = field(default_factory=dict)  # -> (ns, sa)

    def rules_for(self, s: Subject) -> _Rules:
        """The subject's rules everywhere, and those of each namespace."""
        everywhere: list[Rule] = []
        by_namespace: dict[str, list[Rule]] = {}
        own, workload = workload_rules(s)
        if own:
            by_namespace[own] = list(workload)
        for b in self.bindings:
            if not b.binds(s):
                continue
            if b.role_kind == "ClusterRole":
                found = self.cluster_roles.get(b.role_name, BUILTIN_CLUSTER_ROLES.get(b.role_name))
            else:
                found = self.roles.get((b.namespace, b.role_name))
            if found is None:
                continue
            if b.namespace:
                by_namespace.setdefault(b.namespace, []).extend(found)
            else:
                everywhere.extend(found)
        return tuple(everywhere), {ns: tuple(v) for ns, v in by_namespace.items()}


def _binding(obj: Obj, namespace: str) -> _Binding | None:
    ref = obj.get("roleRef") or {}
    subjects = tuple(
        (str(s.get("kind", "")), str(s.get("name", "")), str(s.get("namespace") or ""))
        for s in obj.get("subjects") or ()
        if isinstance(s, dict)
    )
    if not isinstance(ref, dict) or not ref.get("name"):
        return None
    return _Binding(subjects, str(ref.get("kind", "")), str(ref["name"]), namespace)


def _secret_token(obj: Obj) -> tuple[str, tuple[str, str]] | None:
    meta = obj.get("metadata") or {}
    sa = (meta.get("annotations") or {}).get(SA_NAME_ANNOTATION)
    raw = (obj.get("data") or {}).get("token")
    if obj.get("type") != SA_TOKEN_TYPE or not sa or not raw:
        return None
    try:
        token = base64.b64decode(raw).decode().strip()
    except ValueError:
        return None
    return token, (str(meta.get("namespace", "")), str(sa))


class Authorizer:
    """Authenticates bearer tokens and decides requests, with caches kept current by commits."""

    def __init__(self, service: ObjectService, admin_token: str) -> None:
        self.service = service
        self.admin_token = admin_token.encode()
        self.signing_key = sa_tokens.signing_key(admin_token)
        self._index: _Index | None = None
        self._generation = 0
        self._loading = asyncio.Lock()
        self._subjects: dict[str, Subject | None] = {}
        self._decisions: dict[tuple[str, Attributes], bool] = {}
        # by (user, groups): a subject's rules do not depend on which of its tokens is used
        self._rules: dict[tuple[str, tuple[str, ...]], _Rules] = {}
        storage = getattr(service, "storage", None)  # absent from tests' stand-in services
        if storage is not None:
            storage.also_on_commit(self.observe)

    def observe(self, events: Iterable[Event]) -> None:
        """Drop the caches when a commit touched what they were built from."""
        for event in events:
            if event.res in _WATCHED and (event.res != r.SECRETS.key or _is_token_secret(event)):
                self._generation += 1
                self._index = None
                self._subjects.clear()
                self._decisions.clear()
                self._rules.clear()
                return

    def is_admin(self, token: str) -> bool:
        """Whether `token` is the admin token (constant time)."""
        return hmac.compare_digest(token.encode(), self.admin_token)

    async def authenticate(self, token: str) -> Subject | None:
        """Who `token` is, or None when localkube does not know it (or it expired)."""
        if self.is_admin(token):
            return ADMIN
        if token in self._subjects:
            subject = self._subjects[token]
            if subject is None or not subject.expires or subject.expires > time.time():
                return subject
        index = await self._current()
        subject = self._from_secret(index, token) or self._from_jwt(index, token)
        if len(self._subjects) >= MAX_CACHED:
            self._subjects.clear()
        self._subjects[token] = subject
        return subject

    def allowed(self, token: str, subject: Subject, a: Attributes) -> bool:
        """Whether `subject` (authenticated with `token`) may do `a`."""
        if subject.admin:
            return True
        key = (token, a)
        decided = self._decisions.get(key)
        if decided is not None:
            return decided
        decided = self._decide(subject, a)
        if len(self._decisions) >= MAX_CACHED:
            self._decisions.clear()
        self._decisions[key] = decided
        return decided

    def _decide(self, subject: Subject, a: Attributes) -> bool:
        if not a.resource and a.verb == "get":
            return True  # discovery, version, openapi, health: system:discovery's share
        if a.verb == "create" and (a.group, a.resource) in _SELF_REVIEWS:
            return True  # asking what one may do: system:basic-user's share
        index = self._index
        if index is None:
            return False  # changed since authentication: the client retries
        who = (subject.user, subject.groups)
        rules = self._rules.get(who)
        if rules is None:
            if len(self._rules) >= MAX_CACHED:
                self._rules.clear()
            rules = self._rules[who] = index.rules_for(subject)
        everywhere, by_namespace = rules
        if any(rule.allows(a) for rule in everywhere):
            return True
        return a.namespace != "" and any(
            rule.allows(a) for rule in by_namespace.get(a.namespace, ())
        )

    async def _current(self) -> _Index:
        """The index, read again after a change."""
        while self._index is None:
            async with self._loading:
                if self._index is not None:
                    break
                generation = self._generation
                index = await self._load()
                if generation == self._generation:
                    self._index = index
        return self._index

    async def _load(self) -> _Index:
        index = _Index()
        for obj in await self._items(r.ROLES):
            meta = obj["metadata"]
            index.roles[(meta.get("namespace", ""), meta["name"])] = parse_rules(obj.get("rules"))
        for obj in await self._items(r.CLUSTERROLES):
            index.cluster_roles[obj["metadata"]["name"]] = parse_rules(obj.get("rules"))
        for res in (r.ROLEBINDINGS, r.CLUSTERROLEBINDINGS):
            for obj in await self._items(res):
                binding = _binding(obj, obj["metadata"].get("namespace", ""))
                if binding is not None:
                    index.bindings.append(binding)
        for obj in await self._items(r.SERVICEACCOUNTS):
            meta = obj["metadata"]
            index.accounts[(meta.get("namespace", ""), meta["name"])] = str(meta.get("uid", ""))
        for obj in await self._items(r.SECRETS):
            found = _secret_token(obj)
            if found is not None:
                index.secret_tokens[found[0]] = found[1]
        return index

    async def _items(self, res: r.Resource) -> list[Obj]:
        listed = await self.service.list(res, None)
        return list(listed["items"])

    def _from_secret(self, index: _Index, token: str) -> Subject | None:
        found = index.secret_tokens.get(token)
        if found is None or found not in index.accounts:
            return None
        return service_account_subject(*found, uid=index.accounts[found])

    def _from_jwt(self, index: _Index, token: str) -> Subject | None:
        claims = sa_tokens.verify(self.signing_key, token, time.time())
        if claims is None or claims.get("iss") != ISSUER:
            return None
        scope = claims.get("kubernetes.io") or {}
        account = scope.get("serviceaccount") or {}
        key = (str(scope.get("namespace", "")), str(account.get("name", "")))
        if index.accounts.get(key) != account.get("uid"):
            return None  # the ServiceAccount was deleted (or made again)
        return service_account_subject(
            *key,
            uid=index.accounts[key],
            expires=float(claims["exp"]),
            workload=claims.get(WORKLOAD_CLAIM) is True,
        )


def service_account_subject(
    namespace: str, name: str, *, uid: str = "", expires: float = 0.0, workload: bool = False
) -> Subject:
    """The user and groups Kubernetes gives a ServiceAccount (and a pod token's own group)."""
    groups = (
        "system:serviceaccounts",
        f"system:serviceaccounts:{namespace}",
        "system:authenticated",
    )
    return Subject(
        f"system:serviceaccount:{namespace}:{name}",
        (*groups, WORKLOAD_GROUP) if workload else groups,
        expires=expires,
        uid=uid,
    )


def _is_token_secret(event: Event) -> bool:
    return event.obj.get("type") == SA_TOKEN_TYPE or (
        event.old is not None and event.old.get("type") == SA_TOKEN_TYPE
    )
