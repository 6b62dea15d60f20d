// pages/submit.js: the Submit page (/submit). Two ways, as tabs: "YAML" (paste, type, upload
// or drop a Workflow, WorkflowTemplate, ClusterWorkflowTemplate or CronWorkflow; parsed and
// linted as it changes; submit or create it) and "From a template" (pick a template or cron
// workflow, fill its parameters, submit). `?namespace=&kind=&name=` opens the second tab on that
// template (TMPL's Submit buttons link here); `?tab=yaml|template` picks a tab.
// The router mounts it; the panels live in js/submit/.

import { h } from "../dom.js";
import { app, savedNamespace, tabs } from "../components.js";
import { setQuery } from "../router.js";
import { yamlPanel } from "../submit/yamlpanel.js";
import { templatePanel } from "../submit/templatepanel.js";

const TABS = [
  { id: "yaml", label: "YAML" },
  { id: "template", label: "From a template" },
];

function startNamespace(query) {
  return app.managedNamespace || query.get("namespace") || app.namespace || savedNamespace() || "argo";
}

/**
 * Mount the page into `root`; returns the cleanup the router calls when leaving.
 * @param {HTMLElement} root
 * @param {{query: URLSearchParams}} ctx
 */
export default function mount(root, { query }) {
  document.title = "Submit · argoapp";
  const q = query instanceof URLSearchParams ? query : new URLSearchParams(query || "");
  const namespace = startNamespace(q);
  const first = q.get("tab") === "template" || (q.get("kind") && q.get("name")) ? "template" : "yaml";
  const panels = {
    yaml: h("section", { class: "ed-panel", role: "tabpanel", id: "ed-panel-yaml", "aria-labelledby": "tab-yaml" }),
    template: h("section", { class: "ed-panel", role: "tabpanel", id: "ed-panel-template", "aria-labelledby": "tab-template" }),
  };
  const built = {};
  const build = (id) => {
    if (built[id]) return;
    built[id] = id === "yaml"
      ? yamlPanel(panels.yaml, { namespace })
      : templatePanel(panels.template, { kind: q.get("kind") || "", namespace, name: q.get("name") || "" });
  };
  let example = null;
  const show = (id) => {
    build(id);
    for (const [key, panel] of Object.entries(panels)) panel.hidden = key !== id;
    if (example) example.hidden = id !== "yaml"; // the example is YAML: nothing to load elsewhere
  };
  const bar = tabs(TABS, first, (id) => {
    setQuery({ tab: id });
    show(id);
  });
  for (const b of bar.querySelectorAll("[role=tab]")) b.setAttribute("aria-controls", `ed-panel-${b.dataset.tab}`);
  example = h("button", { class: "btn", type: "button", "aria-label": "Load the example workflow",
    onclick: () => built.yaml.loadExample() }, "Load example");
  root.append(h("div", { class: "ed-submit" },
    h("div", { class: "page-head" }, h("h1", {}, "Submit a workflow"), h("div", { class: "toolbar" }, example)),
    bar,
    panels.yaml,
    panels.template));
  show(first);
  return () => {
    for (const panel of Object.values(built)) panel.destroy();
  };
}
