"""Wires argoapp's pieces into one process and owns start-up and shutdown order.

`run_up` is local mode. Start order: localkube (API server and kubelet), the Kubernetes client
over localkube's kubeconfig, argoapp's store (`DATA_DIR/argoapp.db`), the built-in S3 artifact
store (`DATA_DIR/artifacts`, answered on the API's port; pods reach it on loopback, so it is the
default artifact repository), the workflow controller (all namespaces), then the Argo API
server on `--port`; it prints the URLs and runs until SIGINT
or SIGTERM. Shutdown goes the other way: stop the Argo HTTP server, stop the controller (its
watches end, its workers drain), close the clients, close the store, then localkube. Pods keep
running across a restart and are adopted again.

In local mode the controller calls localkube's object service directly
(`localkube.inproc.InProcessKube`: no HTTP, TLS or JSON between them, which is most of a
workflow write's cost); the Argo API server keeps the HTTP client over the kubeconfig.
`ARGOAPP_KUBE_IN_PROCESS=false` (or 0, no, off; read by `config.UpSettings`) gives the controller
the HTTP client too.

`run_controller` is `argoapp controller`: the controller alone against any cluster, with its
settings from a file or from the workflow-controller-configmap. `run_server` is
`argoapp server`: that controller plus the Argo API (TLS and `client` auth by default), as
`argoapp up` runs them but against a kubeconfig or in-cluster credentials; its built-in
artifact store is the default repository once `--artifact-endpoint` says where pods reach it
(the self-signed certificate then names that host too, and pods trust it through `caSecret`).

Auth in local mode: in `client` mode (the default) the API token is made at first start
(`localkube.api_user`, `DATA_DIR/token`) and a login link carrying it is printed.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import os
import signal
import ssl
from collections.abc import Callable, Iterator
from pathlib import Path

from aiohttp import web

from argoapp import config
from argoapp.artifacts.builtin import BUCKET as BUILTIN_BUCKET
from argoapp.artifacts.builtin import BuiltinStore
from argoapp.artifacts.local import LocalTarget
from argoapp.config import ControllerSettings, ServerSettings, UpSettings
from argoapp.controller.controller import Controller
from argoapp.engine.api import Settings
from argoapp.errors import ConfigError
from argoapp.kube.api import KubeApi
from argoapp.kube.client import Kube
from argoapp.kube.errors import NotFound
from argoapp.localkube.api_user import ensure_api_user
from argoapp.localkube.cluster import LocalKube, LocalKubeSettings
from argoapp.localkube.inproc import InProcessKube
from argoapp.localkube.keptlogs import KeptLogs
from argoapp.model.types import Obj
from argoapp.server.app import build_app
from argoapp.server.info import info_from_config
from argoapp.server.s3store import S3Store, load_or_create_credentials
from argoapp.server.tls import certificate, server_context
from argoapp.store import Store

log = logging.getLogger(__name__)
# ARGOAPP_TRACE=FILE: the pod life-cycle stamps the controller and the kubelet log on the
# "argoapp.trace" logger (`benchmarks.engine_timeline` reads them); off unless set.
TRACE_ENV = "ARGOAPP_TRACE"

STORE_FILE = "argoapp.db"
SERVER_FILE = "server.json"  # read by the CLI (argoapp/cli/argo/client.py)
# A long-running controller allocates many short-lived dicts (copies of workflow nodes, pod
# objects) and holds a large, stable heap: with the default first threshold (700) the young
# generation is collected thousands of times a second under a fan-out, each collection walking
# survivors that will live for the whole run. Our data has few reference cycles, so collect
# far less often; what start-up built is frozen out of every later collection.
GC_THRESHOLD = (50_000, 20, 20)


async def run_up(
    settings: UpSettings, *, say: Callable[[str], None] = print, stop: asyncio.Event | None = None
) -> None:
    """Run local mode until `stop` is set or a termination signal arrives."""
    stop = stop or asyncio.Event()
    localkube = LocalKube(
        LocalKubeSettings(
            data_dir=settings.data_dir,
            address="127.0.0.1",
            port=settings.kube_port,
            sandboxed=settings.sandboxed,
            images=settings.images,
            executor_image=settings.executor_image,
            executor_in_process=settings.executor_in_process,
        )
    )
    engine_settings = config.engine_settings(settings.controller_config)
    kube: Kube | None = None
    controller_kube: KubeApi | None = None
    store: Store | None = None
    s3: S3Store | None = None
    runner: web.AppRunner | None = None
    with _signals(stop.set), _gc_tuned():
        try:
            await localkube.start()
            token = ""
            if settings.auth_mode == "client":
                token = await ensure_api_user(localkube.service, settings.data_dir)
            kube = await Kube.connect(localkube.kubeconfig)
            controller_kube = (
                InProcessKube(localkube.service, host=localkube.url)
                if settings.kube_in_process
                else kube
            )
            store = Store(settings.data_dir / STORE_FILE)
            await store.start()
            s3, builtin = await _artifact_store(
                settings.data_dir, _local_endpoint(settings), _ca_of(settings)
            )
            _share_store(localkube, s3, builtin)
            controller = Controller(controller_kube, store, engine_settings, artifact_store=builtin)
            # Owned here and awaited below whatever happens (not in a TaskGroup, so that a
            # ConfigError from the HTTP server reaches the CLI as itself, not in a group).
            ran = asyncio.create_task(controller.run(), name="controller")
            try:
                runner = await _serve(settings, kube, store, controller, s3)
                url = write_server_file(settings)
                say(f"argoapp is up (local mode, data in {settings.data_dir})")
                say(f"  Argo API and UI: {url}")
                if token:
                    say(f"  Log in:          {url}/?token={token}")
                kubectl = f"kubectl --kubeconfig {localkube.kubeconfig}"
                say(f"  localkube:       {localkube.url}  ({kubectl})")
                say("Press Ctrl-C to stop.")
                await _until(stop, ran)
                say("argoapp is stopping")
            finally:
                remove_server_file(settings.data_dir)
                if runner is not None:
                    await runner.cleanup()
                    runner = None
                controller.stop()
                await ran
        finally:
            if runner is not None:
                await runner.cleanup()
            if controller_kube is not None and controller_kube is not kube:
                await controller_kube.close()
            if kube is not None:
                await kube.close()
            if store is not None:
                await store.close()
            if s3 is not None:
                _share_store(localkube, None, None)
                await s3.close()
            await localkube.stop()


def write_server_file(settings: UpSettings) -> str:
    """Record where the API listens in `DATA_DIR/server.json` (0600) for the CLI; its URL.

    The CLI with no ARGO_SERVER reads it (and `DATA_DIR/token` when authMode is client).
    """
    host = settings.address
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    elif ":" in host:
        host = f"[{host}]"
    scheme = "https" if settings.secure or settings.tls_cert else "http"
    url = f"{scheme}://{host}:{settings.port}"
    info = {
        "url": url,
        "pid": os.getpid(),
        "authMode": settings.auth_mode,
        "insecureSkipVerify": url.startswith("https:"),
    }
    path = settings.data_dir / SERVER_FILE
    partial = path.with_name(SERVER_FILE + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(info, f)
    os.replace(partial, path)
    return url


def remove_server_file(data_dir: Path) -> None:
    """Forget the recorded address on a clean stop (only if it is still this process's)."""
    path = data_dir / SERVER_FILE
    try:
        if json.loads(path.read_text()).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError, AttributeError):
        pass


