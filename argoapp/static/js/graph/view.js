// GraphView: the workflow graph on one <canvas>, as the workflow page (pages/workflow.js) shows
// it. It owns pan/zoom/selection state and the user's expanded fan-outs, lays out through
// graph/layout.js only when the set of nodes or their children changes (every other live update
// only repaints phases), culls and hit-tests through graph/grid.js, paints through graph/draw.js
// in a requestAnimationFrame callback only when something changed, and reports a click or
// Enter on a node through onSelect. What comes from outside (pointer, keys, the find box, the
// hover tooltip, resizes and theme changes) is wired up by graph/input.js, which calls the
// methods here. It never fetches anything: the page feeds it workflows.

import { h } from "../dom.js";
import { BOX_ZOOM, FULL_ZOOM, paint, readColors } from "./draw.js";
import { GridIndex } from "./grid.js";
import { SHOW_FIRST, layout } from "./layout.js";
import { shapeKey, shownPhase } from "./status.js";
import { bindEnvironment, bindFind, bindKeys, bindPointer } from "./input.js";

const MIN_ZOOM = 0.02;
const MAX_ZOOM = 3;
const PULSE_MS = 90; // running nodes' animation step (about 11 frames a second is plenty)
let firstFrameMarked = false;

export class GraphView {
  /**
   * @param {HTMLElement} container filled by the graph
   * @param {{onSelect?: (nodeId: string|null) => void}} options
   */
  constructor(container, { onSelect } = {}) {
    this.onSelect = onSelect || (() => {});
    this.statuses = {};
    this.layout = null;
    this.grid = null;
    this.key = "";
    this.expanded = new Set();
    this.view = { x: 0, y: 0, k: 1 };
    this.selected = null;
    this.labels = new Map();
    this.stats = { layoutMs: 0, frameMs: 0, frames: 0, layouts: 0 };
    this.moved = false; // the user panned or zoomed: stop fitting on updates and resizes
    this.build(container);
    this.cleanups = [bindPointer(this), bindKeys(this), bindFind(this), bindEnvironment(this)];
  }

  build(container) {
    this.canvas = h("canvas", {
      class: "g-canvas",
      tabindex: "0",
      role: "img",
      "aria-label": "Workflow graph. Arrow keys move between nodes, Enter opens one, " +
        "+ and - zoom, 0 fits, / finds a node.",
    });
    this.find = h("input", {
      class: "g-find",
      type: "search",
      placeholder: "Find node  /",
      "aria-label": "Find node by name",
    });
    this.found = h("span", { class: "g-found muted", "aria-live": "polite" });
    this.expandBtn = h("button", {
      class: "btn g-expand",
      type: "button",
      "aria-pressed": "false",
      title: "Show every fan-out in full",
      onclick: () => this.toggleExpandAll(),
    }, "Expand all"); // prettier-ignore
    const button = (label, title, fn) =>
      h("button", { class: "btn", type: "button", title, "aria-label": title, onclick: fn }, label);
    this.tip = h("div", { class: "g-tip", role: "tooltip", hidden: true });
    this.announce = h("div", { class: "g-sr", "aria-live": "polite" });
    this.root = h(
      "div",
      { class: "g-root" },
      h("div", { class: "g-tools toolbar" },
        this.find, this.found,
        button("+", "Zoom in (+)", () => this.zoomBy(1.25)),
        button("−", "Zoom out (-)", () => this.zoomBy(0.8)),
        button("Fit", "Zoom to fit (0)", () => this.fit()),
        this.expandBtn), // prettier-ignore
      h("div", { class: "g-stage" }, this.canvas, this.tip),
      this.announce,
    );
    container.append(this.root);
    this.ctx = this.canvas.getContext("2d");
    this.colors = readColors(this.root);
  }

  resize() {
    const stage = this.canvas.parentElement;
    const dpr = window.devicePixelRatio || 1;
    this.width = Math.max(1, stage.clientWidth);
    this.height = Math.max(1, stage.clientHeight);
    this.dpr = dpr;
    this.canvas.width = Math.round(this.width * dpr);
    this.canvas.height = Math.round(this.height * dpr);
    this.canvas.style.width = `${this.width}px`;
    this.canvas.style.height = `${this.height}px`;
    if (this.layout && !this.moved) this.home(); // until the user pans or zooms
    // The page's node panel opened, closed or was resized beside the graph: the selected node
    // stays in what is left of the canvas.
    if (this.layout && this.selected) this.reveal(this.selected);
    this.invalidate();
  }

