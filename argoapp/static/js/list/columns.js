// Workflows list: the columns and what each cell shows of a workflow. A column is
// {id, label, width (a CSS grid track), cell(wf, ctx) -> node|string, live?}; `live` cells are
// redrawn every second while the workflow runs (the ticking duration). Used by list/grid.js
// (drawing) and pages/workflows.js (which columns a view has); no state, no fetches.

import { h } from "../dom.js";
import { duration, durationOf, phaseBadge, progress, timeAgo } from "../format.js";
import { isArchived } from "./query.js";

/** A workflow's path in the UI (archived ones too: the get falls back to the archive). */
export function detailHref(wf) {
  const meta = wf.metadata || {};
  const ns = encodeURIComponent(meta.namespace || "");
  return `/workflows/${ns}/${encodeURIComponent(meta.name || "")}`;
}

const SELECT = {
  id: "select",
  label: "",
  width: "2.25rem",
  cell: (wf, ctx) => {
    const box = h("input", {
      type: "checkbox",
      class: "wl-check",
      tabindex: "-1",
      "aria-label": `Select ${wf.metadata?.name || ""}`,
    });
    box.checked = Boolean(ctx.selected);
    return box;
  },
};

const PHASE = {
  id: "phase",
  label: "Phase",
  width: "8rem",
  cell: (wf) => phaseBadge(wf.status?.phase || "Pending"),
};

const NAME = {
  id: "name",
  label: "Name",
  width: "minmax(12rem, 2fr)",
  cell: (wf) =>
    h(
      "span",
      { class: "wl-name" },
      h("a", { href: detailHref(wf), tabindex: "-1", class: "wl-link" }, wf.metadata?.name || ""),
      wf.spec?.suspend && wf.status?.phase === "Running"
        ? h("span", { class: "wl-tag wl-tag-suspended", title: "Suspended" }, "suspended")
        : null,
      isArchived(wf)
        ? h("span", { class: "wl-tag wl-tag-archived", title: "In the workflow archive" },
            "archived")
        : null,
    ),
};

const NAMESPACE = {
  id: "namespace",
  label: "Namespace",
  width: "minmax(8rem, 0.8fr)",
  cell: (wf) => wf.metadata?.namespace || "",
};

const STARTED = {
  id: "started",
  label: "Started",
  width: "6.5rem",
  cell: (wf) => {
    const at = wf.status?.startedAt || wf.metadata?.creationTimestamp;
    return at ? timeAgo(at) : "–";
  },
};

const DURATION = {
  id: "duration",
  label: "Duration",
  width: "5.5rem",
  live: true,
  cell: (wf) => {
    const started = wf.status?.startedAt;
    if (!started) return "–";
    return duration(Math.max(0, Math.round(durationOf(started, wf.status?.finishedAt))));
  },
};

const PROGRESS = {
  id: "progress",
  label: "Progress",
  width: "8.5rem", // "1000/1000" beside its bar, whole (workflows.css narrows the bar here)
  cell: (wf) => (wf.status?.progress ? progress(wf.status.progress) : "–"),
};

const MESSAGE = {
  id: "message",
  label: "Message",
  width: "minmax(6rem, 2fr)",
  cell: (wf) => {
    const text = wf.status?.message || "";
    return clipped(text);
  },
};

/** Text cut to the cell's width, whole on hover. */
function clipped(text) {
  return text ? h("span", { class: "wl-clip", title: text }, text) : "";
}

/**
 * A column for one of the controller config's `columns` (info.columns): a label's or an
 * annotation's value.
 * @param {{name: string, type: string, key: string}} column
 */
export function configColumn(column, index) {
  const annotation = String(column.type || "").toLowerCase() === "annotation";
  return {
    id: `info-${index}`,
    label: column.name || column.key || "",
    width: "minmax(6rem, 1fr)",
    cell: (wf) => {
      const values = annotation ? wf.metadata?.annotations : wf.metadata?.labels;
      const text = values?.[column.key] ?? "";
      return clipped(text);
    },
  };
}

/**
 * The columns of a view: namespace only when the list shows every namespace.
 * @param {{allNamespaces: boolean, infoColumns: object[]}} options
 */
export function columnsFor({ allNamespaces, infoColumns = [] }) {
  return [
    SELECT,
    PHASE,
    NAME,
    allNamespaces ? NAMESPACE : null,
    STARTED,
    DURATION,
    PROGRESS,
    MESSAGE,
    ...infoColumns.map(configColumn),
  ].filter(Boolean);
}
