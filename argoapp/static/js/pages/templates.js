// Workflow templates and cluster workflow templates (params.kind says which): the list
// (/workflow-templates[/:ns], /cluster-workflow-templates), one template
// (/workflow-templates/:ns/:name, /cluster-workflow-templates/:name) with its summary, YAML
// (edit, save), delete, submit link and the workflows started from it, and create (`…/new`).
// The router mounts it; YAML editing lives in js/tmpl/yamlcard.js, the started list in
// js/tmpl/started.js.

import { h, clear } from "../dom.js";
import { get, del } from "../api.js";
import { navigate, currentQuery } from "../router.js";
import { errorBox, confirmDialog, toast, loading } from "../components.js";
import { timeAgo } from "../format.js";
import { KINDS, itemPath, labelChips, listNamespace, rememberNamespace, defaultNamespace, starter } from "../tmpl/kinds.js";
import { pageHead, listTop } from "../tmpl/page.js";
import { yamlCard, createCard } from "../tmpl/yamlcard.js";
import { startedWorkflows } from "../tmpl/started.js";
import { specSummary, metaFacts, fact } from "../tmpl/summary.js";

/** Router entry: list, detail or create page for the kind in params.kind. */
export default function mount(root, { params, query }) {
  const kind = KINDS[params.kind] || KINDS.WorkflowTemplate;
  if (params.name === "new") return mountCreate(root, kind, params);
  if (params.name) return mountDetail(root, kind, params);
  return mountList(root, kind, params, query || currentQuery());
}

function mountList(root, kind, params, query) {
  const ns = kind.namespaced ? listNamespace(params, query) : "";
  if (ns) rememberNamespace(ns);
  document.title = `${kind.title} · argoapp`;
  let nameFilter = query.get("name") || "";
  let items = null;
  const body = h("div", { class: "tm-list-body" });
  const top = listTop(kind, ns, nameFilter, (text) => {
    nameFilter = text;
    render();
  });
  root.append(...top.element, body);

  function render() {
    if (!items) return; // still loading: the filter applies when the list arrives
    clear(body);
    const shown = items.filter((t) => t.metadata.name.includes(nameFilter));
    if (!shown.length) {
      body.append(top.empty(nameFilter));
      return;
    }
    body.append(h("div", { class: "tm-scroll" }, h("table", { class: "table tm-table" },
      h("thead", {}, h("tr", {}, ["Name", kind.namespaced ? "Namespace" : null, "Created", "Entrypoint", "Templates", "Labels"]
        .filter(Boolean).map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, shown.map(row)))));
  }

  function row(t) {
    const { name, namespace } = t.metadata;
    const spec = t.spec || {};
    return h("tr", { dataset: { name } },
      h("td", {}, h("a", { href: kind.route(namespace, name) }, name)),
      kind.namespaced ? h("td", {}, namespace) : null,
      h("td", {}, t.metadata.creationTimestamp ? timeAgo(t.metadata.creationTimestamp) : "—"),
      h("td", {}, spec.entrypoint ? h("code", {}, spec.entrypoint) : "—"),
      h("td", { class: "tm-num" }, String((spec.templates || []).length)),
      h("td", {}, labelChips(t.metadata.labels)));
  }

  async function load() {
    clear(body);
    body.append(loading());
    try {
      items = (await get(kind.api(ns))).items || [];
      render();
    } catch (err) {
      clear(body);
      body.append(errorBox(err, load));
    }
  }
  load();
  return undefined;
}

function mountDetail(root, kind, params) {
  const ns = kind.namespaced ? params.namespace : "";
  const name = params.name;
  document.title = `${name} · ${kind.title} · argoapp`;
  const parts = [];
  const problems = h("div", { class: "tm-problems", "aria-live": "polite" });
  let destroyed = false;

  async function load() {
    clear(root);
    root.append(pageHead(name), loading());
    try {
      const obj = await get(itemPath(kind, ns, name));
      if (!destroyed) render(obj);
    } catch (err) {
      if (destroyed) return;
      clear(root);
      root.append(pageHead(name), errorBox(err, load));
    }
  }

  function render(obj) {
    clear(root);
    const submitNs = ns || defaultNamespace();
    const submitHref = `/submit?kind=${kind.kind}&namespace=${encodeURIComponent(submitNs)}&name=${encodeURIComponent(name)}`;
    const summary = h("section", { class: "card tm-summary", "aria-label": "Summary" });
    const showSummary = (o) => {
      clear(summary);
      summary.append(h("div", { class: "tm-card-head" }, h("h2", {}, "Summary")),
        h("dl", { class: "tm-facts" }, fact("Kind", kind.kind), metaFacts(o)), specSummary(o.spec));
    };
    showSummary(obj);
    const yaml = yamlCard(kind, obj, { onSaved: showSummary });
    const started = startedWorkflows({
      namespace: ns,
      selector: `${kind.label}=${name}`,
      title: "Workflows started from it",
    });
    parts.push(yaml, started);
    root.append(
      pageHead(name,
        h("a", { class: "btn primary", href: submitHref, "aria-label": `Submit ${name}` }, "Submit"),
        h("button", { class: "btn danger", type: "button", onclick: remove, "aria-label": `Delete ${name}` }, "Delete")),
      h("p", { class: "muted tm-crumbs" },
        h("a", { href: kind.namespaced ? kind.route(ns) : kind.route() }, kind.title), ns ? ` / ${ns}` : ""),
      problems,
      h("div", { class: "grid2 tm-detail" }, summary, started.element),
      yaml.element);
  }

  async function remove() {
    const ok = await confirmDialog(`Delete ${kind.noun} ${name}? Workflows already started from it are kept.`,
      { confirm: "Delete", danger: true });
    if (!ok) return;
    try {
      await del(itemPath(kind, ns, name));
      toast(`Deleted ${name}`);
      navigate(kind.namespaced ? kind.route(ns) : kind.route());
    } catch (err) {
      clear(problems).append(errorBox(err, remove));
    }
  }

  load();
  return () => {
    destroyed = true;
    parts.forEach((p) => p.destroy());
  };
}

function mountCreate(root, kind, params) {
  const ns = kind.namespaced ? params.namespace || defaultNamespace() : "";
  document.title = `New ${kind.noun} · argoapp`;
  const card = createCard(kind, ns, starter(kind, ns), {
    onCreated: (made) => navigate(kind.route(made.metadata.namespace, made.metadata.name)),
  });
  root.append(pageHead(`New ${kind.noun}`),
    h("p", { class: "muted" }, `Write the ${kind.kind} below; it is checked as you type and created with Create.`),
    card.element);
  return () => card.destroy();
}
