// format.js: how times, durations, phases and progress look everywhere in the UI. Used by every
// page; the graph and timeline read phaseColor for canvas drawing. Phases are never shown by
// colour alone: a badge always has its icon glyph and its name.

import { h } from "./dom.js";

/** Argo's node and workflow phases, plus Suspended (a Running node of type Suspend). */
export const PHASES = Object.freeze({
  Pending: "Pending",
  Running: "Running",
  Succeeded: "Succeeded",
  Failed: "Failed",
  Error: "Error",
  Skipped: "Skipped",
  Omitted: "Omitted",
  Suspended: "Suspended",
});

const ICONS = {
  Pending: "◌",
  Running: "▶",
  Succeeded: "✔",
  Failed: "✖",
  Error: "⚠",
  Skipped: "↷",
  Omitted: "∅",
  Suspended: "‖",
};

/**
 * The glyph of a phase (✔ Succeeded, ✖ Failed, ⚠ Error, ◌ Pending, ▶ Running, ‖ Suspended,
 * ↷ Skipped, ∅ Omitted; ? for anything else).
 * @param {string} phase
 */
export function phaseIcon(phase) {
  return ICONS[phase || "Pending"] || "?";
}

/**
 * <span class="phase phase-<lower>" title=phase><span aria-hidden>ICON</span> Phase</span>
 * @param {string} phase ("" reads as Pending: a workflow the controller has not seen yet)
 */
export function phaseBadge(phase) {
  const name = phase || "Pending";
  return h("span", { class: `phase phase-${name.toLowerCase()}`, title: name },
    h("span", { class: "phase-icon", "aria-hidden": "true" }, phaseIcon(name)), " ", name);
}

let colorCache = null;
if (window.matchMedia) {
  window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => {
    colorCache = null;
  });
}

/**
 * The colour of a phase for canvas drawing: the value of the CSS variable --phase-<lower>
 * (read once per colour-scheme change).
 * @param {string} phase
 * @returns {string}
 */
export function phaseColor(phase) {
  if (!colorCache) {
    const style = getComputedStyle(document.documentElement);
    colorCache = {};
    for (const name of [...Object.keys(ICONS), "Unknown"]) {
      colorCache[name] = style.getPropertyValue(`--phase-${name.toLowerCase()}`).trim() || "#888";
    }
  }
  return colorCache[phase || "Pending"] || colorCache.Unknown;
}

/**
 * A duration in words: "2d 3h", "1h 2m", "3m 4s", "5s", "0s".
 * @param {number} seconds
 */
export function duration(seconds) {
  let s = Math.floor(Number(seconds) || 0);
  if (s < 0) s = 0;
  const d = Math.floor(s / 86400);
  const hr = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (d) return hr ? `${d}d ${hr}h` : `${d}d`;
  if (hr) return m ? `${hr}h ${m}m` : `${hr}h`;
  if (m) return sec ? `${m}m ${sec}s` : `${m}m`;
  return `${sec}s`;
}

/**
 * Seconds from `startIso` to `endIso` (now when the end is missing); 0 without a start.
 * @param {string} startIso
 * @param {string} [endIso]
 */
export function durationOf(startIso, endIso) {
  if (!startIso) return 0;
  const start = Date.parse(startIso);
  const end = endIso ? Date.parse(endIso) : Date.now();
  if (Number.isNaN(start) || Number.isNaN(end)) return 0;
  return Math.max(0, (end - start) / 1000);
}

/**
 * How long ago `iso` was, in words: "just now" (under 10 s), "<1m ago", "3m ago", "2h ago",
 * "4d ago"; a future time reads "in <1m", "in 3m"; older than 30 days, the local date.
 * @param {string} iso
 */
export function since(iso) {
  if (!iso) return "";
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return "";
  const seconds = (Date.now() - t) / 1000;
  const ahead = seconds < 0;
  const s = Math.abs(seconds);
  // Under a minute no second count: the text is refreshed every few seconds, not every second,
  // so "16s ago" would sit there wrong while a duration beside it ticks on.
  if (s < 10 && !ahead) return "just now";
  if (s > 30 * 86400) return new Date(t).toLocaleDateString();
  let text;
  if (s < 60) text = "<1m";
  else if (s < 3600) text = `${Math.floor(s / 60)}m`;
  else if (s < 86400) text = `${Math.floor(s / 3600)}h`;
  else text = `${Math.floor(s / 86400)}d`;
  return ahead ? `in ${text}` : `${text} ago`;
}

/** The exact local time of `iso`, for hovers. */
export function exactTime(iso) {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? "" : new Date(t).toLocaleString();
}

const TICK_MS = 5000; // so "just now" turns into "<1m ago" soon enough
let ticking = false;
function tick() {
  for (const el of document.querySelectorAll("time[data-ago]")) {
    const text = since(el.getAttribute("datetime"));
    if (el.textContent !== text) el.textContent = text;
  }
}

/**
 * <time datetime=iso title="exact local time">3m ago</time>, kept current every 5 s.
 * A missing time is an empty muted dash.
 * @param {string} iso
 */
export function timeAgo(iso) {
  if (!iso) return h("span", { class: "muted", "aria-label": "none" }, "—");
  if (!ticking) {
    ticking = true;
    setInterval(tick, TICK_MS);
  }
  return h("time", { datetime: iso, title: exactTime(iso), dataset: { ago: "" } }, since(iso));
}

/**
 * Argo's progress "3/4" as a small bar with the text.
 * @param {string} p
 */
export function progress(p) {
  const [done, total] = String(p || "").split("/").map((x) => parseInt(x, 10));
  if (!total || Number.isNaN(done)) return h("span", { class: "progress muted" }, p || "—");
  const pct = Math.max(0, Math.min(100, Math.round((done / total) * 100)));
  return h("span", { class: "progress", title: `${done} of ${total} done` },
    h("span", { class: "progress-bar", "aria-hidden": "true" },
      h("span", { style: { width: `${pct}%` } })),
    h("span", { class: "progress-text" }, `${done}/${total}`));
}
