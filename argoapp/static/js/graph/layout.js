// The workflow graph's layout: from a Workflow's `status.nodes` to boxes and edges in graph
// coordinates (top to bottom, one row per layer). A pure function with no DOM, called by
// graph/view.js whenever the set of nodes or their children changes, and by the layout tests in
// the page. It must stay linear (or n log n) in the node count: one visibility walk, one
// topological pass for the layers, one barycentre sort per layer, and a fixed number of linear
// placement sweeps; no iterative crossing reduction.
//
// What is drawn follows Argo's UI: edges are `children` (a Steps node → its first StepGroup →
// the steps → the next StepGroup hanging under the steps' outbound nodes; a DAG node → its
// root tasks → their dependents; a Retry node → its attempts); StepGroup and TaskGroup nodes are
// small virtual dots; the workflow's own exit handler (`<workflow>.onExit`, a second root) hangs under
// the main root's outbound nodes. A node with more than FANOUT_LIMIT children shows the first
// few and the last, with one "+N more" node standing for the rest (and for everything reachable
// only through them) until the node is in `expanded`. An expanded fan-out's children wrap into
// rows of graph/wrap.js's WRAP under their parent. This module builds the graph and its layers
// and order; graph/place.js turns them into coordinates.

import { blockRows } from "./wrap.js";
import { finish, placeX } from "./place.js";

export const FANOUT_LIMIT = 20;
export const SHOW_FIRST = 3;
export const NODE_W = 168;
export const NODE_H = 36;
export const DOT = 14;
export const MORE_W = 112;
export const MORE_H = 30;
export const ROW_GAP = 52;
export const COL_GAP = 18;
export const MARGIN = 24;
const MORE_PREFIX = "more:";
const VIRTUAL_TYPES = new Set(["StepGroup", "TaskGroup"]);
const LEAF_TYPES = new Set(["Pod", "Skipped", "Container", "HTTP", "Plugin", "Suspend"]);

/** The id of the "+N more" node standing for `parentId`'s hidden children. */
export function moreId(parentId) {
  return MORE_PREFIX + parentId;
}

/** Whether an id is a "+N more" node's. */
export function isMore(id) {
  return typeof id === "string" && id.startsWith(MORE_PREFIX);
}

/**
 * Lay out a workflow's nodes.
 * @param {Object<string, object>} nodes status.nodes (id → NodeStatus)
 * @param {{expanded?: Set<string>|string[]|"*"}} options ids whose fan-out is shown in full
 *   ("*" or a set holding "*": every one)
 * @returns {{nodes: object[], edges: object[], width: number, height: number,
 *   index: Map<string, object>, layers: object[][], hiddenBy: Map<string, string>}}
 *   nodes: {id, x, y, w, h, kind ("node"|"virtual"|"more"), type, label, layer, order,
 *   parents, children, count (more only), owner (more only: the collapsed parent)};
 *   edges: {from, to, kind ("child"|"exit"), a, b (the layout nodes)}; hiddenBy: a hidden
 *   node's id → the id of the node to expand to reveal it (one level).
 */
export function layout(nodes, { expanded = new Set() } = {}) {
  const all = nodes || {};
  const isExpanded = expandedTest(expanded);
  const raw = rawEdges(all);
  const vis = visibleGraph(all, raw, isExpanded);
  const edges = visibleEdges(raw, vis);
  const order = topoLayers(vis.list, edges);
  const layers = orderLayers(order);
  const rows = blockRows(layers);
  placeX(rows);
  return finish(layers, rows, edges, vis.hiddenBy);
}

function expandedTest(expanded) {
  if (expanded === "*") return () => true;
  const set = expanded instanceof Set ? expanded : new Set(expanded || []);
  if (set.has("*")) return () => true;
  return (id) => set.has(id);
}

// ---- the raw graph: children edges plus the workflow exit handler's edges -------------------

function rawEdges(all) {
  const kids = new Map();
  const hasParent = new Set();
  for (const id in all) {
    const list = [];
    for (const c of all[id].children || []) {
      if (c in all && c !== id) {
        list.push(c);
        hasParent.add(c);
      }
    }
    kids.set(id, list);
  }
  const roots = [];
  const exitRoots = [];
  for (const id in all) {
    if (hasParent.has(id)) continue;
    (String(all[id].name || "").endsWith(".onExit") ? exitRoots : roots).push(id);
  }
  if (!roots.length && exitRoots.length) roots.push(exitRoots.shift());
  const exits = [];
  if (roots.length) {
    const from = outboundOf(all, kids, roots[0]);
    for (const x of exitRoots) for (const o of from) exits.push([o, x]);
  }
  return { kids, roots: [...roots, ...exitRoots], exits };
}

// The nodes a following node hangs under: a pod-like node itself, otherwise its outboundNodes
// (recursively), falling back to the sinks below it when the status has none.
function outboundOf(all, kids, rootId) {
  const out = [];
  const seen = new Set();
  const stack = [rootId];
  while (stack.length) {
    const id = stack.pop();
    if (seen.has(id)) continue;
    seen.add(id);
    const n = all[id];
    const outbound = (n.outboundNodes || []).filter((o) => o in all);
    if (LEAF_TYPES.has(n.type) || (!outbound.length && !kids.get(id).length)) out.push(id);
    else if (outbound.length) stack.push(...outbound.reverse());
    else stack.push(...[...kids.get(id)].reverse());
  }
  return out;
}

// ---- visibility: collapse large fan-outs -----------------------------------------------------

