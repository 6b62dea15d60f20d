"""The web UI under size: the workflows page with 1,000 workflows and a 10,000-node graph.

Starts its own `argoapp up` on a temporary data dir (tests/ui/harness.Live), seeds it, and opens
the pages in headless Chromium (/usr/bin/chromium, Playwright's sync API on a thread: the
registry's run() is async). Seeding writes finished workflows straight through the Kubernetes
API (kubectl create of one List), as a controller would have left them: 1,000 small finished
workflows, and one finished 100-step x 100-item steps workflow of 10,101 nodes whose node status
is offloaded to argoapp's store as the controller offloads any status over 64 KiB (the nodes
saved with Store.save_nodes under the object's uid, then `status.offloadNodeStatusVersion`
patched in). Before timing, it checks the API returns the big workflow whole and that the
controller left the finished workflows as written.

Prints: time to `argoapp:workflows-rendered` and to `argoapp:graph-rendered` (from navigation
start, so the API reads are in), the graph with every fan-out expanded (click to next frame),
layout ms, paint ms per frame while panning (all 10,101 nodes in view as dots, and at 1:1), and
the JS heap; each the median of LOADS fresh loads. Target: under 2 s each. The graph's time
is also split at the API read of the workflow (the server hydrating and encoding 10,101 nodes).
`make bench ARGS=ui_render` runs only this.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from argoapp.runtime import STORE_FILE
from argoapp.store import Store
from tests.ui.harness import CHROMIUM_ARGS, Live

NS = "argo"
LIST_SIZE = 1000
STEPS = 100
ITEMS = 100
BIG = "big-graph"
TARGET_MS = 2000.0
LOADS = 3  # fresh loads of each page; figures are their medians
T0 = datetime(2026, 1, 1, tzinfo=UTC)
FNV_OFFSET = 0x811C9DC5
FNV_PRIME = 0x01000193


def _iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _fnv(text: str) -> int:
    h = FNV_OFFSET
    for byte in text.encode():
        h = ((h ^ byte) * FNV_PRIME) & 0xFFFFFFFF
    return h


def _node_id(wf: str, name: str) -> str:
    return wf if name == wf else f"{wf}-{_fnv(name)}"


def finished_workflow(name: str, i: int, phase: str = "Succeeded") -> dict[str, Any]:
    """A small finished workflow as the controller leaves one (one pod node)."""
    start = T0 + timedelta(seconds=i * 30)
    end = start + timedelta(seconds=5 + i % 50)
    node = {
        "id": name,
        "name": name,
        "displayName": name,
        "type": "Pod",
        "phase": phase,
        "templateName": "main",
        "startedAt": _iso(start),
        "finishedAt": _iso(end),
        "progress": "1/1",
        "outputs": {"exitCode": "0" if phase == "Succeeded" else "1"},
    }
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {
            "name": name,
            "namespace": NS,
            "labels": {
                "workflows.argoproj.io/phase": phase,
                "workflows.argoproj.io/completed": "true",
                "app": f"app-{i % 7}",
            },
        },
        "spec": {
            "entrypoint": "main",
            "templates": [{"name": "main", "container": {"image": "busybox", "command": ["true"]}}],
        },
        "status": {
            "phase": phase,
            "startedAt": _iso(start),
            "finishedAt": _iso(end),
            "progress": "1/1",
            "nodes": {name: node},
        },
    }


def big_spec() -> dict[str, Any]:
    """The spec that would give the big status: 100 steps in a row, each a loop of 100."""
    steps = [
        [
            {
                "name": f"step-{s}",
                "template": "work",
                "withSequence": {"count": str(ITEMS)},
                "arguments": {"parameters": [{"name": "i", "value": "{{item}}"}]},
            }
        ]
        for s in range(STEPS)
    ]
    work = {
        "name": "work",
        "inputs": {"parameters": [{"name": "i"}]},
        "container": {"image": "busybox", "command": ["sh", "-c", "echo {{inputs.parameters.i}}"]},
    }
    return {"entrypoint": "main", "templates": [{"name": "main", "steps": steps}, work]}


def big_nodes(wf: str) -> dict[str, Any]:
    """Node status as Argo writes it for big_spec() finished: Steps → [s] → items → [s+1]…"""
    nodes: dict[str, Any] = {}
    common = {"templateScope": f"local/{wf}", "boundaryID": wf}
    root = {
        "id": wf,
        "name": wf,
        "displayName": wf,
        "type": "Steps",
        "phase": "Succeeded",
        "templateName": "main",
        "templateScope": f"local/{wf}",
        "startedAt": _iso(T0),
        "progress": f"{STEPS * ITEMS}/{STEPS * ITEMS}",
        "children": [],
    }
    nodes[wf] = root
    prev = [wf]
    for s in range(STEPS):
        start = T0 + timedelta(seconds=s * 12)
        gname = f"{wf}[{s}]"
        gid = _node_id(wf, gname)
        for p in prev:
            nodes[p]["children"].append(gid)
        group: dict[str, Any] = {
            "id": gid,
            "name": gname,
            "displayName": f"[{s}]",
            "type": "StepGroup",
            "phase": "Succeeded",
            "startedAt": _iso(start),
            "children": [],
            **common,
        }
        nodes[gid] = group
        prev = []
        for i in range(ITEMS):
            name = f"{gname}.step-{s}({i}:{i})"
            nid = _node_id(wf, name)
            end = start + timedelta(seconds=4 + (i * 7 + s) % 7)
            nodes[nid] = {
                "id": nid,
                "name": name,
                "displayName": f"step-{s}({i}:{i})",
                "type": "Pod",
                "phase": "Succeeded",
                "templateName": "work",
                "startedAt": _iso(start),
                "finishedAt": _iso(end),
                "progress": "1/1",
                "podName": f"{wf}-work-{_fnv(name)}",
                "hostNodeName": "localkube",
                "resourcesDuration": {"cpu": 1, "memory": 1},
                "children": [],
                "inputs": {"parameters": [{"name": "i", "value": str(i)}]},
                "outputs": {"exitCode": "0"},
                **common,
            }
            group["children"].append(nid)
            prev.append(nid)
        group["finishedAt"] = _iso(start + timedelta(seconds=11))
    root["outboundNodes"] = prev
    root["finishedAt"] = nodes[prev[-1]]["finishedAt"]
    return nodes


def big_workflow(wf: str, nodes: dict[str, Any]) -> dict[str, Any]:
    root = nodes[wf]
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {
            "name": wf,
            "namespace": NS,
            "labels": {
                "workflows.argoproj.io/phase": "Succeeded",
                "workflows.argoproj.io/completed": "true",
            },
        },
        "spec": big_spec(),
        "status": {
            "phase": "Succeeded",
            "startedAt": root["startedAt"],
            "finishedAt": root["finishedAt"],
            "progress": root["progress"],
        },
    }


async def seed(live: Live, data_dir: Path) -> dict[str, Any]:
    """Write the workflows; returns what it checked of the big one."""
    items = [
        finished_workflow(f"wl-{i:04d}", i, "Failed" if i % 10 == 3 else "Succeeded")
        for i in range(LIST_SIZE)
    ]
    listing = data_dir.parent / "list.json"
    listing.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))
    started = time.perf_counter()
    await asyncio.to_thread(
        live.kubectl, "create", "--validate=false", "-f", str(listing), "-o", "name"
    )
    seeded = time.perf_counter() - started
    nodes = big_nodes(BIG)
    body = data_dir.parent / "big.json"
    body.write_text(json.dumps(big_workflow(BIG, nodes)))
    created = json.loads(
        await asyncio.to_thread(
            live.kubectl, "create", "--validate=false", "-f", str(body), "-o", "json"
        )
    )
    store = Store(data_dir / STORE_FILE)
    await store.start()
    try:
        version, _ = await store.save_nodes(created["metadata"]["uid"], nodes)
    finally:
        await store.close()
    patch = json.dumps({"status": {"offloadNodeStatusVersion": version}})
    await asyncio.to_thread(
        live.kubectl, "patch", "workflow", BIG, "-n", NS, "--type", "merge", "-p", patch
    )
    await asyncio.sleep(3)  # give the controller time to act on them, if it would
    got = await asyncio.to_thread(live.api, "GET", f"/api/v1/workflows/{NS}/{BIG}")
    small = await asyncio.to_thread(live.api, "GET", f"/api/v1/workflows/{NS}/wl-0005")
    if len(got["status"].get("nodes") or {}) != len(nodes) or got["status"]["phase"] != "Succeeded":
        raise AssertionError("the API did not return the big workflow whole")
    kept = ("phase", "startedAt", "finishedAt", "nodes")
    if any(small["status"].get(k) != items[5]["status"][k] for k in kept):
        raise AssertionError("the controller changed a finished workflow's status")
    reads = []
    for _ in range(LOADS):
        started = time.perf_counter()
        await asyncio.to_thread(live.api, "GET", f"/api/v1/workflows/{NS}/{BIG}")
        reads.append(time.perf_counter() - started)
    return {
        "seconds": seeded,
        "nodes": len(nodes),
        "bytes": len(json.dumps(nodes)),
        "read_ms": statistics.median(reads) * 1000,
    }


NEXT_FRAME = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
MARK = "(name) => performance.getEntriesByName(name).map(e => e.startTime)[0] ?? null"


def _mark(page: Any, name: str) -> float:
    found = "(name) => performance.getEntriesByName(name).length > 0"
    page.wait_for_function(found, arg=name, timeout=60_000)
    return float(page.evaluate(MARK, name))


def _pan(page: Any, canvas: Any, steps: int = 30) -> tuple[float, float]:
    """Drag across the canvas; the median and worst paint ms of the frames it drew."""
    box = canvas.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    times = []
    for i in range(1, steps + 1):
        page.mouse.move(x + i * 7, y + i * 3)
        page.evaluate(NEXT_FRAME)
        times.append(float(canvas.get_attribute("data-frame-ms") or 0))
    page.mouse.up()
    return statistics.median(times), max(times)


API_TIMING = """(path) => {
  const e = performance.getEntriesByType('resource').find(r => new URL(r.name).pathname === path);
  return e ? [e.responseEnd - e.startTime, e.responseEnd] : [0, 0];
}"""
EXPAND = """async () => {
  const t = performance.now();
  document.querySelector('.g-expand').click();
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  return performance.now() - t;
}"""


def _graph(page: Any, last: bool) -> dict[str, float]:
    """One fresh load of the big workflow's graph: collapsed, then every fan-out expanded (and,
    the last time, panning at two zooms)."""
    out: dict[str, float] = {}
    page.goto(f"/workflows/{NS}/{BIG}?tab=graph")
    out["graph_ms"] = _mark(page, "argoapp:graph-rendered")
    out["api_ms"], out["api_end_ms"] = page.evaluate(API_TIMING, f"/api/v1/workflows/{NS}/{BIG}")
    canvas = page.locator("canvas.g-canvas")
    out["layout_ms"] = float(canvas.get_attribute("data-layout-ms") or 0)
    out["shown"] = float(canvas.get_attribute("data-nodes") or 0)
    out["expanded_ms"] = float(page.evaluate(EXPAND))
    out["expanded_layout_ms"] = float(canvas.get_attribute("data-layout-ms") or 0)
    out["expanded_shown"] = float(canvas.get_attribute("data-nodes") or 0)
    if last:
        out["pan_fit_ms"], out["pan_fit_max_ms"] = _pan(page, canvas)
        box = canvas.bounding_box() or {"x": 0, "y": 0, "width": 0, "height": 0}
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.wheel(0, -1500)  # about 20x: 1:1, full boxes with labels
        page.evaluate(NEXT_FRAME)
        out["pan_full_ms"], out["pan_full_max_ms"] = _pan(page, canvas)
        out["heap_mib"] = page.evaluate("performance.memory.usedJSHeapSize") / 2**20
    return out


def browse(live: Live) -> dict[str, float]:
    """Open both pages in headless Chromium LOADS times each (a fresh page every time); the
    median of each figure."""
    from playwright.sync_api import sync_playwright

    runs: list[dict[str, float]] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=live.url, viewport={"width": 1280, "height": 800})
        context.add_cookies(
            [{"name": "authorization", "value": f'"Bearer {live.token}"', "url": live.url}]
        )
        for i in range(LOADS):
            page = context.new_page()
            page.goto(f"/workflows/{NS}")
            run = {"list_ms": _mark(page, "argoapp:workflows-rendered")}
            page.close()
            page = context.new_page()
            run |= _graph(page, last=i == LOADS - 1)
            page.close()
            runs.append(run)
        browser.close()
    return {k: statistics.median(r[k] for r in runs if k in r) for k in runs[-1]}


def _line(what: str, ms: float, target: float | None = TARGET_MS) -> None:
    verdict = (
        "" if target is None else ("ok" if ms < target else f"over the {target:.0f} ms target")
    )
    print(f"  {what:<56} {ms:9.1f} ms  {verdict}")


async def run() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        live = await asyncio.to_thread(Live(data_dir).start)
        try:
            seeded = await seed(live, data_dir)
            got = await asyncio.to_thread(browse, live)
        finally:
            await asyncio.to_thread(live.stop)
    print(
        f"ui_render: {LIST_SIZE} finished workflows written in {seeded['seconds']:.1f} s; "
        f"one of {seeded['nodes']} nodes ({seeded['bytes'] / 2**20:.1f} MiB of node status)"
    )
    _line(f"workflows page, {LIST_SIZE} workflows: workflows-rendered", got["list_ms"])
    _line(f"graph, {got['shown']:.0f} of {seeded['nodes']} shown: graph-rendered", got["graph_ms"])
    _line("  of which the API read of the workflow", got["api_ms"], None)
    _line("  (the same read from Python, decoded)", seeded["read_ms"], None)
    _line("  ... which ended at", got["api_end_ms"], None)
    _line("  its layout", got["layout_ms"], None)
    _line(
        f"expand every fan-out ({got['expanded_shown']:.0f} shown): click to frame",
        got["expanded_ms"],
    )
    _line("  its layout", got["expanded_layout_ms"], None)
    _line("pan, all nodes in view (dots): paint per frame, median", got["pan_fit_ms"], None)
    _line("  worst frame", got["pan_fit_max_ms"], None)
    _line("pan at 1:1 (boxes and labels): paint per frame, median", got["pan_full_ms"], None)
    _line("  worst frame", got["pan_full_max_ms"], None)
    print(f"  {'JS heap after all of it':<56} {got['heap_mib']:9.1f} MiB")
