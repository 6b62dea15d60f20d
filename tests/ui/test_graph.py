"""The workflow graph and timeline (argoapp/static/js/graph/*.js) in a real browser.

Layout units run inside the page (the module imported from the live server, statuses shaped as
Argo writes them: steps with StepGroups, a DAG diamond, a loop fan-out, retries, the workflow's
exit handler, 10,000 nodes); GraphView and TimelineView are driven on a bare container of the
not-found page (mouse and keyboard, live updates); and a submitted steps+DAG workflow's graph on
the real workflow page answers a click and the keyboard.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from playwright.sync_api import Page, expect

from tests.ui.harness import Live

NS = "argo"
Nodes = dict[str, dict[str, Any]]

LAYOUT_JS = """async ([nodes, expanded]) => {
  const {layout} = await import('/static/js/graph/layout.js');
  const L = layout(nodes, {expanded: expanded === '*' ? '*' : new Set(expanded)});
  let overlaps = 0;
  for (const row of L.layers) for (let i = 1; i < row.length; i++)
    if (row[i].y === row[i - 1].y && row[i].x < row[i - 1].x + row[i - 1].w) overlaps++;
  return {
    nodes: Object.fromEntries(L.nodes.map(n => [n.id, {kind: n.kind, x: n.x, y: n.y, w: n.w,
      h: n.h, layer: n.layer, label: n.label, owner: n.owner || null, count: n.count || 0}])),
    edges: L.edges.map(e => [e.from, e.to, e.kind]),
    hidden: Object.fromEntries(L.hiddenBy), overlaps, width: L.width, height: L.height,
  };
}"""


def node(nid: str, ntype: str, children: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    """A NodeStatus as Argo writes it (display name, phase and any other field by keyword)."""
    display = extra.pop("display", nid)
    phase = extra.pop("phase", "Succeeded")
    return {"id": nid, "name": nid, "displayName": display, "type": ntype, "phase": phase,
            "children": children or [], **extra}  # fmt: skip


def steps_nodes(items: int = 2, wf: str = "wf") -> Nodes:
    """Steps root → [0] → items (pods) → [1] → one last pod, as Argo links them."""
    pods = [f"{wf}-item-{i}" for i in range(items)]
    nodes = {
        wf: node(wf, "Steps", [f"{wf}-g0"], outboundNodes=[f"{wf}-last"]),
        f"{wf}-g0": node(f"{wf}-g0", "StepGroup", pods, display="[0]"),
        f"{wf}-g1": node(f"{wf}-g1", "StepGroup", [f"{wf}-last"], display="[1]"),
        f"{wf}-last": node(f"{wf}-last", "Pod"),
    }
    for i, pod in enumerate(pods):
        nodes[pod] = node(pod, "Pod", [f"{wf}-g1"], display=f"item({i})")
    return nodes


def diamond_nodes() -> Nodes:
    return {
        "d": node("d", "DAG", ["A"], outboundNodes=["D"]),
        "A": node("A", "Pod", ["B", "C"]),
        "B": node("B", "Pod", ["D"]),
        "C": node("C", "Pod", ["D"], phase="Failed"),
        "D": node("D", "Pod", [], phase="Omitted"),
    }


def layout(page: Page, nodes: Nodes, expanded: list[str] | str = "") -> dict[str, Any]:
    """layout.js's answer for `nodes` (expanded: ids, or "*" for all), with its overlap count."""
    wanted = "*" if expanded == "*" else list(expanded or [])
    result: dict[str, Any] = page.evaluate(LAYOUT_JS, [nodes, wanted])
    return result


def blank(page: Page) -> None:
    """A page of the app (its css loaded) with nothing to fetch: the not-found route."""
    allow = getattr(page, "expect_console_errors", None)  # the harness's allow-list, if it has one
    if allow:
        allow(r"status of 404 .*/no-such-page-")  # the not-found page answers 404, as it should
    page.goto(f"/no-such-page-{uuid.uuid4().hex[:6]}")
    expect(page.locator("h1")).to_be_visible()