function makeNode(id, n) {
  const virtual = VIRTUAL_TYPES.has(n.type);
  return {
    id,
    kind: virtual ? "virtual" : "node",
    type: n.type || "",
    label: n.displayName || n.name || id,
    w: virtual ? DOT : NODE_W,
    h: virtual ? DOT : NODE_H,
    x: 0,
    y: 0,
    layer: 0,
    order: 0,
    seq: 0,
    rank: 0,
    parents: [],
    children: [],
  };
}

function visibleGraph(all, raw, isExpanded) {
  const vis = new Visibility(all, raw, isExpanded);
  for (const r of raw.roots) vis.reach(r);
  vis.walk();
  // Nodes in a cycle that no root reaches (a malformed status) are still shown.
  for (const id in all) {
    if (vis.index.has(id) || vis.rep.has(id)) continue;
    vis.reach(id);
    vis.walk();
  }
  return vis;
}

// Which nodes are drawn: a breadth-first walk from the roots that stops at the hidden children
// of collapsed fan-outs; then everything reachable only through those is hidden too.
class Visibility {
  constructor(all, raw, isExpanded) {
    this.all = all;
    this.raw = raw;
    this.isExpanded = isExpanded;
    this.index = new Map();
    this.list = [];
    this.hiddenBy = new Map(); // hidden id → the node whose expansion shows it
    this.rep = new Map(); // hidden id → the "+N more" node standing for it
    this.queue = [];
    this.head = 0;
    this.seeds = [];
  }

  add(node) {
    node.seq = this.list.length;
    this.index.set(node.id, node);
    this.list.push(node);
    return node;
  }

  reach(id) {
    if (this.index.has(id)) return;
    this.add(makeNode(id, this.all[id]));
    this.queue.push(id);
  }

  walk() {
    while (this.head < this.queue.length) {
      const id = this.queue[this.head++];
      const kids = this.raw.kids.get(id);
      if (kids.length > FANOUT_LIMIT && !this.isExpanded(id)) this.collapse(id, kids);
      else for (const c of kids) this.reach(c);
    }
    this.hide();
  }

  collapse(id, kids) {
    const more = this.add({
      ...makeNode(moreId(id), { type: "Collapsed" }),
      kind: "more",
      w: MORE_W,
      h: MORE_H,
      owner: id,
      count: kids.length - SHOW_FIRST - 1,
    });
    more.label = `+${more.count} more`;
    for (let i = 0; i < kids.length; i++) {
      if (i < SHOW_FIRST || i === kids.length - 1) this.reach(kids[i]);
      else this.seeds.push([kids[i], more, id]);
    }
  }

  // Hidden children not reached another way, and what only they lead to, behind their "+N more".
  hide() {
    const stack = [];
    for (const [first, more, owner] of this.seeds.splice(0)) {
      stack.push(first);
      while (stack.length) {
        const id = stack.pop();
        if (this.index.has(id) || this.rep.has(id)) continue;
        this.rep.set(id, more);
        this.hiddenBy.set(id, owner);
        for (const c of this.raw.kids.get(id)) stack.push(c);
      }
    }
  }
}

function visibleEdges(raw, vis) {
  const edges = [];
  const seen = new Set();
  const put = (u, v, kind) => {
    const a = vis.index.get(u) || vis.rep.get(u);
    const b = vis.index.get(v) || vis.rep.get(v);
    if (!a || !b || a === b) return;
    const key = a.id + "\n" + b.id;
    if (seen.has(key)) return;
    seen.add(key);
    edges.push({ from: a.id, to: b.id, kind, a, b });
    if (!b.parents.length) b.rank = a.children.length; // siblings keep their parent's order
    a.children.push(b);
    b.parents.push(a);
  };
  for (const [u, kids] of raw.kids) for (const v of kids) put(u, v, "child");
  for (const [u, v] of raw.exits) put(u, v, "exit");
  return edges;
}

// ---- layers: longest path from the roots, one topological pass -------------------------------

function topoLayers(list, edges) {
  const indeg = new Map();
  for (const n of list) indeg.set(n, n.parents.length);
  const done = [];
  let queue = list.filter((n) => n.parents.length === 0);
  const placed = new Set();
  while (done.length < list.length) {
    if (!queue.length) {
      // A cycle: break it at the earliest-seen node left, ignoring its unplaced parents.
      const next = list.find((n) => !placed.has(n));
      queue = [next];
    }
    const nextQueue = [];
    for (const n of queue) {
      if (placed.has(n)) continue;
      placed.add(n);
      done.push(n);
      for (const c of n.children) {
        if (placed.has(c)) continue;
        if (c.layer < n.layer + 1) c.layer = n.layer + 1;
        const left = indeg.get(c) - 1;
        indeg.set(c, left);
        if (left === 0) nextQueue.push(c);
      }
    }
    queue = nextQueue;
  }
  return done;
}

// ---- order within a layer: the parents' order (one barycentre pass) --------------------------

function orderLayers(done) {
  const layers = [];
  for (const n of done) (layers[n.layer] ||= []).push(n);
  for (let l = 0; l < layers.length; l++) {
    const row = (layers[l] ||= []);
    for (const n of row) {
      let sum = 0;
      let count = 0;
      for (const p of n.parents) {
        if (p.layer < l) {
          sum += (p.order + 0.5) / layers[p.layer].length;
          count++;
        }
      }
      n.key = count ? sum / count : n.seq / done.length;
    }
    row.sort((a, b) => a.key - b.key || a.rank - b.rank || a.seq - b.seq);
    row.forEach((n, i) => (n.order = i));
  }
  return layers;
}
