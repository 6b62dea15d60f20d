// The side panel of the workflow page: one node's summary, inputs and outputs (parameters and
// artifacts with download links), container logs and events; or, opened without a node, the
// logs of every pod of the workflow together. Used by pages/workflow.js, which owns when it opens
// and closes (Esc, the close button) and feeds it each new version of the workflow: the summary
// and inputs/outputs redraw from it, while an open log or event stream keeps running.

import { h, clear } from "../dom.js";
import { timeAgo, duration, durationOf, phaseBadge, progress } from "../format.js";
import { tabs, emptyState } from "../components.js";
import {
  artifactPath,
  attemptsOf,
  hasPod,
  nodeLabel,
  nodePhase,
  podName,
  resourcesText,
} from "./model.js";
import { LogViewer } from "./logs.js";
import { resumeNodeButton } from "./actions.js";
import { EventList, aboutNode } from "./events.js";

const VIEWS = [
  { id: "summary", label: "Summary" },
  { id: "io", label: "Inputs/Outputs" },
  { id: "logs", label: "Logs" },
  { id: "events", label: "Events" },
];

/** The node panel, drawn into `host`; onClose() when the user closes it, onSelect(id) for a
 *  link to another node (a retry's attempt), onView(view) when its tab changes. */
export class NodePanel {
  constructor(host, { onClose, onSelect, onView }) {
    this.host = host;
    this.onClose = onClose;
    this.onSelect = onSelect;
    this.onView = onView;
    this.wf = null;
    this.nodeId = null;
    this.view = "summary";
    this.live = null; // the LogViewer or EventList of the current view
    this.el = null;
  }

  /** Open on `nodeId` of `wf` (null: the workflow's logs), showing `view`. */
  show(wf, nodeId, { archived = false, view = "summary" } = {}) {
    this.close({ quiet: true });
    this.wf = wf;
    this.archived = archived;
    this.nodeId = nodeId;
    this.requested = view;
    const node = this.node();
    const known = VIEWS.some((v) => v.id === view) && (view !== "logs" || hasPod(node));
    if (node) this.view = known ? view : "summary";
    else this.view = nodeId ? view : "logs"; // a node not made yet keeps the view asked for
    this.title = h("h2", { class: "wf-panel-title", tabindex: "-1" });
    this.badge = h("span");
    this.content = h("div", { class: "wf-panel-body" });
    const closeBtn = h(
      "button",
      {
        class: "btn wf-panel-close",
        type: "button",
        "aria-label": "Close panel (Esc)",
        onclick: () => this.onClose(),
      },
      "✕",
    );
    const views = node ? VIEWS.filter((v) => hasPod(node) || (v.id !== "logs")) : [];
    // Prefixed: tab ids become element ids, which must not clash with the page's own tabs.
    const items = views.map((v) => ({ id: `node-${v.id}`, label: v.label }));
    const choose = (id) => this.switchView(id.replace(/^node-/, ""));
    const tabBar = items.length ? tabs(items, `node-${this.view}`, choose) : null;
    const label = node ? `Node ${nodeLabel(node)}` : "Workflow logs";
    this.el = h(
      "aside",
      { class: "wf-panel", "aria-label": label },
      h("div", { class: "wf-panel-head" }, this.title, this.badge, closeBtn),
      tabBar,
      this.content,
    );
    this.host.append(this.el);
    this.drawHead();
    this.drawView();
    this.title.focus();
  }

  get isOpen() {
    return this.el !== null;
  }

  node() {
    return this.nodeId ? this.wf?.status?.nodes?.[this.nodeId] || null : null;
  }

  drawHead() {
    const node = this.node();
    if (node) this.title.textContent = nodeLabel(node);
    else this.title.textContent = this.nodeId || `Logs of ${this.wf.metadata.name}`;
    clear(this.badge);
    if (node) this.badge.append(phaseBadge(nodePhase(node)));
  }

  switchView(id) {
    this.view = id;
    this.drawView();
    this.onView(id);
  }

  drawView() {
    if (this.live) this.live.destroy();
    this.live = null;
    clear(this.content);
    const node = this.node();
    const { namespace, name } = this.wf.metadata;
    if (this.nodeId && !node) {
      this.content.append(emptyState(`There is no node ${this.nodeId} in this workflow (yet).`));
    } else if (this.view === "logs") {
      this.live = new LogViewer(this.content, { wf: this.wf, node, archived: this.archived });
    } else if (this.view === "events") {
      const sources = [{ kind: "Workflow", name, keep: aboutNode(node.name) }];
      const pod = podName(this.wf, node);
      if (pod) sources.unshift({ kind: "Pod", name: pod });
      this.live = new EventList(this.content, { namespace, sources });
    }
    this.drawnKey = this.nodeKey();
    if (this.live || (this.nodeId && !node)) return;
    if (this.view === "io") {
      this.content.append(inputsOutputs(this.wf, node, this.archived));
    } else {
      if (node.type === "Suspend" && node.phase === "Running" && !this.archived) {
        this.content.append(resumeNodeButton(this.wf, node));
      }
      this.content.append(summary(this.wf, node, this.onSelect));
    }
  }