async def _serve(
    settings: UpSettings, kube: Kube, store: Store, controller: Controller, s3: S3Store
) -> web.AppRunner:
    """The Argo API server on --address:--port, started, in the auth mode asked for."""
    app = build_app(
        kube=kube,
        store=store,
        auth_mode=settings.auth_mode,
        base_href=settings.base_href,
        info_settings=info_from_config(settings.controller_config),
        kept_logs=KeptLogs(settings.data_dir),
        controller=controller,
        health=controller.health,
        s3store=s3,
        artifact_store=controller.artifact_store,
    )
    tls = server_context(
        secure=settings.secure,
        cert=settings.tls_cert,
        key=settings.tls_key,
        data_dir=settings.data_dir,
        address=settings.address,
    )
    return await _listen(app, settings.address, settings.port, tls)


async def _artifact_store(
    data_dir: Path, endpoint: str, ca_pem: str
) -> tuple[S3Store, BuiltinStore | None]:
    """The built-in S3 store on DATA_DIR/artifacts, started, and its description for the
    controller (None when pods would not know where to reach it: no endpoint)."""
    access_key, secret_key = load_or_create_credentials(data_dir)
    s3 = S3Store(data_dir / "artifacts", access_key, secret_key)
    await s3.start()
    if not endpoint:
        return s3, None
    return s3, BuiltinStore(endpoint, access_key, secret_key, ca_pem)


