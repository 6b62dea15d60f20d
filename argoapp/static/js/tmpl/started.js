// "Workflows started from this": the workflows a template or cron workflow made, found by the
// label Argo puts on them, newest first, with phases kept live from the workflow watch stream.
// Used by the detail pages of pages/templates.js and pages/cron.js. It reads only the fields
// it shows (never status.nodes) and closes its stream in destroy().

import { h, clear } from "../dom.js";
import { get, stream } from "../api.js";
import { errorBox, loading, emptyState } from "../components.js";
import { timeAgo, phaseBadge, duration, durationOf, progress } from "../format.js";

const MAX_ROWS = 100;
const FIELDS = ["name", "namespace", "uid", "creationTimestamp", "labels"].map((f) => `metadata.${f}`)
  .concat(["phase", "startedAt", "finishedAt", "progress", "message"].map((f) => `status.${f}`));
const LIST_FIELDS = ["metadata", ...FIELDS.map((f) => `items.${f}`)].join(",");
const EVENT_FIELDS = ["result.type", ...FIELDS.map((f) => `result.object.${f}`)].join(",");

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
  const element = h("section", { class: "card tm-started", "aria-label": title },
    h("div", { class: "tm-card-head" }, h("h2", {}, title, " ", count)), body);
  const byUid = new Map();
  const path = `/api/v1/workflows/${encodeURIComponent(namespace)}`;
  const query = { "listOptions.labelSelector": selector };
  let closeStream = null;
  let destroyed = false;

  function render() {
    const items = [...byUid.values()].sort(newestFirst);
    count.textContent = items.length ? `(${items.length})` : "";
    clear(body);
    if (!items.length) {
      body.append(emptyState("No workflows yet."));
      return;
    }
    const rows = items.slice(0, MAX_ROWS).map(row);
    body.append(h("table", { class: "table tm-started-table" },
      h("thead", {}, h("tr", {},
        ["Name", "Phase", "Started", "Duration", "Progress", "Message"].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, rows)));
    if (items.length > MAX_ROWS) {
      body.append(h("p", { class: "muted" }, `Showing the newest ${MAX_ROWS} of ${items.length}.`));
    }
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

  function onEvent(result) {
    const wf = result && result.object;
    if (!wf || !wf.metadata) return;
    const key = wf.metadata.uid || `${wf.metadata.namespace}/${wf.metadata.name}`;
    if (result.type === "DELETED") byUid.delete(key);
    else byUid.set(key, wf);
    render();
  }

  async function load() {
    clear(body);
    body.append(loading());
    try {
      const list = await get(path, { ...query, fields: LIST_FIELDS });
      if (destroyed) return;
      byUid.clear();
      for (const wf of list.items || []) byUid.set(wf.metadata.uid || wf.metadata.name, wf);
      render();
      closeStream = stream(`/api/v1/workflow-events/${encodeURIComponent(namespace)}`,
        { ...query, fields: EVENT_FIELDS }, onEvent);
    } catch (err) {
      if (destroyed) return;
      clear(body);
      body.append(errorBox(err, load));
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
