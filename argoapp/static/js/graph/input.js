// Mouse, touch and keyboard for the graph canvas: drag pans, wheel and pinch zoom, click
// selects (or expands a "+N more"), hover shows a tooltip; arrows move the selection to a
// parent, a child or a neighbour in the same layer, Enter/Space opens the selected node, + / -
// zoom, 0 fits, / jumps to the find box. Also what the page around the canvas changes: its
// size, the colour scheme and the screen's pixel density. Used only by graph/view.js, whose
// methods it calls; it keeps no state of its own beyond the gesture in progress and the node
// the tooltip shows. Each bind returns its undo.

import { h } from "../dom.js";
import { forgetColors, readColors } from "./draw.js";
import { findNodes, tipLines } from "./status.js";

const DRAG_SLOP = 4; // pixels a press may move and still be a click

/** Pointer and wheel handling on view.canvas; returns a function removing it. */
export function bindPointer(view) {
  const canvas = view.canvas;
  const pointers = new Map();
  let press = null; // {x, y, moved} of the primary pointer
  let pinch = 0; // distance between two pointers, when pinching
  const showTip = tooltip(view);

  const local = (e) => {
    const r = canvas.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  };
  const down = (e) => {
    try {
      canvas.setPointerCapture(e.pointerId); // keep the drag when the pointer leaves
    } catch {
      // a synthetic pointer has nothing to capture; the drag works while over the canvas
    }
    pointers.set(e.pointerId, local(e));
    if (pointers.size === 1) press = { x: e.clientX, y: e.clientY, moved: false };
    if (pointers.size === 2) pinch = spread(pointers);
    showTip(null);
  };
  const move = (e) => {
    const [px, py] = local(e);
    if (!pointers.has(e.pointerId)) {
      const n = view.nodeAt(px, py);
      canvas.style.cursor = n ? "pointer" : "grab";
      showTip(n, px, py);
      return;
    }
    const [ox, oy] = pointers.get(e.pointerId);
    pointers.set(e.pointerId, [px, py]);
    if (pointers.size === 2) {
      const d = spread(pointers);
      const [cx, cy] = centre(pointers);
      if (pinch) view.zoomBy(d / pinch, cx, cy);
      pinch = d;
      if (press) press.moved = true;
      return;
    }
    if (press && !press.moved) {
      press.moved = Math.hypot(e.clientX - press.x, e.clientY - press.y) > DRAG_SLOP;
      if (!press.moved) return;
      canvas.style.cursor = "grabbing";
    }
    view.panBy(px - ox, py - oy);
  };
  const up = (e) => {
    const was = pointers.get(e.pointerId);
    pointers.delete(e.pointerId);
    if (pointers.size < 2) pinch = 0;
    if (pointers.size === 0 && press && !press.moved && was && e.type === "pointerup") {
      const n = view.nodeAt(was[0], was[1]);
      if (n) view.activate(n);
      else view.deselect();
    }
    if (pointers.size === 0) press = null;
    canvas.style.cursor = "grab";
  };
  const wheel = (e) => {
    e.preventDefault();
    const [px, py] = local(e);
    const scale = e.deltaMode === 1 ? 16 : 1; // lines, not pixels
    view.zoomBy(Math.exp((-e.deltaY * scale) / 500), px, py);
  };
  const leave = () => showTip(null);
  const on = [
    ["pointerdown", down],
    ["pointermove", move],
    ["pointerup", up],
    ["pointercancel", up],
    ["pointerleave", leave],
    ["wheel", wheel, { passive: false }],
  ];
  for (const [type, fn, opts] of on) canvas.addEventListener(type, fn, opts);
  canvas.style.cursor = "grab";
  canvas.style.touchAction = "none";
  return () => {
    for (const [type, fn, opts] of on) canvas.removeEventListener(type, fn, opts);
  };
}

/** The hover tooltip of view.tip: show(node, px, py) near a point (CSS pixels), or hide (null). */
function tooltip(view) {
  const tip = view.tip;
  let shown = null; // the id of the node whose lines the tooltip holds
  return (n, px, py) => {
    if (!n) {
      tip.hidden = true;
      shown = null;
      return;
    }
    if (n.id !== shown) {
      shown = n.id;
      const [title, ...lines] = tipLines(n, view.statuses[n.id]);
      tip.replaceChildren(h("strong", {}, title), ...lines.map((t) => h("div", {}, t)));
    }
    tip.hidden = false;
    const x = Math.min(px + 14, view.width - tip.offsetWidth - 4);
    const below = py + 18 + tip.offsetHeight <= view.height;
    const y = below ? py + 18 : py - tip.offsetHeight - 8;
    tip.style.transform = `translate(${Math.max(0, x)}px, ${Math.max(0, y)}px)`;
  };
}