  /** A new version of the workflow: redraw what is drawn from it, keep streams running. */
  update(wf) {
    if (!this.el) return;
    const appeared = this.nodeId && !this.node() && wf.status?.nodes?.[this.nodeId];
    this.wf = wf;
    if (appeared) {
      // a deep link to a node the controller had not made yet when the page loaded
      this.show(wf, this.nodeId, { archived: this.archived, view: this.requested });
      return;
    }
    this.drawHead();
    if (this.live instanceof LogViewer) this.live.wf = wf;
    // Redrawn only when the node changed, so reading (or scrolling) them is not interrupted by
    // updates about other nodes.
    if ((this.view === "summary" || this.view === "io") && this.drawnKey !== this.nodeKey()) {
      this.drawView();
    }
  }

  /** What the summary and inputs/outputs are drawn from (a Retry node's attempts included). */
  nodeKey() {
    const node = this.node();
    return JSON.stringify([node, attemptsOf(this.wf, node).map((a) => [a.phase, a.message])]);
  }

  close({ quiet = false } = {}) {
    if (this.live) this.live.destroy();
    this.live = null;
    if (this.el) this.el.remove();
    this.el = null;
    if (!quiet) this.nodeId = null;
  }
}

/** Rows of a definition list, leaving out empty values. */
function facts(rows) {
  const items = [];
  for (const [label, value] of rows) {
    if (value === undefined || value === null || value === "") continue;
    items.push(h("dt", {}, label), h("dd", {}, value));
  }
  return h("dl", { class: "wf-facts" }, items);
}

function summary(wf, node, onSelect) {
  const ref = node.templateRef;
  const template = ref
    ? `${ref.name}/${ref.template}${ref.clusterScope ? " (cluster)" : ""}`
    : node.templateName;
  const running = !node.finishedAt && node.startedAt;
  const took = node.startedAt ? duration(durationOf(node.startedAt, node.finishedAt)) : "";
  const attempts = attemptsOf(wf, node);
  const out = [
    facts([
      ["Name", node.name],
      ["ID", node.id],
      ["Type", node.type],
      ["Phase", phaseBadge(nodePhase(node))],
      ["Message", node.message],
      ["Template", template],
      ["Pod", podName(wf, node)],
      ["Host", node.hostNodeName],
      ["Started", node.startedAt ? timeAgo(node.startedAt) : ""],
      ["Finished", node.finishedAt ? timeAgo(node.finishedAt) : ""],
      ["Duration", node.startedAt ? took + (running ? " (running)" : "") : ""],
      ["Progress", node.progress ? progress(node.progress) : ""],
      ["Exit code", node.outputs?.exitCode],
      ["Resources", resourcesText(node.resourcesDuration)],
    ]),
  ];
  if (attempts.length) {
    const items = attempts.map((a, i) =>
      h(
        "li",
        {},
        h(
          "button",
          { class: "btn wf-link", type: "button", onclick: () => onSelect(a.id) },
          `Attempt ${i + 1}`,
        ),
        " ",
        phaseBadge(nodePhase(a)),
        a.message ? h("span", { class: "muted" }, ` ${a.message}`) : null,
      ),
    );
    out.push(
      h("h3", {}, `Retries (${attempts.length} attempts)`),
      h("ol", { class: "wf-attempts" }, items),
    );
  }
  return h("div", {}, out);
}

function inputsOutputs(wf, node, archived) {
  const parts = [];
  for (const [direction, data] of [["inputs", node.inputs], ["outputs", node.outputs]]) {
    const title = direction === "inputs" ? "Inputs" : "Outputs";
    const params = data?.parameters || [];
    const arts = data?.artifacts || [];
    parts.push(h("h3", {}, title));
    if (!params.length && !arts.length && !data?.result) {
      parts.push(h("p", { class: "muted" }, `No ${direction}.`));
      continue;
    }
    if (params.length) parts.push(paramTable(params));
    if (data?.result !== undefined) parts.push(facts([["Result", h("code", {}, data.result)]]));
    if (arts.length) parts.push(artifactTable(wf, node, direction, arts, archived));
  }
  return h("div", { class: "wf-io" }, parts);
}

/** A table of parameters (name, value). */
export function paramTable(params) {
  const rows = params.map((p) =>
    h(
      "tr",
      {},
      h("th", { scope: "row" }, p.name),
      h("td", {}, h("code", { class: "wf-value" }, String(p.value ?? p.default ?? ""))),
    ),
  );
  return h("table", { class: "table wf-params" }, h("tbody", {}, rows));
}

function artifactTable(wf, node, direction, arts, archived) {
  const rows = arts.map((a) => {
    const href = artifactPath(wf, node.id, direction, a.name, archived);
    const where = a.s3?.key || a.gcs?.key || a.http?.url || a.path || "";
    return h(
      "tr",
      {},
      h("th", { scope: "row" }, a.name),
      h("td", { class: "muted" }, where),
      h("td", {}, artifactLinks(href, a.name)),
    );
  });
  return h("table", { class: "table wf-artifacts" }, h("tbody", {}, rows));
}

/** Two links to an artifact: Download saves it (same origin, so `download` is honoured; the
 *  server's Content-Disposition names the file), Open shows it in a new tab. `what` names it
 *  for screen readers. */
export function artifactLinks(href, what) {
  return h(
    "span",
    { class: "wf-artifact-links" },
    h("a", { href, download: true, class: "wf-artifact", "aria-label": `Download ${what}` },
      "⤓ Download"),
    " ",
    h("a", { href, target: "_blank", rel: "noopener", "aria-label": `Open ${what}` }, "Open"),
  );
}
