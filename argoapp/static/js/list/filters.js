// Workflows list: the filter bar. Namespace (empty = every namespace), phase chips
// (multi-select toggle buttons), a label selector, a name match (contains / prefix / exact) and
// a time range (created after, finished before). Each change calls onChange with the whole
// new filters object (list/query.js shape); pages/workflows.js puts it in the URL and reloads.
// The bar holds no state of its own beyond its inputs.

import { h } from "../dom.js";
import { namespaceInput } from "../components.js";
import { phaseIcon } from "../format.js";
import { NAME_MATCHES, PHASE_CHOICES, isFiltered, splitSelector } from "./query.js";

const TYPING_DELAY = 350; // ms after the last keystroke before a name filter applies

/**
 * The filter bar for `filters`.
 * @param {object} filters list/query.js filters
 * @param {{onChange: Function, onNamespace: Function, managed: boolean}} options
 * @returns {{element: HTMLElement, destroy: Function}}
 */
export function filterBar(filters, { onChange, onNamespace, managed }) {
  let timer = 0;
  const change = (patch) => onChange({ ...filters, ...patch });

  const chips = PHASE_CHOICES.map((phase) => {
    const on = filters.phases.includes(phase);
    return h(
      "button",
      {
        type: "button",
        class: `wl-chip phase-${phase.toLowerCase()}${on ? " on" : ""}`,
        "aria-pressed": String(on),
        dataset: { phase },
        onclick: () => {
          const phases = on ? filters.phases.filter((p) => p !== phase) : [...filters.phases, phase];
          change({ phases: PHASE_CHOICES.filter((p) => phases.includes(p)) });
        },
      },
      h("span", { "aria-hidden": "true" }, phaseIcon(phase)),
      ` ${phase}`,
    );
  });

  const labels = h("input", {
    type: "search",
    class: "wl-labels",
    value: filters.labels.join(","),
    placeholder: "app=web,team!=ops",
    "aria-label": "Label selector",
    spellcheck: "false",
    onchange: (e) => change({ labels: splitSelector(e.target.value) }),
  });

  const nameMatch = h(
    "select",
    {
      "aria-label": "How the name matches",
      onchange: (e) => change({ nameFilter: e.target.value }),
    },
    ...NAME_MATCHES.map((m) => {
      const option = h("option", { value: m }, m.toLowerCase());
      option.selected = m === filters.nameFilter;
      return option;
    }),
  );
  const name = h("input", {
    type: "search",
    class: "wl-name-input",
    value: filters.name,
    placeholder: "name",
    "aria-label": "Workflow name",
    spellcheck: "false",
    oninput: (e) => {
      clearTimeout(timer);
      const value = e.target.value.trim();
      timer = setTimeout(() => change({ name: value }), TYPING_DELAY);
    },
  });

  const element = h(
    "div",
    { class: "wl-filters", role: "search", "aria-label": "Filter workflows" },
    managed
      ? null
      : field("Namespace", namespaceInput(filters.namespace, (ns) => onNamespace(ns.trim()))),
    group("Phase", h("div", { class: "wl-chips" }, ...chips)),
    field("Labels", labels),
    group("Name", h("div", { class: "wl-name-field" }, nameMatch, name)),
    field("Created after", timeInput(filters.createdAfter, (v) => change({ createdAfter: v }))),
    field("Finished before", timeInput(filters.finishedBefore, (v) => change({ finishedBefore: v }))),
    isFiltered(filters)
      ? h(
          "button",
          {
            type: "button",
            class: "btn wl-clear",
            onclick: () =>
              change({ phases: [], labels: [], name: "", createdAfter: "", finishedBefore: "" }),
          },
          "Clear filters",
        )
      : null,
  );
  return { element, destroy: () => clearTimeout(timer) };
}

function field(label, control) {
  return h("label", { class: "field wl-field" }, h("span", { class: "wl-field-label" }, label), control);
}

// Several controls under one caption: a group, not a <label> (a label's click would press the
// first button inside it).
function group(label, controls) {
  return h(
    "div",
    { class: "field wl-field", role: "group", "aria-label": label },
    h("span", { class: "wl-field-label", "aria-hidden": "true" }, label),
    controls,
  );
}

/** A datetime-local input over an RFC 3339 value (shown in local time, kept in UTC). */
function timeInput(iso, onChange) {
  return h("input", {
    type: "datetime-local",
    value: iso ? toLocalInput(iso) : "",
    onchange: (e) => onChange(e.target.value ? new Date(e.target.value).toISOString() : ""),
  });
}

function toLocalInput(iso) {
  const d = new Date(iso);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