function spread(pointers) {
  const [[ax, ay], [bx, by]] = [...pointers.values()];
  return Math.hypot(ax - bx, ay - by) || 1;
}

function centre(pointers) {
  const [[ax, ay], [bx, by]] = [...pointers.values()];
  return [(ax + bx) / 2, (ay + by) / 2];
}

/** Keyboard handling on view.canvas and the "/" shortcut; returns a function removing it. */
export function bindKeys(view) {
  const key = (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const handled = onKey(view, e.key);
    if (handled) e.preventDefault();
  };
  view.canvas.addEventListener("keydown", key);
  return () => view.canvas.removeEventListener("keydown", key);
}

function onKey(view, key) {
  const L = view.layout;
  switch (key) {
    case "+":
    case "=":
      view.zoomBy(1.25);
      return true;
    case "-":
    case "_":
      view.zoomBy(0.8);
      return true;
    case "0":
      view.fit();
      return true;
    case "/":
      view.find.focus();
      return true;
    case "Enter":
    case " ":
      view.activate(L?.index.get(view.selected));
      return true;
    case "ArrowUp":
    case "ArrowDown":
    case "ArrowLeft":
    case "ArrowRight":
      if (L && L.nodes.length) view.moveTo(step(L, L.index.get(view.selected), key));
      return true;
    default:
      return false;
  }
}

// Where an arrow goes from `n`: up to the nearest parent, down to the nearest child, left and
// right to the neighbours in the same layer. With nothing selected, the first root.
function step(L, n, key) {
  if (!n) return L.layers.find((row) => row && row.length)?.[0] || null;
  const row = L.layers[n.layer];
  if (key === "ArrowLeft") return row[n.order - 1] || n;
  if (key === "ArrowRight") return row[n.order + 1] || n;
  const list = key === "ArrowUp" ? n.parents : n.children;
  const centre = (m) => m.x + m.w / 2;
  let best = null;
  for (const m of list) {
    if (!best || Math.abs(centre(m) - centre(n)) < Math.abs(centre(best) - centre(n))) best = m;
  }
  return best || n;
}

/** The find box: Enter goes to the next node matching its text, Escape back to the canvas. */
export function bindFind(view) {
  let matches = [];
  let at = -1;
  const input = () => (matches = []);
  const key = (e) => {
    if (e.key === "Escape") {
      view.canvas.focus();
      return;
    }
    if (e.key !== "Enter") return;
    e.preventDefault();
    const q = view.find.value.trim().toLowerCase();
    if (!q) return;
    if (!matches.length) {
      matches = findNodes(view.statuses, q);
      at = -1;
    }
    if (!matches.length) {
      view.found.textContent = "no match";
      return;
    }
    at = (at + 1) % matches.length;
    view.found.textContent = `${at + 1}/${matches.length}`;
    view.goTo(matches[at]);
  };
  view.find.addEventListener("input", input);
  view.find.addEventListener("keydown", key);
  return () => {
    view.find.removeEventListener("input", input);
    view.find.removeEventListener("keydown", key);
  };
}

/** The canvas's size, the colour scheme, reduced motion and the screen's pixel density: the
 *  view resizes or repaints when they change. Returns a function removing the watches. */
export function bindEnvironment(view) {
  const resize = new ResizeObserver(() => view.resize());
  resize.observe(view.canvas.parentElement);
  const dark = matchMedia("(prefers-color-scheme: dark)");
  const theme = () => {
    forgetColors();
    view.colors = readColors(view.root);
    view.invalidate();
  };
  dark.addEventListener("change", theme);
  // Moving the window to a screen of another pixel density changes no size: watch for it.
  let density = null;
  const redensify = () => {
    density?.removeEventListener("change", redensify);
    density = matchMedia(`(resolution: ${window.devicePixelRatio || 1}dppx)`);
    density.addEventListener("change", redensify);
    view.resize();
  };
  view.motion = matchMedia("(prefers-reduced-motion: reduce)"); // frames read it: no pulse
  redensify();
  return () => {
    resize.disconnect();
    dark.removeEventListener("change", theme);
    density.removeEventListener("change", redensify);
  };
}
