// TimelineView: a Gantt chart of a workflow's pods on one <canvas>, for the workflow page's
// timeline tab (pages/workflow.js). One row per pod node (optionally the Steps/DAG boundaries
// too) sorted by start, a bar from startedAt to finishedAt (a running one grows to now), a time
// axis with round ticks. Rows are virtualised: a tall spacer inside a scroller gives the
// scrollbar and only the rows in view are painted. Hover shows a tooltip; click, or Enter after
// moving with the arrow keys, reports the node through onSelect. It never fetches anything.

import { h } from "../dom.js";
import { duration, phaseIcon } from "../format.js";
import { colorOf, readColors } from "./draw.js";
import { shownPhase, tipLines } from "./status.js";

const ROW_H = 24;
const AXIS_H = 28;
const LABEL_W = 240;
const POD_TYPES = new Set(["Pod", "Container", "HTTP", "Plugin", "Suspend"]);
const BOUNDARY_TYPES = new Set(["Steps", "DAG"]);
const TICKS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400];
const FONT = "12px system-ui, -apple-system, 'Segoe UI', sans-serif";

export class TimelineView {
  /**
   * @param {HTMLElement} container filled by the chart
   * @param {{onSelect?: (nodeId: string|null) => void, boundaries?: boolean}} options
   *   boundaries: also show Steps and DAG nodes
   */
  constructor(container, { onSelect, boundaries = false } = {}) {
    this.onSelect = onSelect || (() => {});
    this.boundaries = boundaries;
    this.rows = [];
    this.selected = null;
    this.spacer = h("div", { class: "g-tl-spacer" });
    this.scroller = h("div", {
      class: "g-tl-scroll",
      tabindex: "0",
      role: "img",
      "aria-label": "Timeline of the workflow's pods. Arrow keys move, Enter opens a node.",
      onscroll: () => this.invalidate(),
      onkeydown: (e) => this.onKey(e),
      onclick: (e) => this.onClick(e),
      onmousemove: (e) => this.onHover(e),
      onmouseleave: () => {
        this.tip.hidden = true;
        this.tipId = null;
        this.invalidate();
      },
    }, this.spacer); // prettier-ignore
    this.canvas = h("canvas", { class: "g-tl-canvas", "aria-hidden": "true" });
    this.tip = h("div", { class: "g-tip", role: "tooltip", hidden: true });
    this.announce = h("div", { class: "g-sr", "aria-live": "polite" });
    const stage = h("div", { class: "g-stage" }, this.canvas, this.scroller, this.tip);
    this.root = h("div", { class: "g-tl-root" }, stage, this.announce);
    container.append(this.root);
    this.ctx = this.canvas.getContext("2d");
    this.colors = readColors(this.root);
    this.resizer = new ResizeObserver(() => this.resize());
    this.resizer.observe(this.scroller);
    this.resize();
  }

  resize() {
    const dpr = window.devicePixelRatio || 1;
    this.width = Math.max(1, this.scroller.clientWidth);
    this.height = Math.max(1, this.scroller.clientHeight);
    this.dpr = dpr;
    this.canvas.width = Math.round(this.width * dpr);
    this.canvas.height = Math.round(this.height * dpr);
    this.canvas.style.width = `${this.width}px`;
    this.canvas.style.height = `${this.height}px`;
    this.invalidate();
  }

  /** Show a workflow (call again on every update). */
  setWorkflow(wf) {
    const nodes = wf?.status?.nodes || {};
    const rows = [];
    for (const id in nodes) {
      const n = nodes[id];
      if (POD_TYPES.has(n.type) || (this.boundaries && BOUNDARY_TYPES.has(n.type))) {
        const start = n.startedAt ? Date.parse(n.startedAt) : NaN;
        const end = n.finishedAt ? Date.parse(n.finishedAt) : NaN;
        rows.push({ id, n, start, end, seq: rows.length });
      }
    }
    // Argo's times are whole seconds: within one second, the order nodes were created in.
    rows.sort((a, b) => (a.start || Infinity) - (b.start || Infinity) || a.seq - b.seq);
    this.rows = rows;
    const wfStart = wf?.status?.startedAt ? Date.parse(wf.status.startedAt) : NaN;
    this.t0 = Math.min(wfStart || Infinity, ...rows.slice(0, 1).map((r) => r.start || Infinity));
    this.running = rows.some((r) => !r.end && r.start);
    this.spacer.style.height = `${AXIS_H + rows.length * ROW_H}px`;
    clearInterval(this.tick);
    if (this.running) this.tick = setInterval(() => this.invalidate(), 1000);
    this.invalidate();
  }

  /** Highlight a node's row and scroll it into view, without calling onSelect. */
  select(nodeId) {
    this.selected = nodeId || null;
    const i = this.rows.findIndex((r) => r.id === nodeId);
    if (i >= 0) this.scrollTo(i);
    this.invalidate();
  }

  scrollTo(i) {
    const top = i * ROW_H;
    const room = this.height - AXIS_H;
    if (top < this.scroller.scrollTop) this.scroller.scrollTop = top;
    else if (top + ROW_H > this.scroller.scrollTop + room) {
      this.scroller.scrollTop = top + ROW_H - room;
    }
  }

  rowAt(e) {
    const r = this.scroller.getBoundingClientRect();
    const y = e.clientY - r.top - AXIS_H;
    if (y < 0) return null;
    return this.rows[Math.floor((y + this.scroller.scrollTop) / ROW_H)] || null;
  }

