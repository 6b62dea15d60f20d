"""The Kubernetes API semantics localkube offers, over its SQLite storage.

`ObjectService` is what the API server's handlers and the kubelet call, in process: create, get,
list, replace, patch, delete and watch for every type in `resources`. It owns the rules a real
API server enforces and the controller relies on: names and generateName, uid and
creationTimestamp, generation, one monotonic resourceVersion for all objects, 409 on a stale
resourceVersion or a duplicate name, the status subresource, finalizers and deletionTimestamp,
graceful pod deletion and garbage collection (`lifecycle`), and watches (`watches`).

It knows nothing of HTTP: arguments are parsed values, errors are `errors.ApiError`. Every call
is one transaction on the storage thread.
"""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from pathlib import Path
from typing import Any

from argoapp.kube import jsontext
from argoapp.localkube import lifecycle, patching, selectors, validation
from argoapp.localkube import resources as r
from argoapp.localkube.errors import (
    AlreadyExists,
    BadRequest,
    Conflict,
    Forbidden,
    Gone,
    NotFound,
    not_found,
)
from argoapp.localkube.resources import Resource
from argoapp.localkube.storage import Event, Storage, Tx
from argoapp.localkube.watches import Watch, WatchBus

Obj = dict[str, Any]

_SERVER_SET = (
    "uid",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "generation",
    "resourceVersion",
    "selfLink",
    "managedFields",
)
_SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_BOOTSTRAP_NAMESPACES = ("default", "kube-system", "kube-public", "argo")


def _ns(res: Resource, namespace: str | None) -> str:
    return (namespace or "") if res.namespaced else ""


def _tracks_generation(res: Resource) -> bool:
    return bool(res.group)


def _without(obj: Obj, *keys: str) -> Obj:
    return {k: v for k, v in obj.items() if k not in keys}


