// submit/templatepanel.js: the submit page's "From a template" tab. Pick a kind
// (WorkflowTemplate, ClusterWorkflowTemplate, CronWorkflow) and a name from the API's lists,
// fill the parameter form (params.js) and optional labels, then `POST /api/v1/workflows/{ns}/
// submit` and go to the new workflow. `?kind=&namespace=&name=` preselect (TMPL's Submit
// buttons link here) and follow the choices, so a reload keeps them.
// Used by pages/submit.js only.

import { h, clear } from "../dom.js";
import { get, post, ApiError } from "../api.js";
import { errorBox, loading, namespaceInput, rememberNamespace } from "../components.js";
import { navigate, setQuery } from "../router.js";
import { parameterForm } from "../params.js";
import { KINDS, SOURCE_KINDS } from "./kinds.js";

const LABEL_RE = /^[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?=[-A-Za-z0-9_.]*$/;

/** `k=v, k2=v2` as Argo's labels string, or {problem}. */
export function parseLabels(text) {
  const parts = String(text).split(/[,\n]/).map((s) => s.trim()).filter(Boolean);
  const bad = parts.find((p) => !LABEL_RE.test(p));
  if (bad) return { problem: `labels must be key=value pairs separated by commas; '${bad}' is not one` };
  return { labels: parts.join(",") };
}

/**
 * Build the tab into `root`.
 * @param {HTMLElement} root
 * @param {{kind?: string, namespace: string, name?: string}} opts
 * @returns {{destroy: () => void}}
 */
export function templatePanel(root, { kind, namespace, name }) {
  return new TemplatePanel(root, SOURCE_KINDS.includes(kind) ? kind : "WorkflowTemplate", namespace, name || "");
}

class TemplatePanel {
  constructor(root, kind, namespace, name) {
    this.kind = kind;
    this.namespace = namespace;
    this.name = name;
    this.form = null;
    this.alive = true;
    this.seq = 0; // the newest load; older answers are dropped
    this.build(root);
    this.loadNames();
  }

  build(root) {
    const kindSelect = h("select", { id: "ed-src-kind", onchange: () => this.choose({ kind: kindSelect.value, name: "" }) },
      SOURCE_KINDS.map((k) => h("option", { value: k, selected: k === this.kind }, k)));
    const nsField = namespaceInput(this.namespace, (ns) => this.choose({ namespace: ns, name: "" }));
    this.nsInput = nsField.querySelector("input");
    this.nsInput.id = "ed-src-ns";
    this.nameSelect = h("select", { id: "ed-src-name", onchange: () => this.choose({ name: this.nameSelect.value }) });
    this.listState = h("div", { class: "ed-list-state" });
    this.formBox = h("div", { class: "ed-form" });
    this.labels = h("input", { id: "ed-labels", type: "text", class: "ed-labels", spellcheck: "false",
      placeholder: "team=data, env=dev", "aria-describedby": "ed-labels-help" });
    this.problems = h("div", { class: "ed-problems", "aria-live": "polite" });
    this.button = h("button", { class: "btn primary", type: "button", disabled: true, onclick: () => this.submit() }, "Submit");
    root.append(
      h("div", { class: "ed-row" },
        h("div", { class: "field" }, h("label", { htmlFor: "ed-src-kind" }, "Kind"), kindSelect),
        h("div", { class: "field" }, h("label", { htmlFor: "ed-src-ns" }, "Namespace"), nsField),
        h("div", { class: "field" }, h("label", { htmlFor: "ed-src-name" }, "Name"), this.nameSelect)),
      this.listState,
      this.formBox,
      h("div", { class: "field" }, h("label", { htmlFor: "ed-labels" }, "Labels (optional)"), this.labels,
        h("small", { id: "ed-labels-help", class: "ed-help" }, "key=value pairs, separated by commas")),
      this.problems,
      h("div", { class: "toolbar" }, this.button),
    );
  }

  currentNamespace() {
    return this.nsInput.value.trim() || this.namespace;
  }

  // A new kind, namespace or name: remember it in the URL and load what it needs.
  choose(change) {
    Object.assign(this, change);
    setQuery({ tab: "template", kind: this.kind, namespace: this.currentNamespace(), name: this.name });
    if ("kind" in change || "namespace" in change) this.loadNames();
    else this.loadSpec();
  }

  // Start a load: forget the form, and tell whether an answer is still wanted.
  begin() {
    const seq = ++this.seq;
    clear(this.formBox);
    clear(this.problems);
    this.form = null;
    this.button.disabled = true;
    return () => seq === this.seq && this.alive;
  }

  async loadNames() {
    const wanted = this.begin();
    clear(this.nameSelect);
    this.listState.replaceChildren(loading(`Loading ${this.kind}s…`));
    let names;
    try {
      const answer = await get(KINDS[this.kind].list(this.currentNamespace()));
      names = (answer.items || []).map((o) => o?.metadata?.name).filter(Boolean).sort();
    } catch (e) {
      if (wanted()) this.listState.replaceChildren(errorBox(e, () => this.loadNames()));
      return;
    }
    if (!wanted()) return;
    clear(this.listState);
    if (!names.length) {
      const where = KINDS[this.kind].namespaced ? ` in ${this.currentNamespace()}` : "";
      this.listState.append(h("p", { class: "empty" }, `No ${this.kind}s${where}.`));
      return;
    }
    if (!names.includes(this.name)) this.name = "";
    this.nameSelect.append(h("option", { value: "", selected: !this.name }, "Choose…"),
      ...names.map((n) => h("option", { value: n, selected: n === this.name }, n)));
    if (this.name) this.loadSpec();
  }

  async loadSpec() {
    const wanted = this.begin();
    if (!this.name) return;
    this.formBox.append(loading(`Loading ${this.name}…`));
    let obj;
    try {
      obj = await get(`${KINDS[this.kind].list(this.currentNamespace())}/${encodeURIComponent(this.name)}`);
    } catch (e) {
      if (wanted()) this.formBox.replaceChildren(errorBox(e, () => this.loadSpec()));
      return;
    }
    if (!wanted()) return;
    const spec = this.kind === "CronWorkflow" ? obj?.spec?.workflowSpec : obj?.spec;
    this.form = parameterForm(spec || {}, { entrypoint: spec?.entrypoint });
    this.formBox.replaceChildren(h("h2", {}, "Parameters"), this.form.element);
    this.button.disabled = false;
  }

  // What to send as submitOptions, or null after saying what is missing.
  options() {
    const missing = this.form ? this.form.missing() : [];
    const parsed = parseLabels(this.labels.value);
    const problem = missing.length ? `Give a value for ${missing.join(", ")}.` : parsed.problem;
    if (problem) {
      this.problems.append(h("p", { class: "ed-status ed-bad", role: "alert" }, problem));
      return null;
    }
    const submitOptions = { ...this.form.values() };
    if (parsed.labels) submitOptions.labels = parsed.labels;
    return submitOptions;
  }

  async submit() {
    clear(this.problems);
    const submitOptions = this.options();
    if (!submitOptions) return;
    const ns = this.currentNamespace();
    this.button.disabled = true;
    try {
      const wf = await post(`/api/v1/workflows/${encodeURIComponent(ns)}/submit`,
        { namespace: ns, resourceKind: this.kind, resourceName: this.name, submitOptions });
      if (!this.alive) return;
      rememberNamespace(ns);
      navigate(KINDS.Workflow.page(wf?.metadata?.namespace || ns, wf?.metadata?.name || ""));
    } catch (e) {
      if (!this.alive) return;
      const inline = e instanceof ApiError && e.status >= 400 && e.status < 500 && e.status !== 403;
      this.problems.append(inline
        ? h("div", { class: "error-box", role: "alert" },
          h("div", { class: "error-text" }, h("strong", {}, "Submit failed"), h("p", {}, e.message)))
        : errorBox(e, () => this.submit()));
      this.button.disabled = false;
    }
  }

  destroy() {
    this.alive = false;
  }
}
