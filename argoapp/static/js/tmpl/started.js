// "Workflows started from this": the workflows a template or cron workflow made, found by the
// label Argo puts on them, newest first, with phases kept live from the workflow watch stream.
// Used by the detail pages of pages/templates.js and pages/cron.js. It reads only the fields
// it shows (never status.nodes) and closes its stream in destroy(). While the stream is down it
// shows the live-updates notice (with Retry); when the stream reopens it lists again once, for
// what it missed (runs made and deleted meanwhile).

import { h, clear } from "../dom.js";
import { get, stream } from "../api.js";
import { errorBox, loading, emptyState } from "../components.js";
import { timeAgo, phaseBadge, duration, durationOf, progress } from "../format.js";
import { liveNotice } from "../workflow/livenotice.js";

const MAX_ROWS = 100;
const FIELDS = ["name", "namespace", "uid", "creationTimestamp", "labels"].map((f) => `metadata.${f}`)
  .concat(["phase", "startedAt", "finishedAt", "progress", "message"].map((f) => `status.${f}`));
const LIST_FIELDS = ["metadata", ...FIELDS.map((f) => `items.${f}`)].join(",");
const EVENT_FIELDS = ["result.type", ...FIELDS.map((f) => `result.object.${f}`)].join(",");

const keyOf = (wf) => wf.metadata.uid || `${wf.metadata.namespace}/${wf.metadata.name}`;
const newestFirst = (a, b) =>
  (b.metadata.creationTimestamp || "").localeCompare(a.metadata.creationTimestamp || "") ||
  (b.metadata.name || "").localeCompare(a.metadata.name || "");

/**
 * A live list of the workflows labelled `selector` in `namespace` ("" = every namespace).
 * Returns {element, destroy()}.
 */
export function startedWorkflows({ namespace, selector, title = "Workflows" }) {
  const body = h("div", { class: "tm-started-body" });
  const count = h("span", { class: "muted tm-count" });
  const notice = liveNotice(() => load());
  const element = h("section", { class: "card tm-started", "aria-label": title },
    h("div", { class: "tm-card-head" }, h("h2", {}, title, " ", count)), notice.el, body);
  const byUid = new Map();
  const rows = new Map(); // uid -> {key, tr}: rows are reused so focus and hover survive updates
  const tbody = h("tbody");
  const table = h("table", { class: "table tm-started-table" },
    h("thead", {}, h("tr", {},
      ["Name", "Phase", "Started", "Duration", "Progress", "Message"].map((c) => h("th", { scope: "col" }, c)))),
    tbody);
  const more = h("p", { class: "muted" });
  const path = `/api/v1/workflows/${encodeURIComponent(namespace)}`;
  const query = { "listOptions.labelSelector": selector };
  let closeStream = null;
  let destroyed = false;

  function render() {
    const items = [...byUid.entries()].sort(([, a], [, b]) => newestFirst(a, b)).slice(0, MAX_ROWS);
    count.textContent = byUid.size ? `(${byUid.size})` : "";
    if (!items.length) {
      clear(body).append(emptyState("No workflows yet."));
      rows.clear();
      clear(tbody);
      return;
    }
    if (table.parentNode !== body) clear(body).append(table, more);
    const wanted = items.map(([uid, wf]) => rowFor(uid, wf));
    const keep = new Set(wanted);
    for (const tr of [...tbody.children]) if (!keep.has(tr)) tr.remove();
    wanted.forEach((tr, i) => {
      if (tbody.children[i] !== tr) tbody.insertBefore(tr, tbody.children[i] || null);
    });
    more.textContent = byUid.size > MAX_ROWS ? `Showing the newest ${MAX_ROWS} of ${byUid.size}.` : "";
  }

  /** The row of `wf`, rebuilt only when what it shows changed. */
  function rowFor(uid, wf) {
    const st = wf.status || {};
    const key = [st.phase, st.startedAt, st.finishedAt, st.progress, st.message].join("|");
    const old = rows.get(uid);
    if (old && old.key === key) return old.tr;
    const tr = row(wf);
    if (old) {
      const hadFocus = old.tr.contains(document.activeElement);
      old.tr.replaceWith(tr);
      if (hadFocus) tr.querySelector("a")?.focus();
    }
    rows.set(uid, { key, tr });
    return tr;
  }

  function row(wf) {
    const { name, namespace: ns } = wf.metadata;
    const st = wf.status || {};
    const started = st.startedAt || wf.metadata.creationTimestamp;
    return h("tr", { dataset: { name } },
      h("td", {}, h("a", { href: `/workflows/${ns}/${name}` }, name)),
      h("td", {}, phaseBadge(st.phase || "Pending")),
      h("td", {}, started ? timeAgo(started) : "—"),
      h("td", {}, st.startedAt ? duration(durationOf(st.startedAt, st.finishedAt)) : "—"),
      h("td", {}, progress(st.progress)),
      h("td", { class: "tm-message" }, st.message || ""));
  }

  function forget(uid) {
    byUid.delete(uid);
    rows.delete(uid);
  }

  function onEvent(result) {
    const wf = result && result.object;
    if (!wf || !wf.metadata) return;
    const key = keyOf(wf);
    if (result.type === "DELETED") forget(key);
    else byUid.set(key, wf);
    render();
  }

  /** The list as the server has it now, replacing what is shown. */
  async function list() {
    const answer = await get(path, { ...query, fields: LIST_FIELDS });
    if (destroyed) return;
    byUid.clear();
    for (const wf of answer.items || []) byUid.set(keyOf(wf), wf);
    render();
  }

  async function load() {
    if (closeStream) closeStream();
    closeStream = null;
    notice.hide();
    clear(body);
    body.append(loading());
    rows.clear();
    clear(tbody);
    try {
      await list();
      if (destroyed) return;
      closeStream = stream(`/api/v1/workflow-events/${encodeURIComponent(namespace)}`,
        { ...query, fields: EVENT_FIELDS }, onEvent,
        { onError: (err) => notice.show(err), onOpen: () => notice.hide(), onReopen: catchUp });
    } catch (err) {
      if (destroyed) return;
      clear(body);
      body.append(errorBox(err, load));
    }
  }

  async function catchUp() {
    try {
      await list();
    } catch (err) {
      if (!destroyed) notice.show(err);
    }
  }

  load();
  return {
    element,
    destroy() {
      destroyed = true;
      if (closeStream) closeStream();
    },
  };
}