class ObjectService:
    """The API objects of one localkube, and the rules for changing them."""

    def __init__(
        self, db_path: Path, *, history: int = 50_000, bookmark_interval: float = 30.0
    ) -> None:
        self.storage = Storage(db_path, history=history)
        self.bus = WatchBus()
        self.storage.on_commit = self.bus.publish
        self.bookmark_interval = bookmark_interval
        # The one node new pods are scheduled to as they are created (None: the kubelet binds
        # them, a write and a round trip later).
        self.schedule_to: str | None = None

    async def start(self) -> None:
        """Open the database, make the built-in namespaces, collect orphans."""
        await self.storage.open()
        await self.storage.run(self._bootstrap)
        await self.storage.run(lifecycle.collect_orphans)

    async def close(self) -> None:
        """End every watch, then close the database."""
        self.bus.close()
        await self.storage.close()

    def _bootstrap(self, tx: Tx) -> None:
        for name in _BOOTSTRAP_NAMESPACES:
            if tx.get(r.NAMESPACES.key, "", name) is None:
                self._create_tx(tx, r.NAMESPACES, None, {"metadata": {"name": name}}, False)

    # -- reads --------------------------------------------------------------------------

    async def get(self, res: Resource, namespace: str | None, name: str) -> Obj:
        def read(tx: Tx) -> Obj:
            obj = tx.get(res.key, _ns(res, namespace), name)
            if obj is None:
                raise not_found(res.plural, name, res.group)
            return obj

        return await self.storage.run(read)

    async def list(
        self,
        res: Resource,
        namespace: str | None,
        *,
        label_selector: str = "",
        field_selector: str = "",
        limit: int = 0,
        continue_token: str = "",
    ) -> Obj:
        """A `<Kind>List` with `metadata.resourceVersion` and, when limited, `continue`.

        `namespace=None` lists across all namespaces.
        """
        labels = selectors.parse_labels(label_selector)
        fields = selectors.parse_fields(field_selector, res.plural)
        start_rv, after = _decode_continue(continue_token)

        def read(tx: Tx) -> Obj:
            if start_rv and start_rv < tx.compacted_through():
                raise Gone(
                    "The provided continue parameter is too old to display a consistent "
                    "list result. You can start a new list without the continue "
                    "parameter."
                )
            items: list[Obj] = []
            more = ""
            for obj in tx.scan(res.key, namespace or None if res.namespaced else None, after):
                if labels(selectors.object_labels(obj)) and fields(obj):
                    if limit and len(items) == limit:
                        last = items[-1]["metadata"]
                        key = (last.get("namespace", ""), last["name"])
                        more = _encode_continue(start_rv or tx.current_rv(), key)
                        break
                    items.append(obj)
            meta: Obj = {"resourceVersion": str(start_rv or tx.current_rv())}
            if more:
                meta["continue"] = more
            return {
                "kind": f"{res.kind}List",
                "apiVersion": res.group_version,
                "metadata": meta,
                "items": items,
            }

        return await self.storage.run(read)

    # -- writes -------------------------------------------------------------------------

    async def create(
        self, res: Resource, namespace: str | None, body: Obj, *, dry_run: bool = False
    ) -> Obj:
        """Store a new object; fills name from generateName, uid, timestamps, resourceVersion."""
        return await self.storage.run(lambda tx: self._create_tx(tx, res, namespace, body, dry_run))

    def _create_tx(
        self, tx: Tx, res: Resource, namespace: str | None, body: Obj, dry_run: bool
    ) -> Obj:
        obj = _prepare(res, namespace, body)
        meta = obj["metadata"]
        ns = _ns(res, meta.get("namespace"))
        if res.namespaced:
            _require_namespace(tx, ns)
        if not meta.get("name"):
            generate = meta.get("generateName")
            if not isinstance(generate, str) or not generate:
                raise validation.invalid(
                    res.kind,
                    "",
                    "metadata.name",
                    "Required value: name or generateName is required",
                )
            meta["name"] = _generated_name(tx, res, ns, generate)
        validation.check_name(res, meta["name"])
        validation.check_metadata(res, obj)
        if tx.get(res.key, ns, meta["name"]) is not None:
            raise AlreadyExists(
                f'{res.key} "{meta["name"]}" already exists',
                details={"name": meta["name"], "group": res.group, "kind": res.plural},
            )
        for key in _SERVER_SET:
            meta.pop(key, None)
        meta["uid"] = str(uuid.uuid4())
        meta["creationTimestamp"] = lifecycle.now_rfc3339()
        if _tracks_generation(res):
            meta["generation"] = 1
        _defaults_on_create(res, obj)
        if res is r.PODS and self.schedule_to and isinstance(obj.get("spec"), dict):
            obj["spec"].setdefault("nodeName", self.schedule_to)
        validation.check_object(res, obj)
        if dry_run:
            return obj
        tx.put(res.key, obj, None)
        if res is r.NAMESPACES:
            self._create_tx(
                tx, r.SERVICEACCOUNTS, meta["name"], {"metadata": {"name": "default"}}, False
            )
        return obj

    async def replace(
        self,
        res: Resource,
        namespace: str | None,
        name: str,
        body: Obj,
        *,
        subresource: str = "",
        dry_run: bool = False,
    ) -> Obj:
        """PUT: a whole new object (or only its `.status` when `subresource == "status"`)."""
        if not isinstance(body, dict):
            raise BadRequest("the request body must be a JSON object")
        return await self.storage.run(
            lambda tx: self._update_tx(
                tx, res, namespace, name, lambda _old: jsontext.copy(body), subresource, dry_run
            )
        )

    async def patch(
        self,
        res: Resource,
        namespace: str | None,
        name: str,
        content_type: str,
        patch: Any,
        *,
        subresource: str = "",
        dry_run: bool = False,
    ) -> Obj:
        """PATCH with a merge, strategic-merge, JSON or apply patch (by its content type)."""

        def run(tx: Tx) -> Obj:
            is_apply = content_type.split(";")[0].strip() == patching.APPLY
            if is_apply and tx.get(res.key, _ns(res, namespace), name) is None:
                if not isinstance(patch, dict) or not isinstance(patch.get("metadata", {}), dict):
                    raise BadRequest("an apply patch must be an object with object metadata")
                body = jsontext.copy(patch)
                body.setdefault("metadata", {})["name"] = name
                return self._create_tx(tx, res, namespace, body, dry_run)
            return self._update_tx(
                tx,
                res,
                namespace,
                name,
                lambda old: patching.apply_patch(old, content_type, patch),
                subresource,
                dry_run,
            )

        return await self.storage.run(run)

    def _update_tx(
        self,
        tx: Tx,
        res: Resource,
        namespace: str | None,
        name: str,
        build: Any,
        subresource: str,
        dry_run: bool,
    ) -> Obj:
        ns = _ns(res, namespace)
        old = tx.get(res.key, ns, name)
        if old is None:
            raise not_found(res.plural, name, res.group)
        # Builds never change `old`; a merge patch's result shares with it what the patch
        # leaves alone, and so does what is stored: nothing below changes a shared part (the
        # top level and metadata are copied), which saves copying a pod on every status patch.
        new = _prepare(res, namespace, build(old), copy=False)
        meta = new["metadata"]
        if meta.get("name", name) != name:
            raise BadRequest(
                f"the name of the object ({meta['name']}) does not match the name "
                f"on the URL ({name})"
            )
        sent_rv = meta.get("resourceVersion")
        if sent_rv and str(sent_rv) != old["metadata"]["resourceVersion"]:
            raise Conflict(
                f'Operation cannot be fulfilled on {res.key} "{name}": the '
                f"object has been modified; please apply your changes to the latest "
                f"version and try again",
                details={"name": name, "group": res.group, "kind": res.plural},
            )
        result = _merge_update(res, old, new, subresource)
        if _without(result, "metadata") == _without(old, "metadata") and _same_meta(result, old):
            return old
        if dry_run:
            return result
        if lifecycle.finish_if_released(tx, res, result):
            return result
        return tx.put(res.key, result, old)

    async def delete(
        self,
        res: Resource,
        namespace: str | None,
        name: str,
        *,
        propagation_policy: str | None = None,
        grace_period_seconds: int | None = None,
        preconditions: Obj | None = None,
        dry_run: bool = False,
    ) -> Obj:
        """Delete now, or mark with deletionTimestamp while finalizers or a pod's grace remain.

        Returns the object as it was last stored.
        """
        if propagation_policy not in (None, "", "Background", "Foreground", "Orphan"):
            raise BadRequest(f"unknown propagationPolicy {propagation_policy!r}")

        def run(tx: Tx) -> Obj:
            obj = tx.get(res.key, _ns(res, namespace), name)
            if obj is None:
                raise not_found(res.plural, name, res.group)
            lifecycle.check_preconditions(res, obj, preconditions)
            if dry_run:
                return obj
            return lifecycle.delete(
                tx, res, obj, policy=propagation_policy, grace=grace_period_seconds
            )

        return await self.storage.run(run)

    # -- watch --------------------------------------------------------------------------

    def watch(
        self,
        res: Resource,
        namespace: str | None,
        *,
        resource_version: str = "",
        label_selector: str = "",
        field_selector: str = "",
        allow_bookmarks: bool = False,
        send_initial_events: bool | None = None,
    ) -> Watch:
        """Watch from `resource_version` (replaying what came after it), or from now.

        With no resourceVersion (or "0") the current objects come first as ADDED events.
        A resourceVersion older than the kept history yields one ERROR event (410) and ends.
        """
        labels = selectors.parse_labels(label_selector)
        fields = selectors.parse_fields(field_selector, res.plural)
        if resource_version not in ("", "0") and not resource_version.isdigit():
            raise BadRequest(f"invalid resourceVersion {resource_version!r}")
        scope = _ns(res, namespace) if res.namespaced and namespace else None
        initial = (
            send_initial_events
            if send_initial_events is not None
            else (resource_version in ("", "0"))
        )

        async def replay(after: int) -> list[Event] | None:
            def read(tx: Tx) -> list[Event] | None:
                if after < tx.compacted_through():
                    return None
                return tx.events_after(after, res.key, scope)

            return await self.storage.run(read)

        async def snapshot() -> tuple[list[Obj], int]:
            listed = await self.list(
                res, scope, label_selector=label_selector, field_selector=field_selector
            )
            return listed["items"], int(listed["metadata"]["resourceVersion"])

        return Watch(
            self.bus,
            res,
            scope,
            matches=lambda obj: labels(selectors.object_labels(obj)) and fields(obj),
            resource_version=resource_version or "0",
            initial=initial,
            replay=replay,
            snapshot=snapshot,
            bookmarks=allow_bookmarks,
            bookmark_interval=self.bookmark_interval,
        )


