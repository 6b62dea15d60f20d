// params.js: the parameter form for submitting from a WorkflowTemplate, ClusterWorkflowTemplate
// or CronWorkflow: one field per spec.arguments.parameters entry (an enum becomes a <select>,
// `value` is the default, `description` the help text, a parameter with no value is required)
// and the entrypoint choice from spec.templates. values() gives Argo's submitOptions fields.
// Used by pages/submit.js (and TMPL's pages). No fetching here: the caller has the spec.

import { h } from "./dom.js";

let formCount = 0;

/**
 * A form for `spec`'s parameters and entrypoint.
 * @param {object} spec a WorkflowSpec (a template's spec or a cron's workflowSpec)
 * @param {{entrypoint?: string}} [opts] the entrypoint to preselect (else spec.entrypoint)
 * @returns {{element: HTMLElement, values: () => {parameters: string[], entryPoint?: string},
 *            missing: () => string[]}}
 */
export function parameterForm(spec, { entrypoint } = {}) {
  const id = `ed-params-${++formCount}`;
  const parameters = argumentParameters(spec);
  const fields = parameters.map((p, i) => parameterField(p, `${id}-p${i}`));
  const entry = entrypointField(spec, entrypoint, `${id}-entry`);
  const element = h(
    "div",
    { class: "ed-params", role: "group", "aria-label": "Parameters" },
    entry ? entry.element : null,
    fields.length
      ? fields.map((f) => f.element)
      : h("p", { class: "muted ed-no-params" }, "This template takes no parameters."),
  );
  return {
    element,
    values() {
      const out = { parameters: fields.map((f) => `${f.name}=${f.read()}`) };
      const chosen = entry ? entry.read() : entrypoint || spec?.entrypoint || "";
      if (chosen) out.entryPoint = chosen;
      return out;
    },
    missing() {
      return fields.filter((f) => f.required && f.read() === "").map((f) => f.name);
    },
  };
}

function argumentParameters(spec) {
  const list = spec?.arguments?.parameters;
  return Array.isArray(list) ? list.filter((p) => p && typeof p.name === "string" && p.name) : [];
}

// A parameter's default as text (YAML may have made it a number or a boolean).
function defaultText(p) {
  if (p.value === undefined || p.value === null) return null;
  return typeof p.value === "string" ? p.value : JSON.stringify(p.value);
}

function parameterField(p, id) {
  const fallback = defaultText(p);
  const options = Array.isArray(p.enum) ? p.enum.map((v) => (typeof v === "string" ? v : JSON.stringify(v))) : [];
  const required = fallback === null && !options.length;
  const helpId = `${id}-help`;
  const described = p.description ? helpId : null;
  let control;
  if (options.length) {
    const selected = fallback !== null && options.includes(fallback) ? fallback : options[0];
    control = h(
      "select",
      { id, name: p.name, "aria-describedby": described },
      options.map((v) => h("option", { value: v, selected: v === selected }, v)),
    );
  } else if (fallback !== null && fallback.includes("\n")) {
    control = h("textarea", { id, name: p.name, rows: Math.min(8, fallback.split("\n").length + 1),
      spellcheck: "false", "aria-describedby": described, value: fallback });
  } else {
    control = h("input", { id, name: p.name, type: "text", spellcheck: "false", value: fallback ?? "",
      required, "aria-required": required ? "true" : null, "aria-describedby": described,
      placeholder: required ? "required" : null });
  }
  const label = h("label", { htmlFor: id }, p.name,
    required ? h("span", { class: "ed-required", title: "required", "aria-hidden": "true" }, " *") : null);
  const element = h("div", { class: "field ed-param" }, label, control,
    p.description ? h("small", { id: helpId, class: "ed-help" }, p.description) : null);
  return { name: p.name, required, element, read: () => control.value };
}

function entrypointField(spec, entrypoint, id) {
  const names = (Array.isArray(spec?.templates) ? spec.templates : [])
    .map((t) => t && t.name)
    .filter((n) => typeof n === "string" && n);
  if (!names.length) return null;
  const preferred = [entrypoint, spec?.entrypoint].find((n) => n && names.includes(n)) || names[0];
  const control = h(
    "select",
    { id, name: "entrypoint" },
    names.map((n) => h("option", { value: n, selected: n === preferred }, n)),
  );
  const element = h("div", { class: "field ed-entry" }, h("label", { htmlFor: id }, "Entrypoint"), control);
  return { element, read: () => control.value };
}