def _share_store(localkube: LocalKube, s3: S3Store | None, builtin: BuiltinStore | None) -> None:
    """Let the kubelet's in-process executor roles reach the built-in store directly (no HTTP)
    for locations pods are given for it; (None, None) takes that back before the store closes."""
    if localkube.kubelet is None:
        return
    target = None
    if s3 is not None and builtin is not None:
        target = LocalTarget(s3, builtin.endpoint, BUILTIN_BUCKET)
    localkube.kubelet.config.artifact_store = target


def _local_endpoint(settings: UpSettings) -> str:
    """Where local pods (host network) reach the API port, and so the built-in store."""
    host = settings.address
    if host in ("", "0.0.0.0", "::", "localhost"):
        host = "127.0.0.1"
    return f"[{host}]:{settings.port}" if ":" in host else f"{host}:{settings.port}"


def _ca_of(settings: UpSettings | ServerSettings, hosts: tuple[str, ...] = ()) -> str:
    """The certificate pods must trust to reach the store over TLS ("" for plain HTTP)."""
    pair = certificate(
        secure=settings.secure,
        cert=settings.tls_cert,
        key=settings.tls_key,
        data_dir=_data_dir(settings.data_dir),
        address=settings.address,
        hosts=hosts,
    )
    if pair is None:
        return ""
    try:
        return pair[0].read_text()
    except OSError as e:
        raise ConfigError(f"cannot read the TLS certificate {pair[0]}: {e.strerror}") from None


async def _listen(
    app: web.Application, address: str, port: int, tls: ssl.SSLContext | None
) -> web.AppRunner:
    """`app` served on address:port (with TLS when `tls` is given), started."""
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, address, port, ssl_context=tls).start()
    except OSError as e:
        await runner.cleanup()
        raise ConfigError(f"cannot listen on {address}:{port}: {e.strerror}") from None
    return runner


async def run_controller(settings: ControllerSettings) -> None:
    """Run the controller alone until SIGINT or SIGTERM."""
    kube = await Kube.connect(settings.kubeconfig, context=settings.context)
    store: Store | None = None
    try:
        controller_config = await _controller_config(kube, settings)
        store = Store(_data_dir(settings.data_dir) / STORE_FILE)
        await store.start()
        controller = _cluster_controller(kube, store, settings, controller_config)
        with _signals(controller.stop):
            await controller.run()
    finally:
        await kube.close()
        if store is not None:
            await store.close()


async def run_server(
    settings: ServerSettings,
    *,
    say: Callable[[str], None] = print,
    stop: asyncio.Event | None = None,
) -> None:
    """`argoapp server`: the controller and the Argo API against a cluster, until stopped."""
    stop = stop or asyncio.Event()
    endpoint_host = settings.artifact_endpoint.rsplit(":", 1)[0].strip("[]")
    hosts = (endpoint_host,) if endpoint_host else ()
    tls = server_context(
        secure=settings.secure,
        cert=settings.tls_cert,
        key=settings.tls_key,
        data_dir=_data_dir(settings.data_dir),
        address=settings.address,
        hosts=hosts,
    )
    kube = await Kube.connect(settings.kubeconfig, context=settings.context)
    store: Store | None = None
    s3: S3Store | None = None
    try:
        controller_config = await _controller_config(kube, settings)
        store = Store(settings.data_dir / STORE_FILE)
        await store.start()
        s3, builtin = await _artifact_store(
            settings.data_dir, settings.artifact_endpoint, _ca_of(settings, hosts)
        )
        if builtin is None:
            say("argoapp server: no --artifact-endpoint, so the built-in artifact store is not "
                "the default artifact repository")  # fmt: skip
        controller = _cluster_controller(kube, store, settings, controller_config, builtin)
        app = build_app(
            kube=kube,
            store=store,
            auth_mode=settings.auth_mode,
            base_href=settings.base_href,
            info_settings=info_from_config(controller_config, settings.namespace),
            controller=controller,
            health=controller.health,
            s3store=s3,
            artifact_store=builtin,
        )
        with _signals(stop.set), _gc_tuned():
            ran = asyncio.create_task(controller.run(), name="controller")
            runner: web.AppRunner | None = None
            try:
                runner = await _listen(app, settings.address, settings.port, tls)
                scheme = "https" if tls is not None else "http"
                say(
                    f"argoapp server: Argo API and UI on {scheme}://{settings.address}:"
                    f"{settings.port} (auth mode {settings.auth_mode}), against {kube.host}"
                )
                await _until(stop, ran)
            finally:
                if runner is not None:
                    await runner.cleanup()
                controller.stop()
                await ran
    finally:
        await kube.close()
        if store is not None:
            await store.close()
        if s3 is not None:
            await s3.close()