def _prepare(res: Resource, namespace: str | None, body: Any, *, copy: bool = True) -> Obj:
    """`body` with its kind, apiVersion and namespace checked against the URL: a copy, or
    with `copy=False` (a body built from the stored object) a copy of its top level and
    metadata, the parts an update changes."""
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object")
    if copy:
        obj = jsontext.copy(body)
    else:  # the parts changed below, so that nothing shared with the stored object changes
        obj = dict(body)
        if isinstance(obj.get("metadata"), dict):
            obj["metadata"] = dict(obj["metadata"])
    for field, want in (("apiVersion", res.group_version), ("kind", res.kind)):
        have = obj.get(field)
        if have not in (None, "", want):
            raise BadRequest(
                f"the API version in the data ({obj.get('apiVersion')}) and kind "
                f"({obj.get('kind')}) do not match {res.group_version} {res.kind}"
            )
        obj[field] = want
    meta = obj.setdefault("metadata", {})
    if not isinstance(meta, dict):
        raise BadRequest("metadata must be an object")
    for field in ("name", "generateName", "namespace", "resourceVersion"):
        if meta.get(field) is not None and not isinstance(meta[field], str):
            raise BadRequest(f"metadata.{field} must be a string, not {meta[field]!r}")
    if res.namespaced:
        if meta.get("namespace") and namespace and meta["namespace"] != namespace:
            raise BadRequest(
                "the namespace of the provided object does not match the "
                "namespace sent on the request"
            )
        meta["namespace"] = namespace or meta.get("namespace") or "default"
    else:
        meta.pop("namespace", None)
    return obj