def test_layout_steps_and_virtual_nodes(page: Page) -> None:
    blank(page)
    got = layout(page, steps_nodes(2))
    n = got["nodes"]
    chain = ("wf", "wf-g0", "wf-item-0", "wf-g1", "wf-last")
    assert [n[k]["layer"] for k in chain] == [0, 1, 2, 3, 4]
    assert n["wf-item-1"]["layer"] == 2
    assert n["wf-g0"]["kind"] == "virtual" and n["wf-g0"]["w"] < n["wf"]["w"] / 4
    assert n["wf-item-0"]["label"] == "item(0)"
    assert n["wf-item-0"]["x"] < n["wf-item-1"]["x"]  # children keep their order
    pairs = [("wf", "wf-g0"), ("wf-g0", "wf-item-0"), ("wf-g0", "wf-item-1"),
             ("wf-item-0", "wf-g1"), ("wf-item-1", "wf-g1"), ("wf-g1", "wf-last")]  # fmt: skip
    assert sorted(got["edges"]) == sorted([a, b, "child"] for a, b in pairs)
    # the group is centred over its two steps
    centre = lambda k: n[k]["x"] + n[k]["w"] / 2  # noqa: E731
    assert abs(centre("wf-g0") - (centre("wf-item-0") + centre("wf-item-1")) / 2) <= 1
    assert got["overlaps"] == 0


def test_layout_dag_diamond(page: Page) -> None:
    blank(page)
    got = layout(page, diamond_nodes())
    n = got["nodes"]
    assert {k: n[k]["layer"] for k in "dABCD"} == {"d": 0, "A": 1, "B": 2, "C": 2, "D": 3}
    centre = lambda k: n[k]["x"] + n[k]["w"] / 2  # noqa: E731
    assert abs(centre("D") - (centre("B") + centre("C")) / 2) <= 1
    assert n["B"]["y"] == n["C"]["y"] and n["B"]["x"] + n["B"]["w"] <= n["C"]["x"]
    assert ["B", "D", "child"] in got["edges"] and ["C", "D", "child"] in got["edges"]
    assert got["overlaps"] == 0


def test_layout_fan_out_collapses_and_expands(page: Page) -> None:
    blank(page)
    nodes = steps_nodes(50)
    got = layout(page, nodes)
    shown = [k for k in got["nodes"] if k.startswith("wf-item-")]
    assert sorted(shown) == sorted(["wf-item-0", "wf-item-1", "wf-item-2", "wf-item-49"])
    more = [v | {"id": k} for k, v in got["nodes"].items() if v["kind"] == "more"]
    assert len(more) == 1 and more[0]["count"] == 46 and more[0]["owner"] == "wf-g0"
    assert more[0]["label"] == "+46 more"
    assert got["hidden"]["wf-item-20"] == "wf-g0" and len(got["hidden"]) == 46
    # the hidden steps' edges to the next group come from the "+N more" node
    assert ["wf-g0", more[0]["id"], "child"] in got["edges"]
    assert [more[0]["id"], "wf-g1", "child"] in got["edges"]
    assert got["overlaps"] == 0
    full = layout(page, nodes, ["wf-g0"])
    assert len([k for k in full["nodes"] if k.startswith("wf-item-")]) == 50
    assert not any(v["kind"] == "more" for v in full["nodes"].values())
    assert full["overlaps"] == 0
    # expanded, the 50 children wrap into two rows of 25 under their parent, the next group
    # below them all: the graph stays about 25 boxes wide however large the fan-out
    items = [v for k, v in full["nodes"].items() if k.startswith("wf-item-")]
    assert len({v["y"] for v in items}) == 2
    assert full["width"] <= 25 * (168 + 18) + 2 * 24
    assert full["nodes"]["wf-g1"]["y"] > max(v["y"] + v["h"] for v in items)
    first_row = [v for v in items if v["y"] == min(i["y"] for i in items)]
    parent = full["nodes"]["wf-g0"]
    assert min(v["x"] for v in first_row) < parent["x"] < max(v["x"] for v in first_row)
    assert len(layout(page, nodes, "*")["nodes"]) == len(nodes)


