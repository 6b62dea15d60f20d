// Workflows list: the filter bar. Namespace (empty = every namespace), phase chips
// (multi-select toggle buttons), a label selector, a name match (contains / prefix / exact) and
// a time range (created after, finished before). Each change calls onChange with the whole new
// filters object (list/query.js shape); pages/workflows.js puts it in the URL and reloads the
// rows. The bar is built once per page and updates itself in place, so typing is never
// interrupted by a redraw (focus and caret stay where they are).

import { h } from "../dom.js";
import { namespaceInput } from "../components.js";
import { phaseIcon } from "../format.js";
import { NAME_MATCHES, PHASE_CHOICES, isFiltered, splitSelector } from "./query.js";

const TYPING_DELAY = 350; // ms after the last keystroke before a name filter applies
const CLEARED = { phases: [], labels: [], name: "", createdAfter: "", finishedBefore: "" };

/**
 * The filter bar for `filters`.
 * @param {object} filters list/query.js filters
 * @param {{onChange: Function, onNamespace: Function, managed: boolean}} options
 * @returns {{element: HTMLElement, clear: Function, destroy: Function}}
 */
export function filterBar(filters, { onChange, onNamespace, managed }) {
  let current = filters;
  let timer = 0;

  const chips = PHASE_CHOICES.map((phase) =>
    h(
      "button",
      {
        type: "button",
        class: `wl-chip phase-${phase.toLowerCase()}`,
        dataset: { phase },
        onclick: () => {
          const on = current.phases.includes(phase);
          const phases = on
            ? current.phases.filter((p) => p !== phase)
            : [...current.phases, phase];
          change({ phases: PHASE_CHOICES.filter((p) => phases.includes(p)) });
        },
      },
      h("span", { "aria-hidden": "true" }, phaseIcon(phase)),
      ` ${phase}`,
    ),
  );
  const labels = h("input", {
    type: "search",
    class: "wl-labels",
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
    ...NAME_MATCHES.map((m) => h("option", { value: m }, m.toLowerCase())),
  );
  const name = h("input", {
    type: "search",
    class: "wl-name-input",
    placeholder: "name",
    "aria-label": "Workflow name",
    spellcheck: "false",
    oninput: (e) => {
      clearTimeout(timer);
      const value = e.target.value.trim();
      timer = setTimeout(() => change({ name: value }), TYPING_DELAY);
    },
  });
  const after = timeInput("Created after", (v) => change({ createdAfter: v }));
  const before = timeInput("Finished before", (v) => change({ finishedBefore: v }));
  const clearButton = h(
    "button",
    { type: "button", class: "btn wl-clear", onclick: () => clear() },
    "Clear filters",
  );

  // Inputs show `current` (at the start, and after Clear).
  function show() {
    for (const chip of chips) {
      const on = current.phases.includes(chip.dataset.phase);
      chip.classList.toggle("on", on);
      chip.setAttribute("aria-pressed", String(on));
    }
    labels.value = current.labels.join(",");
    nameMatch.value = current.nameFilter;
    name.value = current.name;
    after.value = current.createdAfter ? toLocalInput(current.createdAfter) : "";
    before.value = current.finishedBefore ? toLocalInput(current.finishedBefore) : "";
    clearButton.hidden = !isFiltered(current);
  }

  function change(patch) {
    current = { ...current, ...patch };
    show();
    onChange(current);
  }

  function clear() {
    clearTimeout(timer);
    change(CLEARED);
  }

  const element = h(
    "div",
    { class: "wl-filters", role: "search", "aria-label": "Filter workflows" },
    managed
      ? null
      : field("Namespace", namespaceInput(filters.namespace, (ns) => onNamespace(ns.trim()))),
    group("Phase", h("div", { class: "wl-chips" }, ...chips)),
    field("Labels", labels),
    group("Name", h("div", { class: "wl-name-field" }, nameMatch, name)),
    field("Created after", after),
    field("Finished before", before),
    clearButton,
  );
  show();
  return { element, clear, destroy: () => clearTimeout(timer) };
}

function field(label, control) {
  return h(
    "label",
    { class: "field wl-field" },
    h("span", { class: "wl-field-label" }, label),
    control,
  );
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
function timeInput(label, onChange) {
  return h("input", {
    type: "datetime-local",
    "aria-label": label,
    onchange: (e) => onChange(e.target.value ? new Date(e.target.value).toISOString() : ""),
  });
}

function toLocalInput(iso) {
  const d = new Date(iso);
  const pad = (n) => String(n).padStart(2, "0");
  const day = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  return `${day}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
