// The Workflows page (/workflows[/:namespace]; every namespace is /workflows?namespace=, and
// /archived-workflows[/:namespace] is the same list of archived workflows only): live and
// archived workflows in one list in the server's order, filtered from the URL query, updated
// live from the workflow-events stream, paged 500 at a time as the user scrolls, drawn by a
// virtualised grid, with bulk actions on the selected rows. The router mounts it (default
// export) and calls the returned cleanup, which closes the stream and the timers. Pieces:
// list/query.js (filters <-> URL <-> requests), list/model.js (rows), list/grid.js (drawing,
// keyboard), list/filters.js (bar), list/bulk.js (actions), list/columns.js (cells).

import { get, stream } from "../api.js";
import { h, clear } from "../dom.js";
import { navigate, setQuery } from "../router.js";
import { app, confirmDialog, emptyState, errorBox, loading, toast } from "../components.js";
import { columnsFor, detailHref } from "../list/columns.js";
import { Grid, ROW_H } from "../list/grid.js";
import { RowStore, uidOf } from "../list/model.js";
import { filterBar } from "../list/filters.js";
import { ACTIONS, applyAll, question } from "../list/bulk.js";
import {
  isArchived,
  isFiltered,
  listQuery,
  matches,
  readFilters,
  watchQuery,
  writeFilters,
} from "../list/query.js";

let marked = false; // performance mark: once per page load, for the benchmark

/** Mount the page; returns its cleanup. */
export default function mount(root, { params, query }) {
  const view = new WorkflowList(root, namespaceOf(params, query), query, Boolean(params.archived));
  view.start();
  return () => view.destroy();
}

/** The namespace a route shows: the managed one, the path's, `?namespace=` ("" = every
 * namespace: /workflows?namespace=), or the default (last used, else argo). */
function namespaceOf(params, query) {
  if (app.managedNamespace) return app.managedNamespace;
  if (params.namespace !== undefined) return params.namespace;
  if (query.has("namespace")) return query.get("namespace").trim();
  return app.namespace || "argo";
}

/** The URL query of `filters`, every filter key present (null removes one from the URL). */
function filterQuery(filters) {
  const keys = ["phase", "label", "name", "nameFilter", "createdAfter", "finishedBefore"];
  return { ...Object.fromEntries(keys.map((k) => [k, null])), ...writeFilters(filters) };
}

class WorkflowList {
  constructor(root, namespace, query, archivedOnly) {
    this.root = root;
    this.base = archivedOnly ? "/archived-workflows" : "/workflows";
    this.title = archivedOnly ? "Archived workflows" : "Workflows";
    this.filters = readFilters(query, namespace, archivedOnly);
    this.store = new RowStore();
    this.generation = 0; // bumped by every reload: answers of an older one are dropped
    this.closeStream = null;
    this.pending = 0; // a requestAnimationFrame batching watch events
    this.columns = columnsFor({
      allNamespaces: namespace === "",
      infoColumns: app.info?.columns || [],
    });
  }

  start() {
    document.title = `${this.title} · argoapp`;
    this.count = h("span", { class: "wl-count muted", "aria-live": "polite" });
    this.notice = h("div", { class: "wl-notice", role: "status", hidden: true });
    this.result = h("div", { class: "wl-result" });
    this.body = h("div", { class: "wl-body" });
    this.foot = h("div", { class: "wl-foot" });
    this.actions = this.actionBar();
    this.bar = this.filterBar();
    clear(this.root).append(
      h(
        "div",
        { class: "wl-page" },
        h(
          "div",
          { class: "page-head" },
          h("h1", {}, this.title),
          h(
            "div",
            { class: "toolbar" },
            h(
              "a",
              {
                class: "btn primary",
                href: this.submitHref(),
                "aria-label": "Submit a new workflow",
              },
              "+ Submit new workflow",
            ),
          ),
        ),
        this.bar.element,
        h("div", { class: "wl-status" }, this.count, this.notice, this.actions),
        this.result,
        this.body,
        this.foot,
      ),
    );
    this.grid = new Grid(this.body, {
      store: this.store,
      columns: this.columns,
      onOpen: (wf) => navigate(detailHref(wf)),
      onChange: () => this.updateActions(),
      onNearEnd: () => this.loadMore(),
    });
    this.empty = h("div", { class: "wl-empty", hidden: true });
    this.body.append(this.empty);
    this.ticker = setInterval(() => this.grid.tick(), 1000);
    this.onResize = () => this.fit();
    window.addEventListener("resize", this.onResize);
    this.reload();
  }