def test_layout_retries_and_exit_handler(page: Page) -> None:
    blank(page)
    nodes: Nodes = {
        "wf": node("wf", "Steps", ["g0"], outboundNodes=["r(1)"]),
        "g0": node("g0", "StepGroup", ["r"]),
        "r": node("r", "Retry", ["r(0)", "r(1)"], outboundNodes=["r(1)"]),
        "r(0)": node("r(0)", "Pod", phase="Failed"),
        "r(1)": node("r(1)", "Pod"),
        "wf-exit": node("wf-exit", "Pod", name="wf.onExit", display="wf.onExit"),
    }
    got = layout(page, nodes)
    n = got["nodes"]
    assert n["r(0)"]["layer"] == n["r(1)"]["layer"] == n["r"]["layer"] + 1
    assert ["r", "r(0)", "child"] in got["edges"] and ["r", "r(1)", "child"] in got["edges"]
    # the exit handler hangs under the workflow's outbound node, below everything else
    assert ["r(1)", "wf-exit", "exit"] in got["edges"]
    assert n["wf-exit"]["layer"] == n["r(1)"]["layer"] + 1
    assert got["overlaps"] == 0


def test_layout_ten_thousand_nodes(page: Page) -> None:
    blank(page)
    got = page.evaluate("""async () => {
      const {layout} = await import('/static/js/graph/layout.js');
      const nodes = {};
      const add = (id, type, extra = {}) => (nodes[id] = {id, name: id, displayName: id, type,
        phase: 'Succeeded', children: [], ...extra});
      add('big', 'Steps');
      let prev = ['big'];
      for (let s = 0; s < 100; s++) {
        const g = add(`g${s}`, 'StepGroup');
        for (const p of prev) nodes[p].children.push(g.id);
        prev = [];
        for (let i = 0; i < 99; i++) {
          g.children.push(add(`s${s}-${i}`, 'Pod').id);
          prev.push(`s${s}-${i}`);
        }
      }
      const out = {};
      for (const expanded of [new Set(), '*']) {
        const L = layout(nodes, {expanded});
        let overlaps = 0;
        for (const row of L.layers) for (let i = 1; i < row.length; i++)
          if (row[i].y === row[i - 1].y && row[i].x < row[i - 1].x + row[i - 1].w) overlaps++;
        out[expanded === '*' ? 'all' : 'collapsed'] = {shown: L.nodes.length, overlaps,
          layers: L.layers.length};
      }
      return {total: Object.keys(nodes).length, ...out};
    }""")
    assert got["total"] == 10_001
    assert got["all"] == {"shown": 10_001, "overlaps": 0, "layers": 201}
    assert got["collapsed"]["shown"] == 1 + 100 * 6 and got["collapsed"]["overlaps"] == 0


MOUNT_JS = """async ([kind, nodes]) => {
  const mod = await import(`/static/js/graph/${kind === 'graph' ? 'view' : 'timeline'}.js`);
  const host = document.createElement('div');
  host.id = 'g-host';
  host.style.cssText = 'position:fixed;left:0;top:0;width:900px;height:600px;z-index:99;'
    + 'background:Canvas';
  document.body.append(host);
  window.picked = [];
  const View = kind === 'graph' ? mod.GraphView : mod.TimelineView;
  window.gv = new View(host, {onSelect: (id) => window.picked.push(id)});
  window.gv.setWorkflow({status: {nodes}});
}"""

CENTRE_JS = """(id) => {
  const n = gv.layout.index.get(id), v = gv.view, r = gv.canvas.getBoundingClientRect();
  return [r.left + v.x + (n.x + n.w / 2) * v.k, r.top + v.y + (n.y + n.h / 2) * v.k];
}"""


