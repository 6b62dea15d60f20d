// Workflows list: the virtualised grid. Only the rows in view (plus a few either side) are DOM
// elements, absolutely placed at a fixed row height inside a spacer as tall as every row, so a
// list of thousands scrolls smoothly and draws in constant time. The grid element is one tab
// stop (role=grid) with aria-activedescendant: arrows, Page keys, Home/End move the active row,
// Space toggles its selection, Enter opens it, Ctrl/Cmd+A selects all. pages/workflows.js owns
// the data (list/model.js RowStore) and tells the grid when rows change; the grid never fetches.

import { h } from "../dom.js";
import { uidOf } from "./model.js";

/** Row height in px; css/workflows.css uses the same (--wl-row-h). */
export const ROW_H = 36;
const OVERSCAN = 8;
const NEAR_END = 40; // rows from the end at which the next page is asked for

export class Grid {
  /**
   * @param {HTMLElement} container
   * @param {{store: object, columns: object[], onOpen: Function, onChange: Function,
   *          onNearEnd: Function}} options
   */
  constructor(container, { store, columns, onOpen, onChange, onNearEnd }) {
    this.store = store;
    this.onOpen = onOpen;
    this.onChange = onChange;
    this.onNearEnd = onNearEnd;
    this.active = 0; // index of the keyboard's row
    this.activeUid = ""; // ...and its workflow, so it stays on it as rows come and go
    this.cache = new Map(); // uid -> {wf, el, key}
    this.head = h("div", { class: "wl-head", role: "row", "aria-rowindex": "1" });
    this.spacer = h("div", { class: "wl-spacer", role: "presentation" });
    this.el = h(
      "div",
      {
        class: "wl-grid",
        role: "grid",
        tabindex: "0",
        "aria-label": "Workflows",
        "aria-multiselectable": "true",
        onkeydown: (e) => this.key(e),
        onclick: (e) => this.click(e),
        onscroll: () => this.schedule(),
      },
      this.head,
      this.spacer,
    );
    container.append(this.el);
    this.resize = new ResizeObserver(() => this.schedule());
    this.resize.observe(this.el);
    this.setColumns(columns);
  }

  /** Use these columns (a change of namespace scope or info.columns). */
  setColumns(columns) {
    this.columns = columns;
    this.el.style.setProperty("--wl-cols", columns.map((c) => c.width).join(" "));
    this.allBox = h("input", {
      type: "checkbox",
      class: "wl-check",
      "aria-label": "Select all workflows",
      onchange: () => this.selectAll(),
    });
    this.head.replaceChildren(
      ...columns.map((c) =>
        h(
          "div",
          { class: `wl-cell wl-col-${c.id}`, role: "columnheader" },
          c.id === "select" ? this.allBox : c.label,
        ),
      ),
    );
    this.cache.clear();
    this.refresh();
  }

  /** The rows or the selection changed: draw again. */
  refresh() {
    const n = this.store.rows.length;
    const kept = this.store.byUid.get(this.activeUid);
    this.active = kept ? this.store.indexOf(kept) : Math.min(this.active, Math.max(0, n - 1));
    this.el.setAttribute("aria-rowcount", String(n + 1));
    this.spacer.style.height = `${n * ROW_H}px`;
    this.allBox.checked = this.store.allSelected();
    this.allBox.indeterminate = this.store.selected.size > 0 && !this.store.allSelected();
    this.draw();
  }

  schedule() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  /** Which rows are in view: [first, last). */
  window() {
    const top = Math.max(0, this.el.scrollTop - this.head.offsetHeight);
    const height = this.el.clientHeight || 600;
    const n = this.store.rows.length;
    const first = Math.max(0, Math.floor(top / ROW_H) - OVERSCAN);
    const last = Math.min(n, Math.ceil((top + height) / ROW_H) + OVERSCAN);
    return [first, last];
  }

