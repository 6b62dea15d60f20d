"""The workflow archive under load: page and count with label selectors over 100,000 rows.

Fills a fresh store with BENCH_ARCHIVE (default 100,000) archived workflows of about 3 KB each,
with labels, namespaces and phases spread as a busy installation has them, then times pages
(limit 50, the first and deeper ones by continue token) and counts for several selectors, each
over at least 100 queries, and prints p50/p95 against the issue's target (p95 <= 20 ms per page).
It also prints the query plans, so an index that stopped being used shows up here first.
Then it times what a client sees: the server's merged list route (`GET /api/v1/workflows/{ns}`,
live workflows from a real localkube merged with the 100,000 archived ones) over HTTP, a page
of 50 with and without a label selector, the first page and a deep one.
`make bench ARGS=archive_query` runs only this.
"""

from __future__ import annotations

import os
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
from aiohttp import web

from argoapp.kube.client import Kube
from argoapp.model.types import Obj
from argoapp.server.app import build_app
from argoapp.store import ArchiveQuery, Store, parse_selector
from argoapp.store import archive as sql
from benchmarks.common import localkube

LIVE = 40  # live workflows in the localkube the HTTP list merges with the archive

TARGET_P95_MS = 20.0
QUERIES = 120
NAMESPACES = [f"team-{i}" for i in range(8)]
PHASES = ["Succeeded"] * 8 + ["Failed", "Error"]
APPS = [f"app-{i}" for i in range(40)]
ENVS = ["prod", "staging", "dev"]
START = datetime(2026, 1, 1, tzinfo=UTC)


def _time(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def make_workflow(i: int, rng: random.Random) -> Obj:
    """An archived workflow of about 3 KB: labels, a small spec and a few nodes."""
    created = START + timedelta(seconds=i * 25 + rng.randint(0, 20))
    finished = created + timedelta(seconds=rng.randint(5, 600))
    name = f"{rng.choice(APPS)}-{i:07d}"
    phase = rng.choice(PHASES)
    labels = {
        "app": rng.choice(APPS),
        "env": rng.choice(ENVS),
        "owner": f"user-{rng.randint(0, 199)}",
        "workflows.argoproj.io/completed": "true",
        "workflows.argoproj.io/phase": phase,
        "workflows.argoproj.io/workflow-archiving-status": "Archived",
    }
    if i % 3 == 0:
        labels["workflows.argoproj.io/workflow-template"] = f"tmpl-{i % 30}"
    if i % 1000 == 0:
        labels["rare"] = "yes"
    nodes = {
        f"{name}-{n}": {
            "id": f"{name}-{n}",
            "name": f"{name}.step-{n}",
            "displayName": f"step-{n}",
            "type": "Pod",
            "templateName": "work",
            "phase": phase,
            "startedAt": _time(created),
            "finishedAt": _time(finished),
            "message": "",
            "resourcesDuration": {"cpu": rng.randint(1, 99), "memory": rng.randint(1, 99)},
            "outputs": {"exitCode": "0", "parameters": [{"name": "out", "value": "x" * 40}]},
        }
        for n in range(6)
    }
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {
            "name": name,
            "namespace": rng.choice(NAMESPACES),
            "uid": f"{i:08x}-0000-4000-8000-{rng.getrandbits(48):012x}",
            "creationTimestamp": _time(created),
            "labels": labels,
            "annotations": {"workflows.argoproj.io/pod-name-format": "v2"},
        },
        "spec": {
            "entrypoint": "main",
            "arguments": {"parameters": [{"name": "size", "value": str(i % 100)}]},
            "templates": [
                {"name": "main", "steps": [[{"name": "work", "template": "work"}]]},
                {"name": "work", "container": {"image": "busybox", "command": ["sh", "-c"]}},
            ],
        },
        "status": {
            "phase": phase,
            "startedAt": _time(created),
            "finishedAt": _time(finished),
            "progress": "6/6",
            "nodes": nodes,
        },
    }


async def fill(store: Store, count: int) -> None:
    rng = random.Random(4)
    batch = 5000
    for start in range(0, count, batch):
        wfs = [make_workflow(i, rng) for i in range(start, min(count, start + batch))]

        def put_all(conn: sqlite3.Connection, wfs: list[Obj] = wfs) -> None:
            for wf in wfs:
                sql.put(conn, wf)

        await store.transact(put_all)


async def timed(run: Callable[[int], Awaitable[object]], n: int = QUERIES) -> list[float]:
    samples = []
    for i in range(n):
        t0 = time.perf_counter()
        await run(i)
        samples.append((time.perf_counter() - t0) * 1000)
    return samples


def show(what: str, samples: list[float]) -> None:
    samples = sorted(samples)
    p50 = statistics.median(samples)
    p95 = samples[int(len(samples) * 0.95) - 1]
    verdict = "ok" if p95 <= TARGET_P95_MS else "OVER TARGET"
    print(f"  {what:<58} p50 {p50:6.2f} ms  p95 {p95:6.2f} ms  ({verdict})")


def query(selector: str, **kw: object) -> ArchiveQuery:
    return ArchiveQuery(selector=tuple(parse_selector(selector)), **kw)  # type: ignore[arg-type]


async def run() -> None:
    count = int(os.environ.get("BENCH_ARCHIVE", "100000"))
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "argoapp.db")
        await store.start()
        try:
            t0 = time.perf_counter()
            await fill(store, count)
            seconds = time.perf_counter() - t0
            size = (Path(tmp) / "argoapp.db").stat().st_size / 2**20
            print(
                f"archive_query: {count} archived workflows in {seconds:.1f} s "
                f"({count / seconds:.0f}/s), database {size:.0f} MiB; "
                f"target p95 <= {TARGET_P95_MS:.0f} ms per page"
            )
            await _measure(store)
            await _measure_http(store)
        finally:
            await store.close()


