// Workflows list: the filters a user sets, as they live in the URL query (a filtered view is a
// deep link) and as they become the list and watch requests (Argo's listOptions.labelSelector,
// listOptions.fieldSelector + nameFilter, createdAfter, finishedBefore, fields), plus the order
// rows are kept in. Pure functions, no DOM and no fetches: pages/workflows.js, list/filters.js
// and list/model.js use them; tests call them inside the page.

export const PHASE_LABEL = "workflows.argoproj.io/phase";
export const ARCHIVING_LABEL = "workflows.argoproj.io/workflow-archiving-status";
/** Workflow phases a user can filter on (the controller keeps them in PHASE_LABEL). */
export const PHASE_CHOICES = ["Pending", "Running", "Succeeded", "Failed", "Error"];
/** How the name filter compares (Argo's nameFilter values). */
export const NAME_MATCHES = ["Contains", "Prefix", "Exact"];
/** Workflows asked for per list request. */
export const PAGE_SIZE = 500;

// What a row needs of a workflow; status.nodes and the spec stay on the server.
const ROW_PATHS = [
  "metadata.name",
  "metadata.namespace",
  "metadata.uid",
  "metadata.creationTimestamp",
  "metadata.resourceVersion",
  "metadata.labels",
  "status.phase",
  "status.message",
  "status.startedAt",
  "status.finishedAt",
  "status.progress",
  "spec.suspend",
];

/**
 * The filters of a list view read from its URL query.
 * @param {URLSearchParams} query
 * @param {string} namespace "" for every namespace
 * @param {boolean} [archivedOnly] only workflows in the archive (/archived-workflows)
 */
export function readFilters(query, namespace, archivedOnly = false) {
  const nameFilter = query.get("nameFilter") || "Contains";
  return {
    namespace,
    archivedOnly,
    phases: query.getAll("phase").filter((p) => PHASE_CHOICES.includes(p)),
    labels: query.getAll("label").flatMap(splitSelector),
    name: query.get("name") || "",
    nameFilter: NAME_MATCHES.includes(nameFilter) ? nameFilter : "Contains",
    createdAfter: validTime(query.get("createdAfter")),
    finishedBefore: validTime(query.get("finishedBefore")),
  };
}

/** The URL query that stands for `filters` (only what is set). */
export function writeFilters(filters) {
  const q = {};
  if (filters.phases.length) q.phase = [...filters.phases];
  if (filters.labels.length) q.label = [...filters.labels];
  if (filters.name) {
    q.name = filters.name;
    if (filters.nameFilter !== "Contains") q.nameFilter = filters.nameFilter;
  }
  if (filters.createdAfter) q.createdAfter = filters.createdAfter;
  if (filters.finishedBefore) q.finishedBefore = filters.finishedBefore;
  return q;
}

/** Whether any filter besides the namespace is set. */
export function isFiltered(filters) {
  return Boolean(
    filters.phases.length ||
      filters.labels.length ||
      filters.name ||
      filters.createdAfter ||
      filters.finishedBefore,
  );
}

/**
 * Split a label selector at its top-level commas ("a=b,c in (x,y)" -> two terms).
 * @param {string} text
 */