  /** Show a workflow (call again on every update: lays out again only when the shape changed). */
  setWorkflow(wf) {
    this.statuses = wf?.status?.nodes || {};
    const key = shapeKey(this.statuses);
    if (key !== this.key || !this.sameIds()) this.relayout(key);
    this.invalidate();
  }

  sameIds() {
    const known = this.layoutIds;
    if (!known) return false;
    for (const id in this.statuses) if (!known.has(id)) return false;
    return true;
  }

  relayout(key = shapeKey(this.statuses)) {
    const t0 = performance.now();
    this.layout = layout(this.statuses, { expanded: this.expanded });
    this.grid = new GridIndex(this.layout.nodes);
    this.layoutIds = new Set(Object.keys(this.statuses));
    this.key = key;
    this.stats.layoutMs = performance.now() - t0;
    this.stats.layouts++;
    this.canvas.dataset.layoutMs = this.stats.layoutMs.toFixed(1);
    this.canvas.dataset.nodes = String(this.layout.nodes.length);
    this.canvas.setAttribute(
      "aria-label",
      `Workflow graph of ${Object.keys(this.statuses).length} nodes. Arrow keys move between ` +
        "nodes, Enter opens one, + and - zoom, 0 fits, / finds a node.",
    );
    if (!this.moved && this.layout.nodes.length) this.home(); // a growing graph stays in view
  }

  /** Highlight a node and bring it into view, without calling onSelect. */
  select(nodeId) {
    this.selected = nodeId || null;
    if (nodeId) {
      this.canvas.dataset.selected = nodeId;
      this.reveal(nodeId);
    } else delete this.canvas.dataset.selected;
    this.invalidate();
  }

  /** Zoom to fit the whole graph (never above 1:1). */
  fit() {
    const L = this.layout;
    if (!L || !this.width) return;
    this.place(this.clamp(Math.min(this.width / L.width, this.height / L.height, 1)));
  }

  // The view before the user moves it: the graph's width fitted (never above 1:1), its top in
  // view. A long chain of steps then stays readable from its start rather than shrinking to
  // specks; anything that fits whole is simply fitted.
  home() {
    const L = this.layout;
    if (!L || !this.width) return;
    this.place(this.clamp(Math.min(this.width / L.width, 1)));
  }

  // Zoom stays between MAX_ZOOM and MIN_ZOOM, or lower when that is what fits the whole graph
  // (one fan-out of thousands expanded is a very wide row).
  clamp(k) {
    const L = this.layout;
    const fits = L ? Math.min(this.width / L.width, this.height / L.height) : MIN_ZOOM;
    return Math.min(MAX_ZOOM, Math.max(Math.min(MIN_ZOOM, fits), k));
  }

  place(k) {
    const L = this.layout;
    this.view = {
      k,
      x: (this.width - L.width * k) / 2,
      y: Math.max(0, (this.height - L.height * k) / 2),
    };
    this.invalidate();
  }

  zoomBy(factor, cx = this.width / 2, cy = this.height / 2) {
    this.moved = true;
    const v = this.view;
    const k = this.clamp(v.k * factor);
    this.view = { k, x: cx - ((cx - v.x) * k) / v.k, y: cy - ((cy - v.y) * k) / v.k };
    this.invalidate();
  }

  panBy(dx, dy) {
    this.moved = true;
    this.view = { ...this.view, x: this.view.x + dx, y: this.view.y + dy };
    this.invalidate();
  }

  /** Expand what hides a node (nested fan-outs too), then pan it into view. */
  reveal(nodeId) {
    for (let i = 0; i < 8 && this.layout && !this.layout.index.has(nodeId); i++) {
      const owner = this.layout.hiddenBy.get(nodeId);
      if (!owner) break;
      if (this.expanded === "*") break;
      this.expanded.add(owner);
      this.relayout();
    }
    const n = this.layout?.index.get(nodeId);
    if (!n) return;
    const v = this.view;
    const sx = n.x * v.k + v.x;
    const sy = n.y * v.k + v.y;
    const inside =
      sx >= 0 && sy >= 0 && sx + n.w * v.k <= this.width && sy + n.h * v.k <= this.height;
    if (!inside) this.centerOn(n);
  }

  centerOn(n) {
    this.moved = true;
    const k = Math.max(this.view.k, BOX_ZOOM * 3);
    this.view = {
      k,
      x: this.width / 2 - (n.x + n.w / 2) * k,
      y: this.height / 2 - (n.y + n.h / 2) * k,
    };
    this.invalidate();
  }

  /** The laid-out node at a point of the canvas (CSS pixels), or null. */
  nodeAt(px, py) {
    if (!this.grid) return null;
    const v = this.view;
    return this.grid.at((px - v.x) / v.k, (py - v.y) / v.k, 6 / v.k);
  }

