// The splitter between the workflow page's view (graph, timeline…) and its node panel: a
// keyboard-operable `role=separator` that sets the panel's width as a share of the area both sit
// in (CSS variable --wf-panel-w on that area), remembered in localStorage. Used by
// pages/workflow.js. It only sets the width: the graph follows by observing its own size, and on
// narrow screens (where the panel sits under the graph) the CSS hides the splitter.

import { h } from "../dom.js";

const KEY = "argoapp.nodePanelWidth";
const MIN = 25; // percent of the area
const MAX = 65;
const DEFAULT = 40;
const STEP = 2;

/** The remembered panel width in percent (the default when none is kept or it is invalid). */
function remembered() {
  const kept = Number(localStorage.getItem(KEY));
  return Number.isFinite(kept) && kept >= MIN && kept <= MAX ? kept : DEFAULT;
}

/** A splitter setting `area`'s panel width; returns {el, destroy}. */
export function panelSplitter(area) {
  let width = remembered();
  const el = h("div", {
    class: "wf-splitter",
    role: "separator",
    tabindex: "0",
    "aria-orientation": "vertical",
    "aria-label": "Resize the node panel (arrow keys)",
    "aria-valuemin": String(MIN),
    "aria-valuemax": String(MAX),
  });

  const set = (percent, { keep = true } = {}) => {
    width = Math.round(Math.min(MAX, Math.max(MIN, percent)) * 10) / 10;
    area.style.setProperty("--wf-panel-w", `${width}%`);
    el.setAttribute("aria-valuenow", String(Math.round(width)));
    el.setAttribute("aria-valuetext", `Node panel ${Math.round(width)}% wide`);
    if (keep) localStorage.setItem(KEY, String(width));
  };

  // The panel is on the right: moving the splitter left widens it.
  el.addEventListener("keydown", (ev) => {
    const to = {
      ArrowLeft: width + STEP,
      ArrowRight: width - STEP,
      ArrowUp: width + STEP,
      ArrowDown: width - STEP,
      Home: MAX,
      End: MIN,
    }[ev.key];
    if (to === undefined) return;
    ev.preventDefault();
    set(to);
  });

  let drag = null;
  const move = (ev) => {
    if (!drag) return;
    const box = area.getBoundingClientRect();
    set(((box.right - ev.clientX) / box.width) * 100, { keep: false });
  };
  const up = () => {
    if (!drag) return;
    drag = null;
    el.classList.remove("wf-dragging");
    localStorage.setItem(KEY, String(width));
  };
  el.addEventListener("pointerdown", (ev) => {
    if (ev.button !== 0) return;
    ev.preventDefault();
    drag = { id: ev.pointerId };
    el.setPointerCapture(ev.pointerId);
    el.classList.add("wf-dragging");
  });
  el.addEventListener("pointermove", move);
  el.addEventListener("pointerup", up);
  el.addEventListener("pointercancel", up);

  set(width, { keep: false });
  return { el, destroy: () => el.remove() };
}
