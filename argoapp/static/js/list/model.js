// Workflows list: the rows in memory. Keeps the workflows of the pages loaded so far in the
// server's order (query.position), keyed by uid, with the user's selection; pages append,
// watch events upsert or remove in O(log n + n) with a binary search. Knows nothing of the DOM
// or the network: pages/workflows.js feeds it and list/grid.js draws `rows`.

import { compare, position } from "./query.js";

export class RowStore {
  constructor() {
    /** @type {object[]} workflows in list order */
    this.rows = [];
    /** @type {Map<string, object>} uid -> workflow */
    this.byUid = new Map();
    /** @type {Set<string>} selected uids */
    this.selected = new Set();
    /** continue token of the next page ("" when everything is loaded) */
    this.next = "";
  }

  /** Start again from a first page. */
  reset(items, next) {
    this.rows = [];
    this.byUid.clear();
    this.selected.clear();
    this.next = next || "";
    this.append(items, next);
  }

  /**
   * Add a page's workflows. A workflow already here (sent again because it moved between
   * pages, or already updated by the watch) keeps its current copy.
   */
  append(items, next) {
    this.next = next || "";
    const fresh = items.filter((wf) => {
      const uid = uidOf(wf);
      return uid && !this.byUid.has(uid);
    });
    for (const wf of fresh) this.byUid.set(uidOf(wf), wf);
    this.rows = this.rows.concat(fresh);
    if (!isSorted(this.rows)) this.rows.sort((a, b) => compare(position(a), position(b)));
  }

  /**
   * Put a workflow from the watch where it belongs; one past the last row while more pages
   * remain is left for its page to bring. Returns whether the rows changed.
   */
  upsert(wf) {
    const uid = uidOf(wf);
    if (!uid) return false;
    const old = this.byUid.get(uid);
    if (old) this.rows.splice(this.indexOf(old), 1);
    const at = this.insertionIndex(position(wf));
    if (!old && this.next && at >= this.rows.length) return false;
    this.rows.splice(at, 0, wf);
    this.byUid.set(uid, wf);
    return true;
  }

  /** Drop a workflow (deleted, or no longer matching the filters). */
  remove(uid) {
    const old = this.byUid.get(uid);
    if (!old) return false;
    this.rows.splice(this.indexOf(old), 1);
    this.byUid.delete(uid);
    this.selected.delete(uid);
    return true;
  }

  /** Index of a workflow held here (-1 if not). */
  indexOf(wf) {
    const at = this.insertionIndex(position(wf));
    for (const i of [at, at - 1, at + 1]) {
      if (this.rows[i] === wf) return i;
    }
    return this.rows.indexOf(wf); // its times changed under us: fall back to a scan
  }

  insertionIndex(pos) {
    let lo = 0;
    let hi = this.rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compare(position(this.rows[mid]), pos) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  toggle(uid, on = !this.selected.has(uid)) {
    if (on) this.selected.add(uid);
    else this.selected.delete(uid);
  }

  /** Select every loaded row, or none when all are selected already. */
  toggleAll() {
    if (this.allSelected()) this.selected.clear();
    else for (const wf of this.rows) this.selected.add(uidOf(wf));
  }

  allSelected() {
    return this.rows.length > 0 && this.selected.size === this.rows.length;
  }

  /** The selected workflows, in list order. */
  selection() {
    return this.rows.filter((wf) => this.selected.has(uidOf(wf)));
  }
}

/** A workflow's uid ("" when it has none yet). */
export function uidOf(wf) {
  return wf?.metadata?.uid || "";
}

function isSorted(rows) {
  for (let i = 1; i < rows.length; i++) {
    if (compare(position(rows[i - 1]), position(rows[i])) > 0) return false;
  }
  return true;
}
