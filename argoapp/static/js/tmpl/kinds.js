// The three kinds the templates and cron pages manage (WorkflowTemplate,
// ClusterWorkflowTemplate, CronWorkflow): their API paths, UI routes, request body keys, the
// label their workflows carry and a starter manifest; plus small helpers those pages share
// (default namespace, future times, a template's type). Used by pages/templates.js,
// pages/cron.js and the js/tmpl/ cards. No DOM beyond building small elements, no fetch.

import { h } from "../dom.js";
import { app, savedNamespace } from "../components.js";
import { timeAgo } from "../format.js";

export { rememberNamespace } from "../components.js";

const LABEL = "workflows.argoproj.io";

/**
 * Kind descriptors. `api(ns)` is the collection path, `item(ns, name)` one object's,
 * `route(ns, name)` the UI path; `bodyKey` wraps the object in create/update/lint bodies as
 * Argo's API wants them; `label` selects the workflows made from one object.
 */
export const KINDS = {
  WorkflowTemplate: {
    kind: "WorkflowTemplate",
    title: "Workflow templates",
    noun: "workflow template",
    namespaced: true,
    bodyKey: "template",
    label: `${LABEL}/workflow-template`,
    api: (ns) => `/api/v1/workflow-templates/${encodeURIComponent(ns)}`,
    route: (ns, name) => `/workflow-templates${ns !== undefined ? `/${ns}` : ""}${name ? `/${name}` : ""}`,
  },
  ClusterWorkflowTemplate: {
    kind: "ClusterWorkflowTemplate",
    title: "Cluster workflow templates",
    noun: "cluster workflow template",
    namespaced: false,
    bodyKey: "template",
    label: `${LABEL}/cluster-workflow-template`,
    api: () => "/api/v1/cluster-workflow-templates",
    route: (_ns, name) => `/cluster-workflow-templates${name ? `/${name}` : ""}`,
  },
  CronWorkflow: {
    kind: "CronWorkflow",
    title: "Cron workflows",
    noun: "cron workflow",
    namespaced: true,
    bodyKey: "cronWorkflow",
    label: `${LABEL}/cron-workflow`,
    api: (ns) => `/api/v1/cron-workflows/${encodeURIComponent(ns)}`,
    route: (ns, name) => `/cron-workflows${ns !== undefined ? `/${ns}` : ""}${name ? `/${name}` : ""}`,
  },
};

/** The API path of one object of `kind`. */
export function itemPath(kind, ns, name) {
  return `${kind.api(ns)}/${encodeURIComponent(name)}`;
}

/** The namespace a page opens on: the managed one, else the last used, else `argo`. */
export function defaultNamespace() {
  return app.managedNamespace || app.namespace || savedNamespace() || "argo";
}

/** The namespace a list page shows: the route's, `?namespace=` ("" = all), else the default. */
export function listNamespace(params, query) {
  if (params.namespace) return params.namespace;
  if (query && query.has("namespace")) return query.get("namespace");
  return defaultNamespace();
}

/** The list route for `ns` ("" = every namespace). */
export function listRoute(kind, ns) {
  return ns ? kind.route(ns) : `${kind.route()}?namespace=`;
}

/** A template's type: the one type field it sets (container, steps, dag, …). */
export function templateType(t) {
  const types = ["container", "script", "resource", "steps", "dag", "suspend", "http",
    "containerSet", "data", "plugin"];
  return types.find((k) => t && t[k] !== undefined && t[k] !== null) ?? "unknown";
}

/** A <time> showing `date` relative to now ("in 4m", kept current) with the exact time on hover. */
export function whenTime(date) {
  return timeAgo(date.toISOString());
}

/** Labels as small chips. */
export function labelChips(labels) {
  const entries = Object.entries(labels || {});
  if (!entries.length) return h("span", { class: "muted" }, "—");
  return h("span", { class: "tm-labels" },
    entries.map(([k, v]) => h("span", { class: "tm-label", title: `${k}=${v}` }, `${k}=${v}`)));
}

/** The object as it is edited: no status, no managedFields (they are not the user's). */
export function editable(obj, kind) {
  const { status: _status, apiVersion, kind: objKind, metadata, ...rest } = obj;
  const meta = { ...(metadata || {}) };
  delete meta.managedFields;
  // Some answers leave out apiVersion and kind; the YAML reads better (and applies) with them.
  return { apiVersion: apiVersion || "argoproj.io/v1alpha1", kind: objKind || kind.kind, metadata: meta, ...rest };
}

/** A starter manifest for a new object of `kind` in `ns`. */
export function starter(kind, ns) {
  const meta = kind.namespaced ? `  generateName: my-${kind === KINDS.CronWorkflow ? "cron" : "template"}-\n  namespace: ${ns}\n`
    : "  generateName: my-cluster-template-\n";
  const spec = `  entrypoint: main
  arguments:
    parameters:
      - name: message
        value: hello
  templates:
    - name: main
      inputs:
        parameters:
          - name: message
            value: "{{workflow.parameters.message}}"
      container:
        image: busybox
        command: [echo, "{{inputs.parameters.message}}"]
`;
  if (kind === KINDS.CronWorkflow) {
    const indented = spec.replace(/^/gm, "  ").trimEnd();
    return `apiVersion: argoproj.io/v1alpha1
kind: CronWorkflow
metadata:
${meta}spec:
  schedules:
    - "*/5 * * * *"
  concurrencyPolicy: Allow
  workflowSpec:
${indented}
`;
  }
  return `apiVersion: argoproj.io/v1alpha1\nkind: ${kind.kind}\nmetadata:\n${meta}spec:\n${spec}`;
}