  onClick(e) {
    const row = this.rowAt(e);
    if (!row) return;
    this.selected = row.id;
    this.invalidate();
    this.onSelect(row.id);
  }

  onHover(e) {
    const row = this.rowAt(e);
    if (!row) {
      this.tip.hidden = true;
      this.tipId = null;
      this.invalidate();
      return;
    }
    if (row.id !== this.tipId) {
      this.tipId = row.id;
      this.invalidate(); // the hovered row is shaded
      const [title, ...lines] = tipLines(row.n, row.n);
      this.tip.replaceChildren(h("strong", {}, title), ...lines.map((t) => h("div", {}, t)));
    }
    this.tip.hidden = false;
    const r = this.scroller.getBoundingClientRect();
    const x = Math.min(e.clientX - r.left + 14, this.width - this.tip.offsetWidth - 4);
    this.tip.style.transform = `translate(${Math.max(0, x)}px, ${e.clientY - r.top + 16}px)`;
  }

  onKey(e) {
    const i = this.rows.findIndex((r) => r.id === this.selected);
    let next = i;
    if (e.key === "ArrowDown") next = Math.min(this.rows.length - 1, i + 1);
    else if (e.key === "ArrowUp") next = Math.max(0, i - 1);
    else if (e.key === "Home") next = 0;
    else if (e.key === "End") next = this.rows.length - 1;
    else if ((e.key === "Enter" || e.key === " ") && i >= 0) {
      e.preventDefault();
      this.onSelect(this.rows[i].id);
      return;
    } else return;
    e.preventDefault();
    const row = this.rows[next];
    if (!row) return;
    this.selected = row.id;
    this.scroller.dataset.selected = row.id;
    this.announce.textContent = `${row.n.displayName || row.n.name}, ${shownPhase(row.n)}`;
    this.scrollTo(next);
    this.invalidate();
  }

  invalidate() {
    if (this.raf || this.destroyed) return;
    this.raf = requestAnimationFrame(() => {
      this.raf = 0;
      this.paint();
    });
  }

  paint() {
    const { ctx, dpr } = this;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, this.width, this.height);
    ctx.font = FONT;
    ctx.textBaseline = "middle";
    const now = Date.now();
    const t0 = Number.isFinite(this.t0) ? this.t0 : now;
    let t1 = t0 + 1000;
    for (const r of this.rows) t1 = Math.max(t1, r.end || (r.start ? now : 0));
    const x0 = LABEL_W;
    const span = Math.max(1, this.width - x0 - 16);
    const scale = span / (t1 - t0);
    const first = Math.floor(this.scroller.scrollTop / ROW_H);
    const count = Math.ceil((this.height - AXIS_H) / ROW_H) + 1;
    const yOff = AXIS_H - (this.scroller.scrollTop % ROW_H);
    this.paintTicks(t0, t1, x0, scale);
    for (let i = 0; i < count && first + i < this.rows.length; i++) {
      this.paintRow(this.rows[first + i], yOff + i * ROW_H, { t0, x0, scale, now });
    }
    ctx.fillStyle = this.colors.node;
    ctx.fillRect(0, 0, this.width, AXIS_H - 2);
    this.paintTicks(t0, t1, x0, scale, true);
  }

  paintRow(row, y, { t0, x0, scale, now }) {
    const { ctx } = this;
    const phase = shownPhase(row.n);
    if (row.id === this.selected || row.id === this.tipId) {
      ctx.fillStyle = row.id === this.selected ? this.colors.more : this.colors.row;
      ctx.fillRect(0, y, this.width, ROW_H);
    }
    ctx.fillStyle = colorOf(phase);
    ctx.fillText(phaseIcon(phase), 8, y + ROW_H / 2);
    ctx.fillStyle = this.colors.text;
    const label = clip(ctx, row.n.displayName || row.n.name || row.id, LABEL_W - 36);
    ctx.fillText(label, 26, y + ROW_H / 2);
    if (!row.start) return;
    const bx = x0 + (row.start - t0) * scale;
    const bw = Math.max(2, ((row.end || now) - row.start) * scale);
    ctx.fillStyle = colorOf(phase);
    ctx.fillRect(bx, y + 5, bw, ROW_H - 10);
  }

  paintTicks(t0, t1, x0, scale, labels = false) {
    const { ctx } = this;
    const seconds = (t1 - t0) / 1000;
    const want = Math.max(2, Math.floor((this.width - x0) / 90));
    const days = Math.ceil(seconds / want / 86400) * 86400;
    const step = TICKS.find((s) => seconds / s <= want) || days;
    ctx.fillStyle = labels ? this.colors.muted : this.colors.grid;
    for (let s = 0; s <= seconds; s += step) {
      const x = Math.round(x0 + s * 1000 * scale) + 0.5;
      if (labels) {
        const text = duration(s);
        const room = this.width - ctx.measureText(text).width - 4; // the last label stays whole
        ctx.fillText(text, Math.min(x + 3, room), AXIS_H / 2);
      }
      else ctx.fillRect(x, AXIS_H, 1, this.height - AXIS_H);
    }
  }

  destroy() {
    this.destroyed = true;
    cancelAnimationFrame(this.raf);
    clearInterval(this.tick);
    this.resizer.disconnect();
    this.root.remove();
  }
}

function clip(ctx, text, room) {
  if (ctx.measureText(text).width <= room) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ctx.measureText(text.slice(0, mid) + "…").width <= room) lo = mid;
    else hi = mid - 1;
  }
  return text.slice(0, lo) + "…";
}