def mount(page: Page, kind: str, nodes: Nodes) -> None:
    blank(page)
    page.evaluate(MOUNT_JS, [kind, nodes])
    if kind == "graph":
        expect(page.locator("#g-host canvas")).to_have_attribute("data-frames", re.compile(r"\d"))


def picked(page: Page) -> list[str]:
    result: list[str] = page.evaluate("window.picked")
    return result


def test_graph_click_and_keyboard_select(page: Page) -> None:
    nodes = steps_nodes(2)
    nodes["wf-item-1"] |= {
        "startedAt": "2026-01-01T00:00:00Z",
        "finishedAt": "2026-01-01T00:01:05Z",
    }
    mount(page, "graph", nodes)
    x, y = page.evaluate(CENTRE_JS, "wf-item-1")
    page.mouse.move(x, y)  # hover: a tooltip with the name, the phase in words and the duration
    expect(page.locator("#g-host .g-tip")).to_have_text("item(1)Succeeded · Pod · 1m 5s")
    page.mouse.click(x, y)
    assert picked(page) == ["wf-item-1"]
    canvas = page.locator("#g-host canvas")
    expect(canvas).to_have_attribute("data-selected", "wf-item-1")
    # arrows move the selection (up to the group, back down, across); Enter reports it
    for key, where in [("ArrowUp", "wf-g0"), ("ArrowUp", "wf"), ("ArrowDown", "wf-g0"),
                       ("ArrowDown", "wf-item-0"), ("ArrowRight", "wf-item-1"),
                       ("ArrowLeft", "wf-item-0"), ("ArrowDown", "wf-g1")]:  # fmt: skip
        canvas.press(key)
        expect(canvas).to_have_attribute("data-selected", where)
    assert picked(page) == ["wf-item-1"]
    canvas.press("Enter")
    assert picked(page) == ["wf-item-1", "wf-g1"]
    expect(page.locator("#g-host .g-sr")).to_have_text("[1], Succeeded")
    # + zooms in, 0 fits again
    k0 = page.evaluate("gv.view.k")
    canvas.press("+")
    assert page.evaluate("gv.view.k") > k0
    canvas.press("0")
    assert page.evaluate("gv.view.k") == k0


def test_graph_fan_out_expands_and_find_reaches_hidden(page: Page) -> None:
    mount(page, "graph", steps_nodes(50))
    canvas = page.locator("#g-host canvas")
    # wf, g0, g1 and last; the first three items and the last; one "+46 more"
    expect(canvas).to_have_attribute("data-nodes", str(4 + 4 + 1))
    x, y = page.evaluate(CENTRE_JS, "more:wf-g0")
    page.mouse.click(x, y)
    expect(canvas).to_have_attribute("data-nodes", str(4 + 50))
    assert picked(page) == []  # expanding is not a selection
    # a fresh view: the find box (/) reaches a hidden node, expanding what hides it
    page.evaluate("gv.destroy(); document.getElementById('g-host').remove()")
    mount(page, "graph", steps_nodes(50))
    canvas = page.locator("#g-host canvas")
    canvas.press("/")
    find = page.get_by_label("Find node by name")
    expect(find).to_be_focused()
    find.fill("item(30)")
    find.press("Enter")
    assert picked(page) == ["wf-item-30"]
    expect(canvas).to_have_attribute("data-selected", "wf-item-30")
    assert page.evaluate("gv.layout.index.has('wf-item-30')")
    expect(page.locator("#g-host .g-found")).to_have_text("1/1")


