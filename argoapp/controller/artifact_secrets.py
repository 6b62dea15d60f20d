"""The built-in artifact store's credentials, put in each namespace where workflows run.

When no artifact repository is configured, argoapp's own S3 endpoint is the default one
(`argoapp.artifacts.builtin`), and its credentials live in a Secret that pods of the workflow's
namespace read. `SecretKeeper.ensure` makes that Secret exist there, with the store's current
data, before the workflow's first pod is created: created when absent, replaced when its data
differs. A namespace that has been seen right is remembered: for `FIRST_POD_SECONDS` when a
workflow is about to create its first pods (so a Secret someone deleted or edited is put back
before a new workflow needs it, while a burst of new workflows costs one GET), and for
`RECHECK_SECONDS` on a running workflow's later passes (a dict lookup on most passes, one GET
now and then); a deleted namespace is forgotten at once (its Secret went with it).

Who calls: `Controller._pass` (`ready_for_pods`), only while the built-in store is the default
repository. It never raises a Kubernetes error: a failure is reported once per problem as a
Warning event on the workflow (`ArtifactRepositorySecretFailed`) and the caller retries the pass.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from argoapp.artifacts.builtin import SECRET_NAME, BuiltinStore
from argoapp.engine import api
from argoapp.kube.api import KubeApi
from argoapp.kube.errors import AlreadyExists, Conflict, KubeError, NotFound
from argoapp.model.types import Obj

log = logging.getLogger(__name__)

ATTEMPTS = 3  # create/replace races (another writer in between) before giving up this pass
RECHECK_SECONDS = 300.0
FIRST_POD_SECONDS = 5.0

Warn = Callable[[Obj, str, str], None]  # (workflow, reason, message): a Warning event


class SecretKeeper:
    """Keeps the built-in store's Secret present and current in the namespaces that need it."""

    def __init__(self, kube: KubeApi, store: BuiltinStore, warn: Warn) -> None:
        self.kube = kube
        self.store = store
        self.warn = warn
        self.failures = 0  # passes held back, for /metrics
        self._reported: dict[str, str] = {}  # workflow key -> the problem last reported
        self._done: dict[str, float] = {}  # namespace -> when it was last seen right
        self._locks: dict[str, asyncio.Lock] = {}
        self._started: set[str] = set()  # workflows whose pods the Secret was checked for

    async def ready_for_pods(self, key: str, wf: Obj, actions: Sequence[api.Action]) -> bool:
        """Whether the pass may create its pods: True when it creates none or the Secret is
        right; False (the problem reported once) when the Secret cannot be made so."""
        if not any(isinstance(a, api.CreatePod) for a in actions):
            return True
        max_age = RECHECK_SECONDS if key in self._started else FIRST_POD_SECONDS
        problem = await self.ensure(wf["metadata"]["namespace"], max_age)
        if problem is None:
            self._reported.pop(key, None)
            self._started.add(key)
            return True
        self.failures += 1
        if self._reported.get(key) != problem:
            self._reported[key] = problem
            self.warn(wf, "ArtifactRepositorySecretFailed", problem)
        return False

    def forget_workflow(self, key: str) -> None:
        """The workflow is gone."""
        self._reported.pop(key, None)
        self._started.discard(key)

    async def ensure(self, namespace: str, max_age: float = RECHECK_SECONDS) -> str | None:
        """Make the Secret right in `namespace` unless it was seen right within `max_age`
        seconds; None when it is, else why it is not."""
        if self._fresh(namespace, max_age):
            return None
        lock = self._locks.setdefault(namespace, asyncio.Lock())
        async with lock:  # workers passing two workflows of one namespace write it once
            if self._fresh(namespace, max_age):
                return None
            try:
                await self._make_current(namespace)
            except KubeError as e:
                log.warning("artifact Secret %s/%s: %s", namespace, SECRET_NAME, e)
                return (
                    f"cannot create the artifact repository Secret {SECRET_NAME} "
                    f"in namespace {namespace}: {e}"
                )
            self._done[namespace] = asyncio.get_running_loop().time()
            return None

    def forget(self, namespace: str) -> None:
        """The namespace is gone (or its Secret may be): check it again next time."""
        self._done.pop(namespace, None)
        self._locks.pop(namespace, None)

    def _fresh(self, namespace: str, max_age: float) -> bool:
        seen = self._done.get(namespace)
        return seen is not None and asyncio.get_running_loop().time() - seen < max_age

    async def _make_current(self, namespace: str) -> None:
        want = self.store.secret(namespace)
        for _ in range(ATTEMPTS):
            try:
                have = await self.kube.get("Secret", SECRET_NAME, namespace)
            except NotFound:
                try:
                    await self.kube.create("Secret", want, namespace)
                    log.info("created artifact Secret %s/%s", namespace, SECRET_NAME)
                    return
                except AlreadyExists:
                    continue  # created meanwhile: compare with that one
            if _same_data(have, want):
                return
            try:
                await self.kube.replace("Secret", _updated(have, want), namespace)
                log.info("updated artifact Secret %s/%s", namespace, SECRET_NAME)
                return
            except (Conflict, NotFound):
                continue  # changed or deleted meanwhile: look again
        raise Conflict(f"the Secret kept changing while it was written ({ATTEMPTS} attempts)")


def _same_data(have: Obj, want: Obj) -> bool:
    return (have.get("data") or {}) == want["data"] and not have.get("stringData")


def _updated(have: Obj, want: Obj) -> Obj:
    """`have` with the wanted data, keeping its identity (resourceVersion, uid, labels)."""
    meta = dict(have.get("metadata") or {})
    meta["labels"] = {**(meta.get("labels") or {}), **want["metadata"]["labels"]}
    body = {k: v for k, v in have.items() if k != "stringData"}
    return {**body, "metadata": meta, "data": want["data"], "type": want["type"]}