def _require_namespace(tx: Tx, namespace: str) -> None:
    ns = tx.get(r.NAMESPACES.key, "", namespace)
    if ns is None:
        raise NotFound(
            f'namespaces "{namespace}" not found', details={"name": namespace, "kind": "namespaces"}
        )
    if ns["metadata"].get("deletionTimestamp"):
        raise Forbidden(
            f"unable to create new content in namespace {namespace} because it is being terminated"
        )


def _generated_name(tx: Tx, res: Resource, namespace: str, prefix: str) -> str:
    for _ in range(20):
        suffix = "".join(secrets.choice(_SUFFIX_ALPHABET) for _ in range(5))
        name = prefix[:58] + suffix
        if tx.get(res.key, namespace, name) is None:
            return name
    raise AlreadyExists(f"could not generate a free name for generateName {prefix!r}")


def _defaults_on_create(res: Resource, obj: Obj) -> None:
    if res.has_status and res is not r.NAMESPACES:
        obj.pop("status", None)
    if res is r.PODS:
        _pod_defaults(obj)
    elif res is r.NAMESPACES:
        obj["spec"] = {"finalizers": ["kubernetes"]}
        obj["status"] = {"phase": "Active"}
        obj["metadata"].setdefault("labels", {})["kubernetes.io/metadata.name"] = obj["metadata"][
            "name"
        ]
    elif res is r.SECRETS:
        validation.fold_string_data(obj)
        obj.setdefault("type", "Opaque")