def test_graph_keyboard_expands_fan_out_and_background_click_deselects(page: Page) -> None:
    mount(page, "graph", steps_nodes(50))
    canvas = page.locator("#g-host canvas")
    for key in ("ArrowDown", "ArrowDown", "ArrowDown"):
        canvas.press(key)
    for _ in range(5):
        if canvas.get_attribute("data-selected") == "more:wf-g0":
            break
        canvas.press("ArrowRight")
    expect(canvas).to_have_attribute("data-selected", "more:wf-g0")
    expect(page.locator("#g-host .g-sr")).to_have_text("+46 more")
    canvas.press("Enter")  # expands; the selection goes to the first step it hid
    expect(canvas).to_have_attribute("data-nodes", str(4 + 50))
    expect(canvas).to_have_attribute("data-selected", "wf-item-3")
    canvas.press("Enter")
    assert picked(page) == ["wf-item-3"]
    box = canvas.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 5, box["y"] + box["height"] - 5)  # nothing there
    assert picked(page) == ["wf-item-3", None]
    expect(canvas).not_to_have_attribute("data-selected", re.compile("."))


def test_graph_live_updates_repaint_without_layout(page: Page) -> None:
    nodes = steps_nodes(3)
    for n in nodes.values():
        n["phase"] = "Running"
    mount(page, "graph", nodes)
    page.locator("#g-host canvas").press("+")
    before = page.evaluate("({layouts: gv.stats.layouts, view: gv.view})")
    for n in nodes.values():
        n["phase"] = "Succeeded"
    page.evaluate("(nodes) => gv.setWorkflow({status: {nodes}})", nodes)
    after = page.evaluate("({layouts: gv.stats.layouts, view: gv.view})")
    assert after == before  # same shape: no new layout, pan and zoom kept
    nodes["wf-g1"]["children"].append("wf-extra")
    nodes["wf-extra"] = node("wf-extra", "Pod", phase="Running")
    page.evaluate("(nodes) => gv.setWorkflow({status: {nodes}})", nodes)
    grown = page.evaluate("({layouts: gv.stats.layouts, view: gv.view})")
    assert grown["layouts"] == before["layouts"] + 1 and grown["view"] == before["view"]
    expect(page.locator("#g-host canvas")).to_have_attribute("data-nodes", str(4 + 3 + 1))


def test_graph_running_nodes_pulse_unless_reduced_motion(page: Page) -> None:
    nodes = steps_nodes(2)
    nodes["wf-item-0"]["phase"] = "Running"
    mount(page, "graph", nodes)
    canvas = page.locator("#g-host canvas")
    first = canvas.get_attribute("data-frames")
    expect(canvas).not_to_have_attribute("data-frames", str(first))  # it keeps repainting
    expect(canvas).to_have_attribute("data-animating", "true")
    page.emulate_media(reduced_motion="reduce")
    mount(page, "graph", nodes)
    canvas = page.locator("#g-host canvas")
    expect(canvas).to_have_attribute("data-frames", re.compile(r"[1-9]"))
    # drawn, and no frame asks for a next one: nothing repaints without a change
    expect(canvas).to_have_attribute("data-animating", "false")


def test_timeline_rows_click_and_keys(page: Page) -> None:
    nodes = steps_nodes(3)
    for i, nid in enumerate(["wf-item-2", "wf-item-0", "wf-item-1", "wf-last"]):
        nodes[nid]["startedAt"] = f"2026-01-01T00:00:0{i}Z"
        nodes[nid]["finishedAt"] = f"2026-01-01T00:00:0{i + 2}Z"
    mount(page, "timeline", nodes)
    scroller = page.locator("#g-host .g-tl-scroll")
    box = scroller.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 400, box["y"] + 28 + 24 + 12)  # the second row by start time
    assert picked(page) == ["wf-item-0"]
    scroller.press("Home")
    expect(scroller).to_have_attribute("data-selected", "wf-item-2")
    scroller.press("ArrowDown")
    scroller.press("ArrowDown")
    expect(scroller).to_have_attribute("data-selected", "wf-item-1")
    scroller.press("Enter")
    assert picked(page) == ["wf-item-0", "wf-item-1"]
    page.mouse.move(box["x"] + 400, box["y"] + 28 + 3 * 24 + 12)
    expect(page.locator("#g-host .g-tip")).to_contain_text("wf-last")