  destroy() {
    this.generation++;
    this.stopStream();
    clearInterval(this.ticker);
    if (this.pending) cancelAnimationFrame(this.pending);
    window.removeEventListener("resize", this.onResize);
    this.bar.destroy();
    this.grid.destroy();
  }

  submitHref() {
    const ns = this.filters.namespace || app.namespace || "argo";
    return `/submit?namespace=${encodeURIComponent(ns)}`;
  }

  filterBar() {
    return filterBar(this.filters, {
      managed: Boolean(app.managedNamespace),
      onChange: (filters) => {
        setQuery(filterQuery(filters));
        this.filters = filters;
        this.reload();
      },
      onNamespace: (ns) => {
        // namespaceInput remembers a namespace; "" (every namespace) is a query, not a path.
        const q = new URLSearchParams(ns ? "" : "namespace=");
        for (const [k, v] of Object.entries(writeFilters(this.filters))) {
          for (const one of [].concat(v)) q.append(k, one);
        }
        const path = ns ? `${this.base}/${encodeURIComponent(ns)}` : this.base;
        navigate(`${path}?${q}`.replace(/\?$/, ""));
      },
    });
  }

  // The first page, then the watch from its resourceVersion.
  async reload() {
    const generation = ++this.generation;
    this.loadingMore = false;
    this.moreFailed = false;
    this.stopStream();
    this.result.replaceChildren();
    this.foot.replaceChildren();
    this.grid.el.hidden = true;
    this.empty.hidden = false;
    this.empty.replaceChildren(loading("Loading workflows…"));
    let list;
    try {
      list = await get(this.listPath(), listQuery(this.filters, "", app.info?.columns));
    } catch (err) {
      if (generation !== this.generation) return;
      this.empty.replaceChildren(errorBox(err, () => this.reload()));
      return;
    }
    if (generation !== this.generation) return;
    this.store.reset(list.items || [], list.metadata?.continue);
    this.render();
    if (!marked) {
      marked = true;
      performance.mark("argoapp:workflows-rendered");
    }
    this.startStream(list.metadata?.resourceVersion || "");
  }

  listPath() {
    return `/api/v1/workflows/${encodeURIComponent(this.filters.namespace)}`;
  }

  // The next page: on scrolling near the end (not again after a failure: its Retry does).
  async loadMore({ retry = false } = {}) {
    if (this.loadingMore || !this.store.next || (this.moreFailed && !retry)) return;
    this.moreFailed = false;
    const generation = this.generation;
    this.loadingMore = true;
    this.foot.replaceChildren(loading("Loading more…"));
    let list;
    try {
      const query = listQuery(this.filters, this.store.next, app.info?.columns);
      list = await get(this.listPath(), query);
    } catch (err) {
      if (generation !== this.generation) return;
      this.loadingMore = false;
      this.moreFailed = true;
      this.foot.replaceChildren(errorBox(err, () => this.loadMore({ retry: true })));
      return;
    }
    if (generation !== this.generation) return;
    this.loadingMore = false;
    this.store.append(list.items || [], list.metadata?.continue);
    this.render();
  }

  startStream(resourceVersion) {
    const path = `/api/v1/workflow-events/${encodeURIComponent(this.filters.namespace)}`;
    // A reopened watch resumes from the list's resourceVersion, so the changes missed while it
    // was down are replayed; when the server no longer keeps that version (410 Expired) the
    // list is read again instead of retrying a version that can never come back.
    const failed = (err) => {
      if (err?.status === 410) this.reload();
      else this.showNotice(true);
    };
    this.closeStream = stream(
      path,
      watchQuery(this.filters, resourceVersion, app.info?.columns),
      (event) => this.onEvent(event),
      { onError: failed, onOpen: () => this.showNotice(false) },
    );
  }

  stopStream() {
    if (this.closeStream) this.closeStream();
    this.closeStream = null;
    this.showNotice(false);
  }

  onEvent(event) {
    const wf = event?.object;
    const uid = uidOf(wf);
    if (!uid) return;
    // A deleted live workflow that was archived stays listed: the list shows the archive too
    // (a ttlStrategy cleaning up finished workflows must not empty the list until a reload).
    const deleted = event.type === "DELETED" && !isArchived(wf);
    const gone = deleted || !matches(wf, this.filters);
    const changed = gone ? this.store.remove(uid) : this.store.upsert(wf);
    if (changed && !this.pending) {
      // Batch a burst of events (a fan-out finishing) into one draw per frame.
      this.pending = requestAnimationFrame(() => {
        this.pending = 0;
        this.render();
      });
    }
  }

