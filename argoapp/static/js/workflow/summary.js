// The summary and YAML tabs of the workflow page. Summary: the title and description annotations
// (`workflows.argoproj.io/title|description`), facts about the run, the template it came from,
// parameters, labels, annotations, conditions, the output artifacts of its nodes (download links)
// and the workflow's events. YAML: the whole object (spec and status) as block YAML, read-only,
// with a download. Used by pages/workflow.js; each returns {el, destroy}.

import { h } from "../dom.js";
import { timeAgo, duration, durationOf, phaseBadge, progress } from "../format.js";
import { download, emptyState } from "../components.js";
import { stringify } from "../yaml.js";
import { Editor } from "../editor.js";
import { EventList } from "./events.js";
import { paramTable } from "./nodepanel.js";
import {
  artifactPath,
  nodeLabel,
  outputArtifacts,
  sourceTemplate,
  sourceTemplateLink,
} from "./model.js";

const TITLE = "workflows.argoproj.io/title";
const DESCRIPTION = "workflows.argoproj.io/description";
const EDITOR_LIMIT = 400000; // characters: past this a <pre> draws faster than the editor

/** The summary tab of `wf`. */
export function summaryTab(wf, { archived }) {
  const meta = wf.metadata;
  const status = wf.status || {};
  const ann = meta.annotations || {};
  const src = sourceTemplate(wf);
  const resubmitted = meta.labels?.["workflows.argoproj.io/resubmitted-from-workflow"];
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
    ["Resubmitted from", resubmitted ? h("a", { href: `/workflows/${meta.namespace}/${resubmitted}` }, resubmitted) : ""],
    ["Archived", archived ? "yes (read from the archive)" : ""],
  ];
  parts.push(section("Summary", dl(rows)));
  const params = wf.spec?.arguments?.parameters || [];
  parts.push(section("Parameters", params.length ? paramTable(params) : none("No parameters.")));
  parts.push(section("Labels", pairs(meta.labels)));
  parts.push(section("Annotations", pairs(meta.annotations)));
  parts.push(section("Conditions", conditions(status.conditions)));
  parts.push(section("Artifacts", artifacts(wf, archived)));
  const events = h("div");
  parts.push(section("Events", events));
  const list = archived
    ? null
    : new EventList(events, { namespace: meta.namespace, sources: [{ kind: "Workflow", name: meta.name }] });
  if (archived) events.append(none("Events of archived workflows are not kept."));
  return { el: h("div", { class: "wf-summary" }, parts), destroy: () => list?.destroy() };
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
    h("tr", {}, h("td", {}, c.type || ""), h("td", {}, c.status || ""), h("td", {}, c.message || "")),
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
        h(
          "a",
          {
            href: artifactPath(wf, node.id, "outputs", artifact.name, archived),
            target: "_blank",
            rel: "noopener",
            "aria-label": `Download ${artifact.name} of ${nodeLabel(node)}`,
          },
          "⤓ Download",
        ),
      ),
    ),
  );
  const head = h("tr", {}, ["Step", "Artifact", ""].map((t) => h("th", { scope: "col" }, t)));
  return h("table", { class: "table wf-artifacts" }, h("thead", {}, head), h("tbody", {}, rows));
}

/** The YAML tab: `wf` as YAML, read-only, with a download button. */
export function yamlTab(wf) {
  const shown = { ...wf, metadata: { ...wf.metadata } };
  delete shown.metadata.managedFields;
  let text;
  try {
    text = stringify(shown);
  } catch (err) {
    text = JSON.stringify(shown, null, 2); // a value stringify cannot write still shows
  }
  const name = wf.metadata.name;
  const bar = h(
    "div",
    { class: "toolbar wf-yaml-bar" },
    h(
      "button",
      { class: "btn", type: "button", onclick: () => download(`${name}.yaml`, text, "application/yaml") },
      "Download YAML",
    ),
  );
  const host = h("div", { class: "wf-yaml" });
  let editor = null;
  if (text.length <= EDITOR_LIMIT) {
    editor = new Editor(host, { value: text, readOnly: true });
  } else {
    host.append(h("pre", { class: "wf-yaml-pre", tabindex: "0" }, text));
  }
  if (!text) host.append(emptyState("Nothing to show."));
  return { el: h("div", {}, bar, host), destroy: () => editor?.destroy() };
}