export function splitSelector(text) {
  const terms = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "(") depth++;
    else if (ch === ")") depth = Math.max(0, depth - 1);
    else if (ch === "," && depth === 0) {
      terms.push(text.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(text.slice(start));
  return terms.map((t) => t.trim()).filter(Boolean);
}

/** The label selector of the labels and phases chosen ("" when none). */
export function labelSelector(filters) {
  const terms = [...filters.labels];
  if (filters.archivedOnly) terms.push(`${ARCHIVING_LABEL} in (Archived,Persisted)`);
  if (filters.phases.length) terms.push(`${PHASE_LABEL} in (${filters.phases.join(",")})`);
  return terms.join(",");
}

/**
 * The `fields` value for a list (`items.` paths) or a watch (`result.object.` paths).
 * @param {"list"|"watch"} kind
 * @param {Array<{type: string}>} columns info.columns: annotation columns need annotations
 */
export function fieldsFor(kind, columns = []) {
  const paths = [...ROW_PATHS];
  if (columns.some((c) => String(c.type).toLowerCase() === "annotation")) {
    paths.push("metadata.annotations");
  }
  if (kind === "list") return ["metadata", ...paths.map((p) => `items.${p}`)].join(",");
  return ["result.type", ...paths.map((p) => `result.object.${p}`)].join(",");
}

/** The list request's query (one page; `token` is the previous page's continue). */
export function listQuery(filters, token = "", columns = []) {
  const q = { "listOptions.limit": PAGE_SIZE, fields: fieldsFor("list", columns) };
  const selector = labelSelector(filters);
  if (selector) q["listOptions.labelSelector"] = selector;
  if (filters.name) {
    q["listOptions.fieldSelector"] = `metadata.name=${filters.name}`;
    q.nameFilter = filters.nameFilter;
  }
  if (filters.createdAfter) q.createdAfter = filters.createdAfter;
  if (filters.finishedBefore) q.finishedBefore = filters.finishedBefore;
  if (token) q["listOptions.continue"] = token;
  return q;
}

/**
 * The watch request's query: the same label selector (the server sends a workflow that stops
 * matching as DELETED), from the list's resourceVersion so nothing listed is sent again. Name
 * and time filters are not watch selectors: `matches` applies them to each event.
 */
export function watchQuery(filters, resourceVersion = "", columns = []) {
  const q = { fields: fieldsFor("watch", columns) };
  const selector = labelSelector(filters);
  if (selector) q["listOptions.labelSelector"] = selector;
  if (resourceVersion) q["listOptions.resourceVersion"] = resourceVersion;
  return q;
}

/** Whether a workflow from the watch passes the filters the watch cannot apply. */
export function matches(wf, filters) {
  const meta = wf.metadata || {};
  const status = wf.status || {};
  if (filters.namespace && meta.namespace !== filters.namespace) return false;
  if (filters.name && !nameMatches(meta.name || "", filters.name, filters.nameFilter)) {
    return false;
  }
  if (filters.createdAfter && !(time(meta.creationTimestamp) > time(filters.createdAfter))) {
    return false;
  }
  if (filters.finishedBefore) {
    const finished = time(status.finishedAt);
    if (!finished || !(finished < time(filters.finishedBefore))) return false;
  }
  return true;
}

function nameMatches(name, wanted, how) {
  if (how === "Prefix") return name.startsWith(wanted);
  if (how === "Exact") return name === wanted;
  return name.includes(wanted);
}

/** Milliseconds of an RFC 3339 time, 0 when missing or bad. */
export function time(iso) {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(t) ? 0 : t;
}

function validTime(text) {
  return text && time(text) ? text : "";
}

/**
 * Where a workflow stands in the list, as the server orders it: running ones first (newest
 * created first), then finished ones (latest finished first); ties by uid.
 * @returns {[number, number, string]}
 */
export function position(wf) {
  const finished = time(wf.status?.finishedAt);
  const uid = wf.metadata?.uid || "";
  if (finished) return [1, finished, uid];
  return [0, time(wf.metadata?.creationTimestamp), uid];
}

/** Negative when `a` comes before `b` in the list. */
export function compare(a, b) {
  if (a[0] !== b[0]) return a[0] - b[0];
  if (a[1] !== b[1]) return b[1] - a[1];
  return a[2] < b[2] ? 1 : a[2] > b[2] ? -1 : 0;
}

/** Whether the workflow is (also) in the archive, as Argo's UI tells it from its label. */
export function isArchived(wf) {
  const value = wf.metadata?.labels?.[ARCHIVING_LABEL];
  return value === "Archived" || value === "Persisted";
}
