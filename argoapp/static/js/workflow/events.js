// The Kubernetes events of one object (a node's pod, or the workflow itself), followed live
// from `/api/v1/stream/events/{ns}` with an `involvedObject` field selector. The watch starts
// without a resourceVersion, so the events already there arrive first; they are kept by uid, so a
// reconnect (api.stream re-watches, also after a clean end) repeats nothing. While a stream is
// down the list shows the live-updates notice with Retry. Used by workflow/nodepanel.js and the
// summary tab.

import { h, clear } from "../dom.js";
import { stream } from "../api.js";
import { timeAgo } from "../format.js";
import { emptyState } from "../components.js";
import { liveNotice } from "./livenotice.js";

const MAX_EVENTS = 500;

/** A live table of the events in `namespace` about each of `sources` ({kind, name, keep?}:
 *  `keep(event)` narrows further, e.g. the workflow's events about one node), into `container`. */
export class EventList {
  constructor(container, { namespace, sources }) {
    this.events = new Map();
    this.notice = liveNotice(() => this.connect());
    this.el = h("div", { class: "wf-events" });
    container.append(this.notice.el, this.el);
    this.frame = 0;
    this.namespace = namespace;
    this.sources = sources;
    this.closers = [];
    this.draw();
    this.connect();
  }

  /** (Re)open one stream per source; the notice shows while any of them is down. */
  connect() {
    for (const close of this.closers) close();
    this.notice.hide();
    const down = new Set();
    const path = `/api/v1/stream/events/${encodeURIComponent(this.namespace)}`;
    this.closers = this.sources.map(({ kind, name, keep }, i) => {
      const selector = `involvedObject.kind=${kind},involvedObject.name=${name}`;
      const onEvent = (event) => (!keep || keep(event)) && this.add(event);
      const onError = (err) => {
        down.add(i);
        this.notice.show(err);
      };
      const onOpen = () => {
        down.delete(i);
        if (!down.size) this.notice.hide();
      };
      return stream(path, { "listOptions.fieldSelector": selector }, onEvent, { onError, onOpen });
    });
  }

  add(event) {
    const uid = event?.metadata?.uid || event?.metadata?.name;
    if (!uid) return;
    this.events.set(uid, event);
    if (this.events.size > MAX_EVENTS) this.events.delete(this.events.keys().next().value);
    if (!this.frame) this.frame = requestAnimationFrame(() => this.draw());
  }

  draw() {
    this.frame = 0;
    clear(this.el);
    const events = [...this.events.values()].sort((a, b) => stamp(b).localeCompare(stamp(a)));
    if (!events.length) {
      this.el.append(emptyState("No events."));
      return;
    }
    const rows = events.map((e) =>
      h(
        "tr",
        { class: e.type === "Warning" ? "wf-event-warning" : "" },
        h("td", {}, stamp(e) ? timeAgo(stamp(e)) : ""),
        h("td", {}, e.type === "Warning" ? "⚠ Warning" : e.type || ""),
        h("td", {}, e.reason || ""),
        h("td", {}, e.message || ""),
        h("td", { class: "muted" }, e.count > 1 ? `×${e.count}` : ""),
      ),
    );
    const head = h(
      "tr",
      {},
      ["When", "Type", "Reason", "Message", ""].map((t) => h("th", { scope: "col" }, t)),
    );
    const table = h("table", { class: "table wf-events-table" });
    table.append(h("thead", {}, head), h("tbody", {}, rows));
    this.el.append(table);
  }

  destroy() {
    if (this.frame) cancelAnimationFrame(this.frame);
    for (const close of this.closers) close();
    this.notice.el.remove();
    this.el.remove();
  }
}

/** Whether a workflow's event is about the node called `nodeName` (the controller annotates it). */
export function aboutNode(nodeName) {
  return (e) => e.metadata?.annotations?.["workflows.argoproj.io/node-name"] === nodeName;
}

function stamp(e) {
  return e.lastTimestamp || e.eventTime || e.firstTimestamp || e.metadata?.creationTimestamp || "";
}