def test_timeline_many_rows_scroll_to_the_last(page: Page) -> None:
    nodes = steps_nodes(2000)
    for i in range(2000):
        nodes[f"wf-item-{i}"] |= {"startedAt": f"2026-01-01T00:{i // 60 % 60:02d}:{i % 60:02d}Z"}
    mount(page, "timeline", nodes)
    scroller = page.locator("#g-host .g-tl-scroll")
    scroller.press("End")  # the last by start time, scrolled into view
    expect(scroller).to_have_attribute("data-selected", "wf-last")  # never started: last row
    assert page.evaluate("document.querySelector('#g-host .g-tl-scroll').scrollTop") > 40_000
    scroller.press("ArrowUp")
    expect(scroller).to_have_attribute("data-selected", "wf-item-1999")
    box = scroller.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 400, box["y"] + box["height"] - 30)
    expect(page.locator("#g-host .g-tip")).to_contain_text("item(1999)")


STEPS_AND_DAG = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: {name}
spec:
  entrypoint: main
  onExit: say
  templates:
  - name: main
    steps:
    - - name: hello
        template: say
    - - name: loop
        template: say
        withSequence: {{count: "22"}}
    - - name: diamond
        template: diamond
  - name: diamond
    dag:
      tasks:
      - {{name: A, template: say}}
      - {{name: B, template: say, dependencies: [A]}}
      - {{name: C, template: say, dependencies: [A]}}
      - {{name: D, template: say, dependencies: [B, C]}}
  - name: say
    container:
      image: busybox
      command: [sh, -c, "echo hi"]
"""


def test_workflow_page_graph_click_and_keys(page: Page, live: Live) -> None:
    name = f"ui-graph-{uuid.uuid4().hex[:8]}"
    live.submit(STEPS_AND_DAG.format(name=name))
    wf = live.wait(NS, name, phases=("Succeeded",), timeout=120)
    nodes = wf["status"]["nodes"]
    assert sum(1 for n in nodes.values() if n["type"] == "Pod") == 1 + 22 + 4 + 1
    page.goto(f"/workflows/{NS}/{name}?tab=graph")
    canvas = page.locator(".wf-view canvas.g-canvas")
    # the loop shows its first three steps and its last, and "+18 more"
    expect(canvas).to_have_attribute("data-nodes", str(len(nodes) - 18 + 1))
    # the status as the controller wrote it: no overlaps, the exit handler below the diamond's end
    got = layout(page, nodes)
    assert got["overlaps"] == 0
    exit_id = next(k for k, n in nodes.items() if n["name"] == f"{name}.onExit")
    d_id = next(k for k, n in nodes.items() if n["displayName"] == "D")
    assert [d_id, exit_id, "exit"] in got["edges"]
    assert got["nodes"][exit_id]["layer"] > got["nodes"][d_id]["layer"]
    assert page.evaluate("performance.getEntriesByName('argoapp:graph-rendered').length") == 1
    # keyboard: down from the root to the first step group, then its step; Enter opens it
    for _ in range(3):
        canvas.press("ArrowDown")
    canvas.press("Enter")
    panel = page.locator(".wf-panel")
    expect(panel.locator(".wf-panel-title")).to_have_text("hello")
    page.keyboard.press("Escape")
    expect(panel).to_have_count(0)
    # find centres a node; a click on it selects it
    canvas.press("/")
    page.get_by_label("Find node by name").fill("D")
    page.get_by_label("Find node by name").press("Enter")
    expect(panel.locator(".wf-panel-title")).to_have_text("D")
    page.keyboard.press("Escape")
    expect(panel).to_have_count(0)
    box = canvas.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(panel.locator(".wf-panel-title")).to_have_text("D")
    assert "node=" in page.url