  showNotice(on) {
    if (!this.notice) return;
    this.notice.hidden = !on;
    if (on && !this.notice.firstChild) {
      this.notice.append(
        h("span", { "aria-hidden": "true" }, "⚠ "),
        "Live updates paused ",
        h("button", { type: "button", class: "btn", onclick: () => this.reload() }, "Retry"),
      );
    }
  }

  // Rows changed: the grid or the empty state, the count, the footer, the actions.
  render() {
    const n = this.store.rows.length;
    this.grid.el.hidden = n === 0;
    this.empty.hidden = n > 0;
    if (n === 0) this.empty.replaceChildren(this.emptyMessage());
    this.grid.refresh();
    this.fit();
    const more = this.store.next ? "+" : "";
    this.count.textContent = `${n}${more} workflow${n === 1 && !more ? "" : "s"}`;
    if (!this.loadingMore && !this.moreFailed) {
      this.foot.replaceChildren(
        this.store.next
          ? h(
              "button",
              {
                type: "button",
                class: "btn wl-more",
                onclick: () => this.loadMore({ retry: true }),
              },
              "Load more",
            )
          : "",
      );
    }
    this.updateActions();
  }

  emptyMessage() {
    if (isFiltered(this.filters)) {
      return emptyState("No workflows match these filters.", {
        label: "Clear filters",
        onclick: () => this.bar.clear(),
      });
    }
    const where = this.filters.namespace ? `in ${this.filters.namespace}` : "in any namespace";
    const action = { label: "Submit one", href: this.submitHref() };
    return emptyState(`No workflows ${where} yet.`, action);
  }

  // The grid fills the window below it (it is its own scroll container), or less when its
  // rows need less.
  fit() {
    const top = this.grid.el.getBoundingClientRect().top;
    const room = window.innerHeight - top - this.foot.offsetHeight - 24;
    const rows = this.grid.head.offsetHeight + this.store.rows.length * ROW_H + 2;
    this.grid.el.style.height = `${Math.min(rows, Math.max(ROW_H * 8, room))}px`;
  }

  actionBar() {
    this.selectedLabel = h("span", { class: "wl-selected muted" });
    this.buttons = ACTIONS.map((action) =>
      h(
        "button",
        {
          type: "button",
          class: action.danger ? "btn danger" : "btn",
          dataset: { action: action.id },
          disabled: true,
          onclick: () => this.bulk(action),
        },
        action.label,
      ),
    );
    return h(
      "div",
      {
        class: "toolbar wl-actions",
        role: "toolbar",
        "aria-label": "Actions on the selected workflows",
      },
      this.selectedLabel,
      ...this.buttons,
    );
  }

  updateActions() {
    const n = this.store.selected.size;
    this.selectedLabel.textContent = n ? `${n} selected` : "";
    for (const button of this.buttons) button.disabled = n === 0 || this.busy;
  }

  async bulk(action) {
    const targets = this.store.selection();
    if (!targets.length) return;
    const ok = await confirmDialog(question(action, targets.length), {
      confirm: action.label,
      danger: Boolean(action.danger),
    });
    if (!ok) return;
    this.busy = true;
    this.updateActions();
    const { done, failed } = await applyAll(action, targets);
    this.busy = false;
    if (action.id === "delete") for (const wf of done) this.store.remove(uidOf(wf));
    this.store.selected = new Set(failed.map((f) => uidOf(f.wf)));
    this.render();
    if (done.length) {
      toast(`${done.length} workflow${done.length === 1 ? "" : "s"} ${action.done}`, {
        kind: "success",
      });
    }
    this.showFailures(action, failed);
  }

  showFailures(action, failed) {
    if (!failed.length) {
      this.result.replaceChildren();
      return;
    }
    toast(`${action.label} failed for ${failed.length} workflow${failed.length === 1 ? "" : "s"}`, {
      kind: "error",
    });
    this.result.replaceChildren(
      h(
        "div",
        { class: "error-box wl-failures", role: "alert" },
        h("strong", {}, `${action.label} failed for:`),
        h(
          "ul",
          {},
          ...failed.map((f) => h("li", {}, h("code", {}, f.wf.metadata.name), ": ", f.message)),
        ),
        h(
          "button",
          { type: "button", class: "btn", onclick: () => this.result.replaceChildren() },
          "Dismiss",
        ),
      ),
    );
  }
}