async def _measure(store: Store) -> None:
    selectors = {
        "app=A (1 in 40)": lambda i: query(f"app={APPS[i % len(APPS)]}"),
        "app=A,env=prod": lambda i: query(f"app={APPS[i % len(APPS)]},env=prod"),
        "namespace + app=A + phase label": lambda i: query(
            f"app={APPS[i % 40]},workflows.argoproj.io/phase in (Succeeded)",
            namespace=NAMESPACES[i % len(NAMESPACES)],
        ),
        "env!=dev,owner (no = term)": lambda i: query("env!=dev,owner"),
        "env in (prod,staging),!rare": lambda i: query("env in (prod,staging),!rare"),
        "rare=yes (1 in 1000)": lambda i: query("rare=yes"),
        "no selector, namespace only": lambda i: query("", namespace=NAMESPACES[i % 8]),
    }
    print(" pages of 50 (first page):")
    for what, make in selectors.items():
        show(what, await timed(lambda i, make=make: store.archive_list(make(i), 50)))
    print(" pages of 50 (page 20, by continue token):")
    for what in ("app=A (1 in 40)", "env!=dev,owner (no = term)"):
        make = selectors[what]
        tokens = []
        for i in range(QUERIES):
            token = ""
            for _ in range(19):
                _, token = await store.archive_list(make(i), 50, token)
            tokens.append(token)
        show(
            what,
            await timed(lambda i, m=make, t=tokens: store.archive_list(m(i), 50, t[i])),
        )
    print(" counts:")
    for what in ("app=A (1 in 40)", "env in (prod,staging),!rare", "no selector, namespace only"):
        make = selectors[what]
        show(what, await timed(lambda i, m=make: store.archive_count(m(i))))
    show(
        "label keys",
        await timed(lambda i: store.archive_label_keys()),
    )
    show("label values of app", await timed(lambda i: store.archive_label_values("app")))
    show(
        "label keys of one namespace",
        await timed(lambda i: store.archive_label_keys(NAMESPACES[i % 8])),
    )
    show(
        "label values of app in one namespace",
        await timed(lambda i: store.archive_label_values("app", NAMESPACES[i % 8])),
    )
    await _plans(store, selectors["app=A,env=prod"](0), selectors["env!=dev,owner (no = term)"](0))


async def _plans(store: Store, *queries: ArchiveQuery) -> None:
    def explain(conn: sqlite3.Connection) -> list[str]:
        lines = []
        for q in queries:
            text, params = sql._select(q, "w.summary", count=False)
            plan = conn.execute(f"EXPLAIN QUERY PLAN {text} LIMIT 51", params).fetchall()
            lines.append(" | ".join(row[-1] for row in plan))
        return lines

    for line in await store.read(explain):
        print(f"  plan: {line}")


def live_workflow(i: int) -> Obj:
    """A running workflow as the list finds it in Kubernetes (no controller runs here)."""
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": f"live-{i:03d}", "labels": {"app": APPS[i % len(APPS)]}},
        "spec": {"entrypoint": "main", "templates": [{"name": "main", "suspend": {}}]},
    }


async def _measure_http(store: Store) -> None:
    """The merged list route over HTTP, as the CLI and the UI call it."""
    async with localkube(kubelet=False) as (cluster, _):
        kube = await Kube.connect(cluster.kubeconfig)
        runner = web.AppRunner(build_app(kube=kube, store=store), access_log=None)
        try:
            for namespace in NAMESPACES:
                await kube.create("Namespace", {"metadata": {"name": namespace}})
            for i in range(LIVE):
                await kube.create("Workflow", live_workflow(i), NAMESPACES[i % 2])
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            port = runner.addresses[0][1]
            async with aiohttp.ClientSession(f"http://127.0.0.1:{port}") as http:
                await _http_cases(http)
        finally:
            await runner.cleanup()
            await kube.close()


async def _http_cases(http: aiohttp.ClientSession) -> None:
    async def page(namespace: str, params: dict[str, str]) -> str:
        query = {"listOptions.limit": "50", **params}
        async with http.get(f"/api/v1/workflows/{namespace}", params=query) as resp:
            body = await resp.json()
            if resp.status != 200:
                raise RuntimeError(f"list answered {resp.status}: {body}")
        return str((body.get("metadata") or {}).get("continue") or "")

    def app(i: int) -> dict[str, str]:
        return {"listOptions.labelSelector": f"app={APPS[i % len(APPS)]}"}

    cases: dict[str, Callable[[int], Awaitable[str]]] = {
        "all namespaces, no selector": lambda i: page("", {}),
        "one namespace, no selector": lambda i: page(NAMESPACES[i % 8], {}),
        "all namespaces, app=A (1 in 40)": lambda i: page("", app(i)),
        "one namespace, app=A": lambda i: page(NAMESPACES[i % 8], app(i)),
    }
    print(f" HTTP merged list GET /api/v1/workflows/{{ns}} ({LIVE} live), pages of 50:")
    for what, run in cases.items():
        show(what, await timed(run))
    tokens = []
    for i in range(QUERIES):
        token = ""
        for _ in range(19):
            token = await page(NAMESPACES[i % 8], {"listOptions.continue": token} if token else {})
        tokens.append(token)
    show(
        "one namespace, page 20 by continue token",
        await timed(lambda i: page(NAMESPACES[i % 8], {"listOptions.continue": tokens[i]})),
    )