  draw() {
    const rows = this.store.rows;
    const [first, last] = this.window();
    const seen = new Map();
    const els = [];
    for (let i = first; i < last; i++) {
      const wf = rows[i];
      const uid = uidOf(wf);
      const key = `${this.store.selected.has(uid)}|${i === this.active}`;
      let row = this.cache.get(uid);
      if (!row || row.wf !== wf || row.key !== key) row = { wf, key, el: this.row(wf, key) };
      row.el.style.top = `${i * ROW_H}px`;
      row.el.setAttribute("aria-rowindex", String(i + 2));
      seen.set(uid, row);
      els.push(row.el);
    }
    this.cache = seen;
    this.spacer.replaceChildren(...els);
    const active = rows[this.active];
    if (active && seen.has(uidOf(active))) {
      this.el.setAttribute("aria-activedescendant", rowId(active));
    } else {
      this.el.removeAttribute("aria-activedescendant");
    }
    if (this.store.next && last >= rows.length - NEAR_END) this.onNearEnd();
  }

  row(wf, key) {
    const selected = this.store.selected.has(uidOf(wf));
    const classes = ["wl-row"];
    if (selected) classes.push("selected");
    if (key.endsWith("true")) classes.push("active");
    const el = h(
      "div",
      {
        class: classes.join(" "),
        role: "row",
        id: rowId(wf),
        "aria-selected": String(selected),
        dataset: { uid: uidOf(wf) },
      },
      ...this.columns.map((c) => this.cell(c, wf, selected)),
    );
    return el;
  }

  cell(column, wf, selected) {
    return h(
      "div",
      { class: `wl-cell wl-col-${column.id}`, role: "gridcell" },
      column.cell(wf, { selected }),
    );
  }

  /** Redraw the ticking cells (durations) of the running rows in view. */
  tick() {
    const live = this.columns.filter((c) => c.live);
    for (const { wf, el } of this.cache.values()) {
      if (wf.status?.finishedAt || !wf.status?.startedAt) continue;
      for (const column of live) {
        const cell = el.querySelector(`.wl-col-${column.id}`);
        cell?.replaceWith(this.cell(column, wf, false));
      }
    }
  }

  /** Make row `index` the active one and scroll it into view. */
  focusRow(index) {
    const n = this.store.rows.length;
    if (!n) return;
    this.active = Math.max(0, Math.min(n - 1, index));
    this.activeUid = uidOf(this.store.rows[this.active]);
    const top = this.active * ROW_H;
    const view = this.el.clientHeight - this.head.offsetHeight;
    const scroll = this.el.scrollTop;
    if (top < scroll) this.el.scrollTop = top;
    else if (top + ROW_H > scroll + view) this.el.scrollTop = top + ROW_H - view;
    this.draw();
  }

  key(e) {
    const n = this.store.rows.length;
    const view = this.el.clientHeight - this.head.offsetHeight;
    const page = Math.max(1, Math.floor(view / ROW_H) - 1);
    const moves = { ArrowDown: 1, ArrowUp: -1, PageDown: page, PageUp: -page };
    if (e.target !== this.el) return; // the header checkbox handles its own keys
    if (e.key in moves) this.focusRow(this.active + moves[e.key]);
    else if (e.key === "Home") this.focusRow(0);
    else if (e.key === "End") this.focusRow(n - 1);
    else if (e.key === " " && n) this.toggle(this.store.rows[this.active]);
    else if (e.key === "Enter" && n) this.onOpen(this.store.rows[this.active]);
    else if (e.key.toLowerCase() === "a" && (e.ctrlKey || e.metaKey)) this.selectAll();
    else return;
    e.preventDefault();
  }

  click(e) {
    const rowEl = e.target.closest?.(".wl-row");
    // By uid, not position: a drawn row is reused while rows above it come and go.
    const wf = rowEl && this.store.byUid.get(rowEl.dataset.uid);
    if (!wf) return;
    this.active = this.store.indexOf(wf);
    this.activeUid = uidOf(wf);
    if (e.target.classList.contains("wl-check")) {
      this.toggle(wf, e.target.checked);
    } else if (!e.target.closest("a")) {
      this.draw();
    }
  }

  toggle(wf, on) {
    this.store.toggle(uidOf(wf), on);
    this.refresh();
    this.onChange();
  }

  selectAll() {
    this.store.toggleAll();
    this.refresh();
    this.onChange();
  }

  /** How many row elements are in the DOM (the tests check it stays small). */
  get drawn() {
    return this.spacer.childElementCount;
  }

  destroy() {
    this.resize.disconnect();
    if (this.frame) cancelAnimationFrame(this.frame);
    this.el.remove();
  }
}

function rowId(wf) {
  return `wl-row-${uidOf(wf)}`;
}
