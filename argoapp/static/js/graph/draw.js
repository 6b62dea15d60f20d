// Painting one frame of the workflow graph on a 2D canvas context: edges batched into one path
// per style, then the nodes in view at a level of detail that suits the zoom (full boxes with
// icon and label; plain coloured boxes; far out, dots). Called only by graph/view.js from its
// requestAnimationFrame callback; it reads the laid-out nodes and the live `status.nodes` (for
// phases) and never changes either, nor touches the DOM beyond the context it is given.

import { phaseColor, phaseIcon } from "../format.js";
import { NODE_H, ROW_GAP } from "./layout.js";
import { shownPhase } from "./status.js";

export const FULL_ZOOM = 0.55; // at or above: boxes with icon and label
export const BOX_ZOOM = 0.18; // at or above: boxes without text; below: dots
const FONT = "12px system-ui, -apple-system, 'Segoe UI', sans-serif";
const ICON_FONT = "13px system-ui, 'Segoe UI Symbol', 'Noto Sans Symbols 2', sans-serif";

/** The CSS colours the canvas needs, read once per theme from the graph's root element. */
export function readColors(el) {
  const css = getComputedStyle(el);
  const v = (name, fallback) => css.getPropertyValue(name).trim() || fallback;
  return {
    node: v("--g-node", "#ffffff"),
    text: v("--g-text", "#1f2328"),
    muted: v("--g-muted", "#6e7781"),
    edge: v("--g-edge", "#8c959f"),
    accent: v("--g-accent", "#0969da"),
    more: v("--g-more", "#eaeef2"),
    grid: v("--g-grid", "#d0d7de"),
    row: v("--g-row", "#f6f8fa"),
  };
}

const phaseColors = new Map();

/** Phase colour for canvas drawing, cached until the theme changes (`forgetColors`). */
export function colorOf(phase) {
  let c = phaseColors.get(phase);
  if (!c) phaseColors.set(phase, (c = phaseColor(phase) || "#8c959f"));
  return c;
}

/** Forget cached colours (the theme changed). */
export function forgetColors() {
  phaseColors.clear();
}

/**
 * Paint one frame.
 * @param {CanvasRenderingContext2D} ctx
 * @param {object} s {layout, grid, statuses, view: {x, y, k}, width, height, dpr, colors,
 *   selected, hover, pulse (0..1 or null), labels (Map cache)}
 * @returns {number} nodes drawn
 */
export function paint(ctx, s) {
  const { view, dpr } = s;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, s.width, s.height);
  if (!s.layout || !s.layout.nodes.length) {
    paintEmpty(ctx, s);
    return 0;
  }
  ctx.setTransform(dpr * view.k, 0, 0, dpr * view.k, dpr * view.x, dpr * view.y);
  const pad = 4 / view.k;
  const box = {
    x0: -view.x / view.k - pad,
    y0: -view.y / view.k - pad,
    x1: (s.width - view.x) / view.k + pad,
    y1: (s.height - view.y) / view.k + pad,
  };
  paintEdges(ctx, s, box);
  const shown = s.grid.query(box.x0, box.y0, box.x1, box.y1);
  if (view.k >= FULL_ZOOM) paintFull(ctx, s, shown);
  else paintSimple(ctx, s, shown, view.k >= BOX_ZOOM);
  paintSelection(ctx, s);
  return shown.length;
}

// Elbow lines: down from the parent to just above the child's row, across, and down into the
// child; edges into one node share their last stretch, so a fan-in reads as one bus. The
// segments are worked out once per layout, shared stretches drawn once (a 100-way fan-out is
// one horizontal line, not a hundred overlapping ones), then culled per frame.
function paintEdges(ctx, s, box) {
  const segs = (s.layout.segments ||= edgeSegments(s.layout));
  ctx.lineWidth = Math.max(1, 1 / s.view.k) * (s.view.k < BOX_ZOOM ? 0.6 : 1);
  ctx.strokeStyle = s.colors.edge;
  for (const kind of ["child", "exit"]) {
    const list = segs[kind];
    const path = new Path2D();
    for (let i = 0; i < list.length; i += 4) {
      const x0 = list[i];
      const y0 = list[i + 1];
      const x1 = list[i + 2];
      const y1 = list[i + 3];
      if (x1 < box.x0 || x0 > box.x1 || y1 < box.y0 || y0 > box.y1) continue;
      path.moveTo(x0, y0);
      path.lineTo(x1, y1);
    }
    ctx.setLineDash(kind === "exit" ? [6, 4] : []);
    ctx.stroke(path);
  }
  ctx.setLineDash([]);
}

/** The edges of a layout as line segments [x0, y0, x1, y1, …] (x0 <= x1, y0 <= y1) per
 *  kind, each shared stretch once and the horizontal ones of a row merged. */