def _pod_defaults(pod: Obj) -> None:
    spec = pod.get("spec")
    if not isinstance(spec, dict):
        return
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("schedulerName", "default-scheduler")
    spec.setdefault("serviceAccountName", spec.get("serviceAccount") or "default")
    spec.setdefault("serviceAccount", spec["serviceAccountName"])
    spec.setdefault("enableServiceLinks", True)
    spec.setdefault("securityContext", {})
    for container in (*(spec.get("initContainers") or []), *(spec.get("containers") or [])):
        if isinstance(container, dict):
            container.setdefault("terminationMessagePath", "/dev/termination-log")
            container.setdefault("terminationMessagePolicy", "File")
            image = str(container.get("image", ""))
            latest = ":" not in image.rsplit("/", 1)[-1] or image.endswith(":latest")
            container.setdefault("imagePullPolicy", "Always" if latest else "IfNotPresent")
    pod["status"] = {"phase": "Pending", "qosClass": _qos_class(spec)}


def _qos_class(spec: Obj) -> str:
    """Kubernetes' QoS class from the containers' requests and limits."""
    containers = [
        c
        for c in (*(spec.get("initContainers") or []), *(spec.get("containers") or []))
        if isinstance(c, dict)
    ]
    resources = [c.get("resources") or {} for c in containers]
    if not any(res.get("requests") or res.get("limits") for res in resources):
        return "BestEffort"
    for res in resources:
        limits, requests = res.get("limits") or {}, res.get("requests") or {}
        for name in ("cpu", "memory"):
            if name not in limits or requests.get(name, limits[name]) != limits[name]:
                return "Burstable"
    return "Guaranteed"


def _merge_update(res: Resource, old: Obj, new: Obj, subresource: str) -> Obj:
    """The object to store for an update of `old` to `new` (main resource or status)."""
    if subresource == "status":
        result = {**old, "metadata": dict(old["metadata"])}
        if new.get("status") is None:
            result.pop("status", None)
        else:
            result["status"] = new["status"]
        return result
    if subresource:
        raise BadRequest(f"subresource {subresource!r} cannot be updated")
    meta = new["metadata"]
    for key in (
        "uid",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "generation",
        "namespace",
    ):
        if key in old["metadata"]:
            meta[key] = old["metadata"][key]
        else:
            meta.pop(key, None)
    meta.pop("managedFields", None)
    meta["name"] = old["metadata"]["name"]
    if res.has_status:
        if "status" in old:
            new["status"] = old["status"]
        else:
            new.pop("status", None)
    if res is r.SECRETS:
        validation.fold_string_data(new)
    validation.check_metadata(res, new)
    validation.check_object(res, new)
    if res is r.PODS:
        validation.check_pod_update(old, new)
    if _tracks_generation(res) and _spec_of(new) != _spec_of(old):
        meta["generation"] = int(old["metadata"].get("generation", 1)) + 1
    return new


def _spec_of(obj: Obj) -> Obj:
    return _without(obj, "metadata", "status")


def _same_meta(a: Obj, b: Obj) -> bool:
    drop = ("resourceVersion", "managedFields")
    return _without(a["metadata"], *drop) == _without(b["metadata"], *drop)


def _encode_continue(rv: int, key: tuple[str, str]) -> str:
    raw = json.dumps({"rv": rv, "ns": key[0], "name": key[1]}).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _decode_continue(token: str) -> tuple[int, tuple[str, str]]:
    if not token:
        return 0, ("", "")
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        return int(data["rv"]), (str(data["ns"]), str(data["name"]))
    except (ValueError, KeyError, TypeError):
        raise BadRequest("continue key is not valid") from None
