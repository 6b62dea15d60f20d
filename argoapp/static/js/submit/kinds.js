// submit/kinds.js: what the submit page needs to know per kind of document (the API routes to
// lint and create it, the request body's key, where its page is), reading the kind of a parsed
// document, and placing a lint message on the line of the YAML it is about.
// Used by pages/submit.js and the submit panels; pure (no DOM, no fetching).

const enc = encodeURIComponent;

/** Per kind: lint and create routes, the body key holding the object, its page in the UI. */
export const KINDS = {
  Workflow: {
    namespaced: true,
    key: "workflow",
    action: "Submit",
    lint: (ns) => `/api/v1/workflows/${enc(ns)}/lint`,
    create: (ns) => `/api/v1/workflows/${enc(ns)}`,
    page: (ns, name) => `/workflows/${enc(ns)}/${enc(name)}`,
  },
  WorkflowTemplate: {
    namespaced: true,
    key: "template",
    action: "Create",
    list: (ns) => `/api/v1/workflow-templates/${enc(ns)}`,
    lint: (ns) => `/api/v1/workflow-templates/${enc(ns)}/lint`,
    create: (ns) => `/api/v1/workflow-templates/${enc(ns)}`,
    page: (ns, name) => `/workflow-templates/${enc(ns)}/${enc(name)}`,
  },
  ClusterWorkflowTemplate: {
    namespaced: false,
    key: "template",
    action: "Create",
    list: () => "/api/v1/cluster-workflow-templates",
    lint: () => "/api/v1/cluster-workflow-templates/lint",
    create: () => "/api/v1/cluster-workflow-templates",
    page: (ns, name) => `/cluster-workflow-templates/${enc(name)}`,
  },
  CronWorkflow: {
    namespaced: true,
    key: "cronWorkflow",
    action: "Create",
    list: (ns) => `/api/v1/cron-workflows/${enc(ns)}`,
    lint: (ns) => `/api/v1/cron-workflows/${enc(ns)}/lint`,
    create: (ns) => `/api/v1/cron-workflows/${enc(ns)}`,
    page: (ns, name) => `/cron-workflows/${enc(ns)}/${enc(name)}`,
  },
};

/** The kinds a workflow can be submitted from (the "From a template" tab). */
export const SOURCE_KINDS = ["WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow"];

/**
 * The kind of a parsed document, or a problem: {kind} | {problem}.
 * @param {any} doc
 */
export function kindOf(doc) {
  if (doc === null || doc === undefined) return { problem: "The document is empty: paste or upload a workflow." };
  if (typeof doc !== "object" || Array.isArray(doc)) {
    return { problem: "The document must be a mapping (apiVersion, kind, metadata, spec)." };
  }
  const kind = doc.kind === undefined ? "Workflow" : String(doc.kind);
  if (!Object.hasOwn(KINDS, kind)) {
    return { problem: `kind ${kind} cannot be submitted here (Workflow, WorkflowTemplate, ClusterWorkflowTemplate or CronWorkflow)` };
  }
  if (typeof doc.metadata !== "object" || doc.metadata === null || Array.isArray(doc.metadata)) {
    return { problem: "metadata is missing: give the object a metadata.name or metadata.generateName" };
  }
  return { kind };
}

const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function findLine(lines, re, from = 0) {
  for (let i = Math.max(0, from); i < lines.length; i++) if (re.test(lines[i])) return i;
  return -1;
}

// The line of `- name: NAME` (or `name: NAME`, or `- - name: NAME` in steps) from `from`.
function nameLine(lines, name, from = 0) {
  const re = new RegExp(`^\\s*(?:-\\s+)*name:\\s*["']?${escapeRe(name)}["']?\\s*(?:#.*)?$`);
  return findLine(lines, re, from);
}

// The line that holds `needle` as a value (or anywhere, as a last resort) from `from`.
function valueLine(lines, needle, from) {
  const value = `["']?${escapeRe(needle)}["']?\\s*(?:#.*)?$`;
  const ref = findLine(lines, new RegExp(`^\\s*(?:-\\s+)*[A-Za-z]+:\\s*${value}`), from);
  if (ref >= 0) return ref;
  return findLine(lines, { test: (l) => l.includes(needle) }, from);
}

/**
 * The 1-based line of `text` that a lint message from the server is about, or null. Argo's
 * messages name a template and a step or task (`templates.main.steps[0].one …`), quote a name
 * (`template name 'x' undefined`), cite an expression (`{{inputs.parameters.x}}`) or a field
 * (`spec.entrypoint …`); each is looked up where the YAML says it, the most precise first.
 * @param {string} text
 * @param {string} message
 * @returns {number|null}
 */
export function lineForMessage(text, message) {
  const lines = String(text).split("\n");
  let from = 0;
  let best = -1;
  const m = /templates\.([^.\s[\]:]+)(?:\.(?:tasks|steps)(?:\[\d+\])*\.([^.\s[\]:]+))?/.exec(message);
  if (m) {
    const t = nameLine(lines, m[1], findLine(lines, /^\s*templates:/));
    if (t >= 0) {
      const inner = m[2] ? nameLine(lines, m[2], t + 1) : -1;
      best = inner >= 0 ? inner : t;
      from = best;
    }
  }
  const cited = [...message.matchAll(/'([^']+)'/g), ...message.matchAll(/(\{\{[^}]+\}\})/g)];
  for (const [, needle] of cited) {
    const at = valueLine(lines, needle, from);
    if (at >= 0) return at + 1;
  }
  if (best >= 0) return best + 1;
  const field = /\b(spec|metadata|workflowSpec)\.([A-Za-z]+)/.exec(message);
  if (field) {
    const at = findLine(lines, new RegExp(`^\\s*${escapeRe(field[2])}:`));
    const parent = findLine(lines, new RegExp(`^\\s*${field[1]}:`));
    if (at >= 0 || parent >= 0) return (at >= 0 ? at : parent) + 1;
  }
  return null;
}

/** The 1-based line of the document's `kind:` (for problems about the kind), else 1. */
export function kindLine(text) {
  const at = findLine(String(text).split("\n"), /^kind:/);
  return at >= 0 ? at + 1 : 1;
}