def _configmap_key(settings: ControllerSettings) -> tuple[str, str]:
    return (settings.namespace or config.controller_namespace(), settings.configmap)


async def _controller_config(kube: Kube, settings: ControllerSettings) -> Obj:
    """The controller config from --controller-config, else from the ConfigMap."""
    if settings.controller_config is None:
        return await _configmap_config(kube, *_configmap_key(settings))
    await kube.list("Workflow", settings.namespace, limit=1)  # fail fast, clearly
    return settings.controller_config


def _cluster_controller(
    kube: Kube,
    store: Store,
    settings: ControllerSettings,
    controller_config: Obj,
    artifact_store: BuiltinStore | None = None,
) -> Controller:
    """The controller of cluster mode (`argoapp controller` and `argoapp server`)."""

    def from_configmap(cm: Obj) -> Settings:
        return config.engine_settings(
            config.controller_config_from_configmap(cm), executor_image=settings.executor_image
        )

    return Controller(
        kube,
        store,
        config.engine_settings(controller_config, executor_image=settings.executor_image),
        namespace=settings.namespace,
        workers=settings.workers,
        configmap=_configmap_key(settings) if settings.controller_config is None else None,
        settings_from=from_configmap,
        artifact_store=artifact_store,
    )


async def _configmap_config(kube: Kube, namespace: str, name: str) -> Obj:
    """The controller config in the ConfigMap `namespace/name` ({} when there is none)."""
    try:
        cm = await kube.get("ConfigMap", name, namespace)
    except NotFound:
        log.info("no ConfigMap %s/%s: running with the default settings", namespace, name)
        return {}
    return config.controller_config_from_configmap(cm)


def _data_dir(path: Path) -> Path:
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as e:
        raise ConfigError(f"cannot use data dir {path}: {e.strerror}") from None
    return path


async def _until(stop: asyncio.Event, task: asyncio.Task[None]) -> None:
    """Wait for `stop` to be set, or for `task` to end early."""
    stopped = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({stopped, task}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await stopped


@contextlib.contextmanager
def _signals(handler: Callable[[], None]) -> Iterator[None]:
    """SIGINT and SIGTERM call `handler` while the block runs."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, handler)
    try:
        yield
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


@contextlib.contextmanager
def _gc_tuned() -> Iterator[None]:
    """Fewer garbage collections while a server runs (see GC_THRESHOLD); restored after."""
    _trace_to_file(os.environ.get(TRACE_ENV, ""))
    before = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


def _trace_to_file(path: str) -> None:
    """Send the "argoapp.trace" stamps (wall time, then the message) to `path`, once."""
    trace = logging.getLogger("argoapp.trace")
    if not path or trace.handlers:
        return
    handler = _BufferedFile(path)
    handler.setFormatter(logging.Formatter("%(created).6f %(message)s"))
    trace.addHandler(handler)
    trace.setLevel(logging.DEBUG)
    trace.propagate = False


class _BufferedFile(logging.FileHandler):
    """A file handler that leaves flushing to the buffer and to `close` (a flush per stamp
    cost a write system call each, thousands a second in a fan-out)."""

    def flush(self) -> None:
        """Flushed when the buffer fills and at close."""