export function edgeSegments(layout) {
  const out = {};
  for (const kind of ["child", "exit"]) {
    const seen = new Set();
    const rows = new Map(); // y of a horizontal stretch → [[x0, x1], …]
    const list = [];
    const vertical = (x, y0, y1) => {
      const key = `${x},${y0},${y1}`;
      if (seen.has(key)) return;
      seen.add(key);
      list.push(x, Math.min(y0, y1), x, Math.max(y0, y1));
    };
    for (const e of layout.edges) {
      if ((e.kind === "exit") !== (kind === "exit")) continue;
      const { a, b } = e;
      const ax = a.x + a.w / 2;
      const bx = b.x + b.w / 2;
      if (ax === bx) {
        vertical(ax, a.y + a.h, b.y);
        continue;
      }
      const mid = b.y - (NODE_H - b.h) / 2 - ROW_GAP / 2;
      vertical(ax, a.y + a.h, mid);
      vertical(bx, mid, b.y);
      let row = rows.get(mid);
      if (!row) rows.set(mid, (row = []));
      row.push([Math.min(ax, bx), Math.max(ax, bx)]);
    }
    for (const [y, spans] of rows) {
      spans.sort((p, q) => p[0] - q[0]);
      let [x0, x1] = spans[0];
      for (const [p0, p1] of spans) {
        if (p0 > x1) {
          list.push(x0, y, x1, y);
          [x0, x1] = [p0, p1];
        } else x1 = Math.max(x1, p1);
      }
      list.push(x0, y, x1, y);
    }
    out[kind] = list;
  }
  return out;
}

// Zoomed out: one path per colour, so thousands of nodes cost a handful of fill calls.
function paintSimple(ctx, s, shown, boxes) {
  const byColor = new Map();
  const min = 3 / s.view.k; // a dot stays at least 3 screen pixels wide
  for (const n of shown) {
    const color = n.kind === "more" ? s.colors.muted : colorOf(shownPhase(s.statuses[n.id]));
    let p = byColor.get(color);
    if (!p) byColor.set(color, (p = new Path2D()));
    if (boxes || n.kind === "virtual") {
      p.rect(n.x, n.y, n.w, n.h);
    } else {
      const w = Math.max(min, n.w * 0.35);
      const h = Math.max(min, n.h * 0.6);
      p.rect(n.x + (n.w - w) / 2, n.y + (n.h - h) / 2, w, h);
    }
  }
  for (const [color, p] of byColor) {
    ctx.fillStyle = color;
    ctx.fill(p);
  }
}

function paintFull(ctx, s, shown) {
  ctx.textBaseline = "middle";
  for (const n of shown) {
    if (n.kind === "virtual") paintDot(ctx, s, n);
    else if (n.kind === "more") paintMore(ctx, s, n);
    else paintBox(ctx, s, n);
  }
}

function paintDot(ctx, s, n) {
  const st = s.statuses[n.id];
  ctx.beginPath();
  ctx.arc(n.x + n.w / 2, n.y + n.h / 2, n.w / 2, 0, Math.PI * 2);
  ctx.fillStyle = colorOf(shownPhase(st));
  ctx.fill();
}

function paintMore(ctx, s, n) {
  ctx.beginPath();
  ctx.roundRect(n.x, n.y, n.w, n.h, n.h / 2);
  ctx.fillStyle = s.colors.more;
  ctx.fill();
  ctx.setLineDash([4, 3]);
  ctx.strokeStyle = s.colors.muted;
  ctx.lineWidth = 1;
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.font = FONT;
  ctx.fillStyle = s.colors.text;
  ctx.textAlign = "center";
  ctx.fillText(n.label, n.x + n.w / 2, n.y + n.h / 2);
  ctx.textAlign = "left";
}

function paintBox(ctx, s, n) {
  const st = s.statuses[n.id];
  const phase = shownPhase(st);
  const color = colorOf(phase);
  const faded = phase === "Skipped" || phase === "Omitted";
  const boundary = n.type === "Steps" || n.type === "DAG";
  ctx.beginPath();
  ctx.roundRect(n.x, n.y, n.w, n.h, boundary ? n.h / 2 : 6);
  ctx.fillStyle = s.colors.node;
  ctx.fill();
  ctx.lineWidth = 2;
  ctx.strokeStyle = color;
  if (phase === "Running" && s.pulse !== null) ctx.globalAlpha = 0.45 + 0.55 * s.pulse;
  if (faded || phase === "Suspended") ctx.setLineDash([5, 3]);
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.globalAlpha = 1;
  ctx.font = ICON_FONT;
  ctx.fillStyle = color;
  ctx.fillText(phaseIcon(phase), n.x + 10, n.y + n.h / 2);
  ctx.font = FONT;
  ctx.fillStyle = faded ? s.colors.muted : s.colors.text;
  ctx.fillText(fitLabel(ctx, s.labels, n, n.w - 36), n.x + 28, n.y + n.h / 2);
}

// Labels cut to the box with an ellipsis; measured once per node and kept.
function fitLabel(ctx, cache, n, room) {
  const key = n.id;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  let text = n.label;
  if (ctx.measureText(text).width > room) {
    let lo = 0;
    let hi = text.length;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (ctx.measureText(text.slice(0, mid) + "…").width <= room) lo = mid;
      else hi = mid - 1;
    }
    text = text.slice(0, lo) + "…";
  }
  cache.set(key, text);
  return text;
}

function paintSelection(ctx, s) {
  const n = s.selected && s.layout.index.get(s.selected);
  if (!n) return;
  const pad = 4 / Math.min(1, s.view.k);
  ctx.beginPath();
  ctx.roundRect(n.x - pad, n.y - pad, n.w + 2 * pad, n.h + 2 * pad, 8);
  ctx.lineWidth = 3 / Math.min(1, s.view.k);
  ctx.strokeStyle = s.colors.accent;
  ctx.stroke();
}

// A workflow the controller has not started yet has no nodes: say so rather than show nothing.
function paintEmpty(ctx, s) {
  ctx.font = FONT;
  ctx.fillStyle = s.colors.muted;
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  ctx.fillText("No nodes yet: the workflow has not started", s.width / 2, s.height / 2);
  ctx.textAlign = "left";
}