  /** Act on a node as a click or Enter does: expand a "+N more", else report it. */
  activate(n) {
    if (!n) return;
    if (n.kind === "more") {
      this.expand(n.owner);
      return;
    }
    this.selected = n.id;
    this.invalidate();
    this.say(n);
    this.onSelect(n.id);
  }

  /** A click on the background: nothing is selected any more. */
  deselect() {
    if (!this.selected) return;
    this.selected = null;
    delete this.canvas.dataset.selected;
    this.invalidate();
    this.onSelect(null);
  }

  /** Show all children of `ownerId`, keeping that node where it is on screen; a selected
   *  "+N more" hands the selection to the first child it hid. */
  expand(ownerId) {
    this.moved = true; // the view stays where the user is looking, not refitted
    const before = this.layout.index.get(ownerId);
    const wasSelected = this.layout.index.get(this.selected)?.owner === ownerId;
    if (this.expanded !== "*") this.expanded.add(ownerId);
    this.relayout();
    const after = this.layout.index.get(ownerId);
    if (before && after) {
      this.panBy((before.x - after.x) * this.view.k, (before.y - after.y) * this.view.k);
    }
    if (wasSelected && after) this.moveTo(after.children[SHOW_FIRST] || after.children[0]);
    this.invalidate();
  }

  moveTo(n) {
    if (!n) return;
    this.selected = n.id;
    this.reveal(n.id);
    this.say(n);
    this.invalidate();
  }

  say(n) {
    const st = this.statuses[n.id];
    this.announce.textContent = st ? `${n.label}, ${shownPhase(st)}` : n.label;
    this.canvas.dataset.selected = n.id;
  }

  toggleExpandAll() {
    const all = this.expanded === "*";
    this.expanded = all ? new Set() : "*";
    this.expandBtn.textContent = all ? "Expand all" : "Collapse";
    this.expandBtn.setAttribute("aria-pressed", String(!all));
    this.relayout();
    this.fit();
  }

  /** Select, centre and report a node found by the find box. */
  goTo(id) {
    this.select(id);
    const n = this.layout.index.get(id);
    if (n) {
      this.centerOn(n);
      this.say(n);
    }
    this.onSelect(id);
  }

  /** Ask for a repaint on the next animation frame (at most one pending). */
  invalidate() {
    if (this.raf || this.destroyed) return;
    this.raf = requestAnimationFrame(() => this.frame());
  }

  frame() {
    this.raf = 0;
    const t0 = performance.now();
    // The pulse only shows on full boxes; reduced motion turns it off.
    const animate = this.view.k >= FULL_ZOOM && !this.motion.matches && this.hasRunning();
    const drawn = paint(this.ctx, {
      layout: this.layout,
      grid: this.grid,
      statuses: this.statuses,
      view: this.view,
      width: this.width,
      height: this.height,
      dpr: this.dpr,
      colors: this.colors,
      selected: this.selected,
      labels: this.labels,
      pulse: animate ? (Math.sin(t0 / 300) + 1) / 2 : null,
    });
    this.stats.frameMs = performance.now() - t0;
    this.stats.frames++;
    this.canvas.dataset.frameMs = this.stats.frameMs.toFixed(2);
    this.canvas.dataset.frames = String(this.stats.frames);
    this.markSelectedBox();
    if (drawn && !this.markedFirst) {
      this.markedFirst = true;
      if (!firstFrameMarked) performance.mark("argoapp:graph-rendered");
      firstFrameMarked = true;
    }
    if (animate) this.pulseTimer = setTimeout(() => this.invalidate(), PULSE_MS);
    // "false": this frame asked for no next one, so nothing repaints until something changes.
    this.canvas.dataset.animating = String(animate);
  }

  // The selected node's box on the canvas (CSS pixels: x,y,w,h) as drawn in the last frame,
  // for tests and tools that check it is in view.
  markSelectedBox() {
    const n = this.selected && this.layout?.index.get(this.selected);
    if (!n) {
      delete this.canvas.dataset.selectedBox;
      return;
    }
    const { x, y, k } = this.view;
    const box = [n.x * k + x, n.y * k + y, n.w * k, n.h * k].map((v) => Math.round(v));
    this.canvas.dataset.selectedBox = box.join(",");
  }

  hasRunning() {
    for (const id in this.statuses) if (this.statuses[id].phase === "Running") return true;
    return false;
  }

  destroy() {
    this.destroyed = true;
    cancelAnimationFrame(this.raf);
    clearTimeout(this.pulseTimer);
    for (const undo of this.cleanups) undo();
    this.root.remove();
  }
}
