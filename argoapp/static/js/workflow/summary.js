// The summary tab of the workflow page: the title and description annotations
// (`workflows.argoproj.io/title|description`), facts about the run, the template it came from,
// parameters, labels, annotations, conditions, the output artifacts of its nodes (download links)
// and the workflow's events. Used by pages/workflow.js; returns {el, destroy}.

import { h, clear } from "../dom.js";
import { timeAgo, duration, durationOf, phaseBadge, progress } from "../format.js";
import { EventList } from "./events.js";
import { artifactLinks, paramTable } from "./nodepanel.js";
import {
  artifactPath,
  nodeLabel,
  outputArtifacts,
  sourceTemplate,
  sourceTemplateLink,
} from "./model.js";

const TITLE = "workflows.argoproj.io/title";
const DESCRIPTION = "workflows.argoproj.io/description";

/** The summary tab of `wf`: {el, setWorkflow(wf), destroy}. A new version redraws the facts;
 *  the events section (a live stream) stays. */
export function summaryTab(wf, { archived }) {
  const facts = h("div", { class: "wf-summary-facts" }, summarySections(wf, archived));
  const events = h("div");
  const meta = wf.metadata;
  const list = archived
    ? null
    : new EventList(events, {
        namespace: meta.namespace,
        sources: [{ kind: "Workflow", name: meta.name }],
      });
  if (archived) events.append(none("Events of archived workflows are not kept."));
  let drawn = summaryKey(wf);
  const setWorkflow = (next) => {
    const key = summaryKey(next);
    if (key === drawn) return; // a change in the nodes only: nothing here to redraw
    drawn = key;
    clear(facts).append(...summarySections(next, archived));
  };
  return {
    el: h("div", { class: "wf-summary" }, facts, section("Events", events)),
    setWorkflow,
    destroy: () => list?.destroy(),
  };
}

/** What the summary is drawn from: all but the nodes, and the count of their artifacts. */
function summaryKey(wf) {
  const { nodes, ...status } = wf.status || {};
  const artifactCount = Object.values(nodes || {}).reduce(
    (n, node) => n + (node.outputs?.artifacts?.length || 0),
    0,
  );
  const { labels, annotations } = wf.metadata; // not resourceVersion: it changes every time
  return JSON.stringify([labels, annotations, wf.spec?.arguments, status, artifactCount]);
}

function summarySections(wf, archived) {
  const meta = wf.metadata;
  const status = wf.status || {};
  const ann = meta.annotations || {};
  const src = sourceTemplate(wf);
  const parent = meta.labels?.["workflows.argoproj.io/resubmitted-from-workflow"];
  const here = `/workflows/${meta.namespace}`;
  const parts = [];
  if (ann[TITLE]) parts.push(h("h2", { class: "wf-title" }, ann[TITLE]));
  if (ann[DESCRIPTION]) parts.push(h("p", { class: "wf-description" }, ann[DESCRIPTION]));
  const rows = [
    ["Name", meta.name],
    ["Namespace", meta.namespace],
    ["UID", meta.uid],
    ["Phase", phaseBadge(status.phase || "Pending")],
    ["Message", status.message],
    ["Created", meta.creationTimestamp ? timeAgo(meta.creationTimestamp) : ""],
    ["Started", status.startedAt ? timeAgo(status.startedAt) : ""],
    ["Finished", status.finishedAt ? timeAgo(status.finishedAt) : ""],
    ["Duration", status.startedAt ? duration(durationOf(status.startedAt, status.finishedAt)) : ""],
    ["Progress", status.progress ? progress(status.progress) : ""],
    ["Entrypoint", wf.spec?.entrypoint],
    ["Service account", wf.spec?.serviceAccountName],
    ["From", src ? h("a", { href: sourceTemplateLink(wf, src) }, `${src.kind} ${src.name}`) : ""],
    ["Resubmitted from", parent ? h("a", { href: `${here}/${parent}` }, parent) : ""],
    ["Archived", archived ? "yes (read from the archive)" : ""],
  ];
  parts.push(section("Summary", dl(rows)));
  const params = wf.spec?.arguments?.parameters || [];
  parts.push(section("Parameters", params.length ? paramTable(params) : none("No parameters.")));
  parts.push(section("Labels", pairs(meta.labels)));
  parts.push(section("Annotations", pairs(meta.annotations)));
  parts.push(section("Conditions", conditions(status.conditions)));
  parts.push(section("Artifacts", artifacts(wf, archived)));
  return parts;
}

function section(title, body) {
  return h("section", { class: "card wf-section" }, h("h3", {}, title), body);
}

function none(text) {
  return h("p", { class: "muted" }, text);
}

function dl(rows) {
  const items = [];
  for (const [label, value] of rows) {
    if (value === undefined || value === null || value === "") continue;
    items.push(h("dt", {}, label), h("dd", {}, value));
  }
  return h("dl", { class: "wf-facts" }, items);
}

function pairs(map) {
  const entries = Object.entries(map || {});
  if (!entries.length) return none("None.");
  return h(
    "ul",
    { class: "wf-pairs" },
    entries.map(([k, v]) => h("li", {}, h("code", {}, `${k}=${v}`))),
  );
}

function conditions(list) {
  if (!list?.length) return none("None.");
  const rows = list.map((c) =>
    h("tr", {}, [c.type, c.status, c.message].map((text) => h("td", {}, text || ""))),
  );
  const head = h("tr", {}, ["Type", "Status", "Message"].map((t) => h("th", { scope: "col" }, t)));
  return h("table", { class: "table" }, h("thead", {}, head), h("tbody", {}, rows));
}

function artifacts(wf, archived) {
  const found = outputArtifacts(wf);
  if (!found.length) return none("No output artifacts.");
  const rows = found.map(({ node, artifact }) =>
    h(
      "tr",
      {},
      h("td", {}, nodeLabel(node)),
      h("th", { scope: "row" }, artifact.name),
      h(
        "td",
        {},
        artifactLinks(
          artifactPath(wf, node.id, "outputs", artifact.name, archived),
          `${artifact.name} of ${nodeLabel(node)}`,
        ),
      ),
    ),
  );
  const head = h("tr", {}, ["Step", "Artifact", ""].map((t) => h("th", { scope: "col" }, t)));
  return h("table", { class: "table wf-artifacts" }, h("thead", {}, head), h("tbody", {}, rows));
}
