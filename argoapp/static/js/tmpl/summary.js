// What a WorkflowSpec offers, for the template and cron detail pages: its entrypoint, its
// parameters (value or default, enum choices, description) and its templates with their types.
// Pure rendering from the object the page fetched; no fetch, no state.

import { h } from "../dom.js";
import { timeAgo } from "../format.js";
import { labelChips, templateType } from "./kinds.js";

function parametersTable(params) {
  if (!params.length) return h("p", { class: "muted" }, "No parameters.");
  return h("table", { class: "table tm-params" },
    h("thead", {}, h("tr", {}, ["Name", "Value", "Choices", "Description"].map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, params.map((p) => h("tr", { dataset: { param: p.name } },
      h("td", {}, h("code", {}, p.name)),
      h("td", { class: "tm-param-value" }, paramValue(p)),
      h("td", {}, p.enum && p.enum.length ? p.enum.map((e) => h("code", { class: "tm-enum" }, String(e))) : "—"),
      h("td", {}, p.description || "")))));
}

function paramValue(p) {
  if (p.value !== undefined) return h("code", {}, String(p.value));
  if (p.default !== undefined) return h("span", {}, h("code", {}, String(p.default)), h("span", { class: "muted" }, " (default)"));
  if (p.valueFrom) return h("span", { class: "muted" }, "from ", Object.keys(p.valueFrom).join(", "));
  return h("span", { class: "muted" }, "required");
}

function templatesList(templates, entrypoint) {
  if (!templates.length) return h("p", { class: "muted" }, "No templates.");
  return h("ul", { class: "tm-templates" }, templates.map((t) => h("li", { dataset: { template: t.name } },
    h("code", {}, t.name), " ",
    h("span", { class: "tm-type" }, templateType(t)),
    t.name === entrypoint ? h("span", { class: "tm-entry", title: "entrypoint" }, " ← entrypoint") : null)));
}

/** A definition list row. */
export function fact(term, value) {
  return [h("dt", {}, term), h("dd", {}, value ?? h("span", { class: "muted" }, "—"))];
}

/** The facts every object has: namespace, created, labels. */
export function metaFacts(obj) {
  const meta = obj.metadata || {};
  return [
    meta.namespace ? fact("Namespace", meta.namespace) : null,
    fact("Created", meta.creationTimestamp ? timeAgo(meta.creationTimestamp) : null),
    fact("Labels", labelChips(meta.labels)),
  ];
}

/** The parts of a WorkflowSpec worth seeing at a glance. */
export function specSummary(spec) {
  spec = spec || {};
  const params = (spec.arguments && spec.arguments.parameters) || [];
  const templates = spec.templates || [];
  const ref = spec.workflowTemplateRef;
  return h("div", { class: "tm-spec" },
    h("dl", { class: "tm-facts" },
      fact("Entrypoint", spec.entrypoint ? h("code", {}, spec.entrypoint) : null),
      ref ? fact("Runs", h("code", {}, `${ref.clusterScope ? "cluster " : ""}template ${ref.name}`)) : null),
    h("h3", {}, "Parameters"), parametersTable(params),
    h("h3", {}, `Templates (${templates.length})`), templatesList(templates, spec.entrypoint));
}
