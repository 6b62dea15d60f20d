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
 * Build the tab into `root`. Returns {destroy()}.
 * @param {HTMLElement} root
 * @param {{kind?: string, namespace: string, name?: string}} opts
 */
export function templatePanel(root, { kind, namespace, name }) {
  const state = {
    kind: SOURCE_KINDS.includes(kind) ? kind : "WorkflowTemplate",
    namespace,
    name: name || "",
    form: null,
    alive: true,
    seq: 0,
  };
  const kindSelect = h("select", { id: "ed-src-kind", onchange: () => choose({ kind: kindSelect.value, name: "" }) },
    SOURCE_KINDS.map((k) => h("option", { value: k, selected: k === state.kind }, k)));
  const nsField = namespaceInput(namespace, (ns) => choose({ namespace: ns, name: "" }));
  nsField.querySelector("input").id = "ed-src-ns";
  const nameSelect = h("select", { id: "ed-src-name", onchange: () => choose({ name: nameSelect.value }) });
  const listState = h("div", { class: "ed-list-state" });
  const formBox = h("div", { class: "ed-form" });
  const labels = h("input", { id: "ed-labels", type: "text", class: "ed-labels", spellcheck: "false",
    placeholder: "team=data, env=dev", "aria-describedby": "ed-labels-help" });
  const problems = h("div", { class: "ed-problems", "aria-live": "polite" });
  const button = h("button", { class: "btn primary", type: "button", disabled: true, onclick: () => submit() }, "Submit");
  root.append(
    h("div", { class: "ed-row" },
      h("div", { class: "field" }, h("label", { htmlFor: "ed-src-kind" }, "Kind"), kindSelect),
      h("div", { class: "field" }, h("label", { htmlFor: "ed-src-ns" }, "Namespace"), nsField),
      h("div", { class: "field" }, h("label", { htmlFor: "ed-src-name" }, "Name"), nameSelect)),
    listState,
    formBox,
    h("div", { class: "field" }, h("label", { htmlFor: "ed-labels" }, "Labels (optional)"), labels,
      h("small", { id: "ed-labels-help", class: "ed-help" }, "key=value pairs, separated by commas")),
    problems,
    h("div", { class: "toolbar" }, button),
  );

  function currentNamespace() {
    return nsField.querySelector("input").value.trim() || state.namespace;
  }

  function choose(change) {
    Object.assign(state, change);
    setQuery({ tab: "template", kind: state.kind, namespace: currentNamespace(), name: state.name });
    if ("kind" in change || "namespace" in change) loadNames();
    else loadSpec();
  }

  async function loadNames() {
    const seq = ++state.seq;
    clear(nameSelect);
    clear(formBox);
    clear(problems);
    state.form = null;
    button.disabled = true;
    listState.replaceChildren(loading(`Loading ${state.kind}s…`));
    let items;
    try {
      const answer = await get(KINDS[state.kind].list(currentNamespace()));
      items = (answer.items || []).map((o) => o?.metadata?.name).filter(Boolean).sort();
    } catch (e) {
      if (seq !== state.seq || !state.alive) return;
      listState.replaceChildren(errorBox(e, () => loadNames()));
      return;
    }
    if (seq !== state.seq || !state.alive) return;
    clear(listState);
    if (!items.length) {
      const where = KINDS[state.kind].namespaced ? ` in ${currentNamespace()}` : "";
      listState.append(h("p", { class: "empty" }, `No ${state.kind}s${where}.`));
      return;
    }
    if (!items.includes(state.name)) state.name = "";
    nameSelect.append(h("option", { value: "", selected: !state.name }, "Choose…"),
      ...items.map((n) => h("option", { value: n, selected: n === state.name }, n)));
    if (state.name) loadSpec();
  }

  async function loadSpec() {
    const seq = ++state.seq;
    clear(formBox);
    clear(problems);
    state.form = null;
    button.disabled = true;
    if (!state.name) return;
    formBox.append(loading(`Loading ${state.name}…`));
    let obj;
    try {
      obj = await get(`${KINDS[state.kind].list(currentNamespace())}/${encodeURIComponent(state.name)}`);
    } catch (e) {
      if (seq !== state.seq || !state.alive) return;
      formBox.replaceChildren(errorBox(e, () => loadSpec()));
      return;
    }
    if (seq !== state.seq || !state.alive) return;
    const spec = state.kind === "CronWorkflow" ? obj?.spec?.workflowSpec : obj?.spec;
    state.form = parameterForm(spec || {}, { entrypoint: spec?.entrypoint });
    formBox.replaceChildren(h("h2", {}, "Parameters"), state.form.element);
    button.disabled = false;
  }

  async function submit() {
    clear(problems);
    const missing = state.form ? state.form.missing() : [];
    if (missing.length) {
      problems.append(h("p", { class: "ed-status ed-bad", role: "alert" }, `Give a value for ${missing.join(", ")}.`));
      return;
    }
    const parsed = parseLabels(labels.value);
    if (parsed.problem) {
      problems.append(h("p", { class: "ed-status ed-bad", role: "alert" }, parsed.problem));
      labels.focus();
      return;
    }
    const ns = currentNamespace();
    const submitOptions = { ...state.form.values() };
    if (parsed.labels) submitOptions.labels = parsed.labels;
    button.disabled = true;
    try {
      const wf = await post(`/api/v1/workflows/${encodeURIComponent(ns)}/submit`,
        { namespace: ns, resourceKind: state.kind, resourceName: state.name, submitOptions });
      if (!state.alive) return;
      rememberNamespace(ns);
      navigate(KINDS.Workflow.page(wf?.metadata?.namespace || ns, wf?.metadata?.name || ""));
    } catch (e) {
      if (!state.alive) return;
      const inline = e instanceof ApiError && e.status >= 400 && e.status < 500 && e.status !== 403;
      problems.append(inline
        ? h("div", { class: "error-box", role: "alert" },
          h("div", { class: "error-text" }, h("strong", {}, "Submit failed"), h("p", {}, e.message)))
        : errorBox(e, () => submit()));
      button.disabled = false;
    }
  }

  loadNames();
  return {
    destroy() {
      state.alive = false;
    },
  };
}
